import type { GoogleAdsDestination } from "../schemas/destinations";
import { hashUserBy, messageAt, MESSAGE_MAX, postJson, sha256Hex } from "./http";
import type { ForwardEvent, ForwardJob, Outcome, Platform, SendContext } from "./types";
import { DAY_MS } from "../time/windows";

/**
 * Google Ads API click conversions: an OAuth access token from the refresh token
 * (`POST {GOOGLE_OAUTH_URL}/token`, cached until shortly before it expires), then
 * `POST {GOOGLE_ADS_API_URL}/{version}/customers/{customer_id}:uploadClickConversions` with
 * `partialFailure: true`, so one refused conversion never costs the others.
 * https://developers.google.com/google-ads/api/docs/conversions/upload-clicks
 * https://developers.google.com/google-ads/api/docs/conversions/enhanced-conversions/leads
 * https://developers.google.com/identity/protocols/oauth2/web-server#offline
 */

export const GOOGLE_ADS_API_VERSION = "v24";
/** NOTE: at most 2,000 conversions per uploadClickConversions request. */
const BATCH_MAX = 2000;
/** NOTE: a click conversion must be uploaded within 90 days of its click (the longest click-through window). */
const MAX_AGE_MS = 90 * DAY_MS;

/**
 * Google's e-mail rules: trimmed, lower case, and for gmail.com and googlemail.com addresses
 * every "." before the domain removed.
 */
export function normaliseEmail(s: string): string {
  const e = s.trim().toLowerCase();
  const at = e.lastIndexOf("@");
  if (at < 0) return e;
  const domain = e.slice(at + 1);
  return domain === "gmail.com" || domain === "googlemail.com" ? e.slice(0, at).replaceAll(".", "") + "@" + domain : e;
}

/** E.164: "+" and the digits (the number must be sent with its country code). */
export const normalisePhone = (s: string) => {
  const digits = s.replace(/\D/g, "");
  return digits === "" ? "" : `+${digits}`;
};

/** "yyyy-mm-dd hh:mm:ss+00:00", as conversionDateTime wants it. */
export function conversionDateTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "+00:00");
}

/**
 * ClickConversion.consent from the event's `consent`: `{"adUserData": "GRANTED" | "DENIED"}`
 * (the ConsentStatus enum), only when the advertiser sent `ad_user_data`. An event with
 * ad_user_data false is never forwarded at all (src/ingest/server.ts), so in practice this says
 * GRANTED. NOTE: Google's Consent message documents `ad_personalization` as settable "only for
 * OfflineUserDataJobService and UserDataService", not on a click conversion, so `ad_personalization`
 * is not sent here. https://developers.google.com/google-ads/api/reference/rpc/v24/Consent
 * https://developers.google.com/google-ads/api/docs/conversions/upload-clicks
 */
export function consentOf(e: ForwardEvent): { adUserData: "GRANTED" | "DENIED" } | null {
  const data = e.consent?.ad_user_data;
  return data === true ? { adUserData: "GRANTED" } : data === false ? { adUserData: "DENIED" } : null;
}

/** One ClickConversion (REST JSON, camelCase). Only one of gclid, gbraid, wbraid may be set: gclid first. */
export function clickConversion(e: ForwardEvent, customerId: string): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  if (e.click_ids.gclid) c.gclid = e.click_ids.gclid;
  else if (e.click_ids.gbraid) c.gbraid = e.click_ids.gbraid;
  else if (e.click_ids.wbraid) c.wbraid = e.click_ids.wbraid;
  // A destination's `events` maps a goal to a conversion action id or its resource name.
  c.conversionAction = /^\d+$/.test(e.name) ? `customers/${customerId}/conversionActions/${e.name}` : e.name;
  c.conversionDateTime = conversionDateTime(e.time);
  if (e.value !== null) c.conversionValue = e.value;
  if (e.currency !== null) c.currencyCode = e.currency;
  if (e.event_id !== null) c.orderId = e.event_id;
  const ids: Record<string, string>[] = [];
  if (e.user.email) ids.push({ hashedEmail: e.user.email });
  if (e.user.phone) ids.push({ hashedPhoneNumber: e.user.phone });
  if (ids.length > 0) c.userIdentifiers = ids;
  const consent = consentOf(e);
  if (consent) c.consent = consent;
  return c;
}

interface Token {
  value: string;
  until: number;
}
/** Access tokens of this isolate, by a hash of the OAuth client and refresh token. */
const tokens = new Map<string, Token>();

