import { TRAFFIC_VIEW } from "../db/atoms";
import type { RowFilters } from "../db/stats";
import type { Fx } from "../fx/convert";
import { markHierarchy, OTHER, rowKeyOf, withMarks, type Leaf, type MarkedLeaf, type PeriodSetting } from "../privacy/hierarchy";
import { RELEASE_ALONE, RELEASE_POOLED, RELEASE_WITHHELD, touchKey } from "../privacy/release";
import { markOptions } from "../rollup/release";
import { covers, cuts } from "../time/periods";
import { noDecided, type DecidedView, type RowKey, type TouchGroup } from "./aggregate";
import { addCell, converted, emptySums, type Sums } from "./figures";
import { spendCells, type SpendAtom } from "./spend";

/**
 * The days the rollup has not marked for the site's k and period yet (a roll under way, a change of
 * k or period, an "auto" month not re-marked since its last roll), decided in the Worker exactly as
 * the rollup will mark them (rollup/release.ts markOptions: privacy/hierarchy.ts with the site's
 * period — whole months for "auto" — the `(macro)` goal's views shaping) and summed by the
 * rules the SQL of db/stats.ts readDecidedRows applies to stored marks — so a range answers the same
 * whichever of its days are marked (test/stats/decided.test.ts compares the two, byte for byte).
 */

const leafId = (l: Leaf) => JSON.stringify([l.day, l.source, l.medium, l.campaign, l.content, l.term]);
const viewKey = (l: { goal: string; model: string }) => `${l.goal}\u0000${l.model}`;

/**
 * Atoms read while a day is being written in chunks may miss a view, or carry the traffic of the
 * new roll in some views and of the old one in others. The engine requires every atom in every view
 * with the same clicks and visitors (the premise of its argument), so the Worker gives each atom the
 * traffic of its traffic-view copy (else its first) and completes the missing views with no
 * conversions — the in-Worker v1 release read the traffic reference alike.
 */
export function completeViews(leaves: readonly Leaf[]): Leaf[] {
  const views = new Map<string, { goal: string; model: string }>();
  const traffic = new Map<string, Leaf>();
  for (const l of leaves) {
    views.set(viewKey(l), { goal: l.goal, model: l.model });
    const id = leafId(l);
    const t = traffic.get(id);
    if (!t || (l.goal === TRAFFIC_VIEW.goal && l.model === TRAFFIC_VIEW.model)) traffic.set(id, l);
  }
  const present = new Set(leaves.map((l) => `${viewKey(l)}\u0001${leafId(l)}`));
  const out = leaves.map((l) => {
    const t = traffic.get(leafId(l))!;
    return t.clicks === l.clicks && t.visitors === l.visitors ? l : { ...l, clicks: t.clicks, visitors: t.visitors };
  });
  for (const t of traffic.values()) {
    for (const [vk, v] of views) {
      if (present.has(`${vk}\u0001${leafId(t)}`)) continue;
      out.push({ ...t, ...v, conversions: 0, credit: 0, revenue: 0, revenue_by_currency: {} });
    }
  }
  return out;
}

/** Where a marked atom's row is under `group` (null: not a row of its own). */
function rowKey(group: TouchGroup, l: MarkedLeaf): RowKey {
  return group === "day" ? { day: l.day } : (rowKeyOf(group, l) as RowKey);
}

function passes(l: MarkedLeaf, f: RowFilters): boolean {
  const content = l.content === 1 ? l.content_name : OTHER;
  return (
    (f.source === undefined || l.source === f.source) &&
    (f.medium === undefined || l.medium === f.medium) &&
    (f.campaign === undefined || l.campaign === f.campaign) &&
    (f.content === undefined || content === f.content)
  );
}

/**
 * Marks the undecided atoms (every view of their days) and sums the views of `model` for the
 * range, per goal, as readDecided sums stored marks: rows (released on their own, by `group`'s
 * labels, narrowed by `filters`; group=day: every single-day unit), `other` (pools; group=day:
 * coarse units), `totals` (every unit the range holds), suppressed campaign atoms and withheld days,
 * the released campaign cells that spend rows name, the grains of the rows and the units cut.
 * Money is converted at each atom's day's rate (fx).
 */
