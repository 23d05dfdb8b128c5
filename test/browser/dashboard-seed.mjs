// A shop's last 60 days for the dashboard's browser tests, screenshots and `node
// test/browser/dashboard-seed.mjs <origin> <persist-dir> <admin-token>`: a site created through the
// admin API, spend through POST /v1/spend, and the daily atoms and funnel days written straight
// into the local D1 the way the rollup writes them (every touch under every goal and model, with
// the same visitors; credit per model). Browser hits can only ever be "today" (the visitor salt of
// a past day is gone), so a history of weeks has to be written as the rollup's output; the
// dashboard reads it through the API exactly as it reads rolled-up traffic.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" };

const MODELS = ["last_click", "first_click", "linear", "time_decay", "position_based", "last_non_direct"];

// Daily visitors, purchase rate, signup rate, and how the other models move credit relative to
// last click (a share of the touch's purchases added or taken away): upper-funnel social gains under
// first click, brand search loses.
export const TOUCHES = [
  { source: "google", medium: "cpc", campaign: "brand", visitors: 520, buy: 0.05, sign: 0.04, shift: -0.35, cost: 118, platform: 1.15 },
  { source: "google", medium: "cpc", campaign: "generic-sneakers", visitors: 300, buy: 0.028, sign: 0.03, shift: 0.1, cost: 152, platform: 1.3 },
  { source: "instagram", medium: "social", campaign: "spring", visitors: 380, buy: 0.024, sign: 0.05, shift: 0.6, cost: 88, platform: 1.45 },
  { source: "facebook", medium: "social", campaign: "retargeting", visitors: 200, buy: 0.045, sign: 0.03, shift: -0.1, cost: 54, platform: 1.25 },
  { source: "newsletter", medium: "email", campaign: "november", visitors: 150, buy: 0.06, sign: 0.04, shift: -0.2 },
  { source: "google", medium: "organic", campaign: "(none)", visitors: 350, buy: 0.02, sign: 0.03, shift: 0.15 },
  { source: "direct", medium: "(none)", campaign: "(none)", visitors: 270, buy: 0.03, sign: 0.03, shift: -0.3 },
  // Small: under k on most days, pooled into (other).
  { source: "tiktok", medium: "social", campaign: "launch", visitors: 3, buy: 0.1, sign: 0.1, shift: 0.5, cost: 6, platform: 2 },
  { source: "blog.example", medium: "referral", campaign: "(none)", visitors: 2, buy: 0.1, sign: 0.1, shift: 0 },
];

let seed = 20261202;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const pad = (n) => String(n).padStart(2, "0");
/** YYYY-MM-DD `n` days from `day` (UTC calendar). */
export function addDays(day, n) {
  const d = new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}
const q = (s) => `'${String(s).replace(/'/g, "''")}'`;

async function post(url, token, body) {
  const res = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/**
 * Creates site `id` (timezone UTC, currency EUR, k as given) and writes `days` days ending `today`
 * (the browser's calendar day; the site is in UTC, so run this where both agree or pass `today`).
 * Returns the created site with its keys.
 */
export async function seedShop({ origin, dir, adminToken, id = "shop", k = 5, days = 60, today = new Date().toISOString().slice(0, 10) }) {
  const site = await post(`${origin}/v1/admin/sites`, adminToken, {
    id,
    domains: ["shop.example", "localhost"],
    currency: "EUR",
    privacy: { k },
    goals: [{ name: "purchase", tier: "macro" }, { name: "signup", tier: "micro" }],
    funnels: [{ name: "checkout", steps: ["pageview", "signup", "purchase"] }],
  });
  seed = 20261202;
  const atoms = [];
  const funnel = [];
  const spend = [];
  for (let i = days - 1; i >= 0; i--) {
    const day = addDays(today, -i);
    const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
    const weekly = dow === 0 || dow === 6 ? 0.8 : 1.05;
    const trend = 0.85 + 0.3 * ((days - i) / days);
    let allVisitors = 0;
    let allSignups = 0;
    let allBuys = 0;
    for (const t of TOUCHES) {
      const visitors = Math.max(0, Math.round(t.visitors * weekly * trend * (0.8 + 0.4 * rand())));
      const buys = Math.round(visitors * t.buy * (0.6 + 0.8 * rand()));
      const signs = Math.round(visitors * t.sign * (0.6 + 0.8 * rand()));
      const aov = 52 + 20 * rand();
      allVisitors += visitors;
      allSignups += signs;
      allBuys += buys;
      for (const [goal, n] of [["(macro)", buys], ["purchase", buys], ["signup", signs]]) {
        MODELS.forEach((model, m) => {
          // last_click and last_non_direct credit alike but for direct; the others move a share.
          const factor = model === "last_click" ? 0 : model === "last_non_direct" ? (t.source === "direct" ? -0.6 : 0.1) : t.shift * [0, 1, 0.5, 0.3, 0.6][m];
          const credit = Math.max(0, Math.round(n * (1 + factor) * 100) / 100);
          const conversions = Math.ceil(credit);
          const revenue = goal === "signup" ? 0 : Math.round(credit * aov * 100) / 100;
          atoms.push(
            `(${[q(id), q(day), q(goal), q(model), q(t.source), q(t.medium), q(t.campaign), 0, visitors, conversions, credit, revenue, q(revenue ? JSON.stringify({ EUR: revenue }) : "{}")].join(",")})`,
          );
        });
      }
      if (t.cost) spend.push({ day, source: t.source, medium: t.medium, campaign: t.campaign, cost: Math.round(t.cost * (0.8 + 0.4 * rand()) * 100) / 100, currency: "EUR", platform_conversions: Math.round(buys * t.platform) });
    }
    funnel.push(`(${q(id)},${q(day)},'checkout',0,${allVisitors})`, `(${q(id)},${q(day)},'checkout',1,${allSignups})`, `(${q(id)},${q(day)},'checkout',2,${Math.min(allSignups, Math.round(allBuys * 0.7))})`);
  }
  const cols = "site,day,goal,model,source,medium,campaign,clicks,visitors,conversions,credit,revenue,revenue_by_currency";
  let sql = "";
  for (let i = 0; i < atoms.length; i += 400) sql += `INSERT INTO atoms (${cols}) VALUES ${atoms.slice(i, i + 400).join(",")};\n`;
  sql += `INSERT INTO funnel_days (site,day,funnel,step,visitors) VALUES ${funnel.join(",")};\n`;
  const tmp = await mkdtemp(path.join(os.tmpdir(), "edgetally-seed-"));
  try {
    const file = path.join(tmp, "seed.sql");
    await writeFile(file, sql);
    await run(path.join(ROOT, "node_modules/.bin/wrangler"), ["d1", "execute", "DB", "--local", "--persist-to", dir, "--file", file], { cwd: ROOT, env: ENV, maxBuffer: 16 * 1024 * 1024 });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  for (let i = 0; i < spend.length; i += 200) {
    const r = await post(`${origin}/v1/spend`, site.ingest_key, spend.slice(i, i + 200));
    if (r.rejected?.length) throw new Error(`spend rejected: ${JSON.stringify(r.rejected)}`);
  }
  return site;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [origin, dir, token, id = "shop"] = process.argv.slice(2);
  const site = await seedShop({ origin, dir, adminToken: token, id });
  console.log(`${origin}/dashboard#site=${site.id}&key=${site.read_key}`);
}
