// npm run bench:ingest — how fast the collector answers the pixel, relative to a Worker that does
// nothing (bench/noop) on the same runtime, and whether every accepted hit reaches D1.
//
//   1. migrations into a temp --persist-to dir, `wrangler dev` of the collector and of bench/noop
//   2. a site, then R rounds of wrk (noop, pixel, noop, pixel, …) with bench/pixel.lua
//   3. pixel hits/s, no-op hits/s, ratio (goal ≥ 0.9)
//   4. the queue drained: events stored vs pixel hits answered
//   5. sizes: the minified Worker bundle and the tracker, raw and gzipped; the Worker's start-up
//      as `wrangler check startup` profiles it (the measure that matters for cold starts, now that
//      /t.js, /openapi.json and the dashboard are static assets outside the bundle)
//
// Knobs (env): BENCH_ROUNDS (3), BENCH_SECONDS (10), BENCH_LOADS ("1x16,2x32": wrk threads × connections,
// each load level measured on its own — the ratio at the heavier level is where the write path shows).
// It prints; it asserts nothing. The machine it runs on may be shared: say so next to the figures.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { cleanUp, d1File, d1Query, fmt, migrate, ROOT, run, sleep, startDev, tableBytes, tempDir, wrangler } from "./lib.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const LOADS = (process.env.BENCH_LOADS ?? "1x16,2x32").split(",").map((l) => {
  const [t, c] = l.split("x").map(Number);
  if (!Number.isInteger(t) || !Number.isInteger(c) || t < 1 || c < t) throw new Error(`BENCH_LOADS: "${l}" is not THREADSxCONNECTIONS`);
  return { threads: t, connections: c };
});
const ADMIN = "bench-admin-token-0123456789abcdef-0123";
const SITE = "bench";
const DOMAIN = "bench.example";

function ensureWrk() {
  try {
    execFileSync("sh", ["-c", "command -v wrk"], { stdio: "ignore" });
  } catch {
    console.log("wrk is missing: apt-get install -y wrk");
    execFileSync("sh", ["-c", "apt-get install -y wrk || (apt-get update && apt-get install -y wrk)"], { stdio: "inherit" });
  }
}

async function wrk(url, label, site = SITE, mode = "", load = LOADS[0]) {
  const res = await run("wrk", [`-t${load.threads}`, `-c${load.connections}`, `-d${SECONDS}s`, "--latency", "-s", path.join(ROOT, "bench", "pixel.lua"), url, "--", site, DOMAIN, label, mode]);
  const line = res.stdout.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  if (!line) throw new Error(`wrk printed no summary:\n${res.stdout}\n${res.stderr}`);
  const s = JSON.parse(line.slice("BENCH_JSON ".length));
  return { ...s, rps: s.requests / (s.duration_us / 1e6) };
}

/** The pixel's own bytes and headers (for an unknown site, so the probe stores nothing), so the no-op answers exactly the same thing. */
async function pixelAnswer(base) {
  const res = await fetch(`${base}/p.gif?s=bench-probe&u=${encodeURIComponent(`https://${DOMAIN}/`)}`, { headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0" } });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const headers = {};
  for (const [k, v] of res.headers) if (!["date", "content-length", "content-encoding", "connection", "keep-alive", "transfer-encoding"].includes(k)) headers[k] = v;
  return { status: res.status, bytes, headers };
}

async function countStored(persist) {
  const [events] = await d1Query(persist, `SELECT COUNT(*) AS n FROM events WHERE site IN ('${SITE}', '${SITE}-limited') AND via = 'pixel'`);
  const [dead] = await d1Query(persist, "SELECT COUNT(*) AS n FROM dead_letters");
  return { events: events?.n ?? 0, dead: dead?.n ?? 0 };
}

function dirBytes(dir) {
  let total = 0;
  for (const f of readdirSync(dir, { recursive: true })) {
    const p = path.join(dir, String(f));
    if (statSync(p).isFile()) total += statSync(p).size;
  }
  return total;
}

async function bundleSize() {
  const out = tempDir("bundle");
  await wrangler(["deploy", "--dry-run", "--minify", "--outdir", out]);
  const files = readdirSync(out).filter((f) => f.endsWith(".js") || f.endsWith(".mjs"));
  const bytes = Buffer.concat(files.map((f) => readFileSync(path.join(out, f))));
  return { dir: out, files, minified: bytes.length, gzipped: gzipSync(bytes).length, all: dirBytes(out) };
}

/** `wrangler check startup` RUNS times: the start-up phase's active CPU (ms), median and min. */
async function startup(runs = 5) {
  const dir = tempDir("startup");
  const active = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await wrangler(["check", "startup", "--outfile", path.join(dir, "startup.cpuprofile")]);
    const m = String(stdout).match(/Active: ([\d.]+) ms/);
    if (m) active.push(Number(m[1]));
  }
  cleanUp(dir);
  active.sort((a, b) => a - b);
  return { runs: active.length, median: active[active.length >> 1], min: active[0] };
}

