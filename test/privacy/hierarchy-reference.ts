import { clearsAll, OTHER, partitionChildren, poolInside, shapeTouchMonth, type HierMark, type Leaf, type MarkOptions } from "../../src/privacy/hierarchy";
import {
  addCells,
  emptyCell,
  groupBy,
  releaseView,
  RELEASE_ALONE,
  RELEASE_POOLED,
  RELEASE_WITHHELD,
  touchKey,
  type Cell,
  type ReleaseMark,
  type ViewCell,
} from "../../src/privacy/release";
import { clipTo, monthOf } from "../../src/time/periods";

/**
 * The plain version of privacy/hierarchy.ts markHierarchy, as it was before it was made linear
 * (string keys per atom and view, arrays copied per atom): kept only as the reference
 * test/privacy/hierarchy-reference.test.ts holds the fast version to, mark for mark. Not used by
 * the Worker. markDayReference is release.ts markDay as it was (it scanned a touch's atoms of
 * every day for each day).
 */

interface Tally {
  clicks: number;
  visitors: number;
  conv: number[];
}

type CoarseUnit = ReturnType<typeof shapeTouchMonth>["units"][number];

const viewId = (a: { goal: string; model: string }) => `${a.goal}\u0000${a.model}`;
const viewOf = (id: string) => {
  const [goal, model] = id.split("\u0000") as [string, string];
  return { goal, model };
};
const cellId = (day: string, key: string) => `${day}\u0001${key}`;

function zeroTally(views: number): Tally {
  return { clicks: 0, visitors: 0, conv: new Array<number>(views).fill(0) };
}

