import { deriveTouch } from "../collect/landing";
import { scrubTouch } from "../collect/scrub-touch";
import { checkServerEvent, type CheckedServerEvent } from "../collect/server";
import { normalizeTouch } from "../collect/touch";
import { isObject } from "../http/body";
import { HttpError, type Problem } from "../http/errors";
import type { SiteConfig } from "../sites/config";
import { parseTime } from "../time/day";

/**
 * Segment's HTTP Tracking API (`POST /v1/track`, `/v1/page`, `/v1/batch`, `/v1/identify`, CONTRACT.md
 * v1.1 "Drop-in endpoints") turned into native ServerEvents, which then take `/v1/events`' own
 * way: checkServerEvent (schema, goal, time window, bot) → dedup → D1. Pure.
 *
 * What maps: `event` → name (aliases apply in checkServerEvent), a page call → `pageview`,
 * `messageId` → `event_id`, `properties.revenue` / `total` / `value` → value,
 * `properties.currency`, `timestamp` → time, `context.ip` / `context.userAgent` → `client` (the
 * visitor hash and bot check only), `context.page.url` (a page call's `properties.url` too) → url,
 * `context.page.referrer` → a landing touch, `context.campaign` → a touch. Everything else —
 * `userId`, `anonymousId`, `traits`, other properties — is never read, so never stored.
 */

/** Segment's own limits: one event, one batch (bytes of JSON). */
export const SEGMENT_EVENT_MAX_BYTES = 32 * 1024;
export const SEGMENT_BATCH_MAX_BYTES = 500 * 1024;

export type SegmentCall = "track" | "page" | "identify" | "batch";
/** Call types that carry nothing edgetally keeps: accepted and ignored. */
const IGNORED = new Set(["identify", "group", "alias", "screen"]);

/** One message of a request, checked: `checked` is null for an ignored type. */
export interface SegmentEvent {
  index: number;
  checked: CheckedServerEvent | null;
  /** `event` as sent, for the live view */
  sentName: unknown;
}

const bad = (message: string, field?: string) => new HttpError(400, "invalid_body", message, field);

/**
 * The messages of one request: a batch's `batch` array, or the single call's body with its type
 * implied by the path. A body that is not that is a 400 (Segment's malformed request).
 */
export function segmentMessages(call: SegmentCall, body: unknown): { type: string; message: unknown }[] {
  if (!isObject(body)) throw bad("Send a JSON object.");
  if (call !== "batch") return [{ type: typeof body.type === "string" ? body.type : call, message: body }];
  const batch = body.batch;
  if (!Array.isArray(batch)) throw bad('A batch is {"batch": [message, …]}.', "batch");
  return batch.map((message) => ({ type: isObject(message) && typeof message.type === "string" ? message.type : "", message }));
}

const obj = (v: unknown): Record<string, unknown> => (isObject(v) ? v : {});
const first = (...vs: unknown[]): unknown => vs.find((v) => v !== undefined && v !== null);

/** Where each ServerEvent field came from in the Segment message, so a rejection points into the request. */
const FIELD_OF: readonly (readonly [native: string, segment: string])[] = [
  ["name", "event"],
  ["time", "timestamp"],
  ["event_id", "messageId"],
  ["url", "context.page.url"],
  ["value", "properties.revenue"],
  ["currency", "properties.currency"],
  ["touches.0", "context.campaign"],
  ["touches", "context.campaign"],
  ["client.ip", "context.ip"],
  ["client.user_agent", "context.userAgent"],
  ["client", "context"],
];

function segmentField(p: Problem, prefix: string): Problem {
  if (p.field === undefined) return p;
  const native = p.field.startsWith("events.0.") ? p.field.slice("events.0.".length) : p.field;
  const hit = FIELD_OF.find(([n]) => native === n || native.startsWith(`${n}.`));
  const rest = hit ? hit[1] + native.slice(hit[0].length) : native;
  return { ...p, field: `${prefix}${rest}` };
}

/**
 * Checks one Segment message as the ServerEvent it maps to. `prefix` is its place in the request
 * (`batch.3.` or empty), for error fields. Over 32 KB, or of an unknown type, it is rejected alone.
 */
export function checkSegmentMessage(type: string, message: unknown, prefix: string, site: SiteConfig, now: number): CheckedServerEvent | null {
  const reject = (problem: Problem): CheckedServerEvent => ({ event: null, problems: [problem], client: null, extras: {}, test: false });
  if (!isObject(message)) return reject({ code: "invalid_event", message: "Each message is a JSON object.", field: prefix.replace(/\.$/, "") || undefined });
  if (new TextEncoder().encode(JSON.stringify(message)).length > SEGMENT_EVENT_MAX_BYTES) {
    return reject({ code: "event_too_large", message: `A message is at most ${SEGMENT_EVENT_MAX_BYTES} bytes of JSON.`, field: prefix.replace(/\.$/, "") || undefined });
  }
  if (IGNORED.has(type)) return null;
  if (type !== "track" && type !== "page") {
    return reject({ code: "invalid_type", message: "`type` is track, page, identify, group, alias or screen.", field: `${prefix}type` });
  }
  const context = obj(message.context);
  const page = obj(context.page);
  const properties = obj(message.properties);
  if (type === "track" && (typeof message.event !== "string" || message.event === "")) {
    return reject({ code: "missing_name", message: "A track call needs `event`: the event's name.", field: `${prefix}event` });
  }
  const url = first(page.url, type === "page" ? properties.url : undefined);
  const referrer = first(page.referrer, type === "page" ? properties.referrer : undefined);
  const time = first(message.timestamp);
  const campaign = obj(context.campaign);
  const touchTime = parseTime(time) ?? now;
  const touch =
    typeof campaign.source === "string" && campaign.source.trim() !== ""
      ? [{ time: Math.floor(touchTime / 1000), source: campaign.source, medium: campaign.medium ?? null, campaign: campaign.name ?? null, content: campaign.content ?? null, term: campaign.term ?? null }]
      : undefined;
  const ip = first(context.ip);
  const userAgent = first(context.userAgent);
  const raw: Record<string, unknown> = {
    name: type === "page" ? "pageview" : message.event,
    time,
    event_id: message.messageId,
    url,
    value: first(properties.revenue, properties.total, properties.value),
    currency: properties.currency,
    touches: touch,
    client: ip !== undefined || userAgent !== undefined ? { ip, user_agent: userAgent } : undefined,
  };
  for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
  const checked = checkServerEvent(raw, 0, site, now);
  checked.problems = checked.problems.map((p) => segmentField(p, prefix));
  const e = checked.event;
  // A page call is a browser pageview relayed: its campaign, else its referrer, is its landing
  // touch, as the tracker's pageview would carry (a server event reads only its URL).
  if (e && e.name === "pageview" && e.touch_kind === null) {
    if (touch) {
      const t = scrubTouch(normalizeTouch({ ...touch[0]!, time: e.ts }));
      Object.assign(e, { touch_kind: "landing", source: t.source, medium: t.medium, campaign: t.campaign, content: t.content, term: t.term });
    } else if (typeof referrer === "string" && referrer !== "") {
      let ref: URL | null = null;
      let page: URL | null = null;
      try {
        ref = new URL(referrer);
      } catch {}
      try {
        page = typeof url === "string" ? new URL(url) : null;
      } catch {}
      const derived = ref ? deriveTouch(page, ref, site.domains) : null;
      if (derived && derived.touch_kind === "landing") Object.assign(e, derived);
    }
  }
  return checked;
}
