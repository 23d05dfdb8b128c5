/**
 * The privacy invariant (CONTRACT.md "The privacy invariant", docs/PRIVACY.md): which daily
 * atoms a response may use, and how the others pool. Pure functions of plain data.
 *
 * Vocabulary:
 * - a *cell* is one atom of one view: (day, source, medium, campaign) for a fixed (goal, model);
 * - a *unit* is what may be released: one cell on its own, or the day's pool of cells;
 * - every number the API returns is a sum of units, and every unit's counts are 0 or ≥ k.
 *
 * One refinement of the contract's per-(day, goal, model) pooling: clicks and visitors do not
 * depend on goal or model, so the cells whose traffic is under k (and, if needed, the smallest
 * others) are chosen ONCE per day for every goal and model (the *traffic base*). Without it the
 * pool of one view minus a cell released alone in another view would reveal the visitors of the
 * small cells (docs/PRIVACY.md "Why the traffic base").
 */

/** The counts the thresholds apply to. */
export interface Counts {
  clicks: number;
  visitors: number;
  /** distinct conversions that gave credit */
  conversions: number;
}

/** One atom of one view, with the figures a response sums. */
export interface Cell extends Counts {
  day: string;
  source: string;
  medium: string;
  campaign: string;
  /** fractional credit (the API's `conversions`) */
  credit: number;
  revenue: number;
  revenue_by_currency: Record<string, number>;
}

/** The traffic of one touch on one day (the same in every goal and model). */
export interface TrafficCell {
  day: string;
  source: string;
  medium: string;
  campaign: string;
  clicks: number;
  visitors: number;
}

/** A releasable unit: a cell on its own, or the pool of a day. */
export type Unit = { kind: "atom"; day: string; cell: Cell } | { kind: "pool"; day: string; cells: Cell[]; sum: Cell };

/** The release of one day of one view. */
export interface DayRelease {
  day: string;
  /** true when nothing of the day may be released (the pool stayed under k with every cell in it) */
  withheld: boolean;
  units: Unit[];
  /** cells not released on their own (pooled, or on a withheld day) */
  suppressed: number;
}

/** The per-day traffic decision shared by every goal and model. */
export interface TrafficBase {
  /** touch keys (see touchKey) that always go to the pool */
  keys: Set<string>;
  /** false when even every touch of the day together is under k: the day is withheld everywhere */
  ok: boolean;
}

/** The identity of a touch inside a day. */
export function touchKey(t: { source: string; medium: string; campaign: string }): string {
  return `${t.source}\u0000${t.medium}\u0000${t.campaign}`;
}

/** True when a count may be shown: 0 (nobody) or at least k. */
export function safeCount(n: number, k: number): boolean {
  return n === 0 || n >= k;
}

/** True when every count of `c` is 0 or ≥ k (the contract's release rule for one atom). */
export function releasable(c: Counts, k: number): boolean {
  return safeCount(c.clicks, k) && safeCount(c.visitors, k) && safeCount(c.conversions, k);
}

/** An all-zero cell of a touch (a touch with traffic but no atom in this view). */
export function emptyCell(t: { day: string; source: string; medium: string; campaign: string }): Cell {
  return { day: t.day, source: t.source, medium: t.medium, campaign: t.campaign, clicks: 0, visitors: 0, conversions: 0, credit: 0, revenue: 0, revenue_by_currency: {} };
}

/** Adds `b` into `a` (a fresh object; inputs untouched). Currencies are kept apart. */
export function addCells(a: Cell, b: Cell): Cell {
  const rbc = { ...a.revenue_by_currency };
  for (const [cur, v] of Object.entries(b.revenue_by_currency)) rbc[cur] = (rbc[cur] ?? 0) + v;
  return {
    ...a,
    clicks: a.clicks + b.clicks,
    visitors: a.visitors + b.visitors,
    conversions: a.conversions + b.conversions,
    credit: a.credit + b.credit,
    revenue: a.revenue + b.revenue,
    revenue_by_currency: rbc,
  };
}

