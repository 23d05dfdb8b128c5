/**
 * A touch: one marketing contact in a visitor's journey (campaign data only, no identifier).
 * Sources and mediums are trimmed and lower-cased; campaigns are trimmed and kept as given;
 * a missing medium or campaign is "(none)" (CONTRACT.md "Conventions").
 */
export interface Touch {
  /** unix ms */
  time: number;
  source: string;
  medium: string;
  campaign: string;
  content: string | null;
  term: string | null;
  /** true for a view-through touch (an impression, not a click) */
  view: boolean;
}

export const NONE = "(none)";
export const DIRECT = "direct";
/** Longest kept source / medium / campaign / content / term. */
export const TOUCH_FIELD_MAX = 200;

/**
 * The one normaliser of a touch field, for every path (pageview URL, journal, server touches,
 * links): trim, cut at TOUCH_FIELD_MAX, then trim again, so a value cut just after a space keeps
 * no trailing space. It is idempotent — a field normalised twice (a journal row is resolved, then
 * normalised again) or trimmed first by the tracker comes out the same — so one campaign is one
 * row whichever way it arrived. A cut never splits a surrogate pair.
 */
export function cleanTouchField(v: unknown): string | null {
  if (typeof v !== "string") return null;
  let t = v.trim();
  if (t.length > TOUCH_FIELD_MAX) {
    t = t.slice(0, TOUCH_FIELD_MAX);
    if (/[\uD800-\uDBFF]$/.test(t)) t = t.slice(0, -1);
    t = t.trim();
  }
  return t === "" ? null : t;
}
const clean = cleanTouchField;

/** The source/medium/campaign key of a touch with the contract's normalisation applied. */
export function normalizeTouch(input: {
  time: number;
  source?: unknown;
  medium?: unknown;
  campaign?: unknown;
  content?: unknown;
  term?: unknown;
  view?: unknown;
}): Touch {
  const source = clean(input.source)?.toLowerCase() ?? DIRECT;
  return {
    time: input.time,
    source,
    medium: clean(input.medium)?.toLowerCase() ?? NONE,
    campaign: clean(input.campaign) ?? NONE,
    content: clean(input.content),
    term: clean(input.term),
    view: input.view === true,
  };
}

/** The touch given to a conversion without any journey or landing. */
export function directTouch(time: number): Touch {
  return { time, source: DIRECT, medium: NONE, campaign: NONE, content: null, term: null, view: false };
}

export function isDirect(t: Pick<Touch, "source">): boolean {
  return t.source === DIRECT;
}
