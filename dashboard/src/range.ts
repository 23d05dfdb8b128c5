// Date ranges of the range picker and the period they are compared with. Days are calendar days
// (YYYY-MM-DD) counted in the browser's calendar; the API reads them in the site's timezone.

export type Preset = "today" | "7d" | "28d" | "90d" | "month" | "custom";

export const PRESETS: { id: Preset; label: string }[] = [
  { id: "today", label: "Today" },
  { id: "7d", label: "Last 7 days" },
  { id: "28d", label: "Last 28 days" },
  { id: "90d", label: "Last 90 days" },
  { id: "month", label: "This month" },
  { id: "custom", label: "Custom" },
];

/** The API's longest range (stats/query.ts MAX_RANGE_DAYS). */
export const MAX_DAYS = 366;

export interface Range {
  from: string;
  to: string;
}

const pad = (n: number) => String(n).padStart(2, "0");

export function dayString(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function utc(day: string): number {
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
}

export function addDays(day: string, n: number): string {
  const d = new Date(utc(day) + n * 86_400_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export function daysBetween(from: string, to: string): number {
  return Math.round((utc(to) - utc(from)) / 86_400_000) + 1;
}

export function isDay(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && addDays(s, 0) === s;
}

/** The range of a preset, ending today. */
export function presetRange(p: Exclude<Preset, "custom">, today: string): Range {
  switch (p) {
    case "today":
      return { from: today, to: today };
    case "7d":
      return { from: addDays(today, -6), to: today };
    case "28d":
      return { from: addDays(today, -27), to: today };
    case "90d":
      return { from: addDays(today, -89), to: today };
    case "month":
      return { from: today.slice(0, 8) + "01", to: today };
  }
}

/** The period compared with: as many days, right before (for "this month": the same days of last month). */
export function previousRange(r: Range, preset: Preset): Range {
  if (preset === "month") {
    const first = r.from;
    const prevFirst = addDays(first, -1).slice(0, 8) + "01";
    const len = daysBetween(r.from, r.to);
    const prevLast = addDays(first, -1);
    const to = addDays(prevFirst, len - 1) > prevLast ? prevLast : addDays(prevFirst, len - 1);
    return { from: prevFirst, to };
  }
  const len = daysBetween(r.from, r.to);
  return { from: addDays(r.from, -len), to: addDays(r.from, -1) };
}
