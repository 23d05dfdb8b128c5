import type { DayState } from "../db/rollup";
import { addDays, dayEnd, dayOf } from "../time/day";
import { lateWindow } from "../time/windows";

/**
 * Raw events are kept at least this many days, so never inside the re-roll window: that window
 * (time/windows.ts lateWindow) reaches 168 hours back, which is at most 8 local days before
 * today (a DST change shifts it by an hour or two, never by a day).
 */
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

/**
 * The re-roll window of a site at `now`: every site-local day a late event accepted now can land
 * on (time/windows.ts, the same definition validation and the stats' provisional days use), oldest
 * first, today last.
 */
export function rerollWindow(now: number, timezone: string): string[] {
  return lateWindow(now, timezone);
}

/**
 * Why a day is rolled, in the order work is done: a roll under way first (its progress is
 * saved, finishing it frees scratch), then finished days never rolled (closest to being purged),
 * then changed days of the window, then today so far.
 */
export const PRIORITY = { resume: 0, unrolled: 1, changed: 2, today: 3 } as const;

export interface PlanInput {
  /** the run's time (unix ms): today and the re-roll window follow from it and the timezone */
  now: number;
  timezone: string;
  /** the site's updated_at: a configuration change re-rolls the window */
  siteUpdatedAt: number;
  /** rollup_days rows and highest events.rowid (null: no events) by day, for the window and `unrolled` */
  states: Map<string, DayState>;
  last: Map<string, number | null>;
  /** days before the window with raw events whose roll never finished */
  unrolled: readonly string[];
}

export interface PlannedDay {
  day: string;
  priority: number;
}

/**
 * Which days a scheduled run rolls up for one site. A window day is skipped when nothing can
 * have changed since its last roll: it is done, no event arrived since (its highest rowid is the
 * cursor), it was rolled after it ended, and the site's configuration has not changed since.
 * Today is always rolled.
 */
export function daysToRoll(p: PlanInput): PlannedDay[] {
  const window = rerollWindow(p.now, p.timezone);
  const today = dayOf(p.now, p.timezone);
  const out: PlannedDay[] = [];
  const priorityOf = (day: string, otherwise: number) => (p.states.get(day)?.status === "running" ? PRIORITY.resume : otherwise);
  for (const day of p.unrolled) if (day < window[0]!) out.push({ day, priority: priorityOf(day, PRIORITY.unrolled) });
  for (const day of window) {
    if (day === today) {
      out.push({ day, priority: priorityOf(day, PRIORITY.today) });
      continue;
    }
    const s = p.states.get(day);
    const changed =
      !s ||
      s.status !== "done" ||
      (p.last.get(day) ?? 0) > s.cursor ||
      s.updated_at < dayEnd(day, p.timezone) + FINAL_GRACE_MS ||
      p.siteUpdatedAt > s.updated_at;
    if (changed) out.push({ day, priority: priorityOf(day, PRIORITY.changed) });
  }
  return out;
}

/**
 * Orders the work of all sites: by priority, then day, then the sites' turn (which rotates
 * every hour), so unfinished work always goes first and no site is always last.
 */
export function orderWork<T extends PlannedDay & { turn: number }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.priority - b.priority || (a.day < b.day ? -1 : a.day > b.day ? 1 : 0) || a.turn - b.turn);
}
