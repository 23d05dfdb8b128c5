import type { MetaDestination } from "../schemas/destinations";
import { hashUserBy, messageAt, postJson } from "./http";
import type { ForwardEvent, Platform } from "./types";
import { DAY_MS } from "../time/windows";

/**
 * Meta Conversions API: `POST {META_API_URL}/{version}/{pixel_id}/events`, JSON `{"data": [...],
 * "access_token", "test_event_code"?}`.
 * https://developers.facebook.com/docs/marketing-api/conversions-api/using-the-api
 * https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters
 */

export const META_API_VERSION = "v24.0";
/** NOTE: "up to 1,000 events" per request (Conversions API, "Send Requests"). */
const BATCH_MAX = 1000;
/** NOTE: event_time may be at most 7 days in the past; older events are refused. */
const MAX_AGE_MS = 7 * DAY_MS;

/** em: trimmed, lower case (Meta: "Trim any leading and trailing white space. Convert all characters to lowercase."). */
export const normaliseEmail = (s: string) => s.trim().toLowerCase();
/** ph: digits only, no leading zeros, with the country code (Meta: "Remove symbols, letters, and any leading zeros."). */
export const normalisePhone = (s: string) => s.replace(/\D/g, "").replace(/^0+/, "");
/** external_id: trimmed and lower-cased as the other ids (Meta recommends hashing it). */
export const normaliseExternalId = (s: string) => s.trim().toLowerCase();

/**
 * fbc from an fbclid: `fb.{subdomainIndex}.{creationTime}.{fbclid}` with subdomain index 1 and
 * the creation time in ms (the conversion's, when the click's own time is not known).
 * https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc/
 */
export const fbcOf = (fbclid: string, ms: number) => `fb.1.${ms}.${fbclid}`;

/** One `data` entry. */
export function metaEvent(e: ForwardEvent): Record<string, unknown> {
  const user: Record<string, unknown> = {};
  if (e.user.email) user.em = [e.user.email];
  if (e.user.phone) user.ph = [e.user.phone];
  if (e.user.external_id) user.external_id = [e.user.external_id];
  if (e.ip) user.client_ip_address = e.ip;
  if (e.user_agent) user.client_user_agent = e.user_agent;
  const fbc = e.click_ids.fbc ?? (e.click_ids.fbclid ? fbcOf(e.click_ids.fbclid, e.time * 1000) : undefined);
  if (fbc) user.fbc = fbc;
  if (e.click_ids.fbp) user.fbp = e.click_ids.fbp;
  const custom: Record<string, unknown> = {};
  if (e.value !== null) custom.value = e.value;
  if (e.currency !== null) custom.currency = e.currency;
  return {
    event_name: e.name,
    event_time: e.time,
    ...(e.event_id !== null ? { event_id: e.event_id } : {}),
    // NOTE: a "website" event needs client_user_agent and event_source_url; without them the
    // conversion is sent as "other" rather than refused.
    action_source: e.user_agent && e.url ? "website" : "other",
    ...(e.url ? { event_source_url: e.url } : {}),
    user_data: user,
    ...(Object.keys(custom).length > 0 ? { custom_data: custom } : {}),
  };
}

export const meta: Platform<MetaDestination> = {
  batchMax: BATCH_MAX,
  maxAgeMs: MAX_AGE_MS,
  hashUser: (u) => hashUserBy(u, { email: normaliseEmail, phone: normalisePhone, external_id: normaliseExternalId }),
  async send(dest, jobs, ctx) {
    const base = (ctx.env.META_API_URL || "https://graph.facebook.com").replace(/\/+$/, "");
    const test = jobs[0]!.test;
    const body = { data: jobs.map((j) => metaEvent(j.event)), access_token: dest.access_token, ...(test !== null ? { test_event_code: test } : {}) };
    const r = await postJson(ctx, `${base}/${META_API_VERSION}/${dest.pixel_id}/events`, body, {}, (text, status) =>
      messageAt(text, status, ["error", "error_user_msg"], ["error", "message"]),
    );
    return jobs.map(() => ("kind" in r ? r : { kind: "delivered" as const }));
  },
};