/** Forgets every cached access token (tests; a 401 forgets its own). */
export function clearTokens(): void {
  tokens.clear();
}

async function accessToken(dest: GoogleAdsDestination, ctx: SendContext, cacheKey: string): Promise<string | Outcome> {
  const cached = tokens.get(cacheKey);
  if (cached && cached.until > Date.now()) return cached.value;
  const base = (ctx.env.GOOGLE_OAUTH_URL || "https://oauth2.googleapis.com").replace(/\/+$/, "");
  try {
    const res = await ctx.fetch(`${base}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", client_id: dest.client_id, client_secret: dest.client_secret, refresh_token: dest.refresh_token }).toString(),
      signal: AbortSignal.timeout(ctx.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) {
      const m = `OAuth token refresh: ${messageAt(text, res.status, ["error_description"], ["error"])}`.slice(0, MESSAGE_MAX);
      return res.status === 429 || res.status >= 500 ? { kind: "retry", status: res.status, message: m } : { kind: "failed", status: res.status, message: m };
    }
    const j = JSON.parse(text) as { access_token?: string; expires_in?: number };
    if (typeof j.access_token !== "string") return { kind: "retry", status: res.status, message: "OAuth token refresh: no access_token in the answer" };
    // Refreshed a minute early: a token never expires between this check and Google's.
    tokens.set(cacheKey, { value: j.access_token, until: Date.now() + Math.max(0, (j.expires_in ?? 3600) - 60) * 1000 });
    return j.access_token;
  } catch (err) {
    return { kind: "retry", status: 0, message: `OAuth token refresh: ${err instanceof Error ? err.message : String(err)}`.slice(0, MESSAGE_MAX) };
  }
}

/** The rows a partial failure names (`conversions[i]`), each with its message. */
function partialFailures(body: unknown): Map<number, string> {
  const out = new Map<number, string>();
  const pf = (body as { partialFailureError?: { message?: string; details?: { errors?: { message?: string; location?: { fieldPathElements?: { fieldName?: string; index?: number }[] } }[] }[] } })?.partialFailureError;
  for (const d of pf?.details ?? []) {
    for (const err of d.errors ?? []) {
      const el = err.location?.fieldPathElements?.find((f) => f.fieldName === "conversions" && typeof f.index === "number");
      if (el) out.set(el.index!, (out.has(el.index!) ? out.get(el.index!) + "; " : "") + (err.message ?? pf?.message ?? "refused"));
    }
  }
  return out;
}

const googleMessage = (text: string, status: number) => messageAt(text, status, ["error", "details", "0", "errors", "0", "message"], ["error", "message"]);

export const googleAds: Platform<GoogleAdsDestination> = {
  batchMax: BATCH_MAX,
  maxAgeMs: MAX_AGE_MS,
  // Google Ads click conversions take no external id (userIdentifiers: hashed e-mail and phone only).
  hashUser: (u) => hashUserBy(u, { email: normaliseEmail, phone: normalisePhone }),
  async send(dest, jobs: readonly ForwardJob[], ctx) {
    const cacheKey = await sha256Hex(`${dest.client_id}\u0000${dest.refresh_token}`);
    const base = (ctx.env.GOOGLE_ADS_API_URL || "https://googleads.googleapis.com").replace(/\/+$/, "");
    const body = { conversions: jobs.map((j) => clickConversion(j.event, dest.customer_id)), partialFailure: true };
    let r: { status: number; text: string } | Outcome = { kind: "retry", status: 0, message: "not sent" };
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await accessToken(dest, ctx, cacheKey);
      if (typeof token !== "string") return jobs.map(() => token);
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, "developer-token": dest.developer_token };
      if (dest.login_customer_id) headers["login-customer-id"] = dest.login_customer_id;
      r = await postJson(ctx, `${base}/${GOOGLE_ADS_API_VERSION}/customers/${dest.customer_id}:uploadClickConversions`, body, headers, googleMessage);
      // An access token revoked or expired early: forget it and refresh once.
      if ("kind" in r && r.kind !== "delivered" && r.status === 401 && attempt === 0) {
        tokens.delete(cacheKey);
        continue;
      }
      break;
    }
    if ("kind" in r) return jobs.map(() => r as Outcome);
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(r.text);
    } catch {
      parsed = null;
    }
    const failed = partialFailures(parsed);
    return jobs.map((_, i) => (failed.has(i) ? { kind: "failed" as const, status: 400, message: failed.get(i)!.slice(0, MESSAGE_MAX) } : { kind: "delivered" as const }));
  },
};
