// /t.js in a real browser, end to end: page (http://localhost:<port>) → tracker → /e or /p.gif on the
// Worker (http://127.0.0.1:<port>, another origin) → queue → D1. `npm run test:browser`.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { beaconBodies, createSite, recordHits, sleep, startBrowser, startPages, startWorker, trackedPage, waitForRows } from "./harness.mjs";

let worker;
let browser;
const servers = [];

before(async () => {
  worker = await startWorker();
  browser = await startBrowser();
});

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await browser?.stop();
  await worker?.stop();
});

async function pages(map) {
  const s = await startPages(map);
  servers.push(s);
  return s;
}

const journalOf = (page) => page.evaluate(() => localStorage.getItem("et_j"));

describe("the tracker in Chromium", () => {
  it("a landing, a second page and a purchase queued before the script: a touched pageview and a conversion carrying the journal", async () => {
    const site = "b-journey";
    await createSite(worker.origin, site);
    const web = await pages({
      "/landing": trackedPage(worker, site, { body: '<a id="next" href="/second">next</a>' }),
      "/second": trackedPage(worker, site, { body: '<a id="buy" href="/thanks">buy</a>' }),
      "/thanks": trackedPage(worker, site, { calls: [["purchase", { value: 49.9, currency: "EUR", id: "order-1001" }]] }),
    });
    const page = await browser.context.newPage();
    const hits = await recordHits(page, worker);
    await page.goto(`${web.origin}/landing?utm_source=Newsletter&utm_medium=email&utm_campaign=Spring%20Sale`);
    await page.waitForFunction(() => localStorage.getItem("et_j") !== null);
    await Promise.all([page.waitForURL("**/second"), page.click("#next")]);
    await Promise.all([page.waitForURL("**/thanks"), page.click("#buy")]);

    const rows = await waitForRows(
      worker,
      `SELECT name, url, touch_kind, source, medium, campaign, value, currency, event_id, journey FROM events WHERE site = '${site}' ORDER BY ts, rowid`,
      (r) => r.length >= 4,
    );
    const views = rows.filter((r) => r.name === "pageview");
    assert.equal(views.length, 3, JSON.stringify(rows));
    const landing = views.find((r) => r.url.includes("/landing"));
    assert.deepEqual([landing.touch_kind, landing.source, landing.medium, landing.campaign], ["landing", "newsletter", "email", "Spring Sale"]);
    // Navigation inside the site carries no touch.
    for (const v of views.filter((r) => !r.url.includes("/landing"))) assert.equal(v.touch_kind, null, JSON.stringify(v));

    const purchases = rows.filter((r) => r.name === "purchase");
    assert.equal(purchases.length, 1);
    const p = purchases[0];
    assert.equal(p.value, 49.9);
    assert.equal(p.currency, "EUR");
    assert.equal(p.event_id, "order-1001");
    const journey = JSON.parse(p.journey);
    assert.equal(journey.length, 1);
    assert.deepEqual(
      { source: journey[0].source, medium: journey[0].medium, campaign: journey[0].campaign },
      { source: "newsletter", medium: "email", campaign: "Spring Sale" },
    );

    // The browser side: beacons (text/plain JSON), and the journal in its wire form.
    assert.ok(hits.length >= 4 && hits.every((h) => h.path === "/e"), JSON.stringify(hits));
    const sent = (await beaconBodies(page)).find((b) => b.n === "purchase");
    assert.equal(sent.s, site);
    assert.equal(sent.v, 49.9);
    // The journal holds the landing unresolved (raw utm values); the collector classified it above.
    assert.deepEqual(JSON.parse(sent.j).map((t) => t.slice(1)), [["Newsletter", "email", "Spring Sale", null, null]]);
    assert.deepEqual(JSON.parse(await journalOf(page)), JSON.parse(sent.j));
    await page.close();
  });

  it("a landing from a search engine: the journal keeps the referring host, the collector classifies it as it does the pageview", async () => {
    const site = "b-referrer";
    await createSite(worker.origin, site);
    const web = await pages({ "/": trackedPage(worker, site) });
    const page = await browser.context.newPage();
    await recordHits(page, worker);
    await page.goto(`${web.origin}/`, { referer: "https://www.qwant.com/?q=shoes" });
    await page.waitForFunction(() => localStorage.getItem("et_j") !== null);
    assert.deepEqual(JSON.parse(await journalOf(page)).map((t) => t.slice(1)), [["qwant.com"]]);
    await page.evaluate(() => edgetally("purchase", { value: 20, id: "ref-1" }));
    const rows = await waitForRows(worker, `SELECT name, source, medium, journey FROM events WHERE site = '${site}' ORDER BY ts, rowid`, (r) => r.length >= 2);
    // Each call is its own request, so the stored order is not the sent order: find rows by name.
    const view = rows.find((r) => r.name === "pageview");
    const purchase = rows.find((r) => r.name === "purchase");
    assert.deepEqual([view.source, view.medium], ["qwant", "organic"], JSON.stringify(rows));
    const journey = JSON.parse(purchase.journey);
    assert.deepEqual(
      journey.map((t) => [t.source, t.medium, t.campaign]),
      [["qwant", "organic", "(none)"]],
    );
    await page.close();
  });

  it("single-page-app navigation: one pageview per route (pushState, back), none for a hash change", async () => {
    const site = "b-spa";
    await createSite(worker.origin, site);
    const web = await pages({ "/app": trackedPage(worker, site) });
    const page = await browser.context.newPage();
    const hits = await recordHits(page, worker);
    await page.goto(`${web.origin}/app`);
    await page.waitForFunction(() => window.edgetally && !window.edgetally.q);
    await page.evaluate(() => history.pushState({}, "", "/app/pricing"));
    await page.evaluate(() => history.pushState({}, "", "/app/signup?plan=pro"));
    await page.evaluate(() => (location.hash = "#faq"));
    await page.evaluate(() => history.replaceState({}, "", "/app/signup?plan=pro#top"));
    await page.goBack(); // back over the hash change: same route, no pageview
    await page.goBack(); // back to /app/pricing: a route, a pageview
    await page.waitForFunction(() => location.pathname === "/app/pricing");

    const rows = await waitForRows(worker, `SELECT url FROM events WHERE site = '${site}' AND name = 'pageview' ORDER BY ts, rowid`, (r) => r.length >= 4);
    await sleep(1500);
    const again = await waitForRows(worker, `SELECT url FROM events WHERE site = '${site}' AND name = 'pageview' ORDER BY ts, rowid`, () => true);
    // One pageview per route visited, sent in visiting order; stored as a multiset, since four requests
    // may reach the Worker in any order.
    const route = (u) => new URL(u).pathname + new URL(u).search;
    const sent = (await beaconBodies(page)).map((b) => route(b.u));
    assert.deepEqual(sent, ["/app", "/app/pricing", "/app/signup?plan=pro", "/app/pricing"]);
    assert.deepEqual(again.map((r) => route(r.url)).sort(), [...sent].sort(), JSON.stringify(rows));
    assert.equal(hits.length, 4);
    await page.close();
  });

  it('data-consent="required": nothing stored or sent before consent; held calls go out after it; refusing erases', async () => {
    const site = "b-consent";
    await createSite(worker.origin, site);
    const web = await pages({
      "/promo": trackedPage(worker, site, { attrs: 'data-consent="required"', calls: [["signup"]] }),
    });
    const page = await browser.context.newPage();
    const hits = await recordHits(page, worker);
    await page.goto(`${web.origin}/promo?gclid=abc123`);
    await page.waitForFunction(() => window.edgetally && !window.edgetally.q);
    await sleep(1000);
    assert.equal(hits.length, 0, "sent before consent");
    assert.equal(await journalOf(page), null, "stored before consent");

    await page.evaluate(() => edgetally("consent", true));
    const rows = await waitForRows(worker, `SELECT name, source, medium FROM events WHERE site = '${site}' ORDER BY ts, rowid`, (r) => r.length >= 2);
    // Two beacons leave one after the other but are two requests: the Worker may store them in either order.
    assert.deepEqual(rows.map((r) => r.name).sort(), ["pageview", "signup"], JSON.stringify(rows));
    const view = rows.find((r) => r.name === "pageview");
    assert.deepEqual([view.source, view.medium], ["google", "cpc"]);
    assert.deepEqual(JSON.parse(await journalOf(page)).map((t) => t.slice(1)), [["gclid"]]);

    await page.evaluate(() => edgetally("consent", false));
    assert.equal(await journalOf(page), null, "refusal erases the journal");
    const before = hits.length;
    await page.evaluate(() => edgetally("purchase", { value: 1 }));
    await sleep(500);
    assert.equal(hits.length, before, "sent after refusal");
    await page.close();
  });

  it('edgetally("forget") empties the journal; a later conversion carries none', async () => {
    const site = "b-forget";
    await createSite(worker.origin, site);
    const web = await pages({ "/": trackedPage(worker, site) });
    const page = await browser.context.newPage();
    const hits = await recordHits(page, worker);
    await page.goto(`${web.origin}/?utm_source=partner&utm_medium=referral&utm_campaign=q4`);
    await page.waitForFunction(() => localStorage.getItem("et_j") !== null);
    await page.evaluate(() => edgetally("forget"));
    assert.equal(await journalOf(page), null);
    await page.evaluate(() => edgetally("purchase", { value: 10, currency: "USD", id: "after-forget" }));
    const rows = await waitForRows(worker, `SELECT journey FROM events WHERE site = '${site}' AND name = 'purchase'`, (r) => r.length >= 1);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].journey, null);
    const sent = (await beaconBodies(page)).find((b) => b.i === "after-forget");
    assert.equal(sent.n, "purchase");
    assert.equal(sent.j, undefined);
    await page.close();
  });

  it("Global Privacy Control: nothing sent, nothing stored", async () => {
    const site = "b-gpc";
    await createSite(worker.origin, site);
    const web = await pages({ "/": trackedPage(worker, site, { calls: [["purchase", { value: 5 }]] }) });
    const page = await browser.context.newPage();
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true }));
    const hits = await recordHits(page, worker);
    await page.goto(`${web.origin}/?utm_source=x`);
    await page.waitForFunction(() => window.edgetally && !window.edgetally.q);
    await sleep(1000);
    assert.equal(hits.length, 0);
    assert.equal(await journalOf(page), null);
    await page.close();
  });

  it("falls back to the pixel when sendBeacon refuses", async () => {
    const site = "b-pixel";
    await createSite(worker.origin, site);
    const web = await pages({ "/": trackedPage(worker, site) });
    const page = await browser.context.newPage();
    await page.addInitScript(() => (navigator.sendBeacon = () => false));
    const hits = await recordHits(page, worker);
    await page.goto(`${web.origin}/?fbclid=zz`);
    await page.waitForFunction(() => localStorage.getItem("et_j") !== null);
    await page.evaluate(() => edgetally("purchase", { value: 12.5, currency: "EUR", id: "px-1" }));
    const rows = await waitForRows(worker, `SELECT name, via, source, value, journey FROM events WHERE site = '${site}' ORDER BY ts, rowid`, (r) => r.length >= 2);
    assert.deepEqual(rows.map((r) => [r.name, r.via]).sort(), [
      ["pageview", "pixel"],
      ["purchase", "pixel"],
    ]);
    const view = rows.find((r) => r.name === "pageview");
    const purchase = rows.find((r) => r.name === "purchase");
    assert.equal(view.source, "facebook");
    assert.equal(purchase.value, 12.5);
    assert.equal(JSON.parse(purchase.journey)[0].source, "facebook");
    assert.ok(hits.every((h) => h.path === "/p.gif"));
    await page.close();
  });

  it('data-api="…/et": the script loads from /et/t.js and sends to /et/e and /et/p.gif, which the Worker serves (prefix)', async () => {
    const site = "b-prefix";
    await createSite(worker.origin, site);
    const page1 = trackedPage(worker, site, { attrs: `data-api="${worker.origin}/et"` }).replace(`${worker.origin}/t.js`, `${worker.origin}/et/t.js`);
    const web = await pages({ "/": page1 });
    const page = await browser.context.newPage();
    const hits = await recordHits(page, worker);
    await page.goto(`${web.origin}/?utm_source=news&utm_campaign=prefixed`);
    await page.waitForFunction(() => localStorage.getItem("et_j") !== null);
    await page.evaluate(() => {
      navigator.sendBeacon = () => false; // the next hit goes as the pixel
      edgetally("purchase", { value: 5, id: "pre-1" });
    });
    const rows = await waitForRows(worker, `SELECT name, via, source, campaign FROM events WHERE site = '${site}' ORDER BY ts, rowid`, (r) => r.length >= 2);
    assert.deepEqual(rows.map((r) => [r.name, r.via]).sort(), [
      ["pageview", "beacon"],
      ["purchase", "pixel"],
    ]);
    assert.equal(rows.find((r) => r.name === "pageview").campaign, "prefixed");
    assert.deepEqual(hits.map((h) => h.path).sort(), ["/et/e", "/et/p.gif"]);
    await page.close();
  });

  it("the pixel fallback's query string carries no e-mail address and no PII-named parameter", async () => {
    const site = "b-scrub";
    await createSite(worker.origin, site);
    const web = await pages({ "/": trackedPage(worker, site) });
    const page = await browser.context.newPage();
    await page.addInitScript(() => (navigator.sendBeacon = () => false));
    const hits = await recordHits(page, worker);
    await page.goto(`${web.origin}/?utm_source=mail&utm_campaign=may&email=ann%40mail.example&first_name=Ann&ref=ann@mail.example`);
    await page.waitForFunction(() => localStorage.getItem("et_j") !== null);
    const rows = await waitForRows(worker, `SELECT name, campaign, url FROM events WHERE site = '${site}'`, (r) => r.length >= 1);
    assert.equal(rows[0].campaign, "may");
    assert.equal(hits.length, 1);
    const query = JSON.stringify(hits[0].query);
    assert.doesNotMatch(query, /ann|@|%40|first_name|email=/i, query);
    await page.close();
  });

  it("never throws into the page, even with storage blocked", async () => {
    const site = "b-nostorage";
    await createSite(worker.origin, site);
    const web = await pages({ "/": trackedPage(worker, site, { calls: [["purchase", { value: 3 }]] }) });
    const page = await browser.context.newPage();
    await page.addInitScript(() =>
      Object.defineProperty(window, "localStorage", {
        get() {
          throw new DOMException("blocked", "SecurityError");
        },
      }),
    );
    const errors = [];
    page.on("pageerror", (e) => errors.push(e));
    const hits = await recordHits(page, worker);
    await page.goto(`${web.origin}/?utm_source=x`);
    await page.waitForFunction(() => window.edgetally && !window.edgetally.q);
    await page.evaluate(() => {
      edgetally("forget");
      edgetally("purchase", null);
      edgetally();
      history.pushState({}, "", "/next");
    });
    await sleep(300);
    assert.deepEqual(errors, []);
    assert.ok(hits.length >= 3, JSON.stringify(hits));
    await page.close();
  });
});
