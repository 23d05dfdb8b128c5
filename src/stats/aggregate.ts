import { fxOf, type Fx } from "../fx/convert";
import { touchKey, type Cell, type DayRelease } from "../privacy/release";
import { addCell, addSpend, converted, emptySums, isEmpty, present, presentPaid, type Figures, type PaidFigures, type SpendPiece, type Sums } from "./figures";
import type { Grain } from "../time/periods";
import type { Group } from "./query";
import { childLabels, type SpendCell } from "./spend";
import type { RowFilters } from "../db/stats";

/** The key columns of a row for each grouping (group=goal rows are built in stats/report.ts). */
export type RowKey =
  | { source: string; medium: string; campaign: string }
  | { source: string; medium: string; campaign: string; content: string }
  | { source: string; medium: string; campaign: string; content: string; term: string }
  | { source: string }
  | { medium: string }
  | { day: string };
export type TouchGroup = Exclude<Group, "goal">;

/** A unit of time the range cuts (CONTRACT.md v1.1 `privacy.partial_periods`). */
export interface PartialPeriod {
  from: string;
  to: string;
  grain: Grain;
}

/** A row of a view's decided days, summed from SQL rows (stats/decided.ts sumDecided). */
export interface DecidedRow {
  key: RowKey;
  sums: Sums;
}

/**
 * One view's days whose release was decided at rollup time (privacy/release.ts markDay), summed
 * by the database: rows of atoms released on their own (for group=day, every atom of a day not
 * withheld), `other` = the pools, the suppressed and withheld cells per day, and the released
 * cells with a count that match a spend row (what allocateSpend may attach spend to, and what
 * `totals.paid` sums: these carry their figures).
 */
export interface DecidedView {
  rows: DecidedRow[];
  other: Sums;
  /** every unit of the view inside the range (rows before filters, and other) */
  totals: Sums;
  days: { day: string; suppressed: number; withheld: boolean }[];
  spendCells: SpendCell[];
  /** the grains of the units released on their own that the rows hold */
  grains: Grain[];
  /** units the range cuts (left out of rows, other and totals) */
  partial: PartialPeriod[];
}

/** A view with no decided days. */
export function noDecided(): DecidedView {
  return { rows: [], other: emptySums(), totals: emptySums(), days: [], spendCells: [], grains: [], partial: [] };
}

/** Merges the decided days of two sources (SQL and the Worker) of one view. */
export function mergeDecided(a: DecidedView, b: DecidedView): DecidedView {
  const rows = new Map<string, DecidedRow>();
  for (const r of [...a.rows, ...b.rows]) {
    const id = JSON.stringify(r.key);
    const e = rows.get(id);
    if (e) {
      addCell(e.sums, r.sums);
      continue;
    }
    const sums = emptySums();
    addCell(sums, r.sums);
    rows.set(id, { key: r.key, sums });
  }
  const other = emptySums();
  addCell(other, a.other);
  addCell(other, b.other);
  const totals = emptySums();
  addCell(totals, a.totals);
  addCell(totals, b.totals);
  const partial = new Map([...a.partial, ...b.partial].map((p) => [`${p.from}/${p.to}`, p]));
  return {
    rows: [...rows.values()],
    other,
    totals,
    days: [...a.days, ...b.days],
    spendCells: [...a.spendCells, ...b.spendCells],
    grains: [...new Set([...a.grains, ...b.grains])],
    partial: [...partial.values()].sort((x, y) => (x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : x.to > y.to ? 1 : 0)),
  };
}

/**
 * The decided days as the DayReleases allocateSpend reads (withheld days, and each day's released
 * cells that spend can attach to); the sums themselves come from the DecidedView.
 */
export function decidedReleases(d: DecidedView): DayRelease[] {
  const byDay = new Map<string, DayRelease>();
  const dayOf = (day: string) => {
    let r = byDay.get(day);
    if (!r) byDay.set(day, (r = { day, withheld: false, units: [], suppressed: 0 }));
    return r;
  };
  for (const x of d.days) if (x.withheld) dayOf(x.day).withheld = true;
  for (const cell of d.spendCells) dayOf(cell.day).units.push({ kind: "atom", day: cell.day, cell });
  return [...byDay.values()];
}

/** Conversion into no currency: every amount stays unconverted (only for sums of counts). */
const NO_CURRENCY: Fx = fxOf("", []);

/** Rows, other and totals of one view, before presentation. */
export interface ViewSums {
  rows: { key: RowKey; sums: Sums }[];
  other: Sums;
  totals: Sums;
  /** the released cells that carry spend, and that spend (totals.paid) */
  paid: Sums;
  suppressed: number;
  withheld_days: string[];
}

function keyOf(group: Exclude<TouchGroup, "content" | "term">, day: string, c: Pick<Cell, "source" | "medium" | "campaign">): RowKey {
  switch (group) {
    case "campaign":
      return { source: c.source, medium: c.medium, campaign: c.campaign };
    case "source":
      return { source: c.source };
    case "medium":
      return { medium: c.medium };
    case "day":
      return { day };
  }
}

/**
 * Sums a view's released units into rows of `group`, `other` and `totals`, money in fx's
 * currency (the decided days come converted from the database; the others are converted here,
 * each cell at its own day's rate). Every number is a sum of released units: a cell released on
 * its own goes to its row, a day's pool goes to `other` (or, for group=day, to that day's row),
 * and totals are all of them. Spend pieces follow the cell they are attached to — below the
 * campaign, the content or term they name, or the cell's `(other)` child (pieceKey) — and the
 * drill-down `filters` as the cell's atoms do (rows only, never totals); unattached spend goes
 * where the pool goes. `paid` sums the cells spend is attached to (each once, at the
 * campaign level whatever the grouping) and that spend: unpaid traffic, and spend that could not
 * be attached to a released cell, stay out of it.
 */
