import { normalizeTouch, type Touch } from "../collect/touch";

/** What attribution needs to know about a stored conversion (a subset of an `events` row). */
export interface ConversionTouches {
  /** conversion time, unix ms */
  ts: number;
  /** the conversion's journey (server `touches` or the tracker's `j`), or null */
  journey: readonly Touch[] | null;
  touch_kind: "landing" | "direct" | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
}

/**
 * The touches a conversion is attributed through (CONTRACT.md "Collection"): its journey when it
 * has one; else its own landing touch (a conversion hit that itself arrived from a campaign);
 * else none, which every model credits to direct.
 */
export function journeyOf(c: ConversionTouches): Touch[] {
  if (c.journey && c.journey.length > 0) return [...c.journey];
  if (c.touch_kind === "landing" && c.source !== null) {
    return [normalizeTouch({ time: c.ts, source: c.source, medium: c.medium, campaign: c.campaign, content: c.content, term: c.term })];
  }
  return [];
}

/**
 * Reads the `events.journey` column (JSON array of Touch objects, src/collect/touch.ts).
 * Malformed entries are skipped rather than failing a whole day's rollup: the column is written
 * by our own collector, so a bad row is a bug to log, not a reason to lose every other conversion.
 */
export function parseJourney(json: string | null): Touch[] | null {
  if (json === null || json === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(value)) return null;
  const out: Touch[] = [];
  for (const t of value) {
    if (typeof t !== "object" || t === null) continue;
    const r = t as Record<string, unknown>;
    if (typeof r.time !== "number" || !Number.isFinite(r.time)) continue;
    out.push(normalizeTouch({ time: r.time, source: r.source, medium: r.medium, campaign: r.campaign, content: r.content, term: r.term, view: r.view }));
  }
  return out;
}
