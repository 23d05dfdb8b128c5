// node bench/profile-pixel.mjs — where the collector's CPU goes while it answers the pixel.
//
// Starts `wrangler dev` (temp --persist-to, migrations applied), creates a site, starts V8's CPU
// profiler in the Worker's isolate through the inspector, runs wrk with bench/pixel.lua for
// PROFILE_SECONDS (10), and prints the functions with the most self time, and per source file.
// Set PROFILE_OUT=file.cpuprofile to keep the raw profile (opens in Chrome DevTools).
// It prints; it asserts nothing. Run it on a quiet machine: other jobs skew the split.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { cleanUp, fmt, migrate, ROOT, run, startDev, tempDir } from "./lib.mjs";

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 10);
const ADMIN = "bench-admin-token-0123456789abcdef-0123";

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket (Node 22's global WebSocket). */
async function inspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  // The inspector proxy wants an Origin it trusts (a local one).
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { origin: "http://localhost" } });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let next = 1;
  const waiting = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(String(m.data));
    if (msg.id && waiting.has(msg.id)) {
      waiting.get(msg.id)(msg);
      waiting.delete(msg.id);
    }
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, (msg) => (msg.error ? reject(new Error(`${method}: ${msg.error.message}`)) : resolve(msg.result)));
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/** Self time per function and per file, from a V8 CPU profile; `sources` (scriptId → text) adds the hottest lines. */
function summarize(profile, sources = new Map()) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  const total = profile.samples.length;
  const perFile = new Map();
  for (const [id, n] of counts) {
    const f = byId.get(id).callFrame;
    const file = f.url ? f.url.replace(/^.*\/(src|node_modules)\//, "$1/") : `(${f.functionName || "native"})`;
    const key = `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + n);
    perFile.set(file, (perFile.get(file) ?? 0) + n);
  }
  const pct = (n) => `${fmt((100 * n) / total, 1).padStart(5)}%`;
  console.log(`\n${fmt(total)} samples. Self time by function (top 30):`);
  for (const [k, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${pct(n)}  ${k}`);
  // The hottest lines of the Worker's own code (its bundle as wrangler dev serves it).
  const lines = new Map();
  for (const n of profile.nodes) {
    const text = sources.get(n.callFrame.scriptId);
    if (!text || !n.positionTicks) continue;
    for (const t of n.positionTicks) {
      const key = `${n.callFrame.functionName || "(anonymous)"}:${t.line}`;
      const prev = lines.get(key) ?? { n: 0, src: text.split("\n")[t.line - 1]?.trim().slice(0, 110) ?? "" };
      prev.n += t.ticks;
      lines.set(key, prev);
    }
  }
  if (lines.size > 0) {
    console.log("\nHottest lines of the Worker (self time, top 25):");
    for (const [k, v] of [...lines].sort((a, b) => b[1].n - a[1].n).slice(0, 25)) console.log(`  ${pct(v.n)}  ${k.padEnd(28)} ${v.src}`);
  }
  console.log("\nSelf time by file:");
  for (const [k, n] of [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${pct(n)}  ${k}`);
}

async function main() {
  const work = tempDir("profile");
  const persist = path.join(work, "state");
  await migrate(persist);
  // Unminified, so the profile names the project's own functions (wrangler.toml deploys minified).
  const dev = await startDev({ persistTo: persist, vars: { ADMIN_TOKEN: ADMIN }, logFile: path.join(work, "dev.log"), extraArgs: ["--no-minify"] });
  try {
    const created = await fetch(`${dev.url}/v1/admin/sites`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ id: "bench", domains: ["bench.example"], goals: [{ name: "purchase" }] }),
    });
    if (created.status !== 201) throw new Error(`creating the site failed: ${created.status}`);
    // Warm up (JIT, caches) before profiling.
    await run("wrk", ["-t1", "-c16", "-d3s", "-s", path.join(ROOT, "bench", "pixel.lua"), dev.url, "--", "bench", "bench.example", "warm"]);
    const cdp = await inspector(dev.inspectorPort);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
    await cdp.send("Profiler.start");
    const res = await run("wrk", ["-t1", "-c16", `-d${SECONDS}s`, "-s", path.join(ROOT, "bench", "pixel.lua"), dev.url, "--", "bench", "bench.example", "prof"]);
    const { profile } = await cdp.send("Profiler.stop");
    const sources = new Map();
    for (const id of new Set(profile.nodes.filter((n) => n.callFrame.url === "index.js").map((n) => n.callFrame.scriptId))) {
      try {
        await cdp.send("Debugger.enable");
        sources.set(id, (await cdp.send("Debugger.getScriptSource", { scriptId: id })).scriptSource);
      } catch {
        // Line-level output is a bonus; the function summary stands without it.
      }
    }
    cdp.close();
    const line = res.stdout.split("\n").find((l) => l.startsWith("BENCH_JSON "));
    if (line) {
      const s = JSON.parse(line.slice("BENCH_JSON ".length));
      console.log(`wrk while profiling: ${fmt(s.requests / (s.duration_us / 1e6))} hits/s (the profiler slows it down)`);
    }
    if (process.env.PROFILE_OUT) writeFileSync(process.env.PROFILE_OUT, JSON.stringify(profile));
    summarize(profile, sources);
  } finally {
    await dev.stop();
    cleanUp(work);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
