/**
 * /t.js — edgetally's browser script (docs/TRACKER.md). scripts/build-tracker.mjs bundles and
 * minifies it into src/tracker/bundle.gen.ts; budget 1,000 bytes gzipped (test/tracker/bundle.test.ts),
 * which is why it reads tersely.
 *
 * It sends a pageview on load and on pushState/popstate navigations, runs `edgetally(…)` calls
 * (the queued ones after the load pageview), keeps the touch journal in localStorage and sends
 * it as `j` with conversions. Nothing may throw into the page: every entry point is wrapped, and
 * storage may throw at any time (private mode, blocked storage).
 */
import { journal, type Row } from "./journal";
import { landing } from "./landing";

type Props = { value?: unknown; currency?: unknown; id?: unknown } | undefined;
declare global {
  interface Window {
    edgetally?: ((...a: unknown[]) => void) & { q?: Iterable<unknown>[] };
  }
  interface Navigator {
    globalPrivacyControl?: boolean;
  }
}

try {
  const nav = navigator;
  const queued = window.edgetally?.q || [];
  const el = document.currentScript as HTMLScriptElement;
  const data = el.dataset;
  const api = data.api || new URL(el.src).origin;
  // GPC and DNT: the collector drops such hits (site setting honor_gpc); the script does not
  // even send them, and keeps nothing.
  const optOut = nav.globalPrivacyControl || nav.doNotTrack == "1";
  // Calls held until consent (memory only); null once consent is given, undefined when refused.
  let held: unknown[][] | null | undefined = optOut ? undefined : data.consent == "required" ? [] : null;
  let ref = document.referrer;
  let last = "";

  /** Replaces the stored journal; no text erases it. */
  const store = (text?: string): undefined => {
    try {
      text ? (localStorage.et_j = text) : delete localStorage.et_j;
    } catch {}
  };

  const run = (...a: unknown[]) => {
    try {
      const [n, p] = a as [unknown, Props];
      const u = location.href.split("#")[0]!;
      const now = Math.floor(Date.now() / 1e3);
      let j: Row[] = [];
      if (n == "consent") {
        const calls = held || [];
        held = optOut || !p ? store() : null;
        for (const c of calls) run(...c);
      } else if (n == "forget") store();
      else if (held) held.push(a);
      else if (held === null && (n != "pageview" || u != last)) {
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
        // sendBeacon with text/plain needs no CORS preflight; the pixel is the fallback when the
        // beacon is missing or refuses (queue full). Undefined fields vanish in JSON.
        const body = JSON.stringify({ s: data.site, n, u, r: ref, v: p?.value, c: p?.currency, i: p?.id, j: j[0] && JSON.stringify(j) });
        nav.sendBeacon?.(api + "/e", new Blob([body], { type: "text/plain" })) || (new Image().src = api + "/p.gif?" + new URLSearchParams(JSON.parse(body)));
      }
    } catch {}
  };

  // A page view per distinct URL: a hash change is none (run skips a repeated pageview).
  const page = () => run("pageview");
  window.edgetally = run;
  if (optOut) store();
  const push = history.pushState;
  history.pushState = function (...a) {
    push.apply(this, a);
    page();
  };
  addEventListener("popstate", page);
  page();
  for (const a of queued) run(...a);
} catch {}
