import { clipTo, covers, cuts, monthOf, weekOf, type Grain } from "../time/periods";
import {
  emptyCell,
  groupBy,
  markDay,
  RELEASE_ALONE,
  RELEASE_POOLED,
  RELEASE_WITHHELD,
  safeCount,
  touchKey,
  type Counts,
  type ReleaseMark,
  type ViewCell,
} from "./release";

/**
 * The hierarchical release of CONTRACT.md v1.1 ("small volumes", "below the campaign") and
 * docs/PRIVACY.md "Hierarchical release (v1.1)": one rule over two trees — day → week-part →
 * month for each campaign, and campaign → content → term inside each released campaign unit.
 * Pure functions of plain data; the rollup persists the marks, the read side sums them.
 *
 * ## Who decides what
 * - The *shape* — which of a campaign's days are released as days, which pool into a week-part
 *   or month unit, which fall through to the day pool — is decided ONCE per site and month from
 *   the shape views together (`shapeViews`, default every view; a part clears only if its clicks,
 *   visitors and the conversions of each shape view are 0 or ≥ k). Deciding it per view would let
 *   one view's week unit be subtracted from another view's day pool: the v1 traffic-base leak at a
 *   coarser grain. Every coarse unit is therefore one set of atoms in every view; a view outside
 *   the shape views only ever merges whole coarse units (into its pool of the month) where their
 *   conversions are under k there.
 * - What is left at the day grain goes through the v1 engine unchanged (release.ts markDay: the
 *   traffic base once per day for all views, then per-view pools). With `period: "day"` everything
 *   is left at the day grain, so the campaign level is exactly v1.
 * - Inside every campaign unit released on its own, the content and term partitions are decided
 *   once, from the shape views that release that unit (or all that release it, if none is a shape
 *   view); another view shows the same children, or — where one does not clear there — one
 *   `(other)` term per content or one `(other)` content: never a different split.
 *
 * ## The mark (one per stored atom, i.e. per day, touch, content, term, goal and model)
 * `HierMark`, designed to be written as plain columns and summed in SQL:
 * - `release` INTEGER — the campaign level, with v1's values: 1 = the atom's campaign is released
 *   on its own in this view (inside the unit below), 0 = it is in a pool (`other`): its day's pool,
 *   or (grain month, outside the shape views) the view's pool of its month; −1 = withheld in this
 *   view (appears nowhere).
 * - `unit_from`, `unit_to` TEXT (`YYYY-MM-DD`) — the days of the unit the atom belongs to: the day
 *   itself for day units, day pools and withheld days; the week-part or month (clipped at
 *   `asOf`, the current one so far) for coarse units and month pools. A range [from, to] uses the
 *   atom only when `unit_from >= from AND unit_to <= to`; a unit (release ≥ 0) with
 *   `unit_from <= to AND unit_to >= from` that is not inside the range is a partial period
 *   (`privacy.partial_periods`).
 * - `grain` — "day" | "week" | "month" (store as 0 / 1 / 2); tells `privacy.period`.
 * - `content` INTEGER — 1: the atom's content is released on its own inside the unit (its row is
 *   the content's name), 0: it is in the campaign unit's `(other)` content; NULL when release ≠ 1.
 * - `term` INTEGER — the same for the term inside a released content; 0 whenever content is 0;
 *   NULL when release ≠ 1.
 * So, over the atoms of one view in range with `unit_from >= from AND unit_to <= to`:
 * campaign row = SUM(release = 1) by touch; content row = SUM(release = 1) by touch and
 * `CASE content WHEN 1 THEN content_name ELSE '(other)' END`; term row likewise with term;
 * `other` = SUM(release = 0); totals = SUM(release >= 0). `answerRange` below is the reference
 * those statements must match.
 *
 * ## What the rollup must pass
 * Every atom of every view of each calendar month it re-marks, up to `asOf`: the decisions of a
 * month depend on all of its days (a late day can make an earlier week's leftovers clear as a
 * month), so a change to any day re-marks its whole month. Months never influence each other.
 */

