// Plausible's own npm tracker (@plausible-analytics/tracker, unchanged but for `endpoint`) in real
// Chromium against POST /api/event on `wrangler dev`, side by side with edgetally's /t.js doing the
// same visit: both must store the same events and answer the same stats. Also the Events API call
// exactly as Plausible's docs write it, with curl. `npm run test:browser`.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ADMIN_TOKEN, createSite, freePort, ROOT, sleep, startBrowser, startWorker, trackedPage, waitForRows } from "./harness.mjs";

const run = promisify(execFile);
let worker;
let browser;
const servers = [];

before(async () => {
  worker = await startWorker();
  browser = await startBrowser();
});

after(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await browser?.stop();
  await worker?.stop();
});

/** A page server that also serves the Plausible package's module (a module script needs a JavaScript MIME type). */
async function pages(map) {
  const tracker = await readFile(path.join(ROOT, "node_modules/@plausible-analytics/tracker/plausible.js"));
  const port = await freePort();
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url, "http://x");
    if (pathname === "/plausible.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      return res.end(tracker);
    }
    // A single-page app: every path under /app serves the same document.
    const html = map[pathname] ?? (pathname.startsWith("/app") ? map["/app"] : undefined);
    res.writeHead(html ? 200 : 404, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(html ?? "not found");
  });
  await new Promise((r) => server.listen(port, r));
  servers.push(server);
  return { origin: `http://localhost:${port}` };
}

/**
 * The shop as a Plausible user has it: the package's init with only `endpoint` pointed at
 * edgetally (captureOnLocalhost because the test page is on localhost; `__plausible` because the
 * tracker ignores automated browsers otherwise), a purchase with revenue under Segment-style
 * naming the site aliases, and a pushState navigation.
 */
function plausiblePage(domain) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>shop</title>
<script>window.__plausible = true; window.__results = [];</script>
<script type="module">
import { init, track } from "/plausible.js";
init({ domain: ${JSON.stringify(domain)}, endpoint: ${JSON.stringify(`${worker.origin}/api/event`)}, captureOnLocalhost: true });
window.buy = () => track("Order Completed", { revenue: { amount: 49.9, currency: "EUR" }, props: { plan: "pro" }, callback: (r) => window.__results.push(r) });
window.signup = () => track("signup", { callback: (r) => window.__results.push(r) });
window.unknown = () => track("Newsletter Opened", { callback: (r) => window.__results.push(r) });
window.ready = true;
</script></head><body><a id="next" href="#" onclick="history.pushState({}, '', '/app/step2'); return false">next</a></body></html>`;
}

/** The same visit with edgetally's own tracker. */
function nativePage(site) {
  return trackedPage(worker, site, {
    body: `<a id="next" href="#" onclick="history.pushState({}, '', '/app/step2'); return false">next</a>
