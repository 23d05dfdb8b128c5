// Rollup benchmark (npm run bench:rollup): one site-day of 100k and of 1M raw events of a
// realistic mix (90% pageviews, 10% conversions with 0–6 touches), written straight into the
// SQLite file of a local D1, rolled up by the real Worker under `wrangler dev` through
// POST /v1/admin/rollup. Prints events/s, the 1M time against 10× the 100k time (linear scaling
// is 1.0), the rollup against plain SQLite computing last-click counts over the same rows (the
// floor), and the time of the rollup's heaviest single statements (D1 stops a query at 30 s).
// A benchmark prints; it never asserts.
//
//   npm run bench:rollup                 both sizes
//   BENCH_SIZES=100000 npm run bench:rollup
//   BENCH_KEEP=1 npm run bench:rollup    keep bench/.data/rollup-* to inspect
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { d1File, fmt, migrate, ROOT, startDev } from "./lib.mjs";

const SIZES = (process.env.BENCH_SIZES ?? "100000,1000000").split(",").map(Number);
const SITE = "bench";
const TOKEN = "bench-admin-token-0123456789abcdef-0123";
const DAY_MS = 86_400_000;
const DAY = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10); // yesterday (UTC): inside retention
const DAY_START = Date.parse(`${DAY}T00:00:00Z`);
const WARM_DAY = new Date(DAY_START - DAY_MS).toISOString().slice(0, 10); // an empty day, for the warm-up call

/** Deterministic PRNG (mulberry32), so every run inserts the same rows. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// 30 sources × 10 campaigns: a few hundred touch keys per day, like a site with active campaigns.
const SOURCES = Array.from({ length: 30 }, (_, i) => [`source${i}`, ["cpc", "social", "email", "organic", "referral"][i % 5]]);
const CAMPAIGNS = Array.from({ length: 10 }, (_, i) => `campaign-${i}`);

const SITE_CONFIG = {
  id: SITE,
  domains: ["bench.example"],
  timezone: "UTC",
  currency: "EUR",
  privacy: { k: 10, epsilon: null, final_only: false },
  attribution: { click_window_days: 30, view_window_days: 1 },
  goals: [
    { name: "purchase", tier: "macro", value: null, currency: null },
    { name: "signup", tier: "micro", value: 5, currency: null },
  ],
  funnels: [{ name: "checkout", steps: ["pageview", "signup", "purchase"] }],
  collect: { rate_limit: false, honor_gpc: true },
};

/** Writes the site and `n` events into the local D1's SQLite file; returns seconds taken. */
async function seed(file, n) {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(file);
  const t0 = performance.now();
  db.exec("BEGIN");
  db.prepare(`INSERT INTO sites (id, config, ingest_key_hash, read_key_hash, secret, created_at, updated_at) VALUES (?, ?, 'i', 'r', 's', 0, 0)`).run(
    SITE,
    JSON.stringify(SITE_CONFIG),
  );
  const insert = db.prepare(
    `INSERT INTO events (site, day, ts, received_at, name, via, visitor, touch_kind, source, medium, campaign, value, currency, journey)
     VALUES (?, ?, ?, ?, ?, 'beacon', ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const rand = rng(n);
  const visitors = Math.max(1, Math.floor(n / 4));
  const pick = (a) => a[Math.floor(rand() * a.length)];
  for (let i = 0; i < n; i++) {
    const ts = DAY_START + Math.floor((i / n) * DAY_MS); // arrival order follows time, as in production
    const visitor = `v${Math.floor(rand() * visitors)}`;
    if (rand() < 0.9) {
      const r = rand();
      if (r < 0.3) {
        const [source, medium] = pick(SOURCES);
        insert.run(SITE, DAY, ts, ts, "pageview", visitor, "landing", source, medium, pick(CAMPAIGNS), null, null, null);
      } else {
        insert.run(SITE, DAY, ts, ts, "pageview", visitor, r < 0.5 ? "direct" : null, null, null, null, null, null, null);
      }
      continue;
    }
    const touches = Array.from({ length: Math.floor(rand() * 7) }, () => {
      const [source, medium] = pick(SOURCES);
      return { time: ts - Math.floor(rand() * 35 * DAY_MS), source, medium, campaign: pick(CAMPAIGNS), content: null, term: null, view: rand() < 0.1 };
    });
    const purchase = rand() < 0.8;
    insert.run(
      SITE,
      DAY,
      ts,
      ts,
      purchase ? "purchase" : "signup",
      visitor,
      null,
      null,
      null,
      null,
      purchase ? Math.round(rand() * 20000) / 100 : null,
      purchase ? (rand() < 0.9 ? "EUR" : "USD") : null,
      touches.length ? JSON.stringify(touches) : null,
    );
  }
  db.exec("COMMIT");
  db.close();
  return (performance.now() - t0) / 1000;
}

/** Last-click conversion counts per touch in one plain SQL statement: the floor. */
const FLOOR_SQL = `
WITH conv AS (
  SELECT rowid AS id, ts, journey, touch_kind, source, medium, campaign FROM events
  WHERE site = ?1 AND day = ?2 AND name IN ('purchase', 'signup')
),
last AS (
  SELECT c.id, j.value ->> 'source' AS source, j.value ->> 'medium' AS medium, j.value ->> 'campaign' AS campaign, MAX(j.value ->> 'time') AS t
  FROM conv c, json_each(c.journey) j WHERE j.value ->> 'time' <= c.ts GROUP BY c.id
)
SELECT source, medium, campaign, COUNT(*) AS conversions FROM (
  SELECT source, medium, campaign FROM last
  UNION ALL
  SELECT 'direct', '(none)', '(none)' FROM conv WHERE id NOT IN (SELECT id FROM last)
) GROUP BY 1, 2, 3`;

/** A D1Database look-alike over node:sqlite, enough to time the rollup's own statements. */
function d1Over(db) {
  return {
    prepare(sql) {
      const st = db.prepare(sql);
      const bound = (args) => ({
        all: async () => ({ results: st.all(...args) }),
        first: async () => st.get(...args) ?? null,
      });
      return { bind: (...args) => bound(args), ...bound([]) };
    },
  };
}

/** Times plain SQLite (the floor) and the rollup's heaviest statements, run in Node on the same file. */
async function sqliteTimings(file, rollupSql) {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(file, { readOnly: true });
  const time = async (f) => {
    const t0 = performance.now();
    await f();
    return (performance.now() - t0) / 1000;
  };
  const upto = Number(db.prepare(`SELECT MAX(rowid) AS m FROM events WHERE site = ? AND day = ?`).get(SITE, DAY).m);
  const d1 = d1Over(db);
  const out = {
    floor: await time(() => db.prepare(FLOOR_SQL).all(SITE, DAY)),
    visitors: await time(() => rollupSql.dayVisitors(d1, SITE, DAY, upto)),
    funnel: await time(() => rollupSql.funnelCounts(d1, SITE, DAY, upto, ["pageview", "signup", "purchase"])),
    page: await time(() => rollupSql.conversionPage(d1, SITE, DAY, 0, upto, ["purchase", "signup"], 5000)),
  };
  db.close();
  return out;
}

async function rollupOnce(url) {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/admin/rollup`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ site: SITE, from: DAY, to: DAY }),
  });
  const body = await res.json();
  if (!res.ok || body.incomplete) throw new Error(`rollup failed: ${res.status} ${JSON.stringify(body)}`);
  return { seconds: (performance.now() - t0) / 1000, ...body };
}

