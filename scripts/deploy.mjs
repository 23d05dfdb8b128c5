#!/usr/bin/env node
// `npm run deploy` — one step from a fresh Cloudflare account to a running collector:
//   1. the queues wrangler.toml names exist (created when missing),
//   2. the D1 database exists (created when missing; found by name, so wrangler.toml needs no id),
//   3. the migrations are applied to it (before the code that needs them goes live),
//   4. wrangler deploy.
// `--free` deploys the Workers Free variant (scripts/lib/deploy-config.mjs): no cpu_ms limit, the
// rollup every 5 minutes in steps of ≤ 45 queries. `--dry-run` only builds and checks (no account).
// Arguments after `--` go to `wrangler deploy`.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freeConfig, queueNames } from "./lib/deploy-config.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// wrangler needs Node ≥ 22: the node@22 dev dependency's binary, whatever Node runs this script.
const NODE = existsSync(path.join(ROOT, "node_modules", ".bin", "node")) ? path.join(ROOT, "node_modules", ".bin", "node") : process.execPath;
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const argv = process.argv.slice(2);
const passThrough = argv.includes("--") ? argv.slice(argv.indexOf("--") + 1) : [];
const own = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
const free = own.includes("--free");
const dryRun = own.includes("--dry-run");
for (const a of own) if (a !== "--free" && a !== "--dry-run") fail(`unknown option ${a} (use --free, --dry-run, and -- for wrangler deploy's own)`, 2);

const mainToml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
let configArgs = [];
if (free) {
  // Beside wrangler.toml, so its relative paths (main, migrations, assets) resolve the same way.
  writeFileSync(path.join(ROOT, "wrangler.free.toml"), freeConfig(mainToml));
  configArgs = ["--config", "wrangler.free.toml"];
  console.log("Workers Free: wrangler.free.toml written (no [limits], rollup every 5 minutes, 45 queries a run).");
}

function fail(message, code = 1) {
  console.error(`deploy: ${message}`);
  process.exit(code);
}

/** Runs wrangler; `quiet` captures the output (for existence checks) instead of showing it. */
function wrangler(args, { quiet = false } = {}) {
  const res = spawnSync(NODE, [WRANGLER, ...args, ...configArgs], { cwd: ROOT, stdio: quiet ? "pipe" : "inherit", encoding: "utf8" });
  if (res.error) fail(`could not run wrangler: ${res.error.message}`);
  return res.status === 0;
}

if (dryRun) {
  const ok = wrangler(["deploy", "--dry-run", "--outdir", free ? "dist-free" : "dist", ...passThrough]);
  process.exit(ok ? 0 : 1);
}

if (!wrangler(["whoami"], { quiet: true })) fail("not logged in: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN) first");

for (const queue of queueNames(mainToml)) {
  if (wrangler(["queues", "info", queue], { quiet: true })) continue;
  console.log(`Creating queue ${queue} …`);
  if (!wrangler(["queues", "create", queue])) fail(`could not create queue ${queue}`);
}

const dbName = /database_name\s*=\s*"([^"]+)"/.exec(mainToml)?.[1];
if (!dbName) fail("wrangler.toml names no D1 database_name");
if (!wrangler(["d1", "info", dbName], { quiet: true })) {
  console.log(`Creating D1 database ${dbName} …`);
  if (!wrangler(["d1", "create", dbName])) fail(`could not create D1 database ${dbName}`);
}
if (!wrangler(["d1", "migrations", "apply", "DB", "--remote"])) fail("migrations failed; nothing was deployed");
if (!wrangler(["deploy", ...passThrough])) fail("wrangler deploy failed (the migrations above are applied; they only add)");

console.log(`
Deployed. If this is the first deploy, set the admin token (≥ 32 characters) and create a site:
  openssl rand -hex 32 | npx wrangler secret put ADMIN_TOKEN${free ? " --config wrangler.free.toml" : ""}
  EDGETALLY_URL=https://<your worker> ADMIN_TOKEN=<that token> npm run admin -- site create shop --domain shop.example`);
