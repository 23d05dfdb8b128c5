import { hostMatches } from "../sites/domains";
import { isPiiText } from "./scrub";
import { classifyReferrer } from "./referrer";
import { DIRECT, NONE, normalizeTouch } from "./touch";

/**
 * The touch a hit carries (columns touch_kind/source/medium/campaign/content/term of `events`),
 * derived as CONTRACT.md "Rules every collection path keeps" says:
 *   1. utm_* parameters of the page URL;
 *   2. else a click id (gclid → google/cpc, …);
 *   3. else an external referrer (search → organic, social → social, other → referral);
 *   4. a referrer inside the site's domains is navigation: no touch;
 *   5. no referrer at all: 'direct' (the rollup counts it only for the visitor's first pageview of the day).
 */
export interface LandingTouch {
  touch_kind: "landing" | "direct" | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
}

const NO_TOUCH: LandingTouch = { touch_kind: null, source: null, medium: null, campaign: null, content: null, term: null };

/** Click ids in precedence order: the first present wins. */
export const CLICK_IDS: readonly (readonly [param: string, source: string, medium: string])[] = [
  ["gclid", "google", "cpc"],
  // Google's click ids for iOS app and web-to-app traffic (since iOS 14.5): still paid Google clicks.
  ["gbraid", "google", "cpc"],
  ["wbraid", "google", "cpc"],
  ["msclkid", "bing", "cpc"],
  ["fbclid", "facebook", "social"],
  ["ttclid", "tiktok", "social"],
  ["li_fat_id", "linkedin", "social"],
  ["twclid", "x", "social"],
];

/** utm_source missing while other utm_* are present (GA's convention). */
export const NOT_SET = "(not set)";

function param(url: URL, key: string): string | null {
  const v = url.searchParams.get(key);
  if (v === null || v.trim() === "" || isPiiText(v)) return null;
  return v;
}

function landing(t: { source: string; medium?: string | null; campaign?: string | null; content?: string | null; term?: string | null }): LandingTouch {
  const n = normalizeTouch({ time: 0, ...t });
  return { touch_kind: "landing", source: n.source, medium: n.medium, campaign: n.campaign, content: n.content, term: n.term };
}

/** The touch of a hit whose page is `url` (raw, before scrubbing) and whose document referrer is `referrer`. */
export function deriveTouch(url: URL | null, referrer: URL | null, domains: readonly string[]): LandingTouch {
  if (url) {
    const utm = {
      source: param(url, "utm_source"),
      medium: param(url, "utm_medium"),
      campaign: param(url, "utm_campaign"),
      content: param(url, "utm_content"),
      term: param(url, "utm_term"),
    };
    if (utm.source !== null || utm.medium !== null || utm.campaign !== null) {
      return landing({ ...utm, source: utm.source ?? NOT_SET });
    }
    for (const [key, source, medium] of CLICK_IDS) {
      if (url.searchParams.has(key)) return landing({ source, medium });
    }
  }
  if (referrer && referrer.hostname !== "") {
    if (hostMatches(referrer.hostname, domains)) return NO_TOUCH;
    return landing(classifyReferrer(referrer.hostname));
  }
  return { touch_kind: "direct", source: DIRECT, medium: NONE, campaign: NONE, content: null, term: null };
}

/** The touch of a server event: only its URL can carry one (a server sees no referrer). */
export function deriveUrlTouch(url: URL | null): LandingTouch {
  if (!url) return NO_TOUCH;
  const t = deriveTouch(url, null, []);
  return t.touch_kind === "landing" ? t : NO_TOUCH;
}
