import type { CleanEvent } from "../collect/event";
import type { Touch } from "../collect/touch";
import { isObject } from "../http/body";
import type { StoredEvent } from "../db/events";
import type { ForwardContext } from "../forward/types";

/**
 * A queue message carries a pack of accepted hits — an array of StoredEvents, `[{id, event}, …]`
 * (src/ingest/producer.ts) — or, from a small burst or an earlier version, one StoredEvent
 * `{id, event}`: the edge-assigned id and the CleanEvent (already validated, scrubbed and hashed
 * at the edge, so no raw IP or user agent is ever in the queue or its dead-letter queue). The
 * consumer accepts both shapes and re-checks every event, so a malformed entry (a bug, or a
 * message from another version) is set aside on its own, never crashes or blocks the rest.
 */

/** A queue message body: a pack of events, or a single event. */
export type QueueBody = StoredEvent | StoredEvent[];

const str = (v: unknown) => typeof v === "string";
const strOrNull = (v: unknown) => v === null || typeof v === "string";
const num = (v: unknown) => typeof v === "number" && Number.isFinite(v);

function isTouch(t: unknown): t is Touch {
  return isObject(t) && num(t.time) && str(t.source) && str(t.medium) && str(t.campaign) && strOrNull(t.content) && strOrNull(t.term) && typeof t.view === "boolean";
}

/** True when `e` has every CleanEvent field with the right type. */
export function isCleanEvent(e: unknown): e is CleanEvent {
  return (
    isObject(e) &&
    str(e.site) &&
    typeof e.day === "string" && /^\d{4}-\d{2}-\d{2}$/.test(e.day) &&
    num(e.ts) &&
    num(e.received_at) &&
    str(e.name) &&
    strOrNull(e.event_id) &&
    (e.via === "pixel" || e.via === "beacon" || e.via === "server") &&
    strOrNull(e.visitor) &&
    strOrNull(e.url) &&
    (e.touch_kind === null || e.touch_kind === "landing" || e.touch_kind === "direct") &&
    strOrNull(e.source) &&
    strOrNull(e.medium) &&
    strOrNull(e.campaign) &&
    strOrNull(e.content) &&
    strOrNull(e.term) &&
    (e.value === null || num(e.value)) &&
    strOrNull(e.currency) &&
    (e.journey === null || (Array.isArray(e.journey) && e.journey.every(isTouch))) &&
    strOrNull(e.country) &&
    (e.device === null || e.device === "desktop" || e.device === "mobile" || e.device === "tablet")
  );
}

/** The body as a StoredEvent, or null for a poison message. */
export function parseMessage(body: unknown): StoredEvent | null {
  if (!isObject(body) || typeof body.id !== "string" || body.id === "" || !isCleanEvent(body.event)) return null;
  const fwd = body.forward;
  return isObject(fwd) && (fwd.event_id === null || str(fwd.event_id)) && strOrNull(fwd.ip) && strOrNull(fwd.user_agent)
    ? { id: body.id, event: body.event, forward: { event_id: fwd.event_id as string | null, ip: fwd.ip as string | null, user_agent: fwd.user_agent as string | null, click_ids: isObject(fwd.click_ids) ? (fwd.click_ids as ForwardContext["click_ids"]) : null } }
    : { id: body.id, event: body.event };
}

/**
 * The events of a message body and what in it is poison: a pack's invalid entries one by one, or
 * the whole body when it is neither a valid event nor a non-empty array.
 */
export function unpack(body: unknown): { items: StoredEvent[]; poison: unknown[] } {
  if (!Array.isArray(body)) {
    const one = parseMessage(body);
    return one ? { items: [one], poison: [] } : { items: [], poison: [body] };
  }
  if (body.length === 0) return { items: [], poison: [body] };
  const items: StoredEvent[] = [];
  const poison: unknown[] = [];
  for (const entry of body) {
    const one = parseMessage(entry);
    if (one) items.push(one);
    else poison.push(entry);
  }
  return { items, poison };
}

/** A fresh edge-assigned id for one accepted hit (128 random bits). */
export function newMessageId(): string {
  return crypto.randomUUID();
}
