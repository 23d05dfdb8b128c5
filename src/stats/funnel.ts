import { safeCount } from "../privacy/release";

export interface FunnelDayRow {
  day: string;
  step: number;
  visitors: number;
  /** JSON array of the funnel's steps when the day was rolled up (NULL: unknown, migrations/0005) */
  steps: string | null;
}

export interface FunnelAnswer {
  steps: { name: string; visitors: number }[];
  /** days whose step counts were not all 0 or ≥ k (withheld as a whole) */
  withheld_days: string[];
  /** days rolled up with other steps than the funnel has now: their counts stay with those steps, not counted */
  other_steps_days: string[];
}

/** True when a stored steps JSON names exactly `steps`, in order. */
function sameSteps(stored: string | null, steps: readonly string[]): boolean {
  if (stored === null) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return false;
  }
  return Array.isArray(parsed) && parsed.length === steps.length && parsed.every((s, i) => s === steps[i]);
}

/**
 * Sums a funnel's daily step counts over the days that may be released. The counts are already
 * noised by the rollup (docs/PRIVACY.md "Funnels"). A day counts only if it was rolled up with the
 * funnel's current steps — after an edit, a day outside the re-roll window keeps the counts of its
 * old steps, which must not show under the new names — and if every step has a row. A day is the
 * unit: it is released only if every step's visitors are 0 or ≥ k; otherwise the whole day is
 * withheld. Withholding only the small steps would not do: step n of a day is a subset of step
 * n−1, and a later range or the totals would give the missing step by difference.
 */
export function releaseFunnel(stepNames: readonly string[], rows: readonly FunnelDayRow[], k: number): FunnelAnswer {
  const byDay = new Map<string, { counts: (number | null)[]; same: boolean }>();
  for (const r of rows) {
    let d = byDay.get(r.day);
    if (!d) byDay.set(r.day, (d = { counts: stepNames.map(() => null), same: true }));
    if (!sameSteps(r.steps, stepNames) || r.step < 0 || r.step >= stepNames.length) d.same = false;
    else d.counts[r.step] = r.visitors;
  }
  const totals = stepNames.map(() => 0);
  const withheld: string[] = [];
  const other: string[] = [];
  for (const [day, { counts, same }] of [...byDay].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!same || counts.some((n) => n === null)) {
      other.push(day);
      continue;
    }
    if (!counts.every((n) => safeCount(n!, k))) {
      withheld.push(day);
      continue;
    }
    counts.forEach((n, i) => (totals[i]! += n!));
  }
  return { steps: stepNames.map((name, i) => ({ name, visitors: totals[i]! })), withheld_days: withheld, other_steps_days: other };
}
