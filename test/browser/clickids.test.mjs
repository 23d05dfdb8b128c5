// Click ids on the browser path under `wrangler dev`, with its real Queues: a page's conversion
// beacon carrying `k` (the wire form the tracker is to keep, docs/TRACKER.md "Click ids") is stored,
// then forwarded by the events queue's consumer and the forward queue to a fake Google Ads on
// localhost with its gclid; a pageview's `k` is ignored; D1 never holds a click id.
// The first test drives the beacon from the page, as a site that keeps its own click ids would;
// the others run the tracker's ads build /t-ads.js, which keeps them itself (src/tracker/clicks.ts),
// and check that the base build /t.js keeps none.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { beaconBodies, createSite, freePort, recordHits, ROOT, sleep, sql, startBrowser, startPages, startWorker, trackedPage, waitForRows } from "./harness.mjs";

const run = promisify(execFile);

const GCLID = "Cj0KCQ-browser-gclid-4711";
const OTHER = "Cj0KCQ-pageview-gclid-0815";
const GADS = { customer_id: "1234567890", developer_token: "dev-token-browser", client_id: "c.apps.googleusercontent.com", client_secret: "GOCSPX-browser", refresh_token: "1//refresh-browser" };

let worker;
let browser;
let fake;
let pages;
/** Page servers of the tests below: each its own origin, so each its own localStorage. */
const servers = [];
async function pagesOf(map) {
  const web = await startPages(map);
  servers.push(web);
  return web;
}
const storedOf = (page, key) => page.evaluate((k) => localStorage.getItem(k), key);
/** Polls `check` until it is truthy, at most `ms`. */
async function until(check, ms = 45_000) {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await sleep(500);
  return check();
}

const PIXEL = "1234567890123";
const META = { id: "meta", type: "meta", pixel_id: PIXEL, access_token: "EAAB-browser-meta-token", test_event_code: null, events: { purchase: "Purchase" } };

/**
 * A fake Google (OAuth token endpoint and uploadClickConversions, recording the uploads) and a fake
 * Meta Conversions API on the same server (`metaEvents`: the events it received).
 */
async function startGoogle() {
  const port = await freePort();
  const uploads = [];
  const metaEvents = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/token") return res.end(JSON.stringify({ access_token: "ya29.browser", expires_in: 3599 }));
      if (req.url === `/v24/customers/${GADS.customer_id}:uploadClickConversions` && req.headers.authorization === "Bearer ya29.browser") {
        uploads.push(JSON.parse(body));
        return res.end("{}");
      }
      if (req.url === `/v24.0/${PIXEL}/events`) {
        metaEvents.push(...JSON.parse(body).data);
        return res.end(JSON.stringify({ events_received: 1 }));
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { message: `unexpected ${req.url}` } }));
    });
  });
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  return { origin: `http://127.0.0.1:${port}`, uploads, metaEvents, stop: () => new Promise((r) => server.close(r)) };
}

before(async () => {
  fake = await startGoogle();
  worker = await startWorker({ DESTINATIONS_KEY: Buffer.alloc(32, 7).toString("base64"), GOOGLE_ADS_API_URL: fake.origin, GOOGLE_OAUTH_URL: fake.origin, META_API_URL: fake.origin });
  browser = await startBrowser();
});

after(async () => {
  await pages?.stop();
  for (const web of servers) await web.stop();
  await browser?.stop();
  await worker?.stop();
  await fake?.stop();
});

