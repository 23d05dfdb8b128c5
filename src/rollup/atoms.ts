import { leafKeyId, type LeafKey } from "../attribution/models";
import { MODELS } from "../attribution/types";
import type { Atom } from "../db/atoms";
import type { TouchCount } from "../db/rollup";
import { partialKeyId, type Partials } from "./fold";

/**
 * The day's atoms: one per (touch, content, term, goal, model) for every such leaf that has
 * visitors, clicks or any credit, so a leaf that brought visitors but no conversion still shows up
 * under every goal and model. Visitors and clicks do not depend on goal or model and are repeated on
 * each. Sorted by key, so a rerun produces the same rows in the same order.
 */
export function buildAtoms(site: string, day: string, goals: readonly string[], partials: Partials, visitors: readonly TouchCount[], clicks: readonly TouchCount[]): Atom[] {
  const touches = new Map<string, { key: LeafKey; visitors: number; clicks: number }>();
  const entry = (k: LeafKey) => {
    const id = leafKeyId(k);
    let e = touches.get(id);
    if (!e) {
      e = { key: { source: k.source, medium: k.medium, campaign: k.campaign, content: k.content, term: k.term }, visitors: 0, clicks: 0 };
      touches.set(id, e);
    }
    return e;
  };
  for (const v of visitors) entry(v).visitors += v.n;
  for (const c of clicks) entry(c).clicks += c.n;
  for (const { key } of partials.values()) entry(key);

  const atoms: Atom[] = [];
  for (const id of [...touches.keys()].sort()) {
    const t = touches.get(id)!;
    for (const goal of goals) {
      for (const model of MODELS) {
        const p = partials.get(partialKeyId({ ...t.key, goal, model }))?.sums;
        atoms.push({
          site,
          day,
          ...t.key,
          goal,
          model,
          clicks: t.clicks,
          visitors: t.visitors,
          conversions: p?.conversions ?? 0,
          credit: p?.credit ?? 0,
          revenue: p?.revenue ?? 0,
          revenue_by_currency: p ? { ...p.byCurrency } : {},
        });
      }
    }
  }
  return atoms;
}
