import type { DayState } from "../db/rollup";
import { addDays, daysBetween, dayEnd } from "../time/day";

/** Days before today that every run rolls up again for late events (server events may be 7 days old). */
export const REROLL_DAYS = 7;
/** Raw events are kept at least this many days: never inside the re-roll window. */
export const MIN_RETENTION_DAYS = 8;
/**
 * A day counts as rolled "after its end" only when rolled this long after midnight, so link
 * clicks and queued hits of its last minutes are in (the queue delivers within seconds; retries
 * take longer).
 */
export const FINAL_GRACE_MS = 30 * 60_000;

/** RAW_RETENTION_DAYS as a number of days: default 8, never fewer than 8. */
export function retentionDays(raw: string | undefined): number {
  const n = Number.parseInt(raw ?? "", 10);
  return Number.isFinite(n) ? Math.max(MIN_RETENTION_DAYS, n) : MIN_RETENTION_DAYS;
}

/** The oldest day whose raw events are kept; earlier days are purged once rolled up. */
export function oldestKeptDay(today: string, retention: number): string {
  return addDays(today, -retention);
}

export interface PlanInput {
  today: string;
  timezone: string;
  /** the site's updated_at: a config change re-rolls the window */
  siteUpdatedAt: number;
  states: Map<string, DayState>;
  /** highest events.rowid per day (null or missing: no events) */
  last: Map<string, number | null>;
  /** days before the window with raw events whose roll never finished */
  unrolled: readonly string[];
}

/**
 * Which days a scheduled run rolls up for one site, in order: unfinished old days first (they
 * are closest to being purged), then the re-roll window oldest first, today last. A window day
 * is skipped when nothing can have changed since its last roll: it is done, no event arrived
 * since (its highest rowid is the cursor), it was rolled after it ended, and the site's
 * configuration has not changed since. Today is always rolled.
 */
export function daysToRoll(p: PlanInput): string[] {
  const window = daysBetween(addDays(p.today, -REROLL_DAYS), p.today);
  const chosen = window.filter((day) => {
    if (day === p.today) return true;
    const s = p.states.get(day);
    if (!s || s.status !== "done") return true;
    if ((p.last.get(day) ?? 0) > s.cursor) return true;
    if (s.updated_at < dayEnd(day, p.timezone) + FINAL_GRACE_MS) return true;
    return p.siteUpdatedAt > s.updated_at;
  });
  return [...p.unrolled.filter((d) => d < window[0]!), ...chosen];
}
