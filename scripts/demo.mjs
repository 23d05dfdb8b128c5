#!/usr/bin/env node
// `npm run demo`: one synthetic shop day through a real `wrangler dev`, end to end.
//
// 1. applies the migrations to a temporary --persist-to directory and starts `wrangler dev` on a
//    free port with a random ADMIN_TOKEN;
// 2. creates a site (k = 5, so a small demo still shows rows; timezone UTC, currency EUR);
// 3. sends TODAY's traffic (browser hits are always "now", and a past day's visitor salt no longer
//    exists, so visitors can only be today's): about 700 visitors landing from five campaigns
//    (pixels for half, beacons for the rest, some browsing a second page), a few organic, referral
//    and direct landings, bot and foreign-origin hits that are dropped; today's purchases as server
//    events whose `touches` carry journeys of the past week (instagram seen or clicked days ago,
//    then google ads …), some in USD, a few sent twice and one also through the beacon (dedup),
//    two browser purchases carrying the tracker's journal `j`; and today's ad spend;
// 4. rolls today up with POST /v1/admin/rollup until the queue has drained and every expected
//    event is stored, prints the campaign table (last_click) and a comparison of conversions
//    under last_click, first_click and linear, checks totals = rows + (other), and stops wrangler.
//
// With `--days N` (2–31) the shop also has the N − 1 days before today (written straight into the
// local D1's SQLite file before wrangler starts, since browser hits can only be today's): ~30 orders
// a day from google ads (two campaigns, each with ads = utm_content and keywords = utm_term),
// instagram, facebook, a weekly newsletter, small tiktok and pinterest tests, organic and direct.
// It rolls them up and prints, for the N days ending today, the share of conversions in named
// campaign rows (not "(other)") and the ad level of the biggest campaign — privacy.period "auto"
// (CONTRACT.md v1.1 "small volumes") releasing weeks and months where days are under k.
// `--k K` sets the site's k (default 5), `--period day` its privacy.period (default auto), `--port P`
// wrangler's port (default: a free one).
// Example: npm run demo -- --days 28 --k 10
//
// No dependencies beyond the project's own (Node 22 via npm's node_modules/.bin).

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

const SITE = "demo";
const DOMAIN = "shop.example";

/** `--days N` and `--k K` (see the header); anything else is refused with a clear message. */
function parseArgs(argv) {
  const out = { days: 1, k: 5, port: null, period: "auto" };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = inline ?? argv[++i];
    const n = Number(value);
    if (flag === "--days") {
      if (!Number.isInteger(n) || n < 1 || n > 31) fail(`--days takes a whole number of days from 1 to 31 (the rollup recomputes at most 31 days at once), not ${value}`);
      out.days = n;
    } else if (flag === "--k") {
      if (!Number.isInteger(n) || n < 2 || n > 1000) fail(`--k takes a whole number from 2 to 1000 (the site's privacy.k), not ${value}`);
      out.k = n;
    } else if (flag === "--period") {
      if (value !== "auto" && value !== "day") fail(`--period takes auto or day (the site's privacy.period), not ${value}`);
      out.period = value;
    } else if (flag === "--port") {
      if (!Number.isInteger(n) || n < 1024 || n > 65535) fail(`--port takes a port number from 1024 to 65535, not ${value}`);
      out.port = n;
    } else fail(`unknown option ${argv[i]} (use --days N, --k K, --period auto|day, --port P)`);
  }
  return out;
}
function fail(message) {
  console.error(`demo: ${message}`);
  process.exit(2);
}
const ARGS = parseArgs(process.argv.slice(2));
const K = ARGS.k;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Parallel requests while sending traffic (the machine may be shared). */
const CONCURRENCY = 6;

// A small deterministic PRNG so every run sends the same day.
let seed = 20261129;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const between = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