async function main() {
  ensureWrk();
  const work = tempDir("ingest");
  const persist = path.join(work, "state");
  console.log(`edgetally ingest benchmark — loads ${LOADS.map((l) => `wrk -t${l.threads} -c${l.connections}`).join(" and ")}, ${ROUNDS} rounds × ${SECONDS} s per Worker and load (work dir ${work})`);
  await migrate(persist);
  const collector = await startDev({ persistTo: persist, vars: { ADMIN_TOKEN: ADMIN }, logFile: path.join(work, "collector.log") });
  let noop;
  try {
    const created = await fetch(`${collector.url}/v1/admin/sites`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      // One address sends every hit here: the per-address collection limit (on by default, 600 a
      // minute) would drop nearly all of them, so the main site turns it off; `${SITE}-limited`
      // below measures what the limiter's call costs, at its highest tier.
      body: JSON.stringify({ id: SITE, domains: [DOMAIN], goals: [{ name: "purchase" }], limits: { collect_per_minute: 0 } }),
    });
    if (created.status !== 201) throw new Error(`creating the site failed: ${created.status} ${await created.text()}`);
    // The same site with the collection limit at its highest tier (30,000 a minute and address): the
    // limiter is called on every hit, and a 10-second run stays under it below 3,000 hits/s.
    const limited = await fetch(`${collector.url}/v1/admin/sites`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ id: `${SITE}-limited`, domains: [DOMAIN], goals: [{ name: "purchase" }], limits: { collect_per_minute: 30000 } }),
    });
    if (limited.status !== 201) throw new Error(`creating the limited site failed: ${limited.status} ${await limited.text()}`);

    const gif = await pixelAnswer(collector.url);
    console.log(`pixel answers ${gif.status}, ${gif.bytes.length} bytes, ${JSON.stringify(gif.headers)}`);
    if (gif.status !== 200 || gif.headers["content-type"] !== "image/gif") {
      console.log("NOTE: the pixel does not answer its GIF yet; the figures below measure whatever it answers.");
    }
    noop = await startDev({
      config: path.join(ROOT, "bench", "noop", "wrangler.toml"),
      vars: { GIF_B64: Buffer.from(gif.bytes).toString("base64"), GIF_HEADERS: JSON.stringify(gif.headers) },
      logFile: path.join(work, "noop.log"),
    });

    let pixelCompleted = 0;
    let pixelGenerated = 0;
    for (const load of LOADS) {
      console.log(`\n== load: wrk -t${load.threads} -c${load.connections} ==`);
      const rounds = [];
      for (let r = 1; r <= ROUNDS; r++) {
        // Alternate which goes first so drift on a shared machine does not favour one side.
        const order = r % 2 === 1 ? ["noop", "pixel"] : ["pixel", "noop"];
        const got = {};
        for (const which of order) {
          // The label makes event ids unique across rounds AND load levels (a repeated id is a duplicate, not stored).
          got[which] = await wrk(which === "noop" ? noop.url : collector.url, `${which}${r}-${load.threads}x${load.connections}`, SITE, "", load);
          await sleep(1000);
        }
        pixelCompleted += got.pixel.requests;
        pixelGenerated += got.pixel.generated;
        rounds.push(got);
        const ratio = got.pixel.rps / got.noop.rps;
        console.log(
          `round ${r}: pixel ${fmt(got.pixel.rps)} hits/s (p50 ${fmt(got.pixel.p50_us / 1000, 2)} ms, p99 ${fmt(got.pixel.p99_us / 1000, 2)} ms, non-2xx ${got.pixel.status_errors})` +
            ` | no-op ${fmt(got.noop.rps)} hits/s (p50 ${fmt(got.noop.p50_us / 1000, 2)} ms, p99 ${fmt(got.noop.p99_us / 1000, 2)} ms) | ratio ${fmt(ratio, 3)}`,
        );
      }
      const pixelRps = rounds.reduce((a, r) => a + r.pixel.rps, 0) / rounds.length;
      const noopRps = rounds.reduce((a, r) => a + r.noop.rps, 0) / rounds.length;
      const ratio = pixelRps / noopRps;
      console.log(`pixel:  ${fmt(pixelRps)} hits/s (mean of ${rounds.length} rounds)`);
      console.log(`no-op:  ${fmt(noopRps)} hits/s`);
      console.log(`ratio:  ${fmt(ratio, 3)} at -t${load.threads} -c${load.connections} (goal ≥ 0.9: ${ratio >= 0.9 ? "met" : "NOT met"})`);
      // On a shared machine one disturbed round can swing the mean; the median of the rounds' own ratios is steadier.
      const perRound = rounds.map((r) => r.pixel.rps / r.noop.rps).sort((a, b) => a - b);
      console.log(`median of the rounds' ratios: ${fmt(perRound[Math.floor(perRound.length / 2)], 3)} (rounds: ${perRound.map((x) => fmt(x, 3)).join(", ")})`);

      // Where the pixel's time goes: the same load on paths that stop earlier, or skip a step.
      if (process.env.BENCH_BREAKDOWN !== "0") {
        console.log("breakdown (one run each, ratio to the mean no-op):");
        const unknown = await wrk(collector.url, `unknown-${load.threads}x${load.connections}`, "no-such-site", "", load);
        console.log(`  pixel, unknown site (GIF + cached site lookup):       ${fmt(unknown.rps)} hits/s, ratio ${fmt(unknown.rps / noopRps, 3)}, p50 ${fmt(unknown.p50_us / 1000, 2)} ms`);
        const bot = await wrk(collector.url, `bot-${load.threads}x${load.connections}`, SITE, "bot", load);
        console.log(`  pixel, bot user agent (every check, then dropped):   ${fmt(bot.rps)} hits/s, ratio ${fmt(bot.rps / noopRps, 3)}, p50 ${fmt(bot.p50_us / 1000, 2)} ms`);
        console.log(`  pixel, stored (+ visitor hash, queue, consumer, D1): ${fmt(pixelRps)} hits/s, ratio ${fmt(ratio, 3)}`);
        const lim = await wrk(collector.url, `limited-${load.threads}x${load.connections}`, `${SITE}-limited`, "", load);
        pixelCompleted += lim.requests;
        pixelGenerated += lim.generated;
        console.log(`  pixel, stored + the per-address rate limiter call:   ${fmt(lim.rps)} hits/s, ratio ${fmt(lim.rps / noopRps, 3)}, p50 ${fmt(lim.p50_us / 1000, 2)} ms`);
      }
    }

    // The queue consumer writes in batches (max_batch_timeout 2 s): wait until the count settles.
    let stored = await countStored(persist);
    let stableFor = 0;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline && stored.events < pixelGenerated) {
      await sleep(3000);
      const next = await countStored(persist);
      stableFor = next.events === stored.events ? stableFor + 1 : 0;
      stored = next;
      if (stableFor >= 4) break;
    }
    const inFlight = pixelGenerated - pixelCompleted;
    console.log(
      `\nstored: ${fmt(stored.events)} pixel events in D1 for ${fmt(pixelCompleted)} pixel hits answered` +
        ` (+${fmt(inFlight)} still in flight when wrk stopped, which may or may not have been processed); dead letters: ${stored.dead}`,
    );
    const lost = pixelCompleted - stored.events;
    console.log(lost <= 0 ? "every answered hit is stored." : `MISSING: ${fmt(lost)} answered hits are not in D1.`);

    const tracker = await fetch(`${collector.url}/t.js`);
    if (tracker.status === 200) {
      const js = Buffer.from(await tracker.arrayBuffer());
      console.log(`\ntracker /t.js: ${fmt(js.length)} bytes, ${fmt(gzipSync(js).length)} bytes gzipped`);
    } else {
      console.log(`\ntracker /t.js: not served yet (${tracker.status})`);
    }
  } finally {
    await noop?.stop();
    await collector.stop();
  }
  // Storage per stored hit, from the rows the real write path produced (docs/SCALING.md).
  const sizes = await tableBytes(d1File(persist), ["events", "dedup"]);
  for (const [table, t] of Object.entries(sizes)) {
    console.log(`storage: ${table} ${fmt(t.rows)} rows, ${fmt(t.bytes)} bytes in pages with its indexes → ${fmt(t.perRow, 1)} bytes/row allocated, ${fmt(t.usedPerRow, 1)} bytes/row used`);
  }
  const b = await bundleSize();
  console.log(`worker bundle (wrangler deploy --dry-run --minify): ${fmt(b.minified)} bytes minified (${fmt(b.minified / 1024, 1)} KiB), ${fmt(b.gzipped)} bytes gzipped [${b.files.join(", ")}]`);
  const s = await startup();
  console.log(`worker start-up (wrangler check startup, ${s.runs} runs): active CPU median ${fmt(s.median, 1)} ms, min ${fmt(s.min, 1)} ms (keep it low; local CPU, not Cloudflare's)`);
  cleanUp(work);
  cleanUp(b.dir);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
