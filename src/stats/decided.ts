import type { DecidedRows, MonthSumRow, RowGroup, SumRow } from "../db/stats";
import type { Cell } from "../privacy/release";
import { noDecided, type DecidedView, type RowKey } from "./aggregate";
import { addCell, emptySums, type Sums } from "./figures";
import { spendCells } from "./spend";

/**
 * Sums what db/stats.ts readDecidedRows read — atom sums per currency slice and month sums — into
 * one DecidedView per goal, by the rules stats/undecided.ts applies to the days it marks itself.
 */

/** The key columns of each grouping's rows, as readDecidedRows names them. */
const ROW_KEYS: Record<RowGroup, readonly string[]> = {
  campaign: ["source", "medium", "campaign"],
  content: ["source", "medium", "campaign", "content"],
  term: ["source", "medium", "campaign", "content", "term"],
  source: ["source"],
  medium: ["medium"],
  day: ["day"],
};

/**
 * One row of atom sums as a cell in the site's `currency`: the counts (first slice only), each
 * currency's sum, and the foreign ones converted (v<i>) or, without a rate, unconverted (u<i>).
 */
function atomCell(r: SumRow, codes: readonly string[], currency: string, first: boolean) {
  const num = (name: string) => (typeof r[name] === "number" ? (r[name] as number) : null);
  const present = (prefix: string, foreignOnly: boolean) => {
    const out: Record<string, number> = {};
    codes.forEach((c, i) => {
      const v = num(`${prefix}${i}`);
      if (v !== null && (!foreignOnly || c !== currency)) out[c] = v;
    });
    return out;
  };
  const convertedSum = codes.reduce((n, c, i) => n + (c !== currency ? (num(`v${i}`) ?? 0) : 0), 0);
  return {
    clicks: first ? (num("clicks") ?? 0) : 0,
    visitors: first ? (num("visitors") ?? 0) : 0,
    conversions: first ? (num("conversions") ?? 0) : 0,
    credit: first ? (num("credit") ?? 0) : 0,
    revenue: (first ? (num("revenue") ?? 0) : 0) + convertedSum,
    revenue_by_currency: present("c", false),
    revenue_unconverted: present("u", true),
  };
}

/**
 * One row of month sums as a cell: the counts row ('' currency) carries the counts and revenue, a
 * currency's row its sum. Only months in the site's own currency are summed (db/stats.ts), so
 * nothing is left to convert.
 */
function monthCell(r: MonthSumRow) {
  if (r.currency === "") {
    return { clicks: r.clicks, visitors: r.visitors, conversions: r.conversions, credit: r.credit, revenue: r.revenue, revenue_by_currency: {}, revenue_unconverted: {} };
  }
  return { clicks: 0, visitors: 0, conversions: 0, credit: 0, revenue: 0, revenue_by_currency: { [r.currency]: r.revenue }, revenue_unconverted: {} };
}

/** The decided views of readDecidedRows' rows, per goal, money in the site's `currency`. */
export function sumDecided(read: DecidedRows, group: RowGroup, currency: string): Map<string, DecidedView> {
  const out = new Map<string, DecidedView>();
  const viewOf = (g: string) => {
    let v = out.get(g);
    if (!v) out.set(g, (v = noDecided()));
    return v;
  };
  const keys = ROW_KEYS[group];
  const rowsByKey = new Map<string, Sums>();
  const rowOf = (r: SumRow) => {
    const key = Object.fromEntries(keys.map((c) => [c, r[c]])) as unknown as RowKey;
    const id = JSON.stringify([r.goal, key]);
    let sums = rowsByKey.get(id);
    if (!sums) {
      rowsByKey.set(id, (sums = emptySums()));
      viewOf(r.goal).rows.push({ key, sums });
    }
    return sums;
  };
  read.slices.forEach((slice, i) => {
    const cell = (r: SumRow) => atomCell(r, slice.codes, currency, i === 0);
    for (const r of slice.rows) addCell(rowOf(r), cell(r));
    for (const r of slice.other) addCell(viewOf(r.goal).other, cell(r));
    for (const r of slice.totals) addCell(viewOf(r.goal).totals, cell(r));
  });
  for (const r of read.months.rows) addCell(rowOf(r), monthCell(r));
  for (const r of read.months.other) addCell(viewOf(r.goal).other, monthCell(r));
  for (const r of read.months.totals) addCell(viewOf(r.goal).totals, monthCell(r));
  for (const r of read.days) viewOf(r.goal).days.push({ day: r.day, suppressed: r.suppressed, withheld: r.withheld === 1 });
  // Spend joins at the campaign: the released contents of a campaign atom are summed back into it
  // (stats/spend.ts spendCells), noting which contents and terms ad- and keyword-level spend may join.
  for (const { goal, ...cell } of spendCells(read.spendCells)) viewOf(goal).spendCells.push(cell);
  for (const r of read.grains) {
    const v = viewOf(r.goal);
    if (!v.grains.includes(r.grain)) v.grains.push(r.grain);
  }
  for (const r of read.cut) viewOf(r.goal).partial.push({ from: r.from, to: r.to, grain: r.grain });
  for (const v of out.values()) v.partial.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
  return out;
}