// Today's landings. `key` names the touch in JOURNEYS; tiktok is a small, just-launched campaign
// (under k visitors: it is pooled into "(other)" together with the small referral and direct).
const CAMPAIGNS = [
  { key: "G", source: "google", medium: "cpc", campaign: "brand", visitors: 240, referrer: "https://www.google.com/", spend: { cost: 212.4, platform: 13 } },
  { key: "I", source: "instagram", medium: "social", campaign: "spring", visitors: 160, referrer: "https://l.instagram.com/", spend: { cost: 118.75, platform: 9 } },
  { key: "F", source: "facebook", medium: "social", campaign: "retargeting", visitors: 110, referrer: "https://l.facebook.com/", spend: { cost: 86.3, platform: 8 } },
  { key: "N", source: "newsletter", medium: "email", campaign: "november", visitors: 90, referrer: "", spend: { cost: 12, noMedium: true } },
  { key: "T", source: "tiktok", medium: "social", campaign: "launch", visitors: 4, referrer: "https://www.tiktok.com/", spend: { cost: 40, platform: 2 } },
];
const OTHER_LANDINGS = [
  { key: "O", visitors: 18, referrer: "https://www.google.com/" }, // google / organic
  { key: "R", visitors: 3, referrer: "https://blog.example/best-sneakers-2026" }, // blog.example / referral
  { key: "D", visitors: 70, referrer: "" }, // typed in, bookmarks: direct
];
const TOUCH = Object.fromEntries(CAMPAIGNS.map((c) => [c.key, { source: c.source, medium: c.medium, campaign: c.campaign }]));

// Today's purchases. The buyer is one of today's visitors of `last` (its landing is the last
// touch; "D": a direct visitor, no journey at all); `before` are earlier touches of the week
// (click: days ago; view: hours ago, inside the default 1-day view window). `via`: "server"
// (POST /v1/events with the buyer's client) or "beacon"/"pixel" (the tracker's journal `j`).
const JOURNEYS = [
  { n: 4, last: "G", before: [] },
  { n: 2, last: "G", before: [{ key: "I", days: [2, 6] }] },
  { n: 2, last: "G", before: [{ key: "I", view: true, hours: [5, 20] }], usd: 1 },
  { n: 1, last: "G", before: [{ key: "I", days: [1, 5] }], via: "beacon" },
  { n: 1, last: "G", before: [{ key: "I", view: true, hours: [3, 12] }], via: "pixel" },
  { n: 4, last: "I", before: [], usd: 1 },
  { n: 2, last: "I", before: [{ key: "N", days: [3, 6] }] },
  { n: 3, last: "N", before: [] },
  { n: 2, last: "N", before: [{ key: "G", days: [2, 5] }] },
  { n: 5, last: "F", before: [{ key: "I", days: [2, 6] }], usd: 1 },
  { n: 1, last: "T", before: [] },
  { n: 4, last: "D", before: [] },
];

const BROWSERS = ["Chrome/131.0.0.0 Safari/537.36", "Firefox/133.0", "Version/18.1 Safari/605.1.15", "Chrome/130.0.0.0 Mobile Safari/537.36"];
const userAgent = (i) => `Mozilla/5.0 (X11; Linux x86_64; demo-${i}) AppleWebKit/537.36 (KHTML, like Gecko) ${BROWSERS[i % BROWSERS.length]}`;
const ip = (i) => `198.51.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`;
const PAGES = ["", "shoes", "bags", "sale", "new-in"];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const day = (ms) => new Date(ms).toISOString().slice(0, 10);

/** Runs async tasks with at most `n` in flight. */
async function pool(tasks, n) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
}

