import { CLICK_IDS } from "./landing";

/**
 * The ad click ids the ads build of the tracker (/t-ads.js, docs/TRACKER.md "Click ids") keeps for
 * forwarding. Pure: no DOM, no storage, no clock — the tracker passes those in, and
 * test/tracker/clicks.test.ts checks every rule here in workerd. The base build (/t.js) never
 * contains this code: its click id code sits behind the build-time constant `__CLICK_IDS__`.
 *
 * The stored text (localStorage `et_k`, apart from the journal `et_j`) is also what a conversion
 * sends as `k`: rows `[t, name, value]`, t in unix seconds, that src/collect/clicks.ts decodes and
 * checks with the ServerEvent ClickIds schema.
 */

/** One kept click id: when the tracker saw it (unix seconds), its name and its value. */
export type Click = [t: number, name: string, value: string];

/** How long a click id is kept, in seconds: 90 days (src/collect/clicks.ts CLICK_MAX_AGE_MS). A literal: esbuild keeps an unused `90 * 86400` in /t.js. */
export const CLICK_AGE = 7_776_000;
/** Longest value kept: the collector's ClickIds schema refuses longer ones (CLICK_ID_MAX). */
export const CLICK_MAX = 512;

/** The ad platform of a click id name: Google's gbraid and wbraid are gclid's platform, the others are their own. */
export const platform = (name: string) => (name.includes("braid") ? "gclid" : name);

/**
 * The kept click ids at `now` (unix seconds) after a page view at `href`, if any: ids older than
 * CLICK_AGE are dropped, and each click id on the URL (the contract's names, CLICK_IDS, in its order
 * of precedence: the first of a platform wins) replaces the one kept for its platform. An empty value
 * or one longer than CLICK_MAX is no click id; values are kept as they are (the collector trims them). At most one row per platform, so at most six.
 * `rows` may be anything parsed from storage: a value that is not an array makes it throw (the
 * tracker then keeps none), and a row without a time is dropped. Rows are not checked further:
 * only the tracker writes them, and the collector checks each one (src/collect/clicks.ts).
 */
export function clicks(rows: Click[], now: number, href?: string | false): Click[] {
  rows = rows.filter((r) => r[0] > now - CLICK_AGE);
  if (href) {
    const q = new URL(href).searchParams;
    const seen: Record<string, 1> = {};
    for (const name of CLICK_IDS) {
      const v = q.get(name);
      const p = platform(name);
      if (v && v.length <= CLICK_MAX && !seen[p]) {
        seen[p] = 1;
        rows = rows.filter((r) => platform(r[1]) != p);
        rows.push([now, name, v]);
      }
    }
  }
  return rows;
}
