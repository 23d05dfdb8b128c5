import type { Cell } from "../privacy/release";

/**
 * Running sums of one row, `other` or `totals`, at full precision. Rounding happens once, in
 * present(), because the contract keeps numbers exact until the response.
 */
export interface Sums {
  clicks: number;
  visitors: number;
  /** distinct conversions (what thresholds see; not shown) */
  conversions: number;
  credit: number;
  revenue: number;
  revenue_by_currency: Record<string, number>;
  /** imported spend by currency, never summed across currencies */
  cost_by_currency: Record<string, number>;
  /** null until a spend row with platform_conversions lands here */
  platform_conversions: number | null;
}

/** One line of spend landing in a row (already allocated; see stats/spend.ts). */
export interface SpendPiece {
  day: string;
  /** the released cell it belongs to; null = not attached to any row (counts in other/totals) */
  cell: Cell | null;
  currency: string;
  cost: number;
  platform_conversions: number | null;
}

/** The figures of a row as the API shows them (contract "Aggregates"). */
export interface Figures {
  clicks: number;
  visitors: number;
  conversions: number;
  conversion_rate: number | null;
  revenue: number;
  currency: string;
  revenue_by_currency: Record<string, number>;
  cost: number | null;
  cost_by_currency: Record<string, number>;
  cpa: number | null;
  roas: number | null;
  platform_conversions: number | null;
  discrepancy: number | null;
}

/** Fresh zero sums (a row, other or totals before anything lands in it). */
export function emptySums(): Sums {
  return { clicks: 0, visitors: 0, conversions: 0, credit: 0, revenue: 0, revenue_by_currency: {}, cost_by_currency: {}, platform_conversions: null };
}

/** What addCell adds: a released cell, a pool's sum, or sums the database made of released atoms. */
export type Amounts = Pick<Cell, "clicks" | "visitors" | "conversions" | "credit" | "revenue" | "revenue_by_currency">;

/** Adds a released cell or pool sum into `s` (mutates `s`, which the caller owns). */
export function addCell(s: Sums, c: Amounts): void {
  s.clicks += c.clicks;
  s.visitors += c.visitors;
  s.conversions += c.conversions;
  s.credit += c.credit;
  s.revenue += c.revenue;
  for (const [cur, v] of Object.entries(c.revenue_by_currency)) s.revenue_by_currency[cur] = (s.revenue_by_currency[cur] ?? 0) + v;
}

/** Adds a piece of spend into `s`. */
export function addSpend(s: Sums, p: SpendPiece): void {
  s.cost_by_currency[p.currency] = (s.cost_by_currency[p.currency] ?? 0) + p.cost;
  if (p.platform_conversions !== null) s.platform_conversions = (s.platform_conversions ?? 0) + p.platform_conversions;
}

/** True when nothing at all landed in `s` (such rows are not shown: they would reveal a touch exists). */
export function isEmpty(s: Sums): boolean {
  return (
    s.clicks === 0 &&
    s.visitors === 0 &&
    s.conversions === 0 &&
    s.credit === 0 &&
    s.revenue === 0 &&
    Object.keys(s.cost_by_currency).length === 0 &&
    s.platform_conversions === null
  );
}

/** Two decimals, as the contract rounds money and rates (half away from zero, no -0). */
export function round2(n: number): number {
  // toPrecision(15) drops binary noise first, so 6.2375 (stored as 6.23749999…) rounds to 6.24.
  const r = (Math.sign(n) * Math.round(Number((Math.abs(n) * 100).toPrecision(15)))) / 100;
  return r === 0 ? 0 : r;
}

function roundAll(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, round2(v)]));
}

/**
 * The shown figures of `s` in the site's `currency`: conversions are credit; conversion_rate
 * is null without visitors; cost, cpa and roas use only spend in the site's currency (other
 * currencies stay in cost_by_currency); discrepancy = platform_conversions − conversions.
 */
export function present(s: Sums, currency: string): Figures {
  const cost = s.cost_by_currency[currency] ?? null;
  return {
    clicks: s.clicks,
    visitors: s.visitors,
    conversions: round2(s.credit),
    conversion_rate: s.visitors > 0 ? round2((s.credit / s.visitors) * 100) : null,
    revenue: round2(s.revenue),
    currency,
    revenue_by_currency: roundAll(s.revenue_by_currency),
    cost: cost === null ? null : round2(cost),
    cost_by_currency: roundAll(s.cost_by_currency),
    cpa: cost !== null && s.credit > 0 ? round2(cost / s.credit) : null,
    roas: cost !== null && cost > 0 ? round2(s.revenue / cost) : null,
    platform_conversions: s.platform_conversions === null ? null : round2(s.platform_conversions),
    discrepancy: s.platform_conversions === null ? null : round2(s.platform_conversions - s.credit),
  };
}
