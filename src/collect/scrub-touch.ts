import { isPiiText } from "./scrub";
import { normalizeTouch, type Touch } from "./touch";

/**
 * A journey touch with any PII-looking field dropped (a campaign named after an e-mail address,
 * say), then normalised again so a dropped source becomes `direct` and a dropped medium or
 * campaign `(none)` — the contract's shape for missing parts.
 */
export function scrubTouch(t: Touch): Touch {
  const keep = (v: string | null) => (v !== null && isPiiText(v) ? null : v);
  return normalizeTouch({
    time: t.time,
    source: keep(t.source),
    medium: keep(t.medium),
    campaign: keep(t.campaign),
    content: keep(t.content),
    term: keep(t.term),
    view: t.view,
  });
}