/** The sum of cells as one cell of `day` with an empty touch. */
export function sumCells(day: string, cells: readonly Cell[]): Cell {
  return cells.reduce(addCells, emptyCell({ day, source: "", medium: "", campaign: "" }));
}

const byTrafficSize = (a: TrafficCell, b: TrafficCell) =>
  a.visitors - b.visitors || a.clicks - b.clicks || cmp(touchKey(a), touchKey(b));

const byPoolOrder = (a: Cell, b: Cell) =>
  a.conversions - b.conversions || a.visitors - b.visitors || a.clicks - b.clicks || cmp(touchKey(a), touchKey(b));

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The traffic base of one day: touches whose clicks or visitors are in (0, k), then — while
 * their summed clicks or visitors are still in (0, k) — the smallest other touches (by visitors,
 * then clicks). Computed from every touch of the day, so it is the same for every view.
 */
export function trafficBase(day: readonly TrafficCell[], k: number): TrafficBase {
  const keys = new Set<string>();
  let clicks = 0;
  let visitors = 0;
  const rest: TrafficCell[] = [];
  for (const t of day) {
    if (safeCount(t.clicks, k) && safeCount(t.visitors, k)) {
      rest.push(t);
    } else {
      keys.add(touchKey(t));
      clicks += t.clicks;
      visitors += t.visitors;
    }
  }
  rest.sort(byTrafficSize);
  for (const t of rest) {
    if (safeCount(clicks, k) && safeCount(visitors, k)) break;
    keys.add(touchKey(t));
    clicks += t.clicks;
    visitors += t.visitors;
  }
  return { keys, ok: safeCount(clicks, k) && safeCount(visitors, k) };
}

/**
 * Releases one day of one view. A cell is released on its own when it is outside the traffic
 * base and its conversions are 0 or ≥ k; the rest pool. While the pool has a count in (0, k),
 * released cells join it smallest first (by conversions, then visitors); if even every cell of
 * the day leaves it under k, the whole day is withheld.
 */
export function releaseDay(day: string, cells: readonly Cell[], base: TrafficBase, k: number): DayRelease {
  if (!base.ok) return { day, withheld: true, units: [], suppressed: cells.length };
  const alone: Cell[] = [];
  const pooled: Cell[] = [];
  for (const c of cells) {
    if (!base.keys.has(touchKey(c)) && releasable(c, k)) alone.push(c);
    else pooled.push(c);
  }
  alone.sort(byPoolOrder);
  let pool = sumCells(day, pooled);
  while (!releasable(pool, k) && alone.length > 0) {
    const next = alone.shift()!;
    pooled.push(next);
    pool = addCells(pool, next);
  }
  if (!releasable(pool, k)) return { day, withheld: true, units: [], suppressed: cells.length };
  const units: Unit[] = alone.map((cell) => ({ kind: "atom", day, cell }));
  if (pooled.length > 0) units.push({ kind: "pool", day, cells: pooled, sum: pool });
  return { day, withheld: false, units, suppressed: pooled.length };
}

/**
 * Groups a view's atoms and the site's traffic by day and releases every day. `traffic` holds
 * every touch of every day in range, the same whatever the view (db/stats.ts readUndecided);
 * a touch with traffic but no atom in this view becomes an all-zero cell, so every view of a
 * day has the same touches and the same traffic base.
 */
export function releaseView(cells: readonly Cell[], traffic: readonly TrafficCell[], k: number): DayRelease[] {
  const trafficByDay = groupBy(traffic, (t) => t.day);
  const cellsByDay = groupBy(cells, (c) => c.day);
  const days = [...new Set([...trafficByDay.keys(), ...cellsByDay.keys()])].sort();
  return days.map((day) => {
    const t = trafficByDay.get(day) ?? [];
    const own = new Map((cellsByDay.get(day) ?? []).map((c) => [touchKey(c), c]));
    // Traffic comes from the shared table, so the base cannot differ between views.
    const merged = new Map<string, Cell>();
    for (const tc of t) {
      const c = own.get(touchKey(tc)) ?? emptyCell(tc);
      merged.set(touchKey(tc), { ...c, clicks: tc.clicks, visitors: tc.visitors });
    }
    // A cell missing from the traffic reference (not something the rollup writes) still gets
    // its traffic judged with the others rather than slipping past the base.
    const extra = [...own].filter(([key]) => !merged.has(key)).map(([, c]) => c);
    for (const c of extra) merged.set(touchKey(c), c);
    return releaseDay(day, [...merged.values()], trafficBase([...t, ...extra], k), k);
  });
}

