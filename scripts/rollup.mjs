#!/usr/bin/env node
// Backfill: recompute a range of days of one site (or all) through the admin API, one call per
// day, printing a progress line per day. The API recomputes at most 31 days per call; going day by
// day keeps every call short and shows progress.
//
//   ADMIN_TOKEN=… npm run rollup -- --from 2026-11-01 --to 2026-11-28 [--site shop] [--url http://127.0.0.1:8787] [--token …]
//
// Exit code 0 when every day was recomputed, 1 when any day failed (other days still run, except after a
// 401/403/404, which would repeat for every day), 2 for bad arguments.
import { parseArgs } from "node:util";

const USAGE = "usage: npm run rollup -- --from YYYY-MM-DD --to YYYY-MM-DD [--site ID] [--url URL] [--token ADMIN_TOKEN]";

function fail(message) {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      from: { type: "string" },
      to: { type: "string" },
      site: { type: "string" },
      url: { type: "string", default: "http://127.0.0.1:8787" },
      token: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
} catch (err) {
  fail(err.message);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const isDay = (s) => DAY_RE.test(s ?? "") && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
if (!isDay(args.from)) fail("--from must be a day written YYYY-MM-DD");
if (!isDay(args.to)) fail("--to must be a day written YYYY-MM-DD");
if (args.from > args.to) fail("--from must not be after --to");
const token = args.token ?? process.env.ADMIN_TOKEN;
if (!token) fail("set ADMIN_TOKEN in the environment or pass --token");

const days = [];
for (let d = args.from; d <= args.to; ) {
  days.push(d);
  const t = new Date(`${d}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + 1);
  d = t.toISOString().slice(0, 10);
}

const endpoint = new URL("/v1/admin/rollup", args.url).toString();
const totals = { days: 0, atoms: 0, events: 0, failed: 0 };
const started = Date.now();
for (const [i, day] of days.entries()) {
  const t0 = Date.now();
  const label = `[${String(i + 1).padStart(String(days.length).length)}/${days.length}] ${day}${args.site ? ` ${args.site}` : ""}`;
  let line;
  try {
    const res = await fetch(endpoint, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ ...(args.site ? { site: args.site } : {}), from: day, to: day }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      totals.failed++;
      line = `${label}: failed ${res.status} ${body.error?.code ?? ""} ${body.error?.message ?? ""}`.trimEnd();
      // A wrong token or an unknown site fails every day alike: stop instead of repeating it.
      if ([401, 403, 404].includes(res.status)) {
        console.log(line);
        totals.failed += days.length - i - 1;
        console.log(`stopping: the remaining ${days.length - i - 1} day(s) would fail the same way`);
        break;
      }
    } else if (body.incomplete) {
      totals.failed++;
      line = `${label}: incomplete — ${body.incomplete.message}`;
    } else {
      totals.days += body.days;
      totals.atoms += body.atoms;
      totals.events += body.events;
      line = `${label}: ${body.events} events → ${body.atoms} atoms (${((Date.now() - t0) / 1000).toFixed(1)} s)`;
    }
  } catch (err) {
    totals.failed++;
    line = `${label}: failed — ${err.cause?.message ?? err.message} (is the Worker running at ${args.url}?)`;
  }
  console.log(line);
}
console.log(
  `done: ${totals.days} site-days, ${totals.events} events, ${totals.atoms} atoms in ${((Date.now() - started) / 1000).toFixed(1)} s` +
    (totals.failed ? `; ${totals.failed} day(s) failed` : ""),
);
process.exit(totals.failed ? 1 : 0);
