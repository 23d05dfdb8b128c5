import { dayOf, daysBetween } from "./day";

/**
 * The project's time windows, defined once (CONTRACT.md "Collection"): how late an event may
 * arrive, how long an event_id stays one event, and how long a day's salt outlives it.
 * Validation, the rollup's planner and purge, the stats' provisional days and the messages that
 * name these windows all read them from here, so they cannot drift apart. Durations elsewhere
 * (a platform's age limit, a retention) are written in HOUR_MS and DAY_MS.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** A server event's `time` may be up to this far in the past ("up to 7 days", i.e. 168 hours). */
export const LATE_EVENT_MS = 7 * DAY_MS;

/** The same `(site, event_id)` within this long of its first copy is a duplicate (48 hours). */
export const DEDUP_WINDOW_MS = 48 * HOUR_MS;

/** How long a day's visitor salt outlives the day (48 hours); the rollup deletes it after that (privacy/visitor.ts). */
export const SALT_GRACE_MS = 48 * HOUR_MS;

/**
 * The site-local days an event accepted at `now` can still land on, oldest first: from the day of
 * `now − LATE_EVENT_MS` in `tz` to today. Counting hours, not local days, is what makes it exact
 * across DST: after a 23-hour day, 168 hours reach back into an 8th local day before today, and
 * that day must still be re-rolled (and shown as provisional), or a late event on it is lost.
 */
export function lateWindow(now: number, tz: string): string[] {
  return daysBetween(dayOf(now - LATE_EVENT_MS, tz), dayOf(now, tz));
}

/** The first day of `lateWindow(now, tz)`. */
export function lateWindowStart(now: number, tz: string): string {
  return dayOf(now - LATE_EVENT_MS, tz);
}
