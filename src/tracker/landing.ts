import type { Row } from "./journal";

/**
 * Where a page view came from, as the browser sees it, *unresolved*: the browser only notes what
 * the landing had (its raw utm_* values, the name of its click id, or the referring host) and the
 * collector turns that into a touch with the same code it uses for pageviews
 * (src/collect/journal.ts → src/collect/landing.ts), so the two can never disagree and the
 * classification lists ship in no page. Pure and DOM-free, so test/tracker/ runs it in workerd.
 * Terse on purpose: every byte ships in /t.js.
 */

/** What `landing` answers for a page view that is no landing (falsy; the cheapest values to produce). */
export type NoTouch = false | "" | undefined;

/** Click ids in the contract's order of precedence (src/collect/landing.ts CLICK_IDS). */
export const CLICK_IDS = "gclid gbraid wbraid msclkid fbclid ttclid li_fat_id twclid".split(" ");

/** The host of a URL without `www.` and port, between dots so that labels compare whole; ".." for none. */
const host = (url: string) => "." + (url.split("/")[2] || "").replace(/^www\.|:\d*$/g, "") + ".";

/**
 * The raw journal row of a page view at `href` reached from `referrer` at `t` (unix seconds), or a
 * falsy value when it is no landing. In order:
 * - utm_source, utm_medium or utm_campaign present: `[t, source, medium, campaign, content, term]`,
 *   the raw values (null when absent);
 * - else the first click id in the contract's order: `[t, name]`;
 * - else an external referrer: `[t, host]` (without `www.` and port). A referrer on the same host,
 *   or on a subdomain of it or of its parent (www.shop.example ↔ shop.example ↔ blog.shop.example),
 *   is navigation inside the site: no landing.
 */
export function landing(t: number, href: string, referrer: string): Row | NoTouch {
  const q = new URL(href).searchParams;
  const utm = "source medium campaign content term".split(" ").map((k) => q.get("utm_" + k)?.trim());
  const id = CLICK_IDS.find((k) => q.has(k));
  const from = host(referrer);
  const here = host(href);
  return utm[0] || utm[1] || utm[2] ? [t, ...utm] : id ? [t, id] : from[2] && !from.endsWith(here) && !here.endsWith(from) && [t, from.slice(1, -1)];
}
