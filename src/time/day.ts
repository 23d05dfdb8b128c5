/**
 * Days in a site's IANA timezone. A day is always computed from a timestamp and a zone —
 * never from the machine's clock zone (there is none worth trusting in a Worker).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `tz` is an IANA zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallTime(ms: number, tz: string): Wall {
  const parts = formatter(tz).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? "0");
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour"), minute: get("minute"), second: get("second") };
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** The `YYYY-MM-DD` day that unix-ms `ms` falls on in `tz`. */
export function dayOf(ms: number, tz: string): string {
  const w = wallTime(ms, tz);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

/** Offset of `tz` from UTC at instant `ms`, in ms (Berlin summer: +7,200,000). */
function offsetAt(ms: number, tz: string): number {
  const w = wallTime(ms, tz);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** Unix ms of the first instant of `day` in `tz` (local midnight, DST-aware). */
export function dayStart(day: string, tz: string): number {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const naive = Date.UTC(y, m - 1, d);
  // Two passes settle the offset even when midnight sits next to a DST change.
  let guess = naive - offsetAt(naive, tz);
  guess = naive - offsetAt(guess, tz);
  // If local midnight does not exist (a DST jump at 00:00), the day starts at the first instant after.
  if (dayOf(guess, tz) !== day) guess += 3_600_000;
  return guess;
}

/** Unix ms of the first instant after `day` in `tz`. A DST day is 23 or 25 hours long. */
export function dayEnd(day: string, tz: string): number {
  return dayStart(addDays(day, 1), tz);
}

/** Calendar arithmetic on `YYYY-MM-DD` (no zone involved). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** Inclusive list of days from `from` to `to`. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day written `YYYY-MM-DD`. */
export function isDay(s: string): boolean {
  const m = DAY_RE.exec(s);
  if (!m) return false;
  return addDays(s, 0) === s;
}

/**
 * Parses an input time: unix seconds (number) or an ISO-8601 string. Returns unix ms,
 * or null when the input is neither.
 */
export function parseTime(input: unknown): number | null {
  if (typeof input === "number") {
    return Number.isFinite(input) && input >= 0 && input < 1e11 ? Math.round(input * 1000) : null;
  }
  if (typeof input === "string" && /^\d{4}-\d{2}-\d{2}T/.test(input)) {
    const ms = Date.parse(input);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

/** ISO-8601 UTC output time. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
