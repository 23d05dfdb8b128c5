/**
 * /t.js — edgetally's browser script (docs/TRACKER.md). scripts/build-tracker.mjs bundles and
 * minifies it into src/tracker/bundle.gen.ts; budget 1,000 bytes gzipped (test/tracker/bundle.test.ts),
 * which is why it reads tersely.
 *
 * Two builds of this one source (scripts/build-tracker.mjs): /t.js, without the code between
 * `<ads>` and `</ads>` markers, which keeps no ad identifier at all, and /t-ads.js (budget 1,200
 * bytes) with it, which also keeps the latest ad click id per platform in `et_k`
 * (src/tracker/clicks.ts) and sends them as `k` with conversions only, for sites that forward
 * conversions to ad platforms. The base build drops the marked text before esbuild reads it, so
 * that it cannot even change the minifier's choice of names: /t.js stays byte for byte what it was.
 *
 * It sends a pageview on load and on pushState/popstate navigations, runs `edgetally(…)` calls
 * (the queued ones after the load pageview), keeps the touch journal in localStorage and sends
 * it as `j` with conversions. Nothing may throw into the page: every entry point is wrapped, and
 * storage may throw at any time (private mode, blocked storage).
 */
import { journal, type Row } from "./journal";
import { landing } from "./landing";
import { scrub } from "./scrub";
/*<ads>*/
import { clicks, type Click } from "./clicks";
/*</ads>*/

type Props = { value?: unknown; currency?: unknown; id?: unknown } | undefined;
type Call = [name?: unknown, props?: Props];
declare global {
  interface Window {
    edgetally?: ((name?: unknown, props?: Props) => void) & { q?: ArrayLike<unknown>[] };
  }
  interface Navigator {
    globalPrivacyControl?: boolean;
  }
}
/*<ads>*/
/**
 * For a conversion (no `u`): the kept click ids at `now` as `k` (JSON text), or undefined for none.
 * For a pageview at `u`: keeps the URL's click ids and stores the rows (none: the key erased), and
 * answers undefined, so a pageview never carries `k`. Storage that throws or holds junk keeps none.
 */
function kept(now: number, u?: string | false): string | undefined {
  try {
    const k = clicks(JSON.parse(localStorage.et_k || "[]"), now, u);
    const text = k[0] && JSON.stringify(k);
    if (!u) return text;
    text ? (localStorage.et_k = text) : delete localStorage.et_k;
  } catch {}
}
/*</ads>*/

try {
  const nav = navigator;
  const el = document.currentScript as HTMLScriptElement;
  const data = el.dataset;
  const api = data.api || new URL(el.src).origin;
  // GPC and DNT: the collector drops such hits (site setting honor_gpc); the script does not
  // even send them, and keeps nothing.
  const optOut = nav.globalPrivacyControl || nav.doNotTrack == "1";
  let ref = document.referrer;
  let last = "";

  /** Replaces the stored journal; no text erases it (and, in /t-ads.js, the kept click ids too). */
  const store = (text?: string): undefined => {
    try {
      text ? (localStorage.et_j = text) : delete localStorage.et_j /*<ads>*/ && delete localStorage.et_k /*</ads>*/;
    } catch {}
  };
  // Calls held until consent (memory only); 0 once consent is given; undefined when refused or
  // opted out (GPC/DNT also erase a journal left from before).
  let held: Call[] | 0 | undefined = optOut ? store() : data.consent == "required" ? [] : 0;

  const run = (n?: unknown, p?: Props) => {
    try {
      const u = location.href.split("#")[0]!;
      // Unix seconds (>>> 0 floors, unsigned: good until 2106).
      const now = (Date.now() / 1e3) >>> 0;
      let j: Row[] = [];
      if (n == "consent") {
        const calls = held || [];
        held = optOut || !p ? store() : 0;
        calls.map((c) => run(...c));
      } else if (n == "forget") store();
      else if (held) held.push([n, p]);
      else if (held == 0 && (n != "pageview" || u != last)) {
        // Storage may throw, or hold anything: then the journal is empty.
        try {
          j = journal(JSON.parse(localStorage.et_j), now);
        } catch {}
        if (n == "pageview") {
          // After the first page view the previous page is the referrer, so navigation inside
          // the site carries no touch.
          if (last) ref = last;
          last = u;
          const t = landing(now, u, ref);
          if (t) store(JSON.stringify(journal(j, now, t)));
          j = [];
        }
        // sendBeacon with a string body sends text/plain, which needs no CORS preflight; the pixel
        // is the fallback when the beacon is missing or refuses (queue full). Undefined fields vanish in JSON.
        // Page URL and referrer without personal data (src/tracker/scrub.ts): a pixel's query
        // string reaches request logs before the collector scrubs anything.
        const body = JSON.stringify({ s: data.site, n, u: scrub(u), r: scrub(ref), v: p?.value, c: p?.currency, i: p?.id, j: j[0] && JSON.stringify(j), /*<ads>*/ k: kept(now, n == "pageview" && u) /*</ads>*/ });
        nav.sendBeacon?.(api + "/e", body) || (new Image().src = api + "/p.gif?" + new URLSearchParams(JSON.parse(body)));
      }
    } catch {}
  };

  // A page view per distinct URL: a hash change is none (run skips a repeated pageview).
  const page = (_?: unknown) => run("pageview");
  const push = history.pushState;
  // The page's own pushState runs first (its result is the unused argument), then the pageview.
  history.pushState = (...a) => page(push.apply(history, a));
  addEventListener("popstate", page);
  page();
  // The queue stub's calls, after the load pageview; then edgetally(…) is run itself.
  (window.edgetally?.q || []).map((a) => run(...(a as Call)));
  window.edgetally = run;
} catch {}
