import { DIRECT_KEY, type LeafKey, type TouchKey } from "../attribution/models";
import { NONE } from "../collect/touch";
import type { Touch } from "../collect/touch";

/**
 * The cap on distinct touches per site-day (CONTRACT.md v1.1 `limits.touches_per_day`). A touch is
 * its full key — source, medium, campaign, content and term — since each is an atom: junk campaign
 * names, or junk utm_content / utm_term under one real campaign, sent to a public endpoint must
 * neither stall the rollup nor grow storage without bound. So a day keeps its `touches_per_day`
 * busiest touches; a hit of any other touch still counts, under campaign `(overflow)` of its source
 * and medium (without content and term). Random *sources* would make those
 * overflow rows unbounded in turn, so a day keeps at most OVERFLOW_PAIRS of them (again the
 * busiest); what is left counts under `(overflow)` / `(overflow)` / `(overflow)`. direct / (none) /
 * (none) is always kept and does not count.
 *
 * Which touches are kept is decided by db/rollup.ts touchRanking over the day's events up to the
 * roll's pinned rowid: by hits (landings, journey touches of conversions, link clicks), most first,
 * ties by source, medium, campaign, content, term — so the same events always keep the same touches, however many
 * invocations the roll takes, and a re-roll of the same data writes the same rows.
 */
export const OVERFLOW = "(overflow)";
/** Overflow rows (source, medium, `(overflow)`) a day keeps at most. */
export const OVERFLOW_PAIRS = 100;

/** The kept touches of one day (null: the day has no more distinct touches than its cap). */
export interface TouchCap {
  /** capKeyId of each kept touch */
  kept: Set<string>;
  /** pairKey of each (source, medium) whose overflow row is kept */
  pairs: Set<string>;
}

export function pairKey(source: string, medium: string): string {
  return JSON.stringify([source, medium]);
}

/** A touch's full key as the cap ranks it; no content or term (null) is NONE, as the rollup's SQL has it. */
export type CapKey = TouchKey & { content?: string | null; term?: string | null };

/** The id of a touch's full key (db/rollup.ts touchRanking returns the kept ones). */
export function capKeyId(k: CapKey): string {
  return JSON.stringify([k.source, k.medium, k.campaign, k.content ?? NONE, k.term ?? NONE]);
}

/** Where the hits of touch `k` count under `cap`: itself, its source and medium's overflow row, or the last one. */
export function cappedKey(cap: TouchCap | null, k: CapKey): TouchKey {
  if (cap === null || cap.kept.has(capKeyId(k))) return k;
  if (k.source === DIRECT_KEY.source && k.medium === DIRECT_KEY.medium && k.campaign === DIRECT_KEY.campaign) return k;
  if (cap.pairs.has(pairKey(k.source, k.medium))) return { source: k.source, medium: k.medium, campaign: OVERFLOW };
  return { source: OVERFLOW, medium: OVERFLOW, campaign: OVERFLOW };
}

/**
 * A conversion's journey under the cap: every touch keeps its time and kind, its key becomes
 * `cappedKey`. Mapped before attribution, so a conversion whose touches all overflow counts once
 * in its overflow row, not once per touch; content and term of an overflowing touch are dropped.
 */
export function capTouches(cap: TouchCap | null, touches: Touch[]): Touch[] {
  if (cap === null) return touches;
  return touches.map((t) => {
    const k = cappedKey(cap, t);
    return k === t ? t : { ...t, source: k.source, medium: k.medium, campaign: k.campaign, content: null, term: null };
  });
}

/**
 * Sums counts per capped key (link clicks: additive, so they can be merged in the Worker). A kept
 * touch is kept with its content and term; an overflow row has none (as capTouches drops them).
 */
export function capCounts<T extends LeafKey & { n: number }>(cap: TouchCap | null, counts: readonly T[]): (LeafKey & { n: number })[] {
  if (cap === null) return [...counts];
  const out = new Map<string, LeafKey & { n: number }>();
  for (const c of counts) {
    const k = cappedKey(cap, c);
    const leaf: LeafKey = k === c ? c : { source: k.source, medium: k.medium, campaign: k.campaign, content: NONE, term: NONE };
    const id = JSON.stringify([leaf.source, leaf.medium, leaf.campaign, leaf.content, leaf.term]);
    const e = out.get(id);
    if (e) e.n += c.n;
    else out.set(id, { source: leaf.source, medium: leaf.medium, campaign: leaf.campaign, content: leaf.content, term: leaf.term, n: c.n });
  }
  return [...out.values()];
}