export function sumView(
  group: TouchGroup,
  releases: readonly DayRelease[],
  pieces: readonly SpendPiece[],
  decided: DecidedView = noDecided(),
  fx: Fx = NO_CURRENCY,
  filters: RowFilters = {},
): ViewSums {
  const rows = new Map<string, { key: RowKey; sums: Sums }>();
  const other = emptySums();
  const totals = emptySums();
  const paid = emptySums();
  const rowOf = (key: RowKey) => {
    const id = JSON.stringify(key);
    let r = rows.get(id);
    if (!r) rows.set(id, (r = { key, sums: emptySums() }));
    return r.sums;
  };
  let suppressed = 0;
  const withheld: string[] = [];
  // Decided days: already released and summed (by the database, or by stats/undecided.ts).
  for (const r of decided.rows) addCell(rowOf(r.key), r.sums);
  addCell(other, decided.other);
  addCell(totals, decided.totals);
  for (const d of decided.days) {
    suppressed += d.suppressed;
    if (d.withheld) withheld.push(d.day);
  }
  // Released days of campaign atoms (the v1 engine's DayRelease; content and term come decided).
  const below = group === "content" || group === "term";
  for (const rel of releases) {
    suppressed += rel.suppressed;
    if (rel.withheld) withheld.push(rel.day);
    for (const u of rel.units) {
      if (below) throw new RangeError("content and term rows come from marked atoms, not from DayReleases");
      const into = u.kind === "atom" ? rowOf(keyOf(group, u.day, u.cell)) : group === "day" ? rowOf({ day: u.day }) : other;
      const cell = converted(u.kind === "atom" ? u.cell : u.sum, u.day, fx);
      addCell(into, cell);
      addCell(totals, cell);
    }
  }
  const paidCells = new Set<string>();
  for (const p of pieces) {
    // Attached spend lands on its cell's row at this level, if it has one there and the filters
    // keep it (else in totals and totals.paid only); unattached spend goes where the pool goes.
    const key = p.cell && piecePasses(p.cell, p.content ?? "", filters) ? pieceKey(group, p.day, p.cell, p.content ?? "", p.term ?? "") : null;
    const into = p.cell ? (key ? rowOf(key) : null) : group === "day" ? rowOf({ day: p.day }) : other;
    if (into) addSpend(into, p, fx);
    addSpend(totals, p, fx);
    if (!p.cell) continue;
    addSpend(paid, p, fx);
    const id = `${p.day}\u0000${touchKey(p.cell)}`;
    if (!paidCells.has(id)) {
      paidCells.add(id);
      addCell(paid, converted(p.cell, p.day, fx));
    }
  }
  withheld.sort();
  const shown = [...rows.values()].filter((r) => !isEmpty(r.sums));
  shown.sort(group === "day" ? byDay : byWeight);
  return { rows: shown, other, totals, paid, suppressed, withheld_days: withheld };
}

/**
 * The row of `group` a piece of spend attached to `cell` lands on (CONTRACT.md v1.1: a row's cost
 * is the cost imported at its level plus that of its children), or null where the piece is above
 * the group's level (campaign-level spend under group=content, ad-level under group=term): it
 * belongs to no single child and counts in totals only.
 */
function pieceKey(group: TouchGroup, day: string, cell: Cell | SpendCell, content: string, term: string): RowKey | null {
  if (group !== "content" && group !== "term") return keyOf(group, day, cell);
  if (content === "" || (group === "term" && term === "")) return null;
  const labels = childLabels(cell, content, group === "term" ? term : "");
  const parent = { source: cell.source, medium: cell.medium, campaign: cell.campaign, content: labels.content };
  return group === "content" ? parent : { ...parent, term: labels.term! };
}

/**
 * True when spend on `cell` (at `content`, "" above the ad level) passes the drill-down filters
 * as the cell's atoms do in SQL (db/stats.ts FILTER_SQL): a content filter keeps only the spend of
 * the contents shown under that label, so campaign-level spend never joins a filtered content.
 */
function piecePasses(cell: Cell, content: string, f: RowFilters): boolean {
  return (
    (f.source === undefined || cell.source === f.source) &&
    (f.medium === undefined || cell.medium === f.medium) &&
    (f.campaign === undefined || cell.campaign === f.campaign) &&
    (f.content === undefined || (content !== "" && childLabels(cell, content, "").content === f.content))
  );
}

function byDay(a: { key: RowKey }, b: { key: RowKey }): number {
  const da = "day" in a.key ? a.key.day : "";
  const db = "day" in b.key ? b.key.day : "";
  return da < db ? -1 : da > db ? 1 : 0;
}

/** Largest first (conversions, then visitors), then by key so the order is stable. */
function byWeight(a: { key: RowKey; sums: Sums }, b: { key: RowKey; sums: Sums }): number {
  const ka = JSON.stringify(a.key);
  const kb = JSON.stringify(b.key);
  return b.sums.credit - a.sums.credit || b.sums.visitors - a.sums.visitors || (ka < kb ? -1 : ka > kb ? 1 : 0);
}

/** A presented row: its key columns and its figures. */
export type Row = Record<string, unknown> & Figures;

/** `totals`: the v1 figures, and (v1.1) `paid`. */
export type Totals = Figures & { paid: PaidFigures };

/** Presents a view's sums in the site's currency (the one place numbers are rounded). */
export function presentView(v: ViewSums, currency: string): { rows: Row[]; other: Figures; totals: Totals } {
  return {
    rows: v.rows.map((r) => ({ ...r.key, ...present(r.sums, currency) })),
    other: present(v.other, currency),
    totals: { ...present(v.totals, currency), paid: presentPaid(v.paid, currency) },
  };
}
