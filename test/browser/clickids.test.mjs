// Click ids on the browser path under `wrangler dev`, with its real Queues: a page's conversion
// beacon carrying `k` (the wire form the tracker is to keep, docs/TRACKER.md "Click ids") is stored,
// then forwarded by the events queue's consumer and the forward queue to a fake Google Ads on
// localhost with its gclid; a pageview's `k` is ignored; D1 never holds a click id.
// NOTE: /t.js itself does not keep click ids yet (the byte budget, docs/TRACKER.md): this drives the
// beacon from the page, as a site that keeps its own click ids would.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { createSite, freePort, ROOT, sleep, sql, startBrowser, startPages, startWorker, waitForRows } from "./harness.mjs";

const run = promisify(execFile);

const GCLID = "Cj0KCQ-browser-gclid-4711";
const OTHER = "Cj0KCQ-pageview-gclid-0815";
const GADS = { customer_id: "1234567890", developer_token: "dev-token-browser", client_id: "c.apps.googleusercontent.com", client_secret: "GOCSPX-browser", refresh_token: "1//refresh-browser" };

let worker;
let browser;
let fake;
let pages;

/** A fake Google: OAuth token endpoint and uploadClickConversions, recording the uploads. */
async function startGoogle() {
  const port = await freePort();
  const uploads = [];
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
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { message: `unexpected ${req.url}` } }));
    });
  });
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  return { origin: `http://127.0.0.1:${port}`, uploads, stop: () => new Promise((r) => server.close(r)) };
}

before(async () => {
  fake = await startGoogle();
  worker = await startWorker({ DESTINATIONS_KEY: Buffer.alloc(32, 7).toString("base64"), GOOGLE_ADS_API_URL: fake.origin, GOOGLE_OAUTH_URL: fake.origin });
  browser = await startBrowser();
});

after(async () => {
  await pages?.stop();
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