/** The site's `privacy.period` setting. */
export type PeriodSetting = "auto" | "day";

/** The label of a pooled content or term row. */
export const OTHER = "(other)";

/** One stored atom of v1.1: (day, touch, content, term) in one view (goal, model). */
export interface Leaf extends Counts {
  day: string;
  source: string;
  medium: string;
  campaign: string;
  content: string;
  term: string;
  goal: string;
  model: string;
  credit: number;
  revenue: number;
  revenue_by_currency: Record<string, number>;
}

/** The release decided for one stored atom (see the module comment for the columns). */
export interface HierMark {
  release: ReleaseMark;
  grain: Grain;
  unit_from: string;
  unit_to: string;
  content: 0 | 1 | null;
  term: 0 | 1 | null;
}

export interface MarkOptions {
  k: number;
  period: PeriodSetting;
  /** the view whose atoms are the traffic reference (db/atoms.ts TRAFFIC_VIEW) */
  traffic: { goal: string; model: string };
  /** the last day rolled up (site-local today): the current week and month end here */
  asOf: string;
  /**
   * The views whose conversions decide the shape (default: every view). The others adapt: a coarse
   * unit whose conversions are under k in such a view goes, in that view only, to the view's pool of
   * its month (module comment, docs/PRIVACY.md §9.3). The rollup passes the `(macro)` goal's views,
   * so a small micro goal cannot coarsen the campaigns of the goal the site is run for.
   */
  shapeViews?: (view: { goal: string; model: string }) => boolean;
}

/** Clicks, visitors and each considered view's conversions of some atoms. */
interface Tally {
  clicks: number;
  visitors: number;
  conv: number[];
}

/** A part of a parent that may be released on its own, or pooled. */
interface Part {
  id: string;
  t: Tally;
}

const viewId = (a: { goal: string; model: string }) => `${a.goal}\u0000${a.model}`;
const viewOf = (id: string) => {
  const [goal, model] = id.split("\u0000") as [string, string];
  return { goal, model };
};
const cellId = (day: string, key: string) => `${day}\u0001${key}`;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function zeroTally(views: number): Tally {
  return { clicks: 0, visitors: 0, conv: new Array<number>(views).fill(0) };
}

function addTally(a: Tally, b: Tally): Tally {
  return { clicks: a.clicks + b.clicks, visitors: a.visitors + b.visitors, conv: a.conv.map((c, i) => c + (b.conv[i] ?? 0)) };
}

/** True when every count is 0 or ≥ k: clicks, visitors and the conversions of every view. */
export function clearsAll(t: Tally, k: number): boolean {
  return safeCount(t.clicks, k) && safeCount(t.visitors, k) && t.conv.every((c) => safeCount(c, k));
}

/**
 * Smallest first, as release.ts pools: conversions (summed over the views), then visitors, then
 * clicks, then the part's identity, so the order never depends on input order.
 */
const bySize = (a: Part, b: Part) => {
  const ca = a.t.conv.reduce((s, c) => s + c, 0);
  const cb = b.t.conv.reduce((s, c) => s + c, 0);
  return ca - cb || a.t.visitors - b.t.visitors || a.t.clicks - b.t.clicks || cmp(a.id, b.id);
};

/**
 * The one pooling rule, at every level: the `weak` parts (those that do not clear on their own)
 * pool; while the pool has a count in (0, k), `strong` parts join it, smallest first. `ok` is false
 * when even every part together does not clear; then nothing joins (`joined` is empty) and the
 * caller passes the weak parts up to the next level.
 */
export function poolInside(strong: readonly Part[], weak: readonly Part[], k: number): { alone: Part[]; joined: Part[]; ok: boolean } {
  if (weak.length === 0) return { alone: [...strong], joined: [], ok: true };
  const rest = [...strong].sort(bySize);
  let pool = weak.map((p) => p.t).reduce(addTally);
  const joined: Part[] = [];
  while (!clearsAll(pool, k) && rest.length > 0) {
    const next = rest.shift()!;
    joined.push(next);
    pool = addTally(pool, next.t);
  }
  if (!clearsAll(pool, k)) return { alone: [...strong], joined: [], ok: false };
  return { alone: rest, joined, ok: true };
}

