import { DIRECT, NONE, type Touch } from "../collect/touch";
import { DAY_MS } from "../time/windows";
import { MODELS, type Model } from "./types";

/**
 * The six attribution models of CONTRACT.md "Attribution models", as plain functions of plain
 * data: a conversion time, its journey (touches in any order) and the site's lookback windows
 * in, credits summing to exactly 1 out. No Workers types, no I/O.
 */

export { DAY_MS };
/** time_decay halves a touch's weight for every HALF_LIFE_MS of age. */
export const HALF_LIFE_MS = 7 * DAY_MS;

export interface Windows {
  click_window_days: number;
  view_window_days: number;
}

/** What an atom is keyed by, besides day, goal and model. */
export interface TouchKey {
  source: string;
  medium: string;
  campaign: string;
}

/** One touch key's share of one conversion under one model; `weight` > 0, shares sum to 1. */
export interface Credit extends TouchKey {
  weight: number;
}

export const DIRECT_KEY: TouchKey = { source: DIRECT, medium: NONE, campaign: NONE };

/**
 * Total order on touches. Ties on time are broken by every other field, so the result of
 * attribution never depends on the order the journey arrived in (touches are "any order").
 */
export function compareTouches(a: Touch, b: Touch): number {
  return (
    a.time - b.time ||
    cmp(a.source, b.source) ||
    cmp(a.medium, b.medium) ||
    cmp(a.campaign, b.campaign) ||
    cmp(a.content ?? "", b.content ?? "") ||
    cmp(a.term ?? "", b.term ?? "") ||
    Number(a.view) - Number(b.view)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The touches that may take credit for a conversion at `at` (unix ms), oldest first: click
 * touches from `at − click_window_days` to `at`, view-through touches from `at − view_window_days`
 * to `at`, both ends included. Touches after the conversion never count.
 */
export function eligibleTouches(touches: readonly Touch[], at: number, windows: Windows): Touch[] {
  return touches
    .filter((t) => {
      const days = t.view ? windows.view_window_days : windows.click_window_days;
      return t.time <= at && t.time >= at - days * DAY_MS;
    })
    .sort(compareTouches);
}

/**
 * Per-touch weights of `model` for eligible touches sorted oldest first (as from
 * `eligibleTouches`). Returns one weight per touch, each ≥ 0, summing to 1; an empty journey
 * gives an empty array (the caller credits direct).
 */
export function modelWeights(model: Model, sorted: readonly Touch[], at: number): number[] {
  const n = sorted.length;
  if (n === 0) return [];
  const w = new Array<number>(n).fill(0);
  switch (model) {
    case "last_click":
      w[n - 1] = 1;
      return w;
    case "first_click":
      w[0] = 1;
      return w;
    case "linear":
      return w.fill(1 / n);
    case "time_decay": {
      const raw = sorted.map((t) => 2 ** (-(at - t.time) / HALF_LIFE_MS));
      const sum = raw.reduce((a, b) => a + b, 0);
      return raw.map((r) => r / sum);
    }
    case "position_based": {
      if (n === 1) return [1];
      if (n === 2) return [0.5, 0.5];
      const middle = 0.2 / (n - 2);
      return sorted.map((_, i) => (i === 0 || i === n - 1 ? 0.4 : middle));
    }
    case "last_non_direct": {
      for (let i = n - 1; i >= 0; i--) {
        if (sorted[i]!.source !== DIRECT) {
          w[i] = 1;
          return w;
        }
      }
      // Every touch is direct: the whole credit goes to direct (the last touch, which is direct).
      w[n - 1] = 1;
      return w;
    }
  }
}

/**
 * Credits of one conversion under one model, merged by (source, medium, campaign) and in the
 * order each key first appears in the sorted journey. Keys with zero weight are left out, so
 * every returned credit is a key that "gave the conversion credit". No eligible touch: all to
 * direct / (none) / (none).
 */
export function attribute(model: Model, touches: readonly Touch[], at: number, windows: Windows): Credit[] {
  return creditsOf(model, eligibleTouches(touches, at, windows), at);
}

/** The credits under every model, sharing one window filter and sort. */
export function attributeAll(touches: readonly Touch[], at: number, windows: Windows): Record<Model, Credit[]> {
  const sorted = eligibleTouches(touches, at, windows);
  const out = {} as Record<Model, Credit[]>;
  for (const m of MODELS) out[m] = creditsOf(m, sorted, at);
  return out;
}

/** A touch key with its content and term (NONE when the touch has none): what an atom is keyed by (v1.1). */
export interface LeafKey extends TouchKey {
  content: string;
  term: string;
}

/** One (touch, content, term)'s share of one conversion under one model. */
export interface LeafCredit extends LeafKey {
  weight: number;
}

/**
 * `attributeAll` one level down (CONTRACT.md v1.1 "below the campaign"): the same weights, merged
 * by (source, medium, campaign, content, term) instead of the touch key, so the leaves of a touch
 * sum to exactly its credit there. No eligible touch: all to direct / (none) / (none) / (none) / (none).
 */
export function attributeLeaves(touches: readonly Touch[], at: number, windows: Windows): Record<Model, LeafCredit[]> {
  const sorted = eligibleTouches(touches, at, windows);
  const out = {} as Record<Model, LeafCredit[]>;
  for (const m of MODELS) {
    if (sorted.length === 0) {
      out[m] = [{ ...DIRECT_KEY, content: NONE, term: NONE, weight: 1 }];
      continue;
    }
    const weights = modelWeights(m, sorted, at);
    const merged = new Map<string, LeafCredit>();
    sorted.forEach((t, i) => {
      const weight = weights[i]!;
      if (weight <= 0) return;
      const leaf: LeafKey = { source: t.source, medium: t.medium, campaign: t.campaign, content: t.content ?? NONE, term: t.term ?? NONE };
      const id = leafKeyId(leaf);
      const c = merged.get(id);
      if (c) c.weight += weight;
      else merged.set(id, { ...leaf, weight });
    });
    out[m] = [...merged.values()];
  }
  return out;
}

/** A string id of a leaf key, unambiguous for any field contents. */
export function leafKeyId(k: LeafKey): string {
  return JSON.stringify([k.source, k.medium, k.campaign, k.content, k.term]);
}

function creditsOf(model: Model, sorted: readonly Touch[], at: number): Credit[] {
  if (sorted.length === 0) return [{ ...DIRECT_KEY, weight: 1 }];
  const weights = modelWeights(model, sorted, at);
  const merged = new Map<string, Credit>();
  sorted.forEach((t, i) => {
    const weight = weights[i]!;
    if (weight <= 0) return;
    const id = touchKeyId(t);
    const c = merged.get(id);
    if (c) c.weight += weight;
    else merged.set(id, { source: t.source, medium: t.medium, campaign: t.campaign, weight });
  });
  return [...merged.values()];
}

/** A string id of a touch key, unambiguous for any field contents. */
export function touchKeyId(k: TouchKey): string {
  return JSON.stringify([k.source, k.medium, k.campaign]);
}
