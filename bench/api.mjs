// npm run bench:api — latency of /v1/stats over a year of a large account, relative to a trivial
// JSON route on the same runtime.
//
//   1. migrations into a temp --persist-to dir; `wrangler dev`; a site through the admin API
//   2. with wrangler stopped: 365 days × 1,000 campaigns × 5 contents of atoms (goal "(macro)", model
//      last_click; BENCH_MODELS=3 adds first_click and linear; BENCH_CONTENTS=1 gives campaign
//      atoms only, as before contents) written straight into the local
//      D1's SQLite file with node:sqlite, in one transaction
//      and a rollup_days row per day without release marks (as days rolled before migration 0003)
//   3. `wrangler dev --test-scheduled` again; per query: warm-up, then up to BENCH_SAMPLES
//      sequential requests (or BENCH_QUERY_SECONDS), p50 and p99, and their ratio to the trivial
//      route's — first with every day released in the Worker, then after the cron (/__scheduled)
//      has marked the release of every day, so the API sums them in SQL (docs/PRIVACY.md), first
//      from atoms only (the month sums deleted), then after the next cron run rebuilt them
//      (docs/SCALING.md "Month sums"); prints the year / 30-day and year / trivial-route ratios
//
// It prints; it asserts nothing. The machine it runs on may be shared: say so next to the figures.
import path from "node:path";
import { cleanUp, d1File, fmt, migrate, percentile, startDev, tableBytes, tempDir } from "./lib.mjs";

const DAYS = 365;
const CAMPAIGNS = 1000;
const CONTENTS = Math.max(1, Number(process.env.BENCH_CONTENTS ?? 5));
const MODELS = ["last_click", "first_click", "linear"].slice(0, Math.max(1, Math.min(3, Number(process.env.BENCH_MODELS ?? 1))));
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 100);
const QUERY_SECONDS = Number(process.env.BENCH_QUERY_SECONDS ?? 30);
const ADMIN = "bench-admin-token-0123456789abcdef-0123";
const SITE = "bigshop";

const SOURCES = [
  ["google", "cpc"], ["google", "organic"], ["facebook", "social"], ["instagram", "social"], ["bing", "cpc"],
  ["newsletter", "email"], ["tiktok", "social"], ["linkedin", "social"], ["partner-blog", "referral"], ["x", "social"],
];

/** Deterministic PRNG (mulberry32): the same data on every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function utcDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

async function loadAtoms(file, days) {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(file);
  const before = await tableBytes(file, ["atoms"]);
  const insert = db.prepare(
    `INSERT INTO atoms (site, day, source, medium, campaign, content, goal, model, clicks, visitors, conversions, credit, revenue, revenue_by_currency)
     VALUES (?, ?, ?, ?, ?, ?, '(macro)', ?, ?, ?, ?, ?, ?, ?)`,
  );
  const rand = prng(42);
  const started = performance.now();
  db.exec("BEGIN");
  let rows = 0;
  for (let c = 0; c < CAMPAIGNS; c++) {
    const [source, medium] = SOURCES[c % SOURCES.length];
    const campaign = `campaign-${String(c).padStart(4, "0")}`;
    // A few big campaigns, a long tail of small ones (many under k, so pooling has work to do).
    const scale = c < 20 ? 400 : c < 200 ? 40 : 6;
    for (const day of days) {
      // Each content (ad) a share of the campaign's traffic: the first ones large, the last small.
      for (let j = 0; j < CONTENTS; j++) {
        const content = CONTENTS === 1 ? "(none)" : `ad-${j + 1}`;
        const visitors = Math.floor((rand() * scale * 2) / (j + 2));
        const clicks = rand() < 0.3 ? Math.floor(visitors * 1.2) : 0;
        const conversions = Math.floor(visitors * 0.03 + rand());
        for (const model of MODELS) {
          const credit = model === "linear" ? conversions * 0.7 : conversions;
          const revenue = Math.round(credit * 4990) / 100;
          insert.run(SITE, day, source, medium, campaign, content, model, clicks, visitors, conversions, credit, revenue, JSON.stringify({ USD: revenue }));
          rows++;
        }
      }
    }
  }
  // Rolled, but not yet marked (release_k NULL): the API releases these days in the Worker until the cron marks them.
  // Rolled now, after every day ended, so the cron's planner sees nothing to re-roll (a re-roll would find no events).
  const rolled = db.prepare(`INSERT INTO rollup_days (site, day, status, cursor, events, started_at, updated_at, release_k) VALUES (?, ?, 'done', 0, 0, ?, ?, NULL)`);
  const now = Date.now();
  for (const day of days) rolled.run(SITE, day, now, now);
  db.exec("COMMIT");
  db.close();
  const after = await tableBytes(file, ["atoms"]);
  return { rows, ms: performance.now() - started, bytes: after.atoms.bytes - before.atoms.bytes, usedPerRow: after.atoms.usedPerRow };
}

/**
 * The SQL floor of the in-Worker release (days not marked yet): reading the asked view's and the
 * traffic reference's atoms (two rows per atom here, where the view is the reference), run by
 * node:sqlite on the same file — what is left of such a request's time is D1's transport and the
 * Worker's own work (release, grouping, JSON). Marked days are summed in SQL and read no such rows.
 */
