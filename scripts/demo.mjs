#!/usr/bin/env node
// `npm run demo`: a synthetic week through a real `wrangler dev`, end to end.
//
// 1. applies the migrations to a temporary --persist-to directory and starts `wrangler dev` on a
//    free port with a random ADMIN_TOKEN;
// 2. creates a site (k = 5, so a small demo still shows rows);
// 3. sends a week: today's visits as pixels and beacons with utm_* landings (browser hits can only
//    be "now"), purchases of the last 7 days as server events with journeys and event ids (a few
//    sent twice, to show dedup), a few browser purchases with their touch journal, and ad spend;
// 4. waits until the queue has drained (the rollup's event count stops growing), rolls the week
//    up with POST /v1/admin/rollup, prints the campaign table and the totals, and stops wrangler.
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
const K = 5;
const DAY_MS = 86_400_000;

// A small deterministic PRNG so every run sends the same week.
let seed = 20261129;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const between = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const CAMPAIGNS = [
  { source: "google", medium: "cpc", campaign: "brand", visitorsToday: 60, perDay: [8, 12], spend: [40, 60] },
  { source: "instagram", medium: "social", campaign: "spring", visitorsToday: 40, perDay: [5, 9], spend: [25, 35] },
  { source: "newsletter", medium: "email", campaign: "november", visitorsToday: 25, perDay: [5, 7], spend: [5, 5], noMedium: true },
  { source: "tiktok", medium: "social", campaign: "launch", visitorsToday: 3, perDay: [0, 2], spend: [8, 12] },
];
const BROWSERS = ["Chrome/131.0.0.0 Safari/537.36", "Firefox/133.0", "Version/18.1 Safari/605.1.15", "Chrome/130.0.0.0 Mobile Safari/537.36"];
const userAgent = (i) => `Mozilla/5.0 (X11; Linux x86_64; demo-${i}) AppleWebKit/537.36 (KHTML, like Gecko) ${BROWSERS[i % BROWSERS.length]}`;
const ip = (i) => `198.51.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`;

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

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "edgetally-demo-"));
  const token = randomBytes(18).toString("base64url");
  const port = await freePort();
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
    process.exit(130);
  });
  try {
    console.log(`• migrations → ${dir}`);
    const mig = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", dir], { env, encoding: "utf8" });
    if (mig.status !== 0) throw new Error(`migrations failed:\n${mig.stdout}\n${mig.stderr}`);

    console.log(`• wrangler dev on ${base}`);
    wrangler = spawn("npx", ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", dir, "--var", `ADMIN_TOKEN:${token}`, "--show-interactive-dev-session=false"], {
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
      currency: "EUR",
      privacy: { k: K },
      goals: [{ name: "purchase", tier: "macro" }, { name: "newsletter_signup", tier: "micro", value: 2 }],
      funnels: [{ name: "checkout", steps: ["pageview", "purchase"] }],
    });
    console.log(`• site "${SITE}" created (k = ${K}, currency EUR)`);
    const ingest = { authorization: `Bearer ${site.ingest_key}`, "content-type": "application/json" };
    const read = { authorization: `Bearer ${site.read_key}` };

    const now = Date.now();
    const today = day(now);
    const from = day(now - 6 * DAY_MS);
    const sent = await sendWeek(base, ingest, now);
    console.log(`• sent ${sent.pixels} pixels, ${sent.beacons} beacon hits, ${sent.server} server events (${sent.dupes} duplicates), ${sent.spend} spend rows`);

    const roll = await drainAndRollUp(base, admin, from, today);
    console.log(`• rollup ${from} … ${today}: ${roll.days} days, ${roll.atoms} atoms, ${roll.events} events`);

    const res = await fetch(`${base}/v1/stats?site=${SITE}&from=${from}&to=${today}&group=campaign`, { headers: read });
    if (!res.ok) throw new Error(`stats: ${res.status} ${await res.text()}`);
    printStats(await res.json());
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
    await sleep(500);
  }
  throw new Error(`wrangler dev did not answer within 120 s:\n${log()}`);
}

