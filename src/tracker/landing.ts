import type { Row } from "./journal";

/**
 * Where a page view came from, as the browser sees it: the same rules as the collector's
 * src/collect/landing.ts (CONTRACT.md "Collection"), with much shorter lists. Pure and DOM-free,
 * so test/tracker/ runs it in workerd. Terse on purpose: every byte ships in /t.js.
 */

const NONE = "(none)";

/** What `landing` answers for a page view that is no landing (falsy; the cheapest values to produce). */
export type NoTouch = false | "" | undefined;

/** Click ids in the contract's order of precedence, and their sources; the first two are `cpc`, the rest `social`. */
export const CLICK_IDS = "gclid msclkid fbclid ttclid li_fat_id twclid".split(" ");
const CLICK_SOURCES = "google bing facebook tiktok linkedin x".split(" ");

/**
 * Known referrers, matched as whole labels of the host (`.www.google.co.uk.`): search engines
 * (group 1, `organic`), social networks (group 2, `social`), and X under all its names (group 3).
 * The collector knows more; a site missing here is a `referral` from its host in the journal.
 */
export const KNOWN = /\.(?:(google|bing|duckduckgo|yahoo|yandex|baidu|ecosia)|(facebook|instagram|linkedin|tiktok|reddit|youtube|pinterest)|(x|twitter|t\.co))\./;

/** The host of a URL without `www.` and port, between dots so that labels match whole; ".." for none. */
const host = (url: string) => "." + (url.split("/")[2] || "").replace(/^www\.|:.*/g, "") + ".";

/**
 * The touch of a page view at `href` reached from `referrer` at `t` (unix seconds), or a falsy
 * value when it is no landing. In order:
 * - utm_* parameters (any of source, medium, campaign; a missing utm_source is "(not set)",
 *   as the collector has it), trimmed, source and medium lower-cased, missing ones "(none)";
 * - else a click id (gclid → google/cpc, …);
 * - else an external referrer: search engine → organic, social network → social, any other
 *   site → referral with its host (less `www.`) as source. A referrer on the same host, or on a
 *   subdomain of it or of its parent (www.shop.example ↔ shop.example ↔ blog.shop.example), is
 *   navigation inside the site: no touch.
 */
export function landing(t: number, href: string, referrer: string): Row | NoTouch {
  const q = new URL(href).searchParams;
  const [s, m, c, content, term] = "source medium campaign content term".split(" ").map((k) => q.get("utm_" + k)?.trim() || null);
  const i = CLICK_IDS.findIndex((id) => q.has(id));
  const from = host(referrer);
  const here = host(href);
  const known = KNOWN.exec(from);
  if (s || m || c) {
    const row: Row = [t, s?.toLowerCase() || "(not set)", m?.toLowerCase() || NONE, c || NONE];
    if (content || term) row.push(content, term);
    return row;
  }
  return i < 0
    ? from[2] && !from.endsWith(here) && !here.endsWith(from) && (known ? [t, known[1] || known[2] || "x", known[1] ? "organic" : "social", NONE] : [t, from.slice(1, -1), "referral", NONE])
    : [t, CLICK_SOURCES[i]!, i < 2 ? "cpc" : "social", NONE];
}