/** A campaign unit of the shape: a day on its own, or a week-part or month pool of one touch. */
interface CoarseUnit {
  key: string;
  grain: "week" | "month";
  from: string;
  to: string;
  days: string[];
}

/**
 * The shape of one touch in one month (auto): which days stay at the day grain (released on their
 * own, or left to the day pools by v1) and which pool into week-part and month units.
 * `tallies` maps each day the touch has atoms on to its tally over every view.
 */
export function shapeTouchMonth(key: string, tallies: ReadonlyMap<string, Tally>, k: number, asOf: string): { dayLevel: string[]; units: CoarseUnit[] } {
  const days = [...tallies.keys()].sort();
  const part = (day: string): Part => ({ id: day, t: tallies.get(day)! });
  const dayAlone = new Set<string>();
  const weekUnits: CoarseUnit[] = [];
  const upward: string[] = [];
  for (const wdays of groupBy(days, (d) => weekOf(d).from).values()) {
    const strong = wdays.filter((d) => clearsAll(tallies.get(d)!, k)).map(part);
    const weak = wdays.filter((d) => !clearsAll(tallies.get(d)!, k)).map(part);
    const r = poolInside(strong, weak, k);
    for (const p of r.alone) dayAlone.add(p.id);
    if (weak.length === 0) continue;
    if (!r.ok) {
      upward.push(...weak.map((p) => p.id));
      continue;
    }
    const w = clipTo(weekOf(wdays[0]!), asOf);
    weekUnits.push({ key, grain: "week", from: w.from, to: w.to, days: [...weak, ...r.joined].map((p) => p.id).sort() });
  }
  if (upward.length === 0) return { dayLevel: [...dayAlone].sort(), units: weekUnits };
  // Weeks that could not clear pool into the month. Unlike the other levels, released units do not
  // join an under-k month pool: a joiner would vanish from every range that cuts the month (a whole
  // week of the touch, to rescue a day or two), while the days left over still count in their day
  // pools' `other` and totals. What the month cannot clear cleared at no grain (CONTRACT.md).
  const pool = upward.map((d) => tallies.get(d)!).reduce(addTally);
  if (!clearsAll(pool, k)) return { dayLevel: [...dayAlone, ...upward].sort(), units: weekUnits };
  const m = clipTo(monthOf(days[0]!), asOf);
  return { dayLevel: [...dayAlone].sort(), units: [...weekUnits, { key, grain: "month", from: m.from, to: m.to, days: upward.sort() }] };
}

/**
 * The content or term partition inside one released unit: each child (content, or term) whose
 * counts in every releasing view clear is released on its own; the others pool into `(other)`;
 * released siblings join an under-k pool smallest first; if it still does not clear, every child
 * is `(other)` (the unit shows as one `(other)` child). Returns the children released on their own.
 */
export function partitionChildren(children: ReadonlyMap<string, Tally>, k: number): Set<string> {
  const parts = [...children].map(([id, t]) => ({ id, t }));
  const r = poolInside(
    parts.filter((p) => clearsAll(p.t, k)),
    parts.filter((p) => !clearsAll(p.t, k)),
    k,
  );
  return new Set(r.ok ? r.alone.map((p) => p.id) : []);
}

/**
 * Decides the release of every stored atom of a site for the calendar months they fall in
 * (module comment: pass whole months, every view). Marks come back in the order of `leaves`.
 * With `period: "day"` the campaign level is exactly release.ts markDay's.
 *
 * Cost: linear in the atoms, plus the sorts inside pools. The rollup passes a month of a site at
 * once — up to 31 days × limits.touches_per_day touches × every view, a few million atoms — so each
 * atom gets integer indices once (its view; its slot, i.e. day, touch, content and term; its cell,
 * i.e. day and touch) and everything after works on those: no string keys rebuilt per atom and view,
 * no per-atom array copies, per-view checks from one pass over a unit's atoms. bench/hierarchy.mjs
 * measures it; test/privacy/hierarchy-reference.test.ts holds it to the plain version it replaced
 * (test/privacy/hierarchy-reference.ts), mark for mark.
 */