describe("click ids through wrangler dev's queues", () => {
  it("a conversion beacon's gclid reaches Google Ads; a pageview's is ignored; D1 holds neither", async () => {
    const site = "b-clickids";
    await createSite(worker.origin, site, { destinations: [{ id: "gads", type: "google_ads", ...GADS, login_customer_id: null, events: { purchase: "987654" } }] });
    pages = await startPages({ "/thanks": "<!doctype html><title>shop</title>" });
    const page = await browser.context.newPage();
    await page.goto(`${pages.origin}/thanks`);
    const sent = await page.evaluate(
      ([api, s, gclid, other]) => {
        const t = Math.floor(Date.now() / 1000) - 60;
        const view = navigator.sendBeacon(`${api}/e`, JSON.stringify({ s, n: "pageview", u: location.href, k: JSON.stringify([[t, "gclid", other]]) }));
        const conversion = navigator.sendBeacon(`${api}/e`, JSON.stringify({ s, n: "purchase", u: location.href, v: 25, c: "EUR", i: "b-order-1", k: JSON.stringify([[t, "gclid", gclid]]) }));
        return view && conversion;
      },
      [worker.origin, site, GCLID, OTHER],
    );
    assert.equal(sent, true);
    await waitForRows(worker, `SELECT name FROM events WHERE site = '${site}'`, (r) => r.length >= 2);
    const deadline = Date.now() + 45_000;
    while (fake.uploads.length === 0 && Date.now() < deadline) await sleep(500);
    assert.equal(fake.uploads.length, 1, worker.log().slice(-2000));
    const [conversion] = fake.uploads[0].conversions;
    assert.equal(conversion.gclid, GCLID);
    assert.equal(conversion.orderId, "b-order-1");
    assert.equal(conversion.conversionAction, "customers/1234567890/conversionActions/987654");
    // The status says delivered; no table holds either click id.
    const status = await (await fetch(`${worker.origin}/v1/admin/sites/${site}/destinations`, { headers: { authorization: "Bearer browser-test-admin-token-0123456789abcdef" } })).json();
    assert.equal(status.destinations[0].delivered, 1, JSON.stringify(status));
    const tables = await sql(worker, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'");
    // Every table in one `wrangler d1 execute` (each result set is one element of its JSON answer).
    const { stdout } = await run(path.join(ROOT, "node_modules/.bin/wrangler"), ["d1", "execute", "DB", "--local", "--persist-to", worker.dir, "--json", "--command", tables.map(({ name }) => `SELECT * FROM "${name}"`).join("; ")], { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" }, maxBuffer: 64 * 1024 * 1024 });
    const all = stdout;
    assert.equal(JSON.parse(stdout).length, tables.length);
    assert.ok(all.includes("b-clickids"), "the scan reads the site's rows");
    for (const id of [GCLID, OTHER]) assert.ok(!all.includes(id), `D1 holds ${id}`);
    await page.close();
  });
});

describe("the ads build /t-ads.js keeps click ids; /t.js keeps none", () => {
  const G = "Cj0KCQ-ads-build-gclid-1";
  const F = "IwAR-ads-build-fbclid-2";

  it("lands with ?gclid&fbclid: a pageview carries no k, a conversion carries both; Google gets the gclid, Meta the fbc", async () => {
    const site = "b-ads";
    await createSite(worker.origin, site, { destinations: [{ id: "gads", type: "google_ads", ...GADS, login_customer_id: null, events: { purchase: "987654" } }, META] });
    const web = await pagesOf({ "/": trackedPage(worker, site, { script: "/t-ads.js" }), "/thanks": trackedPage(worker, site, { script: "/t-ads.js" }) });
    const page = await browser.context.newPage();
    await recordHits(page, worker);
    await page.goto(`${web.origin}/?gclid=${G}&fbclid=${F}&utm_source=ignored_for_k`);
    await page.waitForFunction(() => localStorage.getItem("et_k") !== null);
    const kept = JSON.parse(await storedOf(page, "et_k"));
    assert.deepEqual(
      kept.map((r) => r.slice(1)),
      [
        ["gclid", G],
        ["fbclid", F],
      ],
    );
    const now = Date.now() / 1000;
    for (const [t] of kept) assert.ok(Math.abs(t - now) < 60, `time ${t} is unix seconds, now`);
    // The journal is apart and holds the landing's utm touch, no click id value.
    assert.ok(!(await storedOf(page, "et_j")).includes(G));
    const landingBeacons = await beaconBodies(page);
    assert.equal(landingBeacons.length, 1);
    assert.equal(landingBeacons[0].n, "pageview");
    assert.equal("k" in landingBeacons[0], false, "a pageview carries k");

    // Another page of the site, without ids in its URL: the pageview carries none, the conversion both.
    await page.goto(`${web.origin}/thanks`);
    await page.waitForFunction(() => window.edgetally && !window.edgetally.q);
    await page.evaluate(() => edgetally("purchase", { value: 25, currency: "EUR", id: "b-ads-order-1" }));
    const bodies = await beaconBodies(page);
    const view = bodies.find((b) => b.n === "pageview");
    assert.equal("k" in view, false, "a pageview carries k");
    const conversion = bodies.find((b) => b.n === "purchase");
    assert.deepEqual(JSON.parse(conversion.k), kept);

    assert.ok(await until(() => fake.uploads.some((u) => u.conversions[0].orderId === "b-ads-order-1")), worker.log().slice(-2000));
    const upload = fake.uploads.find((u) => u.conversions[0].orderId === "b-ads-order-1");
    assert.equal(upload.conversions[0].gclid, G);
    assert.ok(await until(() => fake.metaEvents.some((e) => e.event_id === "b-ads-order-1" || e.custom_data?.value === 25)), worker.log().slice(-2000));
    const meta = fake.metaEvents.find((e) => e.event_id === "b-ads-order-1" || e.custom_data?.value === 25);
    const fbclidAt = kept.find((r) => r[1] === "fbclid")[0];
    assert.equal(meta.user_data.fbc, `fb.1.${fbclidAt * 1000}.${F}`);

    // forget erases them (and the journal): a later conversion carries none.
    await page.evaluate(() => edgetally("forget"));
    assert.equal(await storedOf(page, "et_k"), null);
    assert.equal(await storedOf(page, "et_j"), null);
    await page.evaluate(() => edgetally("purchase", { value: 5, currency: "EUR", id: "b-ads-after-forget" }));
    const after = (await beaconBodies(page)).find((b) => b.i === "b-ads-after-forget");
    assert.equal(after.n, "purchase");
    assert.equal("k" in after, false, "a conversion after forget carries k");
    // D1 holds neither click id.
    const rows = await sql(worker, `SELECT * FROM events WHERE site = '${site}'`);
    assert.ok(rows.length >= 3);
    assert.ok(!JSON.stringify(rows).includes(G) && !JSON.stringify(rows).includes(F));
    await page.close();
  });

  it('data-consent="required": no click id stored before consent; consent keeps it; refusing erases it', async () => {
    const site = "b-ads-consent";
    await createSite(worker.origin, site);
    const web = await pagesOf({ "/": trackedPage(worker, site, { script: "/t-ads.js", attrs: 'data-consent="required"' }) });
    const page = await browser.context.newPage();
    const hits = await recordHits(page, worker);
    await page.goto(`${web.origin}/?gclid=${G}`);
    await page.waitForFunction(() => window.edgetally && !window.edgetally.q);
    await sleep(1000);
    assert.equal(hits.length, 0, "sent before consent");
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), [], "stored before consent");

    await page.evaluate(() => edgetally("consent", true));
    assert.deepEqual(JSON.parse(await storedOf(page, "et_k")).map((r) => r.slice(1)), [["gclid", G]]);
    await page.evaluate(() => edgetally("purchase", { value: 3 }));
    const sent = (await beaconBodies(page)).find((b) => b.n === "purchase");
    assert.deepEqual(JSON.parse(sent.k).map((r) => r.slice(1)), [["gclid", G]]);

    await page.evaluate(() => edgetally("consent", false));
    assert.equal(await storedOf(page, "et_k"), null, "refusal erases the click ids");
    await page.close();
  });

  it("Global Privacy Control: /t-ads.js sends nothing, stores nothing, and erases kept click ids", async () => {
    const site = "b-ads-gpc";
    await createSite(worker.origin, site);
    const web = await pagesOf({ "/": trackedPage(worker, site, { script: "/t-ads.js" }), "/blank": "<!doctype html><title>blank</title>" });
    const page = await browser.context.newPage();
    // Click ids kept from before the visitor turned GPC on.
    await page.goto(`${web.origin}/blank`);
    await page.evaluate((g) => localStorage.setItem("et_k", JSON.stringify([[Math.floor(Date.now() / 1000), "gclid", g]])), G);
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true }));
    const hits = await recordHits(page, worker);
    await page.goto(`${web.origin}/?fbclid=${F}`);
    await page.waitForFunction(() => window.edgetally && !window.edgetally.q);
    await sleep(500);
    assert.equal(hits.length, 0);
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), []);
    await page.close();
  });

  it("the base build /t.js stores no click id after a ?gclid landing, and its conversion carries no k", async () => {
    const site = "b-base-noclick";
    await createSite(worker.origin, site);
    const web = await pagesOf({ "/": trackedPage(worker, site) });
    const page = await browser.context.newPage();
    await recordHits(page, worker);
    await page.goto(`${web.origin}/?gclid=${G}&fbclid=${F}`);
    await page.waitForFunction(() => localStorage.getItem("et_j") !== null);
    await page.evaluate(() => edgetally("purchase", { value: 1 }));
    assert.equal(await storedOf(page, "et_k"), null);
    const storage = await page.evaluate(() => JSON.stringify(localStorage));
    assert.ok(!storage.includes(G) && !storage.includes(F), storage);
    // The journal notes only that the landing had a gclid (its name), never the value.
    assert.deepEqual(JSON.parse(await storedOf(page, "et_j")).map((r) => r.slice(1)), [["gclid"]]);
    for (const b of await beaconBodies(page)) assert.equal("k" in b, false, JSON.stringify(b));
    await page.close();
  });
});
