// Real-browser harness: the Worker under `wrangler dev` (local D1 in a temp dir), a tiny page server
// per scenario (its own port, so its own origin and localStorage), and Debian's headless Chromium
// driven by playwright-core. Runs in Node (node --test), not in workerd.
import { spawn, execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium } from "playwright-core";

const run = promisify(execFile);
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// 32+ characters, as the admin token must be.
export const ADMIN_TOKEN = "browser-test-admin-token-0123456789abcdef";
// The collector drops HeadlessChrome as a bot; the browser presents an ordinary Chrome.
export const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" };

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the Worker with `wrangler dev` on a fresh local D1; resolves once /t.js answers. `vars`:
 * more Worker variables (`--var NAME:value`), e.g. the platforms' URLs for forwarding tests.
 */
export async function startWorker(vars = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "edgetally-browser-"));
  // EDGETALLY_DEV_PORT: a port of one's own where several people share a machine; else any free port.
  const port = Number(process.env.EDGETALLY_DEV_PORT) || (await freePort());
  const wrangler = path.join(ROOT, "node_modules/.bin/wrangler");
  await run(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir], { cwd: ROOT, env: ENV });
  const child = spawn(
    wrangler,
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", dir, "--var", `ADMIN_TOKEN:${ADMIN_TOKEN}`, ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]), "--show-interactive-dev-session=false", "--inspector-port", String(await freePort())],
    { cwd: ROOT, env: ENV, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${log}`);
    try {
      if ((await fetch(`${origin}/t.js`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`wrangler dev did not start:\n${log}`);
    await sleep(300);
  }
  return {
    origin,
    dir,
    log: () => log,
    async stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a site on the Worker (domains: localhost, so any page-server port matches). */
export async function createSite(origin, id, extra = {}) {
  const res = await fetch(`${origin}/v1/admin/sites`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ id, domains: ["localhost"], goals: [{ name: "purchase" }, { name: "signup", tier: "micro" }], privacy: { k: 1 }, ...extra }),
  });
  if (res.status !== 201) throw new Error(`createSite ${id}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Runs a read-only SQL query on the Worker's local D1 through `wrangler d1 execute`. */
export async function sql(worker, query) {
  const { stdout } = await run(
    path.join(ROOT, "node_modules/.bin/wrangler"),
    ["d1", "execute", "DB", "--local", "--persist-to", worker.dir, "--json", "--command", query],
    { cwd: ROOT, env: ENV, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout)[0].results;
}

/** Polls `query` until `done(rows)` holds (hits travel through the queue), at most `ms`. */
export async function waitForRows(worker, query, done, ms = 15_000) {
  const deadline = Date.now() + ms;
  let rows = [];
  for (;;) {
    rows = await sql(worker, query);
    if (done(rows) || Date.now() > deadline) return rows;
    await sleep(500);
  }
}

/**
 * An HTML page with the contract's snippet: the queue stub, `calls` made before the script loads
 * (JSON-encoded arguments), and the deferred script tag with `attrs`; `script`: /t.js or the ads
 * build /t-ads.js.
 */
export function trackedPage(worker, site, { attrs = "", calls = [], body = "", script = "/t.js" } = {}) {
  const queued = calls.map((args) => `edgetally(${args.map((a) => JSON.stringify(a)).join(", ")});`).join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>test</title>
<script>window.edgetally=window.edgetally||function(){(edgetally.q=edgetally.q||[]).push(arguments)}</script>
<script>${queued}</script>
<script defer src="${worker.origin}${script}" data-site="${site}" ${attrs}></script>
</head><body>${body}</body></html>`;
}

/** A page server on its own port; `pages` maps a pathname to HTML (any query string is ignored). */
export async function startPages(pages) {
  const port = await freePort();
  const server = createServer((req, res) => {
    const html = pages[new URL(req.url, "http://x").pathname];
    res.writeHead(html ? 200 : 404, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(html ?? "not found");
  });
  await new Promise((r) => server.listen(port, r));
  return { origin: `http://localhost:${port}`, stop: () => new Promise((r) => server.close(r)) };
}

/** Headless Chromium with a fresh user data dir and an ordinary Chrome user agent. */
export async function startBrowser() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "edgetally-chromium-"));
  const context = await chromium.launchPersistentContext(dataDir, {
    executablePath: CHROMIUM,
    headless: true,
    userAgent: USER_AGENT,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    context,
    async stop() {
      await context.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Records every request a page makes to the collector (/e and /p.gif, prefixed or not). Chromium does not expose
 * beacon bodies to the driver, so the page's sendBeacon is wrapped (it still sends) and the bodies
 * are read back with `beaconBodies`.
 */
export async function recordHits(page, worker) {
  const hits = [];
  page.on("request", (req) => {
    const url = new URL(req.url());
    // Also under a one-segment prefix (data-api="…/et"): the Worker serves /et/e and /et/p.gif too.
    if (url.origin === worker.origin && /^(\/[^/]+)?\/(e|p\.gif)$/.test(url.pathname)) {
      hits.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    }
  });
  await page.addInitScript(() => {
    const send = navigator.sendBeacon;
    window.__beacons = [];
    if (send) {
      navigator.sendBeacon = function (url, data) {
        window.__beacons.push(data);
        return send.call(navigator, url, data);
      };
    }
  });
  return hits;
}

/** The bodies of the beacons the page has sent so far, parsed. */
export function beaconBodies(page) {
  return page.evaluate(() => Promise.all(window.__beacons.map(async (b) => JSON.parse(typeof b === "string" ? b : await b.text()))));
}

export { sleep };