export function markHierarchy(leaves: readonly Leaf[], opts: MarkOptions): HierMark[] {
  const { k, asOf } = opts;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a whole number ≥ 1, not ${k}`);
  for (const l of leaves) if (l.day > asOf) throw new RangeError(`atom of ${l.day} is after asOf ${asOf}`);
  const n = leaves.length;

  // Views, numbered in the order of their sorted ids.
  const firstSeen = new Map<string, Map<string, number>>(); // goal → model → order of appearance
  const appearing: string[] = [];
  const provisional = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = leaves[i]!;
    let models = firstSeen.get(l.goal);
    if (!models) firstSeen.set(l.goal, (models = new Map()));
    let v = models.get(l.model);
    if (v === undefined) {
      v = appearing.length;
      models.set(l.model, v);
      appearing.push(viewId(l));
    }
    provisional[i] = v;
  }
  const views = [...appearing].sort();
  const V = views.length;
  const viewIndex = new Map(views.map((v, i) => [v, i]));
  const renumber = appearing.map((id) => viewIndex.get(id)!);
  const vOf = provisional.map((p) => renumber[p]!);
  const refView = viewId(opts.traffic);

  // Traffic per slot (day, touch, content, term). Every argument of docs/PRIVACY.md rests on each
  // stored atom existing in every view with the same clicks and visitors (rollup/atoms.ts writes
  // them so; noise on traffic is keyed by the touch alone): a view missing one would sum a unit's
  // traffic without it, and the difference with another view would be that atom's traffic.
  if (n > 0 && !viewIndex.has(refView)) throw new RangeError(`the traffic view ${opts.traffic.goal}/${opts.traffic.model} has no atoms`);
  const shown = (id: string) => id.replaceAll("\u0000", "/").replaceAll("\u0001", " ");
  const slotOf = new Map<string, number>();
  const slot = new Int32Array(n);
  const slotIds: string[] = [];
  const slotClicks: number[] = [];
  const slotVisitors: number[] = [];
  const slotViews: number[] = [];
  const slotCell: number[] = [];
  // Cells: (day, touch), the campaign atoms.
  const cellOf = new Map<string, number>();
  const cellDay: string[] = [];
  const cellTouch: string[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const l = leaves[i]!;
    const id = `${l.day}\u0001${l.source}\u0000${l.medium}\u0000${l.campaign}\u0001${l.content}\u0001${l.term}`;
    let s = slotOf.get(id);
    const fresh = s === undefined;
    if (s === undefined) {
      s = slotIds.length;
      slotOf.set(id, s);
      slotIds.push(id);
      slotClicks.push(l.clicks);
      slotVisitors.push(l.visitors);
      slotViews.push(0);
      const touch = touchKey(l);
      const cid = cellId(l.day, touch);
      let c = cellOf.get(cid);
      if (c === undefined) {
        c = cellDay.length;
        cellOf.set(cid, c);
        cellDay.push(l.day);
        cellTouch.push(touch);
      }
      slotCell.push(c);
    }
    slot[i] = s;
    const once = s * V + vOf[i]!;
    if (seen.has(once)) throw new RangeError(`atom ${shown(id)} appears twice in view ${l.goal}/${l.model}`);
    seen.add(once);
    if (!fresh && (slotClicks[s] !== l.clicks || slotVisitors[s] !== l.visitors)) throw new RangeError(`atom ${shown(id)} has different traffic in different views`);
    slotViews[s]!++;
  }
  for (let s = 0; s < slotIds.length; s++) if (slotViews[s] !== V) throw new RangeError(`atom ${shown(slotIds[s]!)} is missing from ${V - slotViews[s]!} view(s)`);
  // From here every slot, hence every cell, is in every view: cell c of view v is c * V + v.
  const nCells = cellDay.length;
  const cellOfLeaf = (i: number) => slotCell[slot[i]!]!;
  const cellLeaves: number[][] = Array.from({ length: nCells }, () => []);
  for (let i = 0; i < n; i++) cellLeaves[cellOfLeaf(i)]!.push(i);

  // Campaign atoms per view (the sum of their contents, CONTRACT.md "below the campaign"), in order
  // of appearance. Their marks depend on clicks, visitors and conversions only, so revenue by
  // currency is not carried.
  const campaignAtoms: (ViewCell | undefined)[] = new Array(nCells * V);
  const campaignOrder: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = leaves[i]!;
    const at = cellOfLeaf(i) * V + vOf[i]!;
    let a = campaignAtoms[at];
    if (!a) {
      a = { ...emptyCell(l), goal: l.goal, model: l.model };
      campaignAtoms[at] = a;
      campaignOrder.push(at);
    }
    a.clicks += l.clicks;
    a.visitors += l.visitors;
    a.conversions += l.conversions;
    a.credit += l.credit;
    a.revenue += l.revenue;
  }

  // The tally of some leaves over the views marked 1 in `only` (null: every view). Traffic counts
  // each slot once (the same in every view); `stamp` tells a slot already counted in this call.
  const stamp = new Int32Array(slotIds.length);
  let call = 0;
  const tallyOf = (ls: readonly number[], only: Uint8Array | null): Tally => {
    call++;
    const t = zeroTally(V);
    for (const i of ls) {
      const s = slot[i]!;
      if (stamp[s] !== call) {
        stamp[s] = call;
        t.clicks += slotClicks[s]!;
        t.visitors += slotVisitors[s]!;
      }
      const v = vOf[i]!;
      if (only === null || only[v] === 1) t.conv[v]! += leaves[i]!.conversions;
    }
    return t;
  };

  // The shape (auto): coarse units per touch and month, decided from the shape views together.
  const shapers = new Uint8Array(V);
  views.forEach((v, i) => (shapers[i] = !opts.shapeViews || opts.shapeViews(viewOf(v)) ? 1 : 0));
  const coarse: CoarseUnit[] = [];
  const coarseOf = new Int32Array(nCells).fill(-1);
  const cellsInOrder = Array.from({ length: nCells }, (_, c) => c);
  if (opts.period === "auto") {
    for (const cs of groupBy(cellsInOrder, (c) => `${cellTouch[c]}\u0001${cellDay[c]!.slice(0, 7)}`).values()) {
      const key = cellTouch[cs[0]!]!;
      const tallies = new Map(cs.map((c) => [cellDay[c]!, tallyOf(cellLeaves[c]!, shapers)]));
      for (const u of shapeTouchMonth(key, tallies, k, asOf).units) {
        for (const d of u.days) coarseOf[cellOf.get(cellId(d, key))!] = coarse.length;
        coarse.push(u);
      }
    }
  }

  // The day grain: v1, on the campaign atoms left there.
  const dayAtoms: ViewCell[] = [];
  const dayAt: number[] = [];
  for (const at of campaignOrder) {
    if (coarseOf[Math.floor(at / V)] !== -1) continue;
    dayAtoms.push(campaignAtoms[at]!);
    dayAt.push(at);
  }
  const dayMarks = new Int8Array(nCells * V).fill(RELEASE_POOLED);
  markDay(dayAtoms, opts.traffic, k).forEach((m, j) => (dayMarks[dayAt[j]!] = m));

  // In a view outside the shape views, a coarse unit whose conversions are under k pools with the
  // others of its month in that view (whole units only: each is one block of traffic, the same in
  // every view); released coarse units of the view join smallest first; failing that, withheld.
  const unitId = (u: CoarseUnit) => `${u.key}\u0001${u.grain}\u0001${u.from}`;
  const unitIndex = new Map(coarse.map((u, i) => [unitId(u), i]));
  const unitLeaves = coarse.map((u) => u.days.flatMap((d) => cellLeaves[cellOf.get(cellId(d, u.key))!]!));
  const ALONE_IN_VIEW = 2; // fate of a unit released on its own in the view
  const fate = new Int8Array(coarse.length * V).fill(ALONE_IN_VIEW); // unit * V + view → RELEASE_POOLED (month pool) | RELEASE_WITHHELD | ALONE_IN_VIEW
  const coarseByMonth = [...groupBy(coarse.map((_, i) => i), (i) => coarse[i]!.from.slice(0, 7)).values()];
  for (let v = 0; v < V; v++) {
    if (shapers[v] === 1) continue;
    const only = new Uint8Array(V);
    only[v] = 1;
    for (const us of coarseByMonth) {
      const parts = us.map((i) => ({ id: unitId(coarse[i]!), t: tallyOf(unitLeaves[i]!, only) }));
      const weak = parts.filter((p) => !clearsAll(p.t, k));
      if (weak.length === 0) continue;
      const r = poolInside(parts.filter((p) => clearsAll(p.t, k)), weak, k);
      for (const p of [...weak, ...r.joined]) fate[unitIndex.get(p.id)! * V + v] = r.ok ? RELEASE_POOLED : RELEASE_WITHHELD;
    }
  }

  // Children of every campaign unit released on its own, decided once, from the shape views that
  // release it (or, if none does, every view that does). Another view releasing the unit shows the
  // same children where each clears there; where one does not, that view shows one (other) term per
  // content, or one (other) content — a union of the same children, so no view splits what another
  // shows whole.
  interface Children {
    contents: Set<string>;
    terms: Map<string, Set<string>>;
    /** view index → the level that view shows as one (other) */
    flat: Map<number, "content" | "term">;
  }
  const decideChildren = (ls: readonly number[], releasing: Uint8Array): Children => {
    let shaping = false;
    for (let v = 0; v < V; v++) if (releasing[v] === 1 && shapers[v] === 1) shaping = true;
    const deciding = shaping ? releasing.map((r, v) => r & shapers[v]!) : releasing;
    // Traffic counts every atom of the unit; conversions only those of the deciding views.
    const byContent = groupBy(ls, (i) => leaves[i]!.content);
    const contents = partitionChildren(new Map([...byContent].map(([c, cl]) => [c, tallyOf(cl, deciding)])), k);
    const terms = new Map<string, Set<string>>();
    for (const c of contents) {
      const byTerm = groupBy(byContent.get(c)!, (i) => leaves[i]!.term);
      terms.set(c, partitionChildren(new Map([...byTerm].map(([t, tl]) => [t, tallyOf(tl, deciding)])), k));
    }
    const flat = new Map<number, "content" | "term">();
    const others: number[] = [];
    for (let v = 0; v < V; v++) if (releasing[v] === 1 && deciding[v] !== 1) others.push(v);
    if (others.length === 0) return { contents, terms, flat };
    // Whether every child unit of `level` clears in view v alone: its traffic, and v's conversions.
    const clearsIn = (level: "content" | "term") => {
      const units = groupBy(ls, (i) => {
        const l = leaves[i]!;
        const c = contents.has(l.content) ? l.content : OTHER;
        if (level === "content") return c;
        const t = contents.has(l.content) && terms.get(l.content)!.has(l.term) ? l.term : OTHER;
        return `${c}\u0001${t}`;
      });
      const ok = new Uint8Array(V).fill(1);
      for (const u of units.values()) {
        const t = tallyOf(u, null);
        const traffic = safeCount(t.clicks, k) && safeCount(t.visitors, k);
        for (let v = 0; v < V; v++) if (!traffic || !safeCount(t.conv[v]!, k)) ok[v] = 0;
      }
      return ok;
    };
    const content = clearsIn("content");
    const term = clearsIn("term");
    for (const v of others) {
      if (content[v] !== 1) flat.set(v, "content");
      else if (term[v] !== 1) flat.set(v, "term");
    }
    return { contents, terms, flat };
  };
  const coarseChildren = coarse.map((_, u) => decideChildren(unitLeaves[u]!, Uint8Array.from({ length: V }, (_, v) => (fate[u * V + v] === ALONE_IN_VIEW ? 1 : 0))));
  const cellChildren: (Children | undefined)[] = new Array(nCells);
  for (let c = 0; c < nCells; c++) {
    if (coarseOf[c] !== -1) continue;
    const releasing = Uint8Array.from({ length: V }, (_, v) => (dayMarks[c * V + v] === RELEASE_ALONE ? 1 : 0));
    if (releasing.includes(1)) cellChildren[c] = decideChildren(cellLeaves[c]!, releasing);
  }

  const months = new Map<string, { from: string; to: string }>();
  const monthUnit = (day: string) => {
    let m = months.get(day.slice(0, 7));
    if (!m) months.set(day.slice(0, 7), (m = clipTo(monthOf(day), asOf)));
    return m;
  };
  return leaves.map((l, i): HierMark => {
    const c = cellOfLeaf(i);
    const v = vOf[i]!;
    const ui = coarseOf[c]!;
    const u = ui === -1 ? undefined : coarse[ui]!;
    const pooled = u ? fate[ui * V + v]! : ALONE_IN_VIEW;
    if (u && pooled !== ALONE_IN_VIEW) {
      const m = monthUnit(l.day);
      return { release: pooled as ReleaseMark, grain: "month", unit_from: m.from, unit_to: m.to, content: null, term: null };
    }
    const release = u ? RELEASE_ALONE : (dayMarks[c * V + v]! as ReleaseMark);
    const base = u ? { grain: u.grain, unit_from: u.from, unit_to: u.to } : { grain: "day" as const, unit_from: l.day, unit_to: l.day };
    if (release !== RELEASE_ALONE) return { release, ...base, content: null, term: null };
    const ch = (u ? coarseChildren[ui] : cellChildren[c])!;
    const flat = ch.flat.get(v);
    const content = flat !== "content" && ch.contents.has(l.content) ? 1 : 0;
    const term = content === 1 && flat !== "term" && ch.terms.get(l.content)!.has(l.term) ? 1 : 0;
    return { release, ...base, content, term };
  });
}

// ---------------------------------------------------------------------------------------------
// The read side: what a range answers from marked atoms of one view. The reference the SQL of
// the read path must match (module comment), and what the property tests attack.

export type HierGroup = "campaign" | "content" | "term" | "source" | "medium" | "day";

/** Drill-down filters: they narrow the rows, never the units (CONTRACT.md "group"). */
export interface Filters {
  source?: string;
  medium?: string;
  campaign?: string;
  content?: string;
}

export interface RangeQuery {
  from: string;
  to: string;
  group: HierGroup;
  filters?: Filters;
}

/** Summed figures of a row, `other` or `totals`. */
export interface Figures extends Counts {
  credit: number;
  revenue: number;
  revenue_by_currency: Record<string, number>;
}

export interface RangeAnswer {
  rows: { key: Record<string, string>; sums: Figures }[];
  /** pools (and, for group=day, the coarse units, which belong to no single day) */
  other: Figures;
  totals: Figures;
  /** coarse units the range cuts, left out of rows, other and totals, by period */
  partial_periods: { from: string; to: string; grain: Grain }[];
  /** the grain of the units the rows hold: day, week, month, or mixed */
  period: Grain | "mixed";
  /** campaign atoms (day, touch) in range not released on their own (pooled, withheld) */
  suppressed: number;
  withheld_days: string[];
}

export function emptyFigures(): Figures {
  return { clicks: 0, visitors: 0, conversions: 0, credit: 0, revenue: 0, revenue_by_currency: {} };
}

/** Adds `l`'s figures into `into` (in place). */
export function addFigures(into: Figures, l: Figures): void {
  into.clicks += l.clicks;
  into.visitors += l.visitors;
  into.conversions += l.conversions;
  into.credit += l.credit;
  into.revenue += l.revenue;
  for (const [c, v] of Object.entries(l.revenue_by_currency)) into.revenue_by_currency[c] = (into.revenue_by_currency[c] ?? 0) + v;
}

/** The key of the row a released atom counts in under `group` (contents and terms as released). */
export function rowKeyOf(group: Exclude<HierGroup, "day">, l: MarkedLeaf): Record<string, string> {
  const content = l.content === 1 ? l.content_name : OTHER;
  const term = l.term === 1 ? l.term_name : OTHER;
  switch (group) {
    case "source":
      return { source: l.source };
    case "medium":
      return { medium: l.medium };
    case "campaign":
      return { source: l.source, medium: l.medium, campaign: l.campaign };
    case "content":
      return { source: l.source, medium: l.medium, campaign: l.campaign, content };
    case "term":
      return { source: l.source, medium: l.medium, campaign: l.campaign, content, term };
  }
}

/** A leaf with its mark; the names of its content and term kept apart from the marks' flags. */
export type MarkedLeaf = Omit<Leaf, "content" | "term"> & HierMark & { content_name: string; term_name: string };

/** Joins leaves and their marks into the shape answerRange reads (what a stored row holds). */
export function withMarks(leaves: readonly Leaf[], marks: readonly HierMark[]): MarkedLeaf[] {
  return leaves.map((l, i) => ({ ...l, content_name: l.content, term_name: l.term, ...marks[i]! }));
}

/**
 * Answers a range of ONE view (the caller passes that view's marked atoms): each row, `other` and
 * the totals sum whole units inside [from, to]; a unit the range cuts counts nowhere and is listed
 * in `partial_periods`. Filters narrow the rows only; `other` and `totals` stay the view's
 * (group=day ignores them: its rows hold pools, which have no touch to filter on).
 */
export function answerRange(marked: readonly MarkedLeaf[], q: RangeQuery): RangeAnswer {
  const rows = new Map<string, { key: Record<string, string>; sums: Figures }>();
  const other = emptyFigures();
  const totals = emptyFigures();
  const partial = new Map<string, { from: string; to: string; grain: Grain }>();
  const grains = new Set<Grain>();
  const suppressed = new Set<string>();
  const withheld = new Set<string>();
  const f = q.filters ?? {};
  const row = (key: Record<string, string>) => {
    const id = JSON.stringify(key);
    let r = rows.get(id);
    if (!r) rows.set(id, (r = { key, sums: emptyFigures() }));
    return r.sums;
  };
  for (const l of marked) {
    const unit = { from: l.unit_from, to: l.unit_to };
    if (l.day >= q.from && l.day <= q.to && l.release !== RELEASE_ALONE) suppressed.add(cellId(l.day, touchKey(l)));
    if (l.release === RELEASE_WITHHELD) {
      if (l.day >= q.from && l.day <= q.to) withheld.add(l.day);
      continue;
    }
    if (!covers(q.from, q.to, unit)) {
      if (cuts(q.from, q.to, unit)) partial.set(`${l.unit_from}/${l.unit_to}`, { ...unit, grain: l.grain });
      continue;
    }
    addFigures(totals, l);
    if (q.group === "day") {
      if (l.unit_from === l.unit_to) addFigures(row({ day: l.day }), l);
      else addFigures(other, l);
      if (l.release === RELEASE_ALONE) grains.add(l.grain);
      continue;
    }
    if (l.release !== RELEASE_ALONE) {
      addFigures(other, l);
      continue;
    }
    grains.add(l.grain);
    const content = l.content === 1 ? l.content_name : OTHER;
    if (f.source !== undefined && l.source !== f.source) continue;
    if (f.medium !== undefined && l.medium !== f.medium) continue;
    if (f.campaign !== undefined && l.campaign !== f.campaign) continue;
    if (f.content !== undefined && content !== f.content) continue;
    addFigures(row(rowKeyOf(q.group, l)), l);
  }
  const isZero = (s: Figures) => s.clicks === 0 && s.visitors === 0 && s.conversions === 0 && s.credit === 0 && s.revenue === 0;
  return {
    rows: [...rows.values()].filter((r) => !isZero(r.sums)),
    other,
    totals,
    partial_periods: [...partial.values()].sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to)),
    period: grains.size === 0 ? "day" : grains.size === 1 ? [...grains][0]! : "mixed",
    suppressed: suppressed.size,
    withheld_days: [...withheld].sort(),
  };
}
