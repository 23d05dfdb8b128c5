import type { Problem } from "../http/errors";
import { parseFields } from "../schemas/issues";
import { CLICK_ID_KEYS, ClickIds } from "../schemas/server-event";
import type { ClickIds as ClickIdValues } from "../forward/types";

/**
 * The ad click ids a browser conversion carries as `k` (docs/TRACKER.md "Click ids"), for
 * forwarding only: they travel in the queue message's forward context and are never stored in
 * D1 or logged. Wire form: JSON text (in the pixel: URL-encoded) or the value itself, either
 *
 *   [[t, name, value], …]   the tracker's kept click ids (t: unix seconds of the landing), or
 *   {"gclid": "…", …}       the ServerEvent `click_ids` object, for pages that send their own.
 *
 * Both are checked with the ServerEvent `ClickIds` schema (src/schemas/server-event.ts), so the
 * beacon and `/v1/events` accept exactly the same click ids. A bad click id never costs the
 * conversion: it is left out and reported as a warning (`debug=1`).
 */

/** Most rows a `k` may hold: one per click id name (the tracker keeps one per platform). */
export const CLICKS_MAX = CLICK_ID_KEYS.length;
/** Click ids older than this when the conversion arrives are left out (the tracker keeps them 90 days). */
export const CLICK_MAX_AGE_MS = 90 * 86_400_000;

export interface DecodedClicks {
  /** the valid click ids, or null when none is left */
  click_ids: ClickIdValues | null;
  /** when the fbclid was seen (unix ms), for Meta's fbc; null when unknown */
  fbclid_at: number | null;
  /** what was left out, and why */
  warnings: Problem[];
}

const shapeProblem = (message: string): Problem => ({ code: "invalid_click_ids", message, field: "k" });
const ROWS = `\`k\` is a JSON array of at most ${CLICKS_MAX} click ids [t, name, value], or an object like ServerEvent \`click_ids\`.`;

const isRow = (r: unknown): r is [number, string, string] =>
  Array.isArray(r) && r.length === 3 && typeof r[0] === "number" && Number.isFinite(r[0]) && typeof r[1] === "string" && typeof r[2] === "string";

/** Decodes and checks `k` as it arrived at `nowMs`. */
export function decodeClicks(k: unknown, nowMs: number): DecodedClicks {
  const none = (w: Problem[]): DecodedClicks => ({ click_ids: null, fbclid_at: null, warnings: w });
  let raw = k;
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(raw);
    } catch {
      return none([shapeProblem(ROWS)]);
    }
  }
  let fbclidAt: number | null = null;
  let fields: Record<string, unknown>;
  if (Array.isArray(raw)) {
    if (raw.length > CLICKS_MAX || !raw.every(isRow)) return none([shapeProblem(ROWS)]);
    // Oldest first, so for a name sent twice the latest wins.
    const rows = [...raw].sort((a, b) => a[0] - b[0]).filter((r) => r[0] * 1000 > nowMs - CLICK_MAX_AGE_MS);
    fields = {};
    for (const [t, name, value] of rows) {
      fields[name] = value;
      // A clock ahead of the collector's never dates a click after the conversion it led to.
      if (name === "fbclid") fbclidAt = Math.min(t * 1000, nowMs);
    }
  } else if (typeof raw === "object" && raw !== null) {
    fields = raw as Record<string, unknown>;
  } else return none([shapeProblem(ROWS)]);

  // The ServerEvent schema, field by field: a bad click id is left out, the others kept.
  const { value, problems, bad } = parseFields(ClickIds, fields, "k");
  const ids: ClickIdValues = {};
  for (const key of CLICK_ID_KEYS) {
    const id = value[key];
    if (!bad.has(key) && typeof id === "string" && id.trim() !== "") ids[key] = id.trim();
  }
  if (ids.fbclid === undefined) fbclidAt = null;
  const warnings = problems.map((p) => ({ ...p, message: `${p.message} It was left out; the conversion is kept.` }));
  return { click_ids: Object.keys(ids).length > 0 ? ids : null, fbclid_at: fbclidAt, warnings };
}

