import type { TiktokDestination } from "../schemas/destinations";
import { hashUserBy, MESSAGE_MAX, postJson } from "./http";
import type { ForwardEvent, Outcome, Platform } from "./types";
import { DAY_MS } from "../time/windows";

/**
 * TikTok Events API 2.0 (web events): `POST {TIKTOK_API_URL}/open_api/v1.3/event/track/` with the
 * `Access-Token` header and `{"event_source": "web", "event_source_id": pixel_code, "data": [...]}`.
 * TikTok answers HTTP 200 with its own `code` (0: OK), so the outcome is read from the body.
 * https://business-api.tiktok.com/portal/docs?id=1771101027431425 (Events API 2.0, web events)
 */

/** NOTE: at most 1,000 events per request. */
const BATCH_MAX = 1000;
/** NOTE: web events older than 7 days are not attributed; never sent later than that. */
const MAX_AGE_MS = 7 * DAY_MS;

/** email: trimmed, lower case, then SHA-256. */
export const normaliseEmail = (s: string) => s.trim().toLowerCase();
/** phone: E.164 ("+" and the digits, with the country code), then SHA-256. */
export const normalisePhone = (s: string) => {
  const digits = s.replace(/\D/g, "");
  return digits === "" ? "" : `+${digits}`;
};
/** external_id: trimmed, lower case, then SHA-256. */
export const normaliseExternalId = (s: string) => s.trim().toLowerCase();

export function tiktokEvent(e: ForwardEvent): Record<string, unknown> {
  const user: Record<string, unknown> = {};
  if (e.click_ids.ttclid) user.ttclid = e.click_ids.ttclid;
  if (e.user.email) user.email = e.user.email;
  if (e.user.phone) user.phone = e.user.phone;
  if (e.user.external_id) user.external_id = e.user.external_id;
  if (e.ip) user.ip = e.ip;
  if (e.user_agent) user.user_agent = e.user_agent;
  const properties: Record<string, unknown> = {};
  if (e.value !== null) properties.value = e.value;
  if (e.currency !== null) properties.currency = e.currency;
  return {
    event: e.name,
    event_time: e.time,
    ...(e.event_id !== null ? { event_id: e.event_id } : {}),
    user,
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
    ...(e.url ? { page: { url: e.url } } : {}),
  };
}

/** TikTok's `code`: 0 delivered; 40100 (rate limit) and 5xxxx retried; any other refused. */
export function tiktokOutcome(status: number, text: string): Outcome {
  let code: number | null = null;
  let message = text.trim();
  try {
    const j = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof j.code === "number") code = j.code;
    if (typeof j.message === "string") message = j.message;
  } catch {
    // not JSON: HTTP status decides
  }
  message = message.slice(0, MESSAGE_MAX) || `HTTP ${status}`;
  if (code === 0) return { kind: "delivered" };
  if (code === 40100 || (code !== null && code >= 50000)) return { kind: "retry", status, message: `${code}: ${message}` };
  return { kind: "failed", status, message: code === null ? message : `${code}: ${message}` };
}

export const tiktok: Platform<TiktokDestination> = {
  batchMax: BATCH_MAX,
  maxAgeMs: MAX_AGE_MS,
  hashUser: (u) => hashUserBy(u, { email: normaliseEmail, phone: normalisePhone, external_id: normaliseExternalId }),
  async send(dest, jobs, ctx) {
    const base = (ctx.env.TIKTOK_API_URL || "https://business-api.tiktok.com").replace(/\/+$/, "");
    const test = jobs[0]!.test;
    const body = { event_source: "web", event_source_id: dest.pixel_code, ...(test !== null ? { test_event_code: test } : {}), data: jobs.map((j) => tiktokEvent(j.event)) };
    const r = await postJson(ctx, `${base}/open_api/v1.3/event/track/`, body, { "access-token": dest.access_token }, (text, status) => tiktokOutcomeMessage(text, status));
    const o: Outcome = "kind" in r ? r : tiktokOutcome(r.status, r.text);
    return jobs.map(() => o);
  },
};

function tiktokOutcomeMessage(text: string, status: number): string {
  const o = tiktokOutcome(status, text);
  return o.kind === "delivered" ? `HTTP ${status}` : o.message;
}