export function decideUndecided(
  leaves: readonly Leaf[],
  q: { k: number; period: PeriodSetting; today: string; model: string; group: TouchGroup; filters: RowFilters; from: string; to: string; spendKeys: ReadonlySet<string> },
  fx: Fx,
): Map<string, DecidedView> {
  const out = new Map<string, DecidedView>();
  if (leaves.length === 0) return out;
  const all = completeViews(leaves);
  // The rollup marks a month up to the site's today (rollup/release.ts remarkMonth): the same here.
  const asOf = all.reduce((m, l) => (l.day > m ? l.day : m), q.today);
  const marked = withMarks(all, markHierarchy(all, markOptions(q.k, asOf, q.period))).filter((l) => l.model === q.model);
  const viewOf = (goal: string) => {
    let v = out.get(goal);
    if (!v) out.set(goal, (v = noDecided()));
    return v;
  };
  const rows = new Map<string, Map<string, Sums>>();
  const suppressed = new Map<string, Map<string, Set<string>>>();
  const withheld = new Map<string, Set<string>>();
  const spend: SpendAtom[] = [];
  const grains = new Map<string, Set<string>>();
  const partial = new Map<string, Map<string, { from: string; to: string; grain: MarkedLeaf["grain"] }>>();
  for (const l of marked) {
    const v = viewOf(l.goal);
    const unit = { from: l.unit_from, to: l.unit_to };
    if (l.day >= q.from && l.day <= q.to) {
      if (l.release !== RELEASE_ALONE) {
        const byDay = suppressed.get(l.goal) ?? new Map<string, Set<string>>();
        suppressed.set(l.goal, byDay);
        const s = byDay.get(l.day) ?? new Set<string>();
        byDay.set(l.day, s);
        s.add(touchKey(l));
      }
      if (l.release === RELEASE_WITHHELD) {
        const w = withheld.get(l.goal) ?? new Set<string>();
        withheld.set(l.goal, w);
        w.add(l.day);
      }
    }
    if (l.release === RELEASE_WITHHELD) continue;
    if (!covers(q.from, q.to, unit)) {
      if (cuts(q.from, q.to, unit)) {
        const p = partial.get(l.goal) ?? new Map();
        partial.set(l.goal, p);
        p.set(`${l.unit_from}/${l.unit_to}`, { ...unit, grain: l.grain });
      }
      continue;
    }
    const amounts = converted(l, l.day, fx);
    addCell(v.totals, amounts);
    const single = l.unit_from === l.unit_to;
    const inRow = q.group === "day" ? single : l.release === RELEASE_ALONE && passes(l, q.filters);
    if (q.group === "day" ? !single : l.release === RELEASE_POOLED) addCell(v.other, amounts);
    if (l.release === RELEASE_ALONE) {
      const g = grains.get(l.goal) ?? new Set<string>();
      grains.set(l.goal, g);
      g.add(l.grain);
      if ((l.clicks > 0 || l.visitors > 0 || l.conversions > 0) && q.spendKeys.has(JSON.stringify([l.day, l.source, l.campaign]))) {
        // Spend joins at the campaign: its released contents are summed back into one cell (stats/spend.ts).
        spend.push({
          goal: l.goal, day: l.day, source: l.source, medium: l.medium, campaign: l.campaign, content: l.content_name, term: l.term_name,
          content_release: l.content === 1, term_release: l.term === 1,
          clicks: l.clicks, visitors: l.visitors, conversions: l.conversions, credit: l.credit, revenue: l.revenue, revenue_by_currency: l.revenue_by_currency,
        });
      }
    }
    if (!inRow) continue;
    const key = rowKey(q.group, l);
    const byKey = rows.get(l.goal) ?? new Map<string, Sums>();
    rows.set(l.goal, byKey);
    const id = JSON.stringify(key);
    let sums = byKey.get(id);
    if (!sums) {
      byKey.set(id, (sums = emptySums()));
      v.rows.push({ key, sums });
    }
    addCell(sums, amounts);
  }
  for (const [goal, byDay] of suppressed) {
    for (const [day, s] of byDay) viewOf(goal).days.push({ day, suppressed: s.size, withheld: withheld.get(goal)?.has(day) ?? false });
  }
  for (const { goal, ...cell } of spendCells(spend)) viewOf(goal).spendCells.push(cell);
  for (const [goal, g] of grains) viewOf(goal).grains.push(...([...g] as MarkedLeaf["grain"][]));
  for (const [goal, p] of partial) viewOf(goal).partial.push(...[...p.values()].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0)));
  return out;
}
