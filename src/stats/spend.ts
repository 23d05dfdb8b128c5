import type { SpendRow } from "../db/spend";
import { addFigures, OTHER } from "../privacy/hierarchy";
import type { Cell, DayRelease } from "../privacy/release";
import type { SpendPiece } from "./figures";

export type { SpendRow } from "../db/spend";

/**
 * Where imported spend lands (CONTRACT.md "Aggregates", docs/PRIVACY.md §5): on released campaign
 * cells, and below them on the contents and terms released on their own inside those cells.
 * A row's cost is the cost imported at its level plus that of its children.
 */

/**
 * A released campaign cell spend can attach to (the sum of its contents and terms, CONTRACT.md
 * v1.1), with the contents and the (content, term) pairs released on their own inside it: ad- and
 * keyword-level spend lands on those, anything else of the cell on its `(other)` child.
 */
export interface SpendCell extends Cell {
  /** names of the contents released on their own (content_release = 1) */
  contents: string[];
  /** [content, term] as JSON, of the terms released on their own inside a released content */
  terms: string[];
}

/** A released atom of a spend cell as db/stats.ts and stats/undecided.ts read it, with its marks. */
export type SpendAtom = Cell & { goal: string; content: string; term: string; content_release: boolean; term_release: boolean };

/**
 * Sums released atoms (one per content and term) into one SpendCell per (goal, day, touch), in
 * first-seen order, and notes which of their contents and terms were released on their own.
 */
export function spendCells(atoms: readonly SpendAtom[]): (SpendCell & { goal: string })[] {
  const out = new Map<string, SpendCell & { goal: string }>();
  for (const a of atoms) {
    const id = JSON.stringify([a.goal, a.day, a.source, a.medium, a.campaign]);
    let c = out.get(id);
    if (!c) {
      c = {
        goal: a.goal, day: a.day, source: a.source, medium: a.medium, campaign: a.campaign,
        clicks: 0, visitors: 0, conversions: 0, credit: 0, revenue: 0, revenue_by_currency: {}, contents: [], terms: [],
      };
      out.set(id, c);
    }
    addFigures(c, a);
    if (a.content_release && !c.contents.includes(a.content)) c.contents.push(a.content);
    const term = JSON.stringify([a.content, a.term]);
    if (a.content_release && a.term_release && !c.terms.includes(term)) c.terms.push(term);
  }
  for (const c of out.values()) {
    c.contents.sort();
    c.terms.sort();
  }
  return [...out.values()];
}

/**
 * The content and term rows a piece of ad- or keyword-level spend lands on, inside its cell: its
 * own where released on its own, else the cell's `(other)` child — a pooled content and one
 * without any atom are treated alike, as campaigns are (docs/PRIVACY.md §5). `term` is null for
 * ad-level spend. A plain Cell (no marks below it) has no child released on its own.
 */
export function childLabels(cell: Cell | SpendCell, content: string, term: string): { content: string; term: string | null } {
  const contents = "contents" in cell ? cell.contents : [];
  const terms = "terms" in cell ? cell.terms : [];
  const c = contents.includes(content) ? content : OTHER;
  if (term === "") return { content: c, term: null };
  return { content: c, term: c !== OTHER && terms.includes(JSON.stringify([content, term])) ? term : OTHER };
}

/**
 * Turns spend rows into pieces attached to released cells, using only what a response shows:
 * - a row counts only on a day the view did not withhold;
 * - it attaches only to a cell released on its own with some non-zero count — a pooled cell and
 *   a touch without any atom are treated alike (attaching to one but not the other would reveal
 *   that a small touch exists); such spend stays unattached and shows in `other` and `totals`;
 * - a row without medium is split over that day's released cells of its source and campaign in
 *   proportion to their (released) visitors, equally when they have none;
 * - ad- and keyword-level rows attach to their campaign's cell like campaign-level ones and keep
 *   their content and term, for the rows below the campaign (stats/aggregate.ts sumView).
 */
export function allocateSpend(releases: readonly DayRelease[], spend: readonly SpendRow[]): SpendPiece[] {
  const byDay = new Map(releases.map((r) => [r.day, r]));
  const pieces: SpendPiece[] = [];
  for (const row of spend) {
    const rel = byDay.get(row.day);
    if (rel?.withheld) continue;
    // Only ad- and keyword-level rows name a level (a campaign-level piece is as in v1).
    const level = { ...(row.content ? { content: row.content } : {}), ...(row.term ? { term: row.term } : {}) };
    const eligible = (rel?.units ?? []).flatMap((u) =>
      u.kind === "atom" && (u.cell.clicks > 0 || u.cell.visitors > 0 || u.cell.conversions > 0) ? [u.cell] : [],
    );
    const matches = eligible.filter((c) => c.source === row.source && c.campaign === row.campaign && (row.medium === "" || c.medium === row.medium));
    if (matches.length === 0) {
      pieces.push({ day: row.day, cell: null, ...level, currency: row.currency, cost: row.cost, platform_conversions: row.platform_conversions });
      continue;
    }
    const visitors = matches.reduce((n, c) => n + c.visitors, 0);
    for (const cell of matches) {
      const share = visitors > 0 ? cell.visitors / visitors : 1 / matches.length;
      pieces.push({
        day: row.day,
        cell,
        ...level,
        currency: row.currency,
        cost: row.cost * share,
        platform_conversions: row.platform_conversions === null ? null : row.platform_conversions * share,
      });
    }
  }
  return pieces;
}
