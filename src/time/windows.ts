import { dayOf, daysBetween } from "./day";

/**
 * The project's two time windows, defined once (CONTRACT.md "Collection"): how late an event may
 * arrive, and how long an event_id stays one event. Validation, the rollup's planner and purge,
 * and the stats' provisional days all read them from here, so they cannot drift apart.
 */

/** A server event's `time` may be up to this far in the past ("up to 7 days", i.e. 168 hours). */
export const LATE_EVENT_MS = 7 * 86_400_000;

/** The same `(site, event_id)` within this long of its first copy is a duplicate (48 hours). */
export const DEDUP_WINDOW_MS = 48 * 3_600_000;

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
