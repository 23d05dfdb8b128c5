import { dayEnd, dayOf, dayStart } from "../time/day";

/**
 * `dayOf` for the instants a collector sees — now, give or take — memoised per timezone. Every
 * browser hit needs its site-local day, and Intl's formatToParts behind `dayOf` was the costliest
 * single step of a pixel hit (bench/profile-pixel.mjs). The memo keeps the last day's bounds
 * [start, end) of each zone, so a hit inside them costs two comparisons; any other instant is
 * computed afresh, so the answer is always `dayOf`'s, across DST changes too.
 */
const days = new Map<string, { day: string; start: number; end: number }>();

export function hitDayOf(ms: number, tz: string): string {
  const d = days.get(tz);
  if (d !== undefined && ms >= d.start && ms < d.end) return d.day;
  const day = dayOf(ms, tz);
  if (days.size >= 1_000) days.clear();
  days.set(tz, { day, start: dayStart(day, tz), end: dayEnd(day, tz) });
  return day;
}
