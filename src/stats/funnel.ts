import { safeCount } from "../privacy/release";

export interface FunnelDayRow {
  day: string;
  step: number;
  visitors: number;
}

export interface FunnelAnswer {
  steps: { name: string; visitors: number }[];
  /** days whose step counts were not all 0 or ≥ k (withheld as a whole) */
  withheld_days: string[];
}

/**
 * Sums a funnel's daily step counts over the days that may be released. A day is the unit:
 * it is released only if every step's visitors are 0 or ≥ k; otherwise the whole day is
 * withheld. Withholding only the small steps would not do: step n of a day is a subset of
 * step n−1, and a later range or the totals would give the missing step by difference.
 */
export function releaseFunnel(stepNames: readonly string[], rows: readonly FunnelDayRow[], k: number): FunnelAnswer {
  const byDay = new Map<string, number[]>();
  for (const r of rows) {
    if (r.step < 0 || r.step >= stepNames.length) continue;
    let counts = byDay.get(r.day);
    if (!counts) byDay.set(r.day, (counts = stepNames.map(() => 0)));
    counts[r.step] = r.visitors;
  }
  const totals = stepNames.map(() => 0);
  const withheld: string[] = [];
  for (const [day, counts] of [...byDay].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!counts.every((n) => safeCount(n, k))) {
      withheld.push(day);
      continue;
    }
    counts.forEach((n, i) => (totals[i]! += n));
  }
  return { steps: stepNames.map((name, i) => ({ name, visitors: totals[i]! })), withheld_days: withheld };
}
