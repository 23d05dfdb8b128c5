import { convertAmounts, type Fx } from "../fx/convert";
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
  /** in the site's currency: its own revenue plus other currencies converted at their day's rate */
  revenue: number;
  revenue_by_currency: Record<string, number>;
  /** revenue whose day has no rate for its currency, by currency (not in `revenue`) */
  revenue_unconverted: Record<string, number>;
  /** imported spend in the site's currency, converted like revenue */
  cost: number;
  /** imported spend by currency, never summed across currencies */
  cost_by_currency: Record<string, number>;
  /** imported spend whose day has no rate for its currency, by currency (not in `cost`) */
  cost_unconverted: Record<string, number>;
  /** null until a spend row with platform_conversions lands here */
  platform_conversions: number | null;
}

/** One line of spend landing in a row (already allocated; see stats/spend.ts). */
export interface SpendPiece {
  day: string;
  /** the released cell it belongs to; null = not attached to any row (counts in other/totals) */
  cell: Cell | null;
  /** v1.1: the content of ad- and keyword-level spend, "" (or absent) above that level */
  content?: string;
  /** v1.1: the term of keyword-level spend, "" (or absent) above that level */
  term?: string;
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
  revenue_unconverted: Record<string, number>;
  cost: number | null;
  cost_by_currency: Record<string, number>;
  cost_unconverted: Record<string, number>;
  cpa: number | null;
  roas: number | null;
  platform_conversions: number | null;
  discrepancy: number | null;
}

/** Fresh zero sums (a row, other or totals before anything lands in it). */
export function emptySums(): Sums {
  return {
    clicks: 0, visitors: 0, conversions: 0, credit: 0, revenue: 0, revenue_by_currency: {}, revenue_unconverted: {},
    cost: 0, cost_by_currency: {}, cost_unconverted: {}, platform_conversions: null,
  };
}

/**
 * What addCell adds: a released cell, a pool's sum, or sums the database made of released atoms,
 * with `revenue` already converted into the site's currency (see converted()).
 */
export type Amounts = Pick<Cell, "clicks" | "visitors" | "conversions" | "credit" | "revenue" | "revenue_by_currency"> & {
  revenue_unconverted?: Record<string, number>;
};

/**
 * A cell of one day as Amounts: its revenue in the site's currency (atoms keep it in `revenue`)
 * plus its other currencies converted at the day's rate; those without a rate stay unconverted.
 */
export function converted(c: Cell, day: string, fx: Fx): Amounts {
  const { converted: more, unconverted } = convertAmounts(c.revenue_by_currency, day, fx);
  return { ...c, revenue: c.revenue + more, revenue_unconverted: unconverted };
}

function addInto(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [cur, v] of Object.entries(from)) into[cur] = (into[cur] ?? 0) + v;
}

/** Adds a released cell or pool sum into `s` (mutates `s`, which the caller owns). */
export function addCell(s: Sums, c: Amounts): void {
  s.clicks += c.clicks;
  s.visitors += c.visitors;
  s.conversions += c.conversions;
  s.credit += c.credit;
  s.revenue += c.revenue;
  addInto(s.revenue_by_currency, c.revenue_by_currency);
  if (c.revenue_unconverted) addInto(s.revenue_unconverted, c.revenue_unconverted);
}

/** Adds a piece of spend into `s`, converted into fx's currency at its day's rate. */
export function addSpend(s: Sums, p: SpendPiece, fx: Fx): void {
  s.cost_by_currency[p.currency] = (s.cost_by_currency[p.currency] ?? 0) + p.cost;
  const f = fx.factor(p.day, p.currency);
  if (f === null) s.cost_unconverted[p.currency] = (s.cost_unconverted[p.currency] ?? 0) + p.cost;
  else s.cost += p.cost * f;
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
 * is null without visitors; revenue and cost are in the site's currency, other currencies
 * converted at their day's rate, and what had no rate is shown in revenue_unconverted and
 * cost_unconverted instead; cost is null without any spend it could convert; cpa and roas are null
 * while some cost is unconverted (a partial cost would overstate the return);
 * discrepancy = platform_conversions − conversions.
 */
export function present(s: Sums, currency: string): Figures {
  // Some spend was converted unless every currency's spend is all unconverted.
  const spent = Object.keys(s.cost_by_currency).some((c) => s.cost_unconverted[c] !== s.cost_by_currency[c]);
  const cost = spent ? s.cost : null;
  const whole = cost !== null && Object.keys(s.cost_unconverted).length === 0;
  return {
    clicks: s.clicks,
    visitors: s.visitors,
    conversions: round2(s.credit),
    conversion_rate: s.visitors > 0 ? round2((s.credit / s.visitors) * 100) : null,
    revenue: round2(s.revenue),
    currency,
    revenue_by_currency: roundAll(s.revenue_by_currency),
    revenue_unconverted: roundAll(s.revenue_unconverted),
    cost: cost === null ? null : round2(cost),
    cost_by_currency: roundAll(s.cost_by_currency),
    cost_unconverted: roundAll(s.cost_unconverted),
    cpa: whole && s.credit > 0 ? round2(cost / s.credit) : null,
    roas: whole && cost > 0 ? round2(s.revenue / cost) : null,
    platform_conversions: s.platform_conversions === null ? null : round2(s.platform_conversions),
    discrepancy: s.platform_conversions === null ? null : round2(s.platform_conversions - s.credit),
  };
}

/** `totals.paid` (v1.1): the figures of the released touches that carry imported spend. */
export type PaidFigures = Pick<Figures, "cost" | "conversions" | "revenue" | "cpa" | "roas" | "platform_conversions" | "discrepancy">;

/** The paid figures of `s` (the sums of the touches with spend), rounded like present(). */
export function presentPaid(s: Sums, currency: string): PaidFigures {
  const f = present(s, currency);
  return { cost: f.cost, conversions: f.conversions, revenue: f.revenue, cpa: f.cpa, roas: f.roas, platform_conversions: f.platform_conversions, discrepancy: f.discrepancy };
}