async function main() {
  const started = Date.now();
  // All traffic is "today" (UTC, the site's zone): don't start a few seconds before midnight.
  const toMidnight = DAY_MS - (Date.now() % DAY_MS);
  if (toMidnight < 60_000) {
    console.log(`• ${Math.ceil(toMidnight / 1000)} s to midnight UTC: waiting for the new day`);
    await sleep(toMidnight + 1000);
  }
  const dir = mkdtempSync(join(tmpdir(), "edgetally-demo-"));
  const token = randomBytes(32).toString("base64url");
  const port = ARGS.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" };
  let wrangler;
  const stop = () => {
    if (wrangler && wrangler.exitCode === null) {
      try {
        process.kill(-wrangler.pid, "SIGTERM"); // its own process group: wrangler and workerd
      } catch {
        /* already gone */
      }
    }
  };
  process.on("SIGINT", () => {
    stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
  try {
    console.log(`• migrations → ${dir}`);
    const mig = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", dir], { env, encoding: "utf8" });
    if (mig.status !== 0) throw new Error(`migrations failed:\n${mig.stdout}\n${mig.stderr}`);
    const history = ARGS.days > 1 ? await seedHistory(dir, Date.now(), ARGS.days - 1) : null;
    if (history) console.log(`• history: ${history.days} days before today written to the local D1 — ${history.visitors} visitors, ${history.orders} orders (${(history.orders / history.days).toFixed(1)} a day)`);

    console.log(`• wrangler dev on ${base}`);
    wrangler = spawn("npx", ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", dir, "--var", `ADMIN_TOKEN:${token}`, ...(ARGS.days > 1 ? ["--var", `RAW_RETENTION_DAYS:${ARGS.days + 7}`] : []), "--show-interactive-dev-session=false"], {
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    wrangler.stdout.on("data", (b) => (log += b));
    wrangler.stderr.on("data", (b) => (log += b));
    await waitUntilUp(base, () => log, wrangler);

    const admin = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const site = await post(`${base}/v1/admin/sites`, admin, {
      id: SITE,
      domains: [DOMAIN],
      timezone: "UTC",
      currency: "EUR",
      privacy: { k: K, period: ARGS.period },
      goals: [{ name: "purchase", tier: "macro" }, { name: "newsletter_signup", tier: "micro", value: 2 }],
      funnels: [{ name: "checkout", steps: ["pageview", "purchase"] }],
    });
    console.log(`• site "${SITE}" created (k = ${K}, privacy.period ${ARGS.period}, timezone UTC, currency EUR)`);
    const ingest = { authorization: `Bearer ${site.ingest_key}`, "content-type": "application/json" };
    const read = { authorization: `Bearer ${site.read_key}` };

    const today = day(Date.now());
    const sent = await sendToday(base, ingest);
    console.log(`• visits: ${sent.visitors} visitors, ${sent.pageviews} pageviews (${sent.pixels} by pixel, ${sent.beacons} by beacon); dropped at /e: ${sent.dropped} (bot, foreign origin); a bot's pixel got its GIF and was not stored`);
    console.log(`• purchases: ${sent.orders} orders — ${sent.server} server events (${sent.multiTouch} with a multi-touch journey, ${sent.usd} in USD), ${sent.browser} browser purchases with the journal j`);
    console.log(`• dedup: ${sent.retries} orders re-sent to /v1/events → ${sent.duplicates} duplicates; ${sent.beaconCopy} also sent by the buyer's beacon → accepted, dropped at write`);
    console.log(`• spend: ${sent.spend} rows for ${today} (newsletter without medium)`);

    const expected = sent.pageviews + sent.orders;
    const t0 = Date.now();
    const roll = await drainAndRollUp(base, admin, today, expected);
    const waited = ((Date.now() - t0) / 1000).toFixed(1);
    const check = roll.events === expected ? `= ${sent.pageviews} pageviews + ${sent.orders} orders, duplicates and dropped hits not stored` : `EXPECTED ${expected}`;
    console.log(`• rollup ${today} (queue drained after ${waited} s): ${roll.atoms} atoms from ${roll.events} events (${check})`);

    const stats = async (model) => {
      const res = await fetch(`${base}/v1/stats?site=${SITE}&from=${today}&to=${today}&group=campaign&model=${model}`, { headers: read });
      if (!res.ok) throw new Error(`stats: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const [last, first, linear] = await Promise.all([stats("last_click"), stats("first_click"), stats("linear")]);
    printStats(last);
    printModels({ last_click: last, first_click: first, linear });
    const problems = [...checkTotals(last, true), ...checkTotals(first, false), ...checkTotals(linear, false)];
    if (roll.events !== expected) problems.push(`the rollup saw ${roll.events} events, expected ${expected}; wrangler's log:\n${log.slice(-3000)}`);
    if (problems.length) throw new Error(`numbers do not add up:\n  ${problems.join("\n  ")}`);
    console.log(`\n✓ totals = rows + (other) in all three models (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    if (history) await showHistory(base, admin, read, history.from, today, history.orders + sent.orders);
  } finally {
    stop();
    await sleep(500);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitUntilUp(base, log, child) {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${log()}`);
    try {
      const r = await fetch(`${base}/openapi.json`);
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await sleep(250);
  }
  throw new Error(`wrangler dev did not answer within 60 s:\n${log()}`);
}

async function post(url, headers, body) {
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function pixel(base, fields, headers) {
  const r = await fetch(`${base}/p.gif?${new URLSearchParams({ s: SITE, ...fields })}`, { headers });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`/p.gif: ${r.status}`);
}

async function beacon(base, hits, headers) {
  const r = await fetch(`${base}/e`, { method: "POST", headers: { "content-type": "text/plain", ...headers }, body: JSON.stringify(hits) });
  const text = await r.text();
  if (r.status !== 202) throw new Error(`/e: ${r.status} ${text}`);
  return JSON.parse(text);
}

async function sendToday(base, ingest) {
  const counts = { visitors: 0, pageviews: 0, pixels: 0, beacons: 0, dropped: 0, orders: 0, server: 0, multiTouch: 0, usd: 0, browser: 0, retries: 0, duplicates: 0, beaconCopy: "", spend: 0 };

  // Today's visitors: one landing each (pixel for even visitor numbers, beacon for odd), and
  // about a third browse on to a second page (internal referrer: navigation, no touch).
  const visitors = [];
  for (const c of [...CAMPAIGNS, ...OTHER_LANDINGS]) {
    for (let i = 0; i < c.visitors; i++) visitors.push({ key: c.key, campaign: c, v: visitors.length });
  }
  // Pages and second pages are drawn before sending, so every run sends the same hits.
  for (const vis of visitors) {
    const c = vis.campaign;
    const qs = TOUCH[c.key] ? `?${new URLSearchParams({ utm_source: c.source, utm_medium: c.medium, utm_campaign: c.campaign })}` : "";
    const u = `https://${DOMAIN}/${pick(PAGES)}${qs}`;
    vis.hits = [{ u, r: c.referrer }];
    if (rand() < 0.35) vis.hits.push({ u: `https://${DOMAIN}/p/${between(100, 999)}`, r: u });
  }
  const tasks = visitors.map((vis) => async () => {
    const hits = vis.hits;
    const headers = { "user-agent": userAgent(vis.v), "cf-connecting-ip": ip(vis.v) };
    vis.landedAt = Date.now();
    if (vis.v % 2 === 0) {
      for (const h of hits) await pixel(base, h, { ...headers, referer: h.u });
      counts.pixels += hits.length;
    } else {
      const r = await beacon(base, hits.map((h) => ({ s: SITE, ...h })), { ...headers, origin: `https://${DOMAIN}` });
      if (r.accepted !== hits.length) throw new Error(`/e dropped a visitor's pageview: ${JSON.stringify(r)}`);
      counts.beacons += hits.length;
    }
    counts.pageviews += hits.length;
  });
  await pool(tasks, CONCURRENCY);
  counts.visitors = visitors.length;

  // Not stored: a crawler's pixel and beacon, and a copy of the site on a foreign domain.
  const landing = { s: SITE, u: `https://${DOMAIN}/` };
  await pixel(base, { u: landing.u }, { "user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "cf-connecting-ip": "66.249.66.1" });
  for (const [ua, origin] of [
    ["Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", `https://${DOMAIN}`],
    [userAgent(9999), "https://shop-example.copycat.example"],
  ]) {
    const r = await beacon(base, [landing], { "user-agent": ua, "cf-connecting-ip": "203.0.113.77", origin });
    counts.dropped += r.dropped;
  }

  // Today's purchases: each buyer is a distinct visitor of its last touch's campaign.
  const buyers = new Map();
  for (const vis of visitors) {
    if (!buyers.has(vis.key)) buyers.set(vis.key, []);
    buyers.get(vis.key).push(vis);
  }
  for (const list of buyers.values()) {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
  }
  const nowSec = () => Math.floor(Date.now() / 1000);
  const server = [];
  const browser = [];
  let order = 1001;
  for (const j of JOURNEYS) {
    for (let i = 0; i < j.n; i++) {
      const buyer = buyers.get(j.last).pop();
      const time = Math.max(Math.ceil(buyer.landedAt / 1000) + 1, nowSec() - between(0, 20));
      const before = j.before.map((b) => ({
        time: time - (b.view ? between(b.hours[0] * 3600, b.hours[1] * 3600) : between(b.days[0] * 86400, b.days[1] * 86400 + 43200)),
        ...TOUCH[b.key],
        ...(b.view ? { view: true } : {}),
      }));
      const touches = TOUCH[j.last] ? [...before, { time: Math.floor(buyer.landedAt / 1000), ...TOUCH[j.last] }] : [];
      const currency = i < (j.usd ?? 0) ? "USD" : "EUR";
      const ev = { name: "purchase", time, event_id: `order-${order++}`, url: `https://${DOMAIN}/thanks`, value: between(1990, 14900) / 100, currency };
      if (currency === "USD") counts.usd++;
      if (touches.length > 1) counts.multiTouch++;
      if (j.via) browser.push({ via: j.via, ev, touches, buyer });
      else server.push({ ...ev, ...(touches.length ? { touches } : {}), client: { ip: ip(buyer.v), user_agent: userAgent(buyer.v) } });
    }
  }
  const r1 = await post(`${base}/v1/events`, ingest, { events: server });
  if (r1.rejected.length || r1.duplicates) throw new Error(`/v1/events: ${JSON.stringify(r1)}`);
  counts.server = server.length;

  // The shop's backend retried a few orders: the same event_id is one event.
  const retries = [server[0], server[7], server[15]];
  const r2 = await post(`${base}/v1/events`, ingest, { events: retries });
  counts.retries = retries.length;
  counts.duplicates = r2.duplicates;

  // Browser purchases: the tracker sends its journal `j` (src/collect/journal.ts wire form).
  const journal = (touches) => JSON.stringify(touches.map((t) => [t.time, t.source, t.medium, t.campaign, ...(t.view ? [null, null, 1] : [])]));
  for (const { via, ev, touches, buyer } of browser) {
    const hit = { s: SITE, n: "purchase", u: ev.url, r: `https://${DOMAIN}/checkout`, v: String(ev.value), c: ev.currency, i: ev.event_id, j: journal(touches) };
    const headers = { "user-agent": userAgent(buyer.v), "cf-connecting-ip": ip(buyer.v) };
    if (via === "pixel") {
      await pixel(base, hit, { ...headers, referer: ev.url });
    } else {
      const r = await beacon(base, [{ ...hit, v: ev.value }], { ...headers, origin: `https://${DOMAIN}` });
      if (r.accepted !== 1) throw new Error(`/e purchase: ${JSON.stringify(r)}`);
    }
  }
  counts.browser = browser.length;
  counts.orders = server.length + browser.length;

  // The buyer's browser also reported an order the server had sent: accepted at the edge
  // (not a duplicate within its own request), dropped when written.
  const copy = server[1];
  const b = await beacon(base, [{ s: SITE, n: "purchase", u: copy.url, v: copy.value, c: copy.currency, i: copy.event_id }], {
    "user-agent": copy.client.user_agent,
    "cf-connecting-ip": copy.client.ip,
    origin: `https://${DOMAIN}`,
  });
  if (b.accepted !== 1) throw new Error(`/e copy: ${JSON.stringify(b)}`);
  counts.beaconCopy = copy.event_id;

  // Today's ad spend; the newsletter's has no medium (it joins every medium of the campaign).
  const spend = CAMPAIGNS.map((c) => ({
    day: day(Date.now()),
    source: c.source,
    ...(c.spend.noMedium ? {} : { medium: c.medium }),
    campaign: c.campaign,
    cost: c.spend.cost,
    currency: "EUR",
    ...(c.spend.platform !== undefined ? { platform_conversions: c.spend.platform } : {}),
  }));
  const sp = await post(`${base}/v1/spend`, ingest, spend);
  if (sp.rejected.length) throw new Error(`/v1/spend rejected: ${JSON.stringify(sp.rejected)}`);
  counts.spend = sp.accepted;
  return counts;
}

/**
 * Rolls today up until every expected event is stored. Browser hits go through the queue (batches
 * of up to 2 s), and a batch whose D1 write failed is retried after 10 s (src/ingest/consumer.ts),
 * so this waits up to 30 s for the count rather than stopping when it looks stable.
 */
async function drainAndRollUp(base, admin, today, expected) {
  const deadline = Date.now() + 30_000;
  let result;
  await sleep(2500);
  for (;;) {
    result = await post(`${base}/v1/admin/rollup`, admin, { site: SITE, from: today, to: today });
    if (result.events >= expected || Date.now() > deadline) return result;
    await sleep(1500);
  }
}

const fmt = (v, d = 2) => (v === null || v === undefined ? "—" : typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(d)) : String(v));
/** Money and ratios always with two decimals. */
const money = (v) => (v === null || v === undefined ? "—" : v.toFixed(2));
const label = (r) => r.label ?? `${r.source} / ${r.medium} / ${r.campaign}`;

function table(cols, rows, breakBefore) {
  const lines = rows.map((r) => cols.map(([, f]) => f(r)));
  const widths = cols.map(([h], i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const rule = widths.map((w) => "─".repeat(w)).join("  ");
  console.log(row(cols.map(([h]) => h)));
  console.log(rule);
  lines.forEach((l, i) => {
    if (i === breakBefore) console.log(rule);
    console.log(row(l));
  });
}

function printStats(s) {
  const cols = [
    ["source / medium / campaign", label],
    ["visitors", (r) => fmt(r.visitors)],
    ["conv", (r) => fmt(r.conversions)],
    ["rate %", (r) => money(r.conversion_rate)],
    [`revenue ${s.currency}`, (r) => money(r.revenue)],
    ["other cur.", (r) => Object.entries(r.revenue_by_currency).filter(([c]) => c !== s.currency).map(([c, v]) => `${money(v)} ${c}`).join(" ") || "—"],
    ["cost", (r) => money(r.cost)],
    ["cpa", (r) => money(r.cpa)],
    ["roas", (r) => money(r.roas)],
    ["platform", (r) => fmt(r.platform_conversions)],
    ["discr.", (r) => fmt(r.discrepancy)],
  ];
  console.log(`\nGET /v1/stats?site=${s.site}&from=${s.from}&to=${s.to}&group=campaign  (model ${s.model}, all macro goals)\n`);
  table(cols, [...s.rows, { label: "(other)", ...s.other }, { label: "(total)", ...s.totals }], s.rows.length);
  console.log(`\n(other) pools what may not be shown alone (1 to ${K - 1} visitors or conversions, k = ${K}): here the new tiktok campaign,`);
  console.log("a blog's referrals and the direct visits' purchases. Rows and (other) add up to the totals.");
  console.log(`privacy: k=${s.privacy.k}, suppressed ${s.privacy.suppressed} atoms, withheld days [${s.privacy.withheld_days.join(", ")}], provisional ${s.privacy.provisional_days.length} day(s); updated_at ${s.updated_at}`);
}

/** Conversions per campaign under several models: who opened the journey, who closed it. */
function printModels(byModel) {
  const models = Object.keys(byModel);
  const keys = [];
  for (const s of Object.values(byModel)) for (const r of s.rows) if (!keys.includes(label(r))) keys.push(label(r));
  const rows = keys.map((k) => ({ label: k, ...Object.fromEntries(models.map((m) => [m, byModel[m].rows.find((r) => label(r) === k)?.conversions ?? null])) }));
  rows.push({ label: "(other)", ...Object.fromEntries(models.map((m) => [m, byModel[m].other.conversions])) });
  rows.push({ label: "(total)", ...Object.fromEntries(models.map((m) => [m, byModel[m].totals.conversions])) });
  console.log(`\nconversions by model (same day, three /v1/stats calls with model=…; "—": pooled into (other) under that model)\n`);
  table([["source / medium / campaign", label], ...models.map((m) => [m, (r) => fmt(r[m])])], rows, keys.length);
  console.log("\nfirst_click credits the touch that opened a journey, last_click the one that closed it, linear shares each");
  console.log("conversion equally among its touches (clicks within 30 days, views within 1 day of the purchase).");
}

/** totals = rows + (other) for the figures the demo prints (to the cent); `rates`: each under 10 %. */
function checkTotals(s, rates) {
  const out = [];
  for (const f of ["visitors", "conversions", "revenue"]) {
    const sum = s.rows.reduce((a, r) => a + r[f], 0) + s.other[f];
    if (Math.abs(sum - s.totals[f]) > 0.011 * (s.rows.length + 1)) out.push(`${s.model}: ${f} rows + other = ${sum}, totals ${s.totals[f]}`);
  }
  for (const r of [...s.rows, s.other, s.totals]) {
    if (rates && r.conversion_rate !== null && r.conversion_rate >= 10) out.push(`${s.model}: ${label(r)} converts at ${r.conversion_rate} %`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// --days N: the shop's past days, written straight into the local D1 before wrangler starts.

/**
 * The shop's touches with their visitors on an average day (`weekly`: only on Tuesdays, when the
 * newsletter goes out; a few stray clicks otherwise) and their share of the day's ~30 orders (by
 * last touch). Contents are ads (utm_content), terms keywords (utm_term), weighted.
 */
const HISTORY_TOUCHES = [
  { source: "google", medium: "cpc", campaign: "brand", visitors: 130, orders: 8, contents: [["rsa-brand", 0.7], ["rsa-sale", 0.3]], terms: [["shop example", 0.6], ["shop example shoes", 0.4]] },
  { source: "google", medium: "cpc", campaign: "shopping", visitors: 90, orders: 5, contents: [["pla-sneakers", 0.5], ["pla-boots", 0.3], ["pla-bags", 0.2]], terms: [["sneakers", 0.5], ["boots", 0.3], ["leather bag", 0.2]] },
  { source: "instagram", medium: "social", campaign: "spring", visitors: 110, orders: 5, contents: [["reel-1", 0.6], ["story-2", 0.4]] },
  { source: "facebook", medium: "social", campaign: "retargeting", visitors: 60, orders: 4, contents: [["carousel", 1]] },
  { source: "newsletter", medium: "email", campaign: "weekly", visitors: 150, orders: 9, weekly: true },
  { source: "tiktok", medium: "social", campaign: "launch", visitors: 4, orders: 0.2 },
  { source: "pinterest", medium: "social", campaign: "boards", visitors: 3, orders: 0.1 },
  { source: "google", medium: "organic", campaign: null, visitors: 45, orders: 2 },
  { source: null, visitors: 80, orders: 3 }, // direct
];

const weighted = (pairs) => {
  let r = rand();
  for (const [v, w] of pairs) if ((r -= w) <= 0) return v;
  return pairs[pairs.length - 1][0];
};
/** A whole number around `mean` (±30 %). */
const around = (mean) => Math.max(0, Math.round(mean * (0.7 + 0.6 * rand())));

/** Writes `n` days before today's into the D1 SQLite file under `dir`; returns what it wrote. */
async function seedHistory(dir, now, n) {
  const { DatabaseSync } = await import("node:sqlite");
  const { readdirSync } = await import("node:fs");
  const d1dir = join(dir, "v3", "d1", "miniflare-D1DatabaseObject");
  const files = readdirSync(d1dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (files.length !== 1) throw new Error(`expected one D1 sqlite file in ${d1dir}, found ${files.length}`);
  const db = new DatabaseSync(join(d1dir, files[0]));
  const insert = db.prepare(
    "INSERT INTO events (site, day, ts, received_at, name, via, visitor, touch_kind, source, medium, campaign, content, term, value, currency, journey) " +
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const todayStart = Math.floor(now / DAY_MS) * DAY_MS;
  let visitors = 0;
  let orders = 0;
  db.exec("BEGIN");
  for (let d = n; d >= 1; d--) {
    const start = todayStart - d * DAY_MS;
    const date = day(start);
    const tuesday = new Date(start).getUTCDay() === 2;
    for (const [ti, t] of HISTORY_TOUCHES.entries()) {
      const mean = t.weekly ? (tuesday ? t.visitors : 4) : t.visitors;
      const buyers = t.weekly ? (tuesday ? t.orders * 2.2 : 0.3) : t.orders;
      const landed = [];
      for (let i = 0, m = around(mean); i < m; i++) {
        const ts = start + between(6 * 3600, 23 * 3600) * 1000;
        const visitor = `h${date}-${ti}-${i}`;
        const content = t.contents ? weighted(t.contents) : null;
        const term = t.terms ? weighted(t.terms) : null;
        const touch = t.source === null ? null : { source: t.source, medium: t.medium, campaign: t.campaign, content, term };
        insert.run(SITE, date, ts, ts, "pageview", "beacon", visitor, touch ? "landing" : "direct", touch?.source ?? null, touch?.medium ?? null, touch?.campaign ?? null, content, term, null, null, null);
        landed.push({ ts, visitor, touch });
        visitors++;
      }
      // Orders of the day closed by this touch (a whole number: the fraction is a chance).
      let count = Math.floor(buyers * (0.7 + 0.6 * rand()));
      if (rand() < buyers * (0.7 + 0.6 * rand()) - count) count++;
      for (let i = 0; i < Math.min(count, landed.length); i++) {
        const { ts, visitor, touch } = landed[i];
        const at = Math.min(start + DAY_MS - 1, ts + between(2, 40) * 60_000);
        // A third of the journeys started earlier on instagram or in the newsletter.
        const before = rand() < 0.33 ? [{ time: at - between(1, 6) * DAY_MS, ...pick([HISTORY_TOUCHES[2], HISTORY_TOUCHES[4]]), contents: undefined, terms: undefined }] : [];
        const journey = touch ? [...before.map(({ time, source, medium, campaign }) => ({ time, source, medium, campaign, content: null, term: null })), { time: ts, ...touch }] : [];
        insert.run(SITE, date, at, at, "purchase", "server", visitor, null, null, null, null, null, null, between(25, 140) + 0.9, "EUR", journey.length ? JSON.stringify(journey) : null);
        orders++;
      }
    }
  }
  db.exec("COMMIT");
  db.close();
  return { days: n, from: day(todayStart - n * DAY_MS), visitors, orders };
}

/**
 * Rolls the past days up (wrangler runs with RAW_RETENTION_DAYS above --days, so POST
 * /v1/admin/rollup may recompute them: by default raw events older than 8 days are gone once
 * rolled), then prints the share of conversions in named campaign rows and the ad level. */
async function showHistory(base, admin, read, from, today, orders) {
  const yesterday = day(Date.parse(today) - DAY_MS);
  const roll = await post(`${base}/v1/admin/rollup`, admin, { site: SITE, from, to: yesterday });
  console.log(`\n• rollup ${from} … ${yesterday}: ${roll.atoms} atoms from ${roll.events} events`);
  const get = async (q) => {
    const res = await fetch(`${base}/v1/stats?site=${SITE}&${q}`, { headers: read });
    if (!res.ok) throw new Error(`stats: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const share = (s) => {
    const named = s.rows.reduce((n, r) => n + r.conversions, 0);
    return { named, total: s.totals.conversions, pct: s.totals.conversions ? (100 * named) / s.totals.conversions : 0 };
  };
  const range = await get(`from=${from}&to=${today}&group=campaign`);
  const one = await get(`from=${today}&to=${today}&group=campaign`);
  printStats(range);
  const r = share(range);
  const o = share(one);
  console.log(`\nprivacy.period ${range.privacy.period} over ${from} … ${today}; units the range cuts, left out: ${range.privacy.partial_periods.join(", ") || "none"}`);
  console.log(`share of conversions in named campaign rows (not (other)), k = ${K}, last_click, all macro goals:`);
  console.log(`  ${ARGS.days} days: ${r.named} of ${r.total} = ${r.pct.toFixed(1)} %`);
  console.log(`  ${ARGS.days} days, against every order sent (${orders}; the rest are in (other) or in units the range cuts): ${((100 * r.named) / orders).toFixed(1)} %`);
  console.log(`  today alone: ${o.named} of ${o.total} = ${o.pct.toFixed(1)} %${ARGS.period === "auto" ? " (the week and month units holding today are cut by a one-day range)" : ""}`);
  if (range.privacy.withheld_days.length) console.log("  (withheld days: a touch that clears k at no grain, alone at the day level of its day — privacy/hierarchy.ts)");
  const biggest = [...range.rows].sort((a, b) => b.conversions - a.conversions)[0];
  if (!biggest) return;
  const ads = await get(`from=${from}&to=${today}&group=content&source=${encodeURIComponent(biggest.source)}&medium=${encodeURIComponent(biggest.medium)}&campaign=${encodeURIComponent(biggest.campaign)}`);
  console.log(`\nthe ads (utm_content) of the biggest campaign, ${label(biggest)}: group=content&campaign=${biggest.campaign}\n`);
  table(
    [
      ["content", (x) => x.content],
      ["visitors", (x) => fmt(x.visitors)],
      ["conversions", (x) => fmt(x.conversions)],
      ["revenue", (x) => money(x.revenue)],
    ],
    ads.rows,
  );
}

main().catch((err) => {
  console.error(`demo failed: ${err.stack ?? err}`);
  process.exitCode = 1;
});
