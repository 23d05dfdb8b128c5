// Shared plumbing of the benchmarks: run wrangler (Node 22 from node_modules/.bin), start and stop
// `wrangler dev` instances on free ports with their own persistence dir, query the local D1.
// Benchmarks print; they never assert timings.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(ROOT, "node_modules", ".bin");

/** The environment every child gets: Node 22 first on PATH, no wrangler telemetry. */
export function childEnv(extra = {}) {
  return { ...process.env, PATH: `${BIN}:${process.env.PATH}`, WRANGLER_SEND_METRICS: "false", ...extra };
}

/** Runs a command to completion; resolves with its exit code and output (never rejects on exit code). */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: childEnv(opts.env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Like run(), but throws with the output when the command fails. */
export async function must(cmd, args, opts = {}) {
  const res = await run(cmd, args, opts);
  if (res.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${res.code}):\n${res.stdout}\n${res.stderr}`);
  return res;
}

export const wrangler = (args, opts) => must(path.join(BIN, "wrangler"), args, opts);

/** A fresh temp dir for one benchmark run (persistence, logs, build output). */
export function tempDir(prefix) {
  return mkdtempSync(path.join(tmpdir(), `edgetally-${prefix}-`));
}

/** Removes a benchmark's temp dir unless BENCH_KEEP=1 (to inspect logs and the database). */
export function cleanUp(dir) {
  if (process.env.BENCH_KEEP === "1") console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

/**
 * Bytes each table takes in a SQLite file, its indexes included, and its row count (dbstat).
 * Open it only while no wrangler dev is writing to it.
 */
export async function tableBytes(file, tables) {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const out = {};
    for (const table of tables) {
      const { bytes, used } = db
        .prepare("SELECT COALESCE(SUM(pgsize), 0) AS bytes, COALESCE(SUM(pgsize - unused), 0) AS used FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema WHERE tbl_name = ?)")
        .get(table);
      const { n } = db.prepare(`SELECT COUNT(*) AS n FROM "${table.replace(/"/g, "")}"`).get();
      const rows = Number(n);
      out[table] = { rows, bytes: Number(bytes), perRow: rows > 0 ? Number(bytes) / rows : NaN, usedPerRow: rows > 0 ? Number(used) / rows : NaN };
    }
    return out;
  } finally {
    db.close();
  }
}

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Applies the project's migrations to the local D1 under `persistTo`. */
export async function migrate(persistTo) {
  await wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
}

/** Runs one SQL statement on the local D1 under `persistTo` and returns its rows. */
export async function d1Query(persistTo, sql) {
  const { stdout } = await wrangler(["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--json", "--command", sql]);
  const parsed = JSON.parse(stdout.slice(stdout.indexOf("[")));
  return parsed[0]?.results ?? [];
}

/** The SQLite file wrangler's local D1 keeps under `persistTo` (there is one per database). */
export function d1File(persistTo) {
  const dir = path.join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite") : [];
  if (files.length !== 1) throw new Error(`expected one D1 sqlite file in ${dir}, found ${files.length}`);
  return path.join(dir, files[0]);
}

/**
 * Starts `wrangler dev` for `config` on a free port and waits until it answers.
 * `extraArgs` go to `wrangler dev` as they are (e.g. `--no-minify`).
 * Returns its base URL and a stop() that ends the process group it started (and only that).
 */
export async function startDev({ config = "wrangler.toml", persistTo, vars = {}, logFile, cwd = ROOT, extraArgs = [] }) {
  // BENCH_PORT: a port of one's own on a shared machine (the inspector still takes a free one).
  const port = Number(process.env.BENCH_PORT) || (await freePort());
  const inspector = await freePort();
  const args = ["dev", "--config", config, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--show-interactive-dev-session=false", "--log-level", "warn"];
  if (persistTo) args.push("--persist-to", persistTo);
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  args.push(...extraArgs);
  const child = spawn(path.join(BIN, "wrangler"), args, { cwd, env: childEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
  if (logFile) {
    const log = createWriteStream(logFile);
    child.stdout.pipe(log);
    child.stderr.pipe(log);
  } else {
    child.stdout.resume();
    child.stderr.resume();
  }
  let exited = false;
  child.on("exit", () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    for (let i = 0; i < 50 && !exited; i++) await sleep(100);
    if (!exited) process.kill(-child.pid, "SIGKILL");
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`wrangler dev (${config}) exited before it was ready${logFile ? `; see ${logFile}` : ""}`);
    try {
      await fetch(`${url}/__bench_ready`);
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`wrangler dev (${config}) did not answer within 90 s`);
      }
      await sleep(300);
    }
  }
  return { url, stop, pid: child.pid, inspectorPort: inspector };
}

/** p-th percentile (0–100) of a list of numbers (nearest rank). */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : String(n));
