// markHierarchy benchmark (npm run bench:hierarchy): the cost of marking a site's month of atoms
// with privacy/hierarchy.ts markHierarchy (privacy.period "auto" and "day"), on synthetic atoms
// shaped like the rollup's: every touch in all 12 views ((macro) and one goal × 6 models), 5,000
// touches a day (the touch cap, limits.touches_per_day) of which most are one-visitor junk, plus
// recurring campaigns with contents and terms. Prints seconds per size and the time against the
// smallest size scaled linearly (1.0 = linear). A benchmark prints; it never asserts.
//
//   npm run bench:hierarchy                         1, 7 and 30 days of 5,000 touches
//   BENCH_DAYS=1,3 BENCH_TOUCHES=1000 npm run bench:hierarchy
//   BENCH_BEFORE=/tmp/old-src npm run bench:hierarchy   also time another copy of src/ (same run)
import path from "node:path";
import { build } from "esbuild";
import { ROOT } from "./lib.mjs";

const DAYS = (process.env.BENCH_DAYS ?? "1,7,30").split(",").map(Number);
const TOUCHES = Number(process.env.BENCH_TOUCHES ?? 5000);
const PERIODS = (process.env.BENCH_PERIODS ?? "auto,day").split(",");
const MODELS = ["last_click", "first_click", "linear", "time_decay", "position_based", "last_non_direct"];
const GOALS = ["(macro)", "purchase"];

/** Deterministic PRNG (mulberry32), so every run marks the same atoms. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function load(src) {
  const out = await build({ entryPoints: [path.join(src, "privacy/hierarchy.ts")], bundle: true, write: false, format: "esm", platform: "node" });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);
}

/** `days` days of July 2026: 60 recurring campaigns (3 contents × 3 terms) and junk to `TOUCHES`. */
function world(days) {
  const r = rng(7);
  const leaves = [];
  for (let d = 1; d <= days; d++) {
    const day = `2026-07-${String(d).padStart(2, "0")}`;
    const cells = [];
    for (let c = 0; c < 60; c++) {
      for (let ct = 0; ct < 3; ct++)
        for (let tm = 0; tm < 3; tm++) {
          const visitors = Math.floor(r() * (c < 10 ? 40 : 6));
          if (visitors === 0) continue;
          cells.push({ source: `src${c % 12}`, medium: "cpc", campaign: `camp-${c}`, content: `ad-${ct}`, term: `kw-${tm}`, clicks: visitors + 1, visitors, conv: Math.floor(r() * r() * visitors * 0.3) });
        }
    }
    for (let j = cells.length; j < TOUCHES; j++) cells.push({ source: "spam", medium: "cpc", campaign: `junk-${d}-${j}`, content: "(none)", term: "(none)", clicks: 1, visitors: 1, conv: 0 });
    for (const c of cells)
      for (const goal of GOALS)
        for (const model of MODELS) {
          const conversions = model === "linear" || goal === "(macro)" ? c.conv : Math.max(0, c.conv - (model.length % 2));
          leaves.push({ day, source: c.source, medium: c.medium, campaign: c.campaign, content: c.content, term: c.term, goal, model, clicks: c.clicks, visitors: c.visitors, conversions, credit: conversions, revenue: conversions * 30, revenue_by_currency: conversions ? { EUR: conversions * 30 } : {} });
        }
  }
  return leaves;
}

const options = (period, asOf) => ({ k: 10, period, traffic: { goal: "(macro)", model: "last_click" }, asOf, shapeViews: (v) => v.goal === "(macro)" });

const engines = [["now", await load(path.join(ROOT, "src"))]];
if (process.env.BENCH_BEFORE) engines.push(["before", await load(process.env.BENCH_BEFORE)]);
const base = {};
for (const days of DAYS) {
  const leaves = world(days);
  const asOf = leaves[leaves.length - 1].day;
  for (const period of PERIODS) {
    for (const [name, engine] of engines) {
      const started = performance.now();
      const marks = engine.markHierarchy(leaves, options(period, asOf));
      const seconds = (performance.now() - started) / 1000;
      const key = `${name}/${period}`;
      base[key] ??= { days, seconds };
      const linear = seconds / ((base[key].seconds * days) / base[key].days);
      const alone = marks.filter((m) => m.release === 1).length;
      console.log(JSON.stringify({ engine: name, period, days, atoms: leaves.length, seconds: +seconds.toFixed(3), vs_linear: +linear.toFixed(2), alone }));
    }
  }
}