<script>window.buy = () => edgetally("purchase", { value: 49.9, currency: "EUR" }); window.signup = () => edgetally("signup"); window.ready = true;</script>`,
  });
}

const COLUMNS = "name, url, via, touch_kind, source, medium, campaign, content, term, value, currency, device";
const rowsOf = (site, n) => waitForRows(worker, `SELECT ${COLUMNS}, visitor, journey FROM events WHERE site = '${site}' ORDER BY ts, rowid`, (r) => r.length >= n);

async function visit(origin) {
  const page = await browser.context.newPage();
  await page.goto(`${origin}/app/landing?utm_source=Newsletter&utm_medium=email&utm_campaign=Spring%20Sale`);
  await page.waitForFunction(() => window.ready === true);
  await sleep(300);
  await page.evaluate(() => window.buy());
  await page.evaluate(() => window.signup());
  await sleep(300);
  await page.click("#next");
  return page;
}

async function stats(site, readKey, params) {
  const res = await fetch(`${worker.origin}/v1/stats?${new URLSearchParams({ site, ...params })}`, { headers: { authorization: `Bearer ${readKey}` } });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

async function rollup(site, day) {
  const res = await fetch(`${worker.origin}/v1/admin/rollup`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ site, from: day, to: day }),
  });
  assert.equal(res.status, 200, await res.clone().text());
}

describe("Plausible's tracker against /api/event", () => {
  it("pageview, a goal with revenue (aliased), SPA navigation: the same events and stats as /t.js", async () => {
    const extra = { aliases: { "Order Completed": "purchase" }, currency: "EUR" };
    const plausible = await createSite(worker.origin, "b-plausible", extra);
    const native = await createSite(worker.origin, "b-native", extra);
    const web = await pages({ "/app": plausiblePage("b-plausible") });
    const page = await visit(web.origin);
    await page.evaluate(() => window.unknown());
    await page.waitForFunction(() => window.__results.length >= 3);
    // The client sees Plausible's answer: 202, for stored and dropped events alike.
    assert.deepEqual(await page.evaluate(() => window.__results.map((r) => r.status)), [202, 202, 202]);
    const nativeWeb = await pages({ "/app": nativePage("b-native") });
    const nativePage_ = await visit(nativeWeb.origin);

    const fromPlausible = await rowsOf("b-plausible", 4);
    const fromNative = await rowsOf("b-native", 4);
    await sleep(1500);
    const strip = (rows) => rows.map(({ visitor, journey, url, ...r }) => ({ ...r, path: new URL(url).pathname + new URL(url).search }));
    // Pageview with its landing touch, the purchase (alias → goal, revenue → value and currency), the
    // signup, the SPA navigation's pageview; the unknown event is not stored.
    assert.equal(fromPlausible.length, 4, JSON.stringify(fromPlausible));
    const [a, b] = [strip(await rowsOf("b-plausible", 4)), strip(await rowsOf("b-native", 4))];
    assert.deepEqual(a.slice(0, 3), b.slice(0, 3));
    // The one difference, from Plausible's client: it repeats the page load's referrer (here none)
    // on SPA navigations, where /t.js sends the previous page. So the navigation is stored as
    // `direct`, which counts only for a visitor's first pageview of the day: the stats below agree.
    assert.deepEqual({ ...a[3], touch_kind: null, source: null, medium: null, campaign: null }, b[3]);
    assert.deepEqual([a[3].touch_kind, b[3].touch_kind], ["direct", null]);
    assert.deepEqual(
      fromPlausible.map((r) => [r.name, new URL(r.url).pathname, r.touch_kind, r.source, r.medium, r.campaign, r.value, r.currency]),
      [
        ["pageview", "/app/landing", "landing", "newsletter", "email", "Spring Sale", null, null],
        ["purchase", "/app/landing", "landing", "newsletter", "email", "Spring Sale", 49.9, "EUR"],
        ["signup", "/app/landing", "landing", "newsletter", "email", "Spring Sale", null, null],
        ["pageview", "/app/step2", "direct", "direct", "(none)", "(none)", null, null],
      ],
    );
    assert.equal(new Set(fromPlausible.map((r) => r.visitor)).size, 1);
    // Plausible's props are never stored.
    assert.ok(!JSON.stringify(fromPlausible).includes("pro"));

    const day = new Date().toISOString().slice(0, 10);
    await rollup("b-plausible", day);
    await rollup("b-native", day);
    for (const params of [{ from: day, to: day, goal: "purchase" }, { from: day, to: day, goal: "signup", group: "source" }, { from: day, to: day, goal: "purchase", group: "day" }]) {
      const a = await stats("b-plausible", plausible.read_key, params);
      const b = await stats("b-native", native.read_key, params);
      assert.deepEqual({ ...a, site: null, updated_at: null }, { ...b, site: null, updated_at: null });
      assert.equal(a.totals.visitors, 1);
      assert.equal(a.totals.conversions, 1);
    }
    const bought = await stats("b-plausible", plausible.read_key, { from: day, to: day, goal: "purchase" });
    assert.equal(bought.totals.revenue, 49.9);
    assert.deepEqual([bought.rows[0].source, bought.rows[0].medium, bought.rows[0].campaign], ["newsletter", "email", "Spring Sale"]);
    await page.close();
    await nativePage_.close();
  });

  it("the Events API request exactly as Plausible's docs write it (curl)", async () => {
    await createSite(worker.origin, "b-curl", { domains: ["curl.example"] });
    // https://plausible.io/docs/events-api — the request, with only the host changed.
    const { stdout } = await run("curl", [
      "-s", "-i",
      "-X", "POST", `${worker.origin}/api/event`,
      "-H", "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/116.0.0.0",
      "-H", "X-Forwarded-For: 127.0.0.1",
      "-H", "Content-Type: application/json",
      "--data", '{"name":"pageview","url":"http://curl.example","domain":"curl.example"}',
    ]);
    assert.match(stdout, /^HTTP\/1\.1 202/);
    assert.doesNotMatch(stdout, /x-plausible-dropped/i);
    const rows = await waitForRows(worker, "SELECT name, url, via, touch_kind, visitor FROM events WHERE site = 'b-curl'", (r) => r.length >= 1);
    assert.equal(rows.length, 1);
    assert.deepEqual([rows[0].name, rows[0].url, rows[0].via, rows[0].touch_kind], ["pageview", "http://curl.example/", "beacon", "direct"]);
    assert.ok(rows[0].visitor);
    // A custom event of no goal: answered 202 and dropped, as the header says.
    const { stdout: dropped } = await run("curl", ["-s", "-i", "-X", "POST", `${worker.origin}/api/event`, "-H", "Content-Type: application/json", "--data", '{"name":"Signup","url":"http://curl.example/register","domain":"curl.example"}']);
    assert.match(dropped, /^HTTP\/1\.1 202/);
    assert.match(dropped, /x-plausible-dropped: 1/i);
  });
});
