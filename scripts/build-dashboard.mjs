#!/usr/bin/env node
// Builds the dashboard (dashboard/, issue 11) into static assets:
//   public/dashboard.html   ← dashboard/index.html (served at /dashboard)
//   public/dashboard/app.js ← dashboard/src/main.tsx and everything it imports (Preact, uPlot), one ES module
//   public/dashboard/app.css← the CSS it imports (uPlot's and dashboard/src/style.css)
// Everything the page loads comes from here: no CDN, no font service (public/_headers' CSP forbids
// any other origin). Not committed: `npm run build`, the npm pre-scripts and wrangler.toml's
// [build] write it. Files are written only on change (wrangler dev watches the assets).
//
// Budget: all the page's assets together at most 100 KB gzipped (issue 11 "Quality"); the build
// fails above it, and prints the figure.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "public");
export const DASHBOARD_BUDGET = 100 * 1024;

const result = await build({
  entryPoints: { app: path.join(root, "dashboard/src/main.tsx") },
  absWorkingDir: root,
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  outdir: path.join(out, "dashboard"),
  write: false,
  logLevel: "error",
});

const files = new Map();
for (const f of result.outputFiles) files.set(path.relative(out, f.path), f.contents);
files.set("dashboard.html", readFileSync(path.join(root, "dashboard/index.html")));

let total = 0;
const sizes = [];
let written = 0;
for (const [rel, bytes] of files) {
  const gz = gzipSync(bytes, { level: 9 }).byteLength;
  total += gz;
  sizes.push(`${rel} ${bytes.byteLength} (${gz} gz)`);
  const file = path.join(out, rel);
  let current = null;
  try {
    current = readFileSync(file);
  } catch {}
  if (!current || !Buffer.from(bytes).equals(current)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    written++;
  }
}
console.log(`dashboard: ${sizes.join(", ")}; ${total} bytes gzipped together (budget ${DASHBOARD_BUDGET})${written ? `, ${written} written` : ", unchanged"}`);
if (total > DASHBOARD_BUDGET) {
  console.error(`the dashboard's assets are over their budget of ${DASHBOARD_BUDGET} gzipped bytes`);
  process.exit(1);
}
