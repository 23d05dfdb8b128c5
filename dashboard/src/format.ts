// Number formatting only: every figure is the API's, shown rounded the way the API rounded it.
const int = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
const dec = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });

export const DASH = "—";

export function count(n: number | null | undefined): string {
  if (n === null || n === undefined) return DASH;
  return Number.isInteger(n) ? int.format(n) : dec.format(n);
}

const moneyFormats = new Map<string, Intl.NumberFormat | null>();

export function money(n: number | null | undefined, currency: string | undefined): string {
  if (n === null || n === undefined) return DASH;
  const c = currency || "USD";
  let f = moneyFormats.get(c);
  if (f === undefined) {
    try {
      f = new Intl.NumberFormat("en", { style: "currency", currency: c, maximumFractionDigits: 2 });
    } catch {
      f = null; // not an ISO-4217 code this browser knows: the number and the code as given
    }
    moneyFormats.set(c, f);
  }
  return f ? f.format(n) : `${dec.format(n)} ${c}`;
}

export function pct(n: number | null | undefined): string {
  return n === null || n === undefined ? DASH : `${dec.format(n)}%`;
}

export function ratio(n: number | null | undefined): string {
  return n === null || n === undefined ? DASH : `${dec.format(n)}×`;
}

/** The change from `prev` to `cur` in percent, or null where it has no meaning (no figure, or 0 before). */
export function change(cur: number | null | undefined, prev: number | null | undefined): number | null {
  if (cur === null || cur === undefined || prev === null || prev === undefined || prev === 0) return null;
  return ((cur - prev) / Math.abs(prev)) * 100;
}

// One formatter for every day label: toLocaleDateString builds a new one per call (~0.5 ms each,
// which a year of days in the chart's table turned into most of the first screen's cost).
const dayFormat = new Intl.DateTimeFormat("en", { month: "short", day: "numeric", timeZone: "UTC" });

export function shortDay(day: string): string {
  return dayFormat.format(new Date(`${day}T00:00:00Z`));
}

export function rangeLabel(from: string, to: string): string {
  return from === to ? shortDay(from) : `${shortDay(from)} – ${shortDay(to)}`;
}

export const MODEL_LABELS: Record<string, string> = {
  last_click: "Last click",
  first_click: "First click",
  linear: "Linear",
  time_decay: "Time decay",
  position_based: "Position based",
  last_non_direct: "Last non-direct",
};