/** Groups items by a key, keeping input order inside each group. */
export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
}

/** A release decision as stored in atoms.release (migrations/0003). */
export const RELEASE_ALONE = 1;
export const RELEASE_POOLED = 0;
export const RELEASE_WITHHELD = -1;
export type ReleaseMark = typeof RELEASE_ALONE | typeof RELEASE_POOLED | typeof RELEASE_WITHHELD;

/** One atom of one site-day with its view (goal, model). */
export type ViewCell = Cell & { goal: string; model: string };

/**
 * The release of every view of one site-day, decided at rollup time: for each atom, whether
 * releaseView would release it on its own, pool it, or withhold its day — exactly the decision
 * the API would otherwise take per request, so the API can sum released atoms in SQL. The
 * traffic reference is the `traffic` view's atoms, as db/stats.ts readUndecided reads it.
 * Marks come back in the order of `atoms`.
 */
export function markDay(atoms: readonly ViewCell[], traffic: { goal: string; model: string }, k: number): ReleaseMark[] {
  // What releaseView decides per view, computed from indices: each atom's touch key once, and the
  // traffic base once per day (it is the reference view's, the same for every view — unless a view
  // has a touch the reference lacks, then that view's day gets its own base, as in releaseView).
  // A month of a site at the touch cap is millions of atoms (privacy/hierarchy.ts markHierarchy).
  const viewOf = (a: { goal: string; model: string }) => `${a.goal}\u0000${a.model}`;
  const refView = viewOf(traffic);
  const keyOf = atoms.map(touchKey);
  const out = new Array<ReleaseMark>(atoms.length).fill(RELEASE_POOLED);
  const all = atoms.map((_, i) => i);
  const refByDay = groupBy(all.filter((i) => viewOf(atoms[i]!) === refView), (i) => atoms[i]!.day);
  const bases = new Map<string, TrafficBase>();
  for (const inView of groupBy(all, (i) => viewOf(atoms[i]!)).values()) {
    const byDay = groupBy(inView, (i) => atoms[i]!.day);
    for (const day of [...new Set([...refByDay.keys(), ...byDay.keys()])].sort()) {
      const t = refByDay.get(day) ?? [];
      const own = groupBy(byDay.get(day) ?? [], (i) => keyOf[i]!);
      const merged = new Map<string, Cell>();
      for (const ti of t) {
        const list = own.get(keyOf[ti]!);
        const c = list ? atoms[list[list.length - 1]!]! : emptyCell(atoms[ti]!);
        merged.set(keyOf[ti]!, { ...c, clicks: atoms[ti]!.clicks, visitors: atoms[ti]!.visitors });
      }
      const extra = [...own].filter(([key]) => !merged.has(key)).map(([, list]) => atoms[list[list.length - 1]!]!);
      for (const c of extra) merged.set(touchKey(c), c);
      let base = extra.length === 0 ? bases.get(day) : undefined;
      if (!base) {
        base = trafficBase([...t.map((i) => atoms[i]!), ...extra], k);
        if (extra.length === 0) bases.set(day, base);
      }
      const rel = releaseDay(day, [...merged.values()], base, k);
      const mark = (c: Cell, m: ReleaseMark) => {
        for (const i of own.get(touchKey(c)) ?? []) out[i] = m;
      };
      if (rel.withheld) for (const list of own.values()) for (const i of list) out[i] = RELEASE_WITHHELD;
      for (const u of rel.units) {
        if (u.kind === "atom") mark(u.cell, RELEASE_ALONE);
        else for (const c of u.cells) mark(c, RELEASE_POOLED);
      }
    }
  }
  return out;
}
