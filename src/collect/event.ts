import type { Touch } from "./touch";

export type Via = "pixel" | "beacon" | "server";

/**
 * An event as stored (one `events` row): validated, scrubbed, with its visitor hash already
 * derived. This is the queue message body and what /e?debug=1 reports as `event`.
 * It never holds a raw IP, user agent, e-mail or phone number.
 */
export interface CleanEvent {
  site: string;
  /** site-local day of `ts` */
  day: string;
  /** event time, unix ms */
  ts: number;
  received_at: number;
  name: string;
  event_id: string | null;
  via: Via;
  visitor: string | null;
  url: string | null;
  /** 'landing' when the hit carries a touch from its URL or referrer; 'direct' when it has no referrer (direct if first of the visitor's day) */
  touch_kind: "landing" | "direct" | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
  value: number | null;
  currency: string | null;
  /** a conversion's journey (server `touches` or the tracker's `j`) */
  journey: Touch[] | null;
  country: string | null;
  device: "desktop" | "mobile" | "tablet" | null;
}
