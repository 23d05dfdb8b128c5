// Number formatting only: every figure is the API's, shown rounded the way the API rounded it.
const int = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
const dec = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });

export const DASH = "—";

export function count(n: number | null | undefined): string {
  if (n === null || n === undefined) return DASH;
  return Number.isInteger(n) ? int.format(n) : dec.format(n);
}

export function money(n: number | null | undefined, currency: string | undefined): string {
  if (n === null || n === undefined) return DASH;
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency: currency || "USD", maximumFractionDigits: 2 }).format(n);
  } catch {
    return `${dec.format(n)} ${currency ?? ""}`.trim();
  }
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

export function shortDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  return d.toLocaleDateString("en", { month: "short", day: "numeric", timeZone: "UTC" });
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
