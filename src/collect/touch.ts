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

function clean(v: unknown): string | null {
  if (typeof v !== "string") return null;
  const t = v.trim().slice(0, TOUCH_FIELD_MAX);
  return t === "" ? null : t;
}

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