async function sqlFloor(file, from, to) {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(file, { readOnly: true });
  const view = db.prepare(
    `SELECT day, source, medium, campaign, goal, clicks, visitors, conversions, credit, revenue, revenue_by_currency
     FROM atoms WHERE site = ? AND day BETWEEN ? AND ? AND goal = '(macro)' AND model = 'last_click'`,
  );
  const traffic = db.prepare(`SELECT day, source, medium, campaign, clicks, visitors FROM atoms WHERE site = ? AND day BETWEEN ? AND ? AND goal = '(macro)' AND model = 'last_click'`);
  const times = [];
  let rows = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    rows = view.all(SITE, from, to).length + traffic.all(SITE, from, to).length;
    times.push(performance.now() - t0);
  }
  db.close();
  return { rows, p50: percentile(times, 50) };
}

/** Days of the site whose atoms carry release marks (read-only, beside the running wrangler). */
async function markedDays(file) {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(file, { readOnly: true });
  const { n } = db.prepare(`SELECT COUNT(*) AS n FROM rollup_days WHERE site = ? AND day <= ? AND release_k IS NOT NULL`).get(SITE, utcDay(Date.now() - 86_400_000));
  db.close();
  return n;
}

/** Months with sums built (month_sums_state rows) of the site. */
async function summedMonths(file) {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(file, { readOnly: true });
  const { n } = db.prepare(`SELECT COUNT(*) AS n FROM month_sums_state WHERE site = ?`).get(SITE);
  db.close();
  return Number(n);
}

/** Deletes the site's month sums' state (beside the running wrangler): reads then use atoms only. */
async function dropSums(file) {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(file, { timeout: 10_000 });
  db.prepare(`DELETE FROM month_sums_state WHERE site = ?`).run(SITE);
  db.close();
}

async function measure(url, headers, WARMUP = 3) {
  const times = [];
  let status = 0;
  let bytes = 0;
  for (let i = 0; i < WARMUP; i++) await (await fetch(url, { headers })).arrayBuffer();
  const until = performance.now() + QUERY_SECONDS * 1000;
  while (times.length < SAMPLES && performance.now() < until) {
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    const body = await res.arrayBuffer();
    times.push(performance.now() - t0);
    status = res.status;
    bytes = body.byteLength;
  }
  return { n: times.length, p50: percentile(times, 50), p99: percentile(times, 99), status, bytes };
}