export function markHierarchyReference(leaves: readonly Leaf[], opts: MarkOptions): HierMark[] {
  const { k, asOf } = opts;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a whole number ≥ 1, not ${k}`);
  for (const l of leaves) if (l.day > asOf) throw new RangeError(`atom of ${l.day} is after asOf ${asOf}`);
  const views = [...new Set(leaves.map(viewId))].sort();
  const viewIndex = new Map(views.map((v, i) => [v, i]));
  const refView = viewId(opts.traffic);

  // Traffic per (day, touch, content, term). Every argument of docs/PRIVACY.md rests on each
  // stored atom existing in every view with the same clicks and visitors (rollup/atoms.ts writes
  // them so; noise on traffic is keyed by the touch alone): a view missing one would sum a unit's
  // traffic without it, and the difference with another view would be that atom's traffic.
  if (leaves.length > 0 && !viewIndex.has(refView)) throw new RangeError(`the traffic view ${opts.traffic.goal}/${opts.traffic.model} has no atoms`);
  const leafId = (l: Leaf) => `${cellId(l.day, touchKey(l))}\u0001${l.content}\u0001${l.term}`;
  const traffic = new Map<string, { clicks: number; visitors: number; views: number }>();
  const seen = new Set<string>();
  const shown = (id: string) => id.replaceAll("\u0000", "/").replaceAll("\u0001", " ");
  for (const l of leaves) {
    const once = `${viewId(l)}\u0002${leafId(l)}`;
    if (seen.has(once)) throw new RangeError(`atom ${shown(leafId(l))} appears twice in view ${l.goal}/${l.model}`);
    seen.add(once);
    const t = traffic.get(leafId(l));
    if (!t) traffic.set(leafId(l), { clicks: l.clicks, visitors: l.visitors, views: 1 });
    else if (t.clicks !== l.clicks || t.visitors !== l.visitors) throw new RangeError(`atom ${shown(leafId(l))} has different traffic in different views`);
    else t.views++;
  }
  for (const [id, t] of traffic) if (t.views !== views.length) throw new RangeError(`atom ${shown(id)} is missing from ${views.length - t.views} view(s)`);

  // Campaign atoms per view (the sum of their contents, CONTRACT.md "below the campaign").
  const campaignAtoms = new Map<string, ViewCell>();
  for (const l of leaves) {
    const id = `${viewId(l)}\u0001${cellId(l.day, touchKey(l))}`;
    const prev = campaignAtoms.get(id) ?? { ...emptyCell(l), goal: l.goal, model: l.model };
    campaignAtoms.set(id, { ...addCells(prev, { ...emptyCell(l), ...countsOf(l) }), goal: l.goal, model: l.model });
  }

  // The tally of some leaves over the given views (every view for the shape).
  const tallyOf = (ls: readonly Leaf[], only: ReadonlySet<string> | null): Tally => {
    const t = zeroTally(views.length);
    const seen = new Set<string>();
    for (const l of ls) {
      const id = leafId(l);
      if (!seen.has(id)) {
        seen.add(id);
        const tr = traffic.get(id)!;
        t.clicks += tr.clicks;
        t.visitors += tr.visitors;
      }
      if (only === null || only.has(viewId(l))) t.conv[viewIndex.get(viewId(l))!]! += l.conversions;
    }
    return t;
  };

  // The shape (auto): coarse units per touch and month, decided from the shape views together.
  const shapers = new Set(views.filter((v) => (opts.shapeViews ? opts.shapeViews(viewOf(v)) : true)));
  const leavesByCell = groupBy(leaves, (l) => cellId(l.day, touchKey(l)));
  const coarse: CoarseUnit[] = [];
  const coarseOf = new Map<string, CoarseUnit>();
  if (opts.period === "auto") {
    const byTouchMonth = groupBy([...leavesByCell.keys()], (id) => {
      const l = leavesByCell.get(id)![0]!;
      return `${touchKey(l)}\u0001${l.day.slice(0, 7)}`;
    });
    for (const ids of byTouchMonth.values()) {
      const key = touchKey(leavesByCell.get(ids[0]!)![0]!);
      const tallies = new Map(ids.map((id) => [leavesByCell.get(id)![0]!.day, tallyOf(leavesByCell.get(id)!, shapers)]));
      for (const u of shapeTouchMonth(key, tallies, k, asOf).units) {
        coarse.push(u);
        for (const d of u.days) coarseOf.set(cellId(d, key), u);
      }
    }
  }

  // The day grain: v1, on the campaign atoms left there.
  const dayAtoms = [...campaignAtoms.values()].filter((a) => !coarseOf.has(cellId(a.day, touchKey(a))));
  const dayMarks = new Map<string, ReleaseMark>();
  markDayReference(dayAtoms, opts.traffic, k).forEach((m, i) => {
    const a = dayAtoms[i]!;
    dayMarks.set(`${viewId(a)}\u0001${cellId(a.day, touchKey(a))}`, m);
  });

  // In a view outside the shape views, a coarse unit whose conversions are under k pools with the
  // others of its month in that view (whole units only: each is one block of traffic, the same in
  // every view); released coarse units of the view join smallest first; failing that, withheld.
  const unitId = (u: CoarseUnit) => `${u.key}\u0001${u.grain}\u0001${u.from}`;
  const unitLeaves = new Map(coarse.map((u) => [unitId(u), u.days.flatMap((d) => leavesByCell.get(cellId(d, u.key)) ?? [])]));
  const fate = new Map<string, ReleaseMark>(); // view + unit → RELEASE_POOLED (month pool) | RELEASE_WITHHELD; absent: alone
  for (const v of views) {
    if (shapers.has(v)) continue;
    const only = new Set([v]);
    for (const us of groupBy(coarse, (u) => u.from.slice(0, 7)).values()) {
      const parts = us.map((u) => ({ id: unitId(u), t: tallyOf(unitLeaves.get(unitId(u))!, only) }));
      const weak = parts.filter((p) => !clearsAll(p.t, k));
      if (weak.length === 0) continue;
      const r = poolInside(parts.filter((p) => clearsAll(p.t, k)), weak, k);
      for (const p of [...weak, ...r.joined]) fate.set(`${v}\u0002${p.id}`, r.ok ? RELEASE_POOLED : RELEASE_WITHHELD);
    }
  }

  // Children of every campaign unit released on its own, decided once, from the shape views that
  // release it (or, if none does, every view that does). Another view releasing the unit shows the
  // same children where each clears there; where one does not, that view shows one (other) term per
  // content, or one (other) content — a union of the same children, so no view splits what another
  // shows whole.
  const children = new Map<string, { contents: Set<string>; terms: Map<string, Set<string>>; flat: Map<string, "content" | "term"> }>();
  const decideChildren = (unitId: string, ls: readonly Leaf[], releasing: ReadonlySet<string>) => {
    const shaping = new Set([...releasing].filter((v) => shapers.has(v)));
    const deciding = shaping.size > 0 ? shaping : releasing;
    // Traffic counts every atom of the unit; conversions only those of the deciding views.
    const byContent = groupBy(ls, (l) => l.content);
    const contents = partitionChildren(new Map([...byContent].map(([c, cl]) => [c, tallyOf(cl, deciding)])), k);
    const terms = new Map<string, Set<string>>();
    for (const c of contents) {
      const byTerm = groupBy(byContent.get(c)!, (l) => l.term);
      terms.set(c, partitionChildren(new Map([...byTerm].map(([t, tl]) => [t, tallyOf(tl, deciding)])), k));
    }
    const flat = new Map<string, "content" | "term">();
    for (const v of releasing) {
      if (deciding.has(v)) continue;
      const only = new Set([v]);
      const units = (level: "content" | "term") => {
        const out = new Map<string, Leaf[]>();
        for (const l of ls) {
          const c = contents.has(l.content) ? l.content : OTHER;
          const t = level === "term" && contents.has(l.content) && terms.get(l.content)!.has(l.term) ? l.term : OTHER;
          const id = level === "content" ? c : `${c}\u0001${t}`;
          out.set(id, [...(out.get(id) ?? []), l]);
        }
        return [...out.values()].every((u) => clearsAll(tallyOf(u, only), k));
      };
      if (!units("content")) flat.set(v, "content");
      else if (!units("term")) flat.set(v, "term");
    }
    children.set(unitId, { contents, terms, flat });
  };
  for (const u of coarse) {
    const releasing = new Set(views.filter((v) => !fate.has(`${v}\u0002${unitId(u)}`)));
    decideChildren(unitId(u), unitLeaves.get(unitId(u))!, releasing);
  }
  for (const [id, ls] of leavesByCell) {
    if (coarseOf.has(id)) continue;
    const releasing = new Set(views.filter((v) => dayMarks.get(`${v}\u0001${id}`) === RELEASE_ALONE));
    if (releasing.size > 0) decideChildren(id, ls, releasing);
  }

  return leaves.map((l): HierMark => {
    const id = cellId(l.day, touchKey(l));
    const u = coarseOf.get(id);
    const pooled = u && fate.get(`${viewId(l)}\u0002${unitId(u)}`);
    if (u && pooled !== undefined) {
      const m = clipTo(monthOf(l.day), asOf);
      return { release: pooled, grain: "month", unit_from: m.from, unit_to: m.to, content: null, term: null };
    }
    const release = u ? RELEASE_ALONE : (dayMarks.get(`${viewId(l)}\u0001${id}`) ?? RELEASE_POOLED);
    const base = u ? { grain: u.grain, unit_from: u.from, unit_to: u.to } : { grain: "day" as const, unit_from: l.day, unit_to: l.day };
    if (release !== RELEASE_ALONE) return { release, ...base, content: null, term: null };
    const ch = children.get(u ? unitId(u) : id)!;
    const flat = ch.flat.get(viewId(l));
    const content = flat !== "content" && ch.contents.has(l.content) ? 1 : 0;
    const term = content === 1 && flat !== "term" && ch.terms.get(l.content)!.has(l.term) ? 1 : 0;
    return { release, ...base, content, term };
  });
}

function countsOf(l: Leaf): Pick<Cell, "clicks" | "visitors" | "conversions" | "credit" | "revenue" | "revenue_by_currency"> {
  return { clicks: l.clicks, visitors: l.visitors, conversions: l.conversions, credit: l.credit, revenue: l.revenue, revenue_by_currency: l.revenue_by_currency };
}
export function markDayReference(atoms: readonly ViewCell[], traffic: { goal: string; model: string }, k: number): ReleaseMark[] {
  const viewOf = (a: { goal: string; model: string }) => `${a.goal}\u0000${a.model}`;
  const ref = atoms.filter((a) => viewOf(a) === viewOf(traffic));
  const marks = new Map<ViewCell, ReleaseMark>();
  for (const cells of groupBy(atoms, viewOf).values()) {
    const byKey = groupBy(cells, touchKey);
    for (const rel of releaseView(cells, ref, k)) {
      const mark = (c: Cell, m: ReleaseMark) => {
        for (const a of byKey.get(touchKey(c)) ?? []) if (a.day === rel.day) marks.set(a, m);
      };
      if (rel.withheld) for (const c of cells) if (c.day === rel.day) marks.set(c, RELEASE_WITHHELD);
      for (const u of rel.units) {
        if (u.kind === "atom") mark(u.cell, RELEASE_ALONE);
        else for (const c of u.cells) mark(c, RELEASE_POOLED);
      }
    }
  }
  return atoms.map((a) => marks.get(a) ?? RELEASE_POOLED);
}