async function benchSize(n, rollupSql) {
  const dir = path.join(ROOT, "bench", ".data", `rollup-${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await migrate(dir);
  const file = d1File(dir);
  const seedSeconds = await seed(file, n);
  const sql = await sqliteTimings(file, rollupSql);
  const dev = await startDev({ persistTo: dir, vars: { ADMIN_TOKEN: TOKEN }, logFile: path.join(dir, "wrangler.log") });
  try {
    // Warm-up: the first request pays for starting the isolate; an empty day costs nothing else.
    await fetch(`${dev.url}/v1/admin/rollup`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ site: SITE, from: WARM_DAY, to: WARM_DAY }),
    }).then((r) => r.arrayBuffer());
    // Three timed runs (each recomputes the whole day from scratch); the best is the figure, the
    // others show the noise of a shared machine.
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await rollupOnce(dev.url));
    const best = Math.min(...runs.map((r) => r.seconds));
    return { n, seedSeconds, sql, runs, best };
  } finally {
    await dev.stop();
    if (process.env.BENCH_KEEP !== "1") rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  // The rollup's own SQL module, bundled for Node, so the statement timings are of the real statements.
  const outfile = path.join(ROOT, "bench", ".data", "rollup-sql.mjs");
  await build({ entryPoints: [path.join(ROOT, "src", "db", "rollup.ts")], bundle: true, format: "esm", platform: "neutral", outfile, logLevel: "silent" });
  const rollupSql = await import(outfile);

  console.log(`rollup benchmark: one site-day (${DAY}), 90% pageviews / 10% conversions with 0–6 touches, ${SOURCES.length * CAMPAIGNS.length} campaign touches`);
  const results = [];
  for (const n of SIZES) {
    const r = await benchSize(n, rollupSql);
    results.push(r);
    console.log(
      `${fmt(n).padStart(9)} events: rollup ${fmt(r.best, 2)} s (runs ${r.runs.map((x) => fmt(x.seconds, 2)).join(" / ")} s) = ${fmt(n / r.best)} events/s; ` +
        `${fmt(r.runs[0].atoms)} atoms; seed ${fmt(r.seedSeconds, 1)} s`,
    );
    console.log(
      `${" ".repeat(16)}plain SQLite last-click floor ${fmt(r.sql.floor, 2)} s → rollup / floor = ${fmt(r.best / r.sql.floor, 1)}×; ` +
        `heaviest statements (node:sqlite): visitors ${fmt(r.sql.visitors, 2)} s, funnel ${fmt(r.sql.funnel, 2)} s, one 5,000-row page ${fmt(r.sql.page, 3)} s`,
    );
  }
  const small = results.find((r) => r.n === 100_000);
  const large = results.find((r) => r.n === 1_000_000);
  if (small && large) {
    console.log(`scaling: 1M time / (10 × 100k time) = ${fmt(large.best / (10 * small.best), 2)} (goal ≤ 1.2)`);
  }
  rmSync(outfile, { force: true });
}

await main();