async function post(url, headers, body) {
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function sendWeek(base, ingest, now) {
  const counts = { pixels: 0, beacons: 0, server: 0, dupes: 0, spend: 0 };
  const todayStart = Date.parse(`${day(now)}T00:00:00Z`);
  let visitor = 0;

  // Today's visits: a landing with utm_* (pixels for half, beacons for the rest), some browse on.
  const beaconBatch = [];
  const landings = [];
  for (const c of CAMPAIGNS) {
    for (let i = 0; i < c.visitorsToday; i++) landings.push({ ...c, v: visitor++ });
  }
  for (let i = 0; i < 15; i++) landings.push({ source: null, v: visitor++ }); // typed-in visits
  for (const l of landings) {
    const qs = l.source ? `?utm_source=${l.source}&utm_medium=${l.medium}&utm_campaign=${l.campaign}` : "";
    const u = `https://${DOMAIN}/${pick(["", "shoes", "bags", "sale"])}${qs}`;
    const headers = { "user-agent": userAgent(l.v), "cf-connecting-ip": ip(l.v) };
    if (l.v % 2 === 0) {
      const r = await fetch(`${base}/p.gif?${new URLSearchParams({ s: SITE, u, r: l.source ? `https://${l.source}.example/` : "" })}`, { headers: { ...headers, referer: `https://${DOMAIN}/` } });
      await r.arrayBuffer();
      counts.pixels++;
    } else {
      beaconBatch.push({ hits: [{ s: SITE, u }, ...(rand() < 0.5 ? [{ s: SITE, u: `https://${DOMAIN}/checkout` }] : [])], headers });
    }
  }
  for (const b of beaconBatch) {
    const r = await fetch(`${base}/e`, { method: "POST", headers: { ...b.headers, origin: `https://${DOMAIN}`, "content-type": "text/plain" }, body: JSON.stringify(b.hits) });
    if (r.status !== 202) throw new Error(`/e: ${r.status} ${await r.text()}`);
    counts.beacons += b.hits.length;
  }

  // Browser purchases today, carrying the journal the tracker keeps.
  let order = 1000;
  for (const l of landings.filter((x) => x.source && x.v % 5 === 1).slice(0, 10)) {
    const j = JSON.stringify([[Math.floor((now - 3_600_000) / 1000), l.source, l.medium, l.campaign]]);
    const hit = { s: SITE, n: "purchase", u: `https://${DOMAIN}/thanks`, v: between(20, 120), c: "EUR", i: `order-${order++}`, j };
    const r = await fetch(`${base}/e`, { method: "POST", headers: { "user-agent": userAgent(l.v), "cf-connecting-ip": ip(l.v), origin: `https://${DOMAIN}`, "content-type": "text/plain" }, body: JSON.stringify(hit) });
    if (r.status !== 202) throw new Error(`/e purchase: ${r.status}`);
    counts.beacons++;
  }

  // The week's server-side purchases (from the shop's backend), each with its journey.
  const events = [];
  for (let d = 6; d >= 0; d--) {
    const dayStart = todayStart - d * DAY_MS;
    const latest = Math.min(dayStart + DAY_MS - 60_000, now - 60_000);
    for (const c of CAMPAIGNS) {
      const n = between(c.perDay[0], c.perDay[1]);
      for (let i = 0; i < n; i++) {
        const time = dayStart + Math.floor(rand() * Math.max(1, latest - dayStart));
        const first = rand() < 0.4 ? [{ time: Math.floor((time - between(2, 9) * DAY_MS) / 1000), source: "google", medium: "organic", campaign: null }] : [];
        events.push({
          name: "purchase",
          time: Math.floor(time / 1000),
          event_id: `order-${order++}`,
          url: `https://${DOMAIN}/thanks`,
          value: between(1500, 12000) / 100,
          currency: rand() < 0.1 ? "USD" : "EUR",
          touches: [...first, { time: Math.floor((time - between(1, 48) * 3_600_000) / 1000), source: c.source, medium: c.medium, campaign: c.campaign }],
        });
      }
    }
  }
  // A few retries of the same orders: the same event_id is one event.
  const retries = events.slice(0, 5).map((e) => ({ ...e }));
  for (let i = 0; i < events.length; i += 500) {
    const r = await post(`${base}/v1/events`, ingest, { events: events.slice(i, i + 500) });
    if (r.rejected.length) throw new Error(`/v1/events rejected: ${JSON.stringify(r.rejected.slice(0, 3))}`);
  }
  const again = await post(`${base}/v1/events`, ingest, { events: retries });
  counts.server = events.length + retries.length;
  counts.dupes = again.duplicates;

  // Ad spend for the week; the newsletter's has no medium (it joins every medium).
  const spend = [];
  for (let d = 6; d >= 0; d--) {
    const dd = day(todayStart - d * DAY_MS);
    for (const c of CAMPAIGNS) {
      const row = { day: dd, source: c.source, campaign: c.campaign, cost: between(c.spend[0] * 100, c.spend[1] * 100) / 100, currency: "EUR" };
      if (!c.noMedium) row.medium = c.medium;
      if (c.source === "google" || c.source === "instagram") row.platform_conversions = between(c.perDay[0], c.perDay[1] + 3);
      spend.push(row);
    }
  }
  const sp = await post(`${base}/v1/spend`, ingest, spend);
  if (sp.rejected.length) throw new Error(`/v1/spend rejected: ${JSON.stringify(sp.rejected)}`);
  counts.spend = sp.accepted;
  return counts;
}

/** Rolls the range up until two runs in a row see the same number of events (the queue is empty). */
async function drainAndRollUp(base, admin, from, to) {
  let last = -1;
  let result;
  for (let i = 0; i < 30; i++) {
    await sleep(i === 0 ? 3000 : 2000);
    result = await post(`${base}/v1/admin/rollup`, admin, { site: SITE, from, to });
    if (result.events > 0 && result.events === last) return result;
    last = result.events;
  }
  return result;
}

function printStats(s) {
  const fmt = (v, d = 2) => (v === null || v === undefined ? "—" : typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(d)) : String(v));
  const cols = [
    ["source / medium / campaign", (r) => r.label ?? `${r.source} / ${r.medium} / ${r.campaign}`],
    ["visitors", (r) => fmt(r.visitors)],
    ["conv", (r) => fmt(r.conversions)],
    ["rate %", (r) => fmt(r.conversion_rate)],
    [`revenue ${s.currency}`, (r) => fmt(r.revenue)],
    ["other cur.", (r) => Object.entries(r.revenue_by_currency).filter(([c]) => c !== s.currency).map(([c, v]) => `${fmt(v)} ${c}`).join(" ") || "—"],
    ["cost", (r) => fmt(r.cost)],
    ["cpa", (r) => fmt(r.cpa)],
    ["roas", (r) => fmt(r.roas)],
    ["platform", (r) => fmt(r.platform_conversions)],
    ["discr.", (r) => fmt(r.discrepancy)],
  ];
  const lines = [...s.rows, { label: "(other)", ...s.other }, { label: "(total)", ...s.totals }].map((r) => cols.map(([, f]) => f(r)));
  const widths = cols.map(([h], i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(`\nGET /v1/stats?site=${s.site}&from=${s.from}&to=${s.to}&group=campaign  (model ${s.model}, all macro goals)\n`);
  console.log(row(cols.map(([h]) => h)));
  console.log(widths.map((w) => "─".repeat(w)).join("  "));
  lines.forEach((l, i) => {
    if (i === s.rows.length) console.log(widths.map((w) => "─".repeat(w)).join("  "));
    console.log(row(l));
  });
  console.log("\nvisitors are today's only: browser hits are always 'now', and a past day's visitor salt is gone, so the");
  console.log("week's earlier server-side purchases have no visitors of their own day (hence rates above 100 %).");
  console.log(`privacy: k=${s.privacy.k}, suppressed ${s.privacy.suppressed} atoms, withheld days [${s.privacy.withheld_days.join(", ")}], provisional ${s.privacy.provisional_days.length} days; updated_at ${s.updated_at}`);
}

main().catch((err) => {
  console.error(`demo failed: ${err.stack ?? err}`);
  process.exitCode = 1;
});
