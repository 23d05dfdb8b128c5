import { addDays } from "./day";

/**
 * The release periods of CONTRACT.md "small volumes" (v1.1): a day, a week (an ISO week, Monday
 * to Sunday, clipped at month boundaries) and a calendar month. Pure calendar arithmetic on
 * `YYYY-MM-DD` days, already in the site's timezone, so no zone is involved. The grains nest: every
 * day is in exactly one week-part and one month, and every week-part is inside its month.
 */

export type Grain = "day" | "week" | "month";

/** A period: its grain and its first and last day (inclusive). */
export interface Period {
  grain: Grain;
  from: string;
  to: string;
}

/** 0 = Monday … 6 = Sunday (ISO). */
export function isoWeekday(day: string): number {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

/** The first day of `day`'s calendar month. */
export function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

/** The last day of `day`'s calendar month. */
export function monthEnd(day: string): string {
  return addDays(monthStart(addDays(monthStart(day), 31)), -1);
}

/** The calendar month holding `day`. */
export function monthOf(day: string): Period {
  return { grain: "month", from: monthStart(day), to: monthEnd(day) };
}

/**
 * The week-part holding `day`: its ISO week (Monday to Sunday) clipped to its month, so a week that
 * spans two months is two periods, each inside its month.
 */
export function weekOf(day: string): Period {
  const monday = addDays(day, -isoWeekday(day));
  const sunday = addDays(monday, 6);
  const m = monthOf(day);
  return { grain: "week", from: monday < m.from ? m.from : monday, to: sunday > m.to ? m.to : sunday };
}

/** The period of `grain` holding `day`. */
export function periodOf(grain: Grain, day: string): Period {
  return grain === "day" ? { grain, from: day, to: day } : grain === "week" ? weekOf(day) : monthOf(day);
}

/**
 * The period as released on `asOf` (the last day rolled up, site-local today): the current week
 * and month are released over their days so far, so their last day is `asOf` (CONTRACT.md: "a
 * range that reaches today covers them").
 */
export function clipTo(p: Period, asOf: string): Period {
  return p.to > asOf ? { ...p, to: asOf < p.from ? p.from : asOf } : p;
}

/** True when the range [from, to] holds the whole period (the only case its unit is answered). */
export function covers(from: string, to: string, p: { from: string; to: string }): boolean {
  return from <= p.from && p.to <= to;
}

/** True when the range [from, to] holds some but not all days of the period (a "partial period"). */
export function cuts(from: string, to: string, p: { from: string; to: string }): boolean {
  return from <= p.to && p.from <= to && !covers(from, to, p);
}
