import type { LinkedinDestination } from "../schemas/destinations";
import { hashWith, messageAt, MESSAGE_MAX, postJson } from "./http";
import type { ForwardEvent, Outcome, Platform } from "./types";
import { DAY_MS } from "../time/windows";

/**
 * LinkedIn Conversions API: `POST {LINKEDIN_API_URL}/rest/conversionEvents` as a Rest.li
 * BATCH_CREATE (`{"elements": [...]}`), with the `LinkedIn-Version` and
 * `X-Restli-Protocol-Version: 2.0.0` headers; each element's own status says whether it was taken.
 * https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/conversions-api
 */

export const LINKEDIN_VERSION = "202510";
/** NOTE: at most 5,000 events per batch. */
const BATCH_MAX = 5000;
/** NOTE: conversions must have happened within the last 90 days. */
const MAX_AGE_MS = 90 * DAY_MS;

/** SHA256_EMAIL: trimmed, lower case, then SHA-256. */
export const normaliseEmail = (s: string) => s.trim().toLowerCase();

export function linkedinEvent(e: ForwardEvent): Record<string, unknown> {
  const userIds: { idType: string; idValue: string }[] = [];
  if (e.user.email) userIds.push({ idType: "SHA256_EMAIL", idValue: e.user.email });
  if (e.click_ids.li_fat_id) userIds.push({ idType: "LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID", idValue: e.click_ids.li_fat_id });
  return {
    // A destination's `events` maps a goal to a conversion rule id or its URN.
    conversion: /^\d+$/.test(e.name) ? `urn:lla:llaPartnerConversion:${e.name}` : e.name,
    conversionHappenedAt: e.time * 1000,
    ...(e.value !== null && e.currency !== null ? { conversionValue: { currencyCode: e.currency, amount: String(e.value) } } : {}),
    ...(e.event_id !== null ? { eventId: e.event_id } : {}),
    user: { userIds },
  };
}

export const linkedin: Platform<LinkedinDestination> = {
  batchMax: BATCH_MAX,
  maxAgeMs: MAX_AGE_MS,
  async hashUser(u) {
    const em = await hashWith(u.email, normaliseEmail);
    return em ? { email: em } : {};
  },
  async send(dest, jobs, ctx) {
    const base = (ctx.env.LINKEDIN_API_URL || "https://api.linkedin.com").replace(/\/+$/, "");
    const headers = { authorization: `Bearer ${dest.access_token}`, "linkedin-version": LINKEDIN_VERSION, "x-restli-protocol-version": "2.0.0", "x-restli-method": "BATCH_CREATE" };
    const r = await postJson(ctx, `${base}/rest/conversionEvents`, { elements: jobs.map((j) => linkedinEvent(j.event)) }, headers, (text, status) => messageAt(text, status, ["message"]));
    if ("kind" in r) return jobs.map(() => r);
    let elements: { status?: number; error?: { message?: string } }[] = [];
    try {
      elements = ((JSON.parse(r.text) as { elements?: typeof elements }).elements ?? []);
    } catch {
      elements = [];
    }
    return jobs.map((_, i): Outcome => {
      const el = elements[i];
      const status = el?.status ?? 201;
      if (status >= 200 && status < 300) return { kind: "delivered" };
      const message = (el?.error?.message ?? `HTTP ${status}`).slice(0, MESSAGE_MAX);
      return status === 429 || status >= 500 ? { kind: "retry", status, message } : { kind: "failed", status, message };
    });
  },
};