async function main() {
  const work = tempDir("api");
  const persist = path.join(work, "state");
  console.log(`edgetally API benchmark — ${DAYS} days × ${CAMPAIGNS} campaigns × ${CONTENTS} content(s) × ${MODELS.length} model(s) of atoms (work dir ${work})`);
  await migrate(persist);

  let dev = await startDev({ persistTo: persist, vars: { ADMIN_TOKEN: ADMIN }, logFile: path.join(work, "dev1.log") });
  let readKey;
  try {
    const res = await fetch(`${dev.url}/v1/admin/sites`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ id: SITE, domains: ["bigshop.example"], goals: [{ name: "purchase" }] }),
    });
    if (res.status !== 201) throw new Error(`creating the site failed: ${res.status} ${await res.text()}`);
    readKey = (await res.json()).read_key;
  } finally {
    await dev.stop();
  }

  const to = utcDay(Date.now() - 86_400_000);
  const days = Array.from({ length: DAYS }, (_, i) => utcDay(Date.parse(`${to}T00:00:00Z`) - (DAYS - 1 - i) * 86_400_000));
  const from365 = days[0];
  const from30 = days[DAYS - 30];
  const file = d1File(persist);
  const loaded = await loadAtoms(file, days);
  console.log(`loaded ${fmt(loaded.rows)} atoms in ${fmt(loaded.ms / 1000, 1)} s; they take ${fmt(loaded.bytes)} bytes with the primary key → ${fmt(loaded.bytes / loaded.rows, 1)} bytes/atom allocated, ${fmt(loaded.usedPerRow, 1)} used`);

  // BENCH_FLOOR=0 skips the floor (minutes for a year of contents).
  for (const [label, from] of process.env.BENCH_FLOOR === "0" ? [] : [["30 days", from30], ["365 days", from365]]) {
    const floor = await sqlFloor(file, from, to);
    console.log(`SQL floor of the in-Worker release, ${label}: reading the view and the traffic reference (${fmt(floor.rows)} rows) takes ${fmt(floor.p50, 1)} ms in node:sqlite on the same file`);
  }

  dev = await startDev({ persistTo: persist, vars: { ADMIN_TOKEN: ADMIN }, logFile: path.join(work, "dev2.log"), extraArgs: ["--test-scheduled"] });
  try {
    const auth = { authorization: `Bearer ${readKey}` };
    const q = (params) => `${dev.url}/v1/stats?site=${SITE}&model=last_click&${params}`;
    // The trivial route warms up longer: its figure is the denominator of every ratio.
    const baseline = await measure(`${dev.url}/no-such-route`, {}, 30);
    const openapi = await measure(`${dev.url}/openapi.json`, {});
    const cases = [
      ["group=campaign, 30 days", q(`from=${from30}&to=${to}&group=campaign`)],
      ["group=campaign, 365 days", q(`from=${from365}&to=${to}&group=campaign`)],
      ["group=day, 365 days", q(`from=${from365}&to=${to}&group=day`)],
      ["group=source, 365 days", q(`from=${from365}&to=${to}&group=source`)],
      ["group=campaign, 30 days, CSV", q(`from=${from30}&to=${to}&group=campaign&format=csv`)],
    ];
    const line = (name, m) =>
      `${name.padEnd(34)} ${String(m.status).padStart(3)} ${fmt(m.bytes).padStart(10)} B  n=${String(m.n).padStart(3)}  p50 ${fmt(m.p50, 2).padStart(8)} ms  p99 ${fmt(m.p99, 2).padStart(8)} ms`;
    console.log(`\n${"query".padEnd(34)} status     bytes       samples     latency`);
    console.log(`${line("baseline: unknown path (404 JSON)", baseline)}`);
    console.log(`${line("/openapi.json", openapi)}`);
    const run = async (list) => {
      const bodies = [];
      run.last = {};
      for (const [name, url] of list) {
        const m = await measure(url, auth);
        run.last[name] = m;
        console.log(`${line(name, m)}  ×${fmt(m.p50 / baseline.p50, 1)} p50, ×${fmt(m.p99 / baseline.p99, 1)} p99 of baseline`);
        if (m.status !== 200) console.log(`  NOTE: answered ${m.status}, not 200 — the figure measures the error path`);
        bodies.push(await (await fetch(url, { headers: auth })).text());
      }
      return bodies;
    };
    // Before the cron: every day released in the Worker (the slow path; BENCH_SLOW=0 skips the year queries).
    const slowCases = process.env.BENCH_SLOW === "0" ? cases.slice(0, 1) : cases.slice(0, 2);
    console.log(`-- days not marked yet: released in the Worker (${fmt(await markedDays(file))} of ${DAYS} days marked)`);
    const slow = await run(slowCases);
    let marked = 0;
    let runs = 0;
    const t0 = performance.now();
    while ((marked = await markedDays(file)) < DAYS && runs < 40) {
      runs++;
      const res = await fetch(`${dev.url}/__scheduled?cron=${encodeURIComponent("7 * * * *")}`);
      await res.arrayBuffer();
    }
    console.log(`-- the cron marked ${fmt(marked)} of ${DAYS} days in ${runs} scheduled run(s), ${fmt((performance.now() - t0) / 1000, 1)} s: released at rollup time, summed in SQL`);
    // The cron rebuilt the month sums after marking; drop them to time the atoms-only read first.
    await dropSums(file);
    console.log(`-- month sums dropped: every marked day read from its atoms`);
    const fast = await run(cases);
    slow.forEach((body, i) => {
      if (body !== fast[i]) console.log(`  NOTE: "${slowCases[i][0]}" answered differently before and after the marks`);
    });
    const fastTimes = run.last;
    let sumRuns = 0;
    const t1 = performance.now();
    const months = new Set(days.map((d) => d.slice(0, 7))).size;
    while ((await summedMonths(file)) < months && sumRuns < 10) {
      sumRuns++;
      await (await fetch(`${dev.url}/__scheduled?cron=${encodeURIComponent("7 * * * *")}`)).arrayBuffer();
    }
    const sums = await tableBytes(file, ["month_sums", "atoms"]);
    console.log(
      `-- the cron rebuilt the sums of ${fmt(await summedMonths(file))} months in ${sumRuns} run(s), ${fmt((performance.now() - t1) / 1000, 1)} s: ` +
        `${fmt(sums.month_sums.rows)} rows, ${fmt(sums.month_sums.bytes)} bytes (${fmt(sums.month_sums.perRow, 1)} bytes/row) beside ${fmt(sums.atoms.rows)} atoms in ${fmt(sums.atoms.bytes)} bytes`,
    );
    const summed = await run(cases);
    fast.forEach((body, i) => {
      if (body !== summed[i]) console.log(`  NOTE: "${cases[i][0]}" answered differently from the month sums than from the atoms`);
    });
    const summedTimes = run.last;
    const again = await measure(`${dev.url}/no-such-route`, {});
    console.log(`${line("baseline again, after the queries", again)}`);
    // Issue 10 item 6's goals: a year ≤ 3× the 30-day range, and ≤ 30× the trivial route (p50).
    const month = summedTimes["group=campaign, 30 days"].p50;
    console.log(`\nratios (p50), group=campaign:            atoms only   with month sums   goal`);
    for (const name of ["group=campaign, 365 days", "group=day, 365 days", "group=source, 365 days"]) {
      const a = fastTimes[name].p50;
      const b = summedTimes[name].p50;
      console.log(`  ${name.padEnd(26)} / 30 days   ${fmt(a / fastTimes["group=campaign, 30 days"].p50, 2).padStart(8)}   ${fmt(b / month, 2).padStart(15)}   ≤ 3`);
      console.log(`  ${name.padEnd(26)} / trivial   ${fmt(a / baseline.p50, 1).padStart(8)}   ${fmt(b / baseline.p50, 1).padStart(15)}   ≤ 30`);
    }
    console.log(`\n(ranges ${from30}…${to} and ${from365}…${to}; ratios are to the first baseline; the machine may be shared, so compare ratios, not milliseconds)`);
  } finally {
    await dev.stop();
  }
  cleanUp(work);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
