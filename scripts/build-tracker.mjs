#!/usr/bin/env node
// Builds the tracker from one source (src/tracker/tracker.ts), twice, with esbuild:
//  - /t.js, the base build: the code between `/*<ads>*/` and `/*</ads>*/` in src/tracker/tracker.ts
//    is removed before esbuild reads the file (below: removing it as dead code would still let its
//    text change the minifier's names), so it keeps no ad identifier; budget 1,000 bytes gzipped;
//  - /t-ads.js, the ads build, with that code: keeps the latest ad click id per platform and sends
//    them with conversions; budget 1,200 bytes gzipped, for sites that forward conversions.
// For each it writes
//  - public/t.js / public/t-ads.js, the static assets served at /t.js and /t-ads.js (wrangler.toml
//    [assets]: at the edge, no Worker invocation; src/routes/tracker.ts serves the same assets under
//    a path prefix), built, not committed: `npm test`, `npm run dev`, `npm run deploy` build them
//    first (pre-scripts) and wrangler.toml's [build] builds them for `wrangler dev` and `wrangler deploy`;
//  - into src/tracker/bundle.gen.ts, the same bytes as modules' constants, committed: the size
//    budget and freshness tests (test/tracker/bundle.test.ts, TRACKER_SOURCE_HASH) read it inside workerd.
//
// Files are written only when their content changes: wrangler dev watches src/ and the assets,
// and rewriting an identical file would restart the build forever.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "src/tracker/bundle.gen.ts");
// The size budgets, gzipped (test/tracker/bundle.test.ts checks the same on the served bytes).
// /t.js: the 1,000 bytes, below Plausible's classic script (1,329). It fits because the
// browser sends landings unresolved and the collector classifies them (docs/TRACKER.md "Size",
// docs/JOURNAL.md). /t-ads.js: 1,200, as the integrator decided when the click ids (~110 bytes)
// did not fit in 1,000 (docs/TRACKER.md "Click ids").
const BUILDS = [
  { name: "t.js", clickIds: false, budget: 1000 },
  { name: "t-ads.js", clickIds: true, budget: 1200 },
];

const entry = path.join(root, "src/tracker/tracker.ts");
/** The ads-only regions of tracker.ts. */
const ADS = /\/\*<ads>\*\/[\s\S]*?\/\*<\/ads>\*\//g;
/**
 * esbuild's minifier names identifiers by the character frequency of the whole file, dead code
 * included, so the base build must not see the ads-only text at all: it reads tracker.ts without
 * the regions (comments cost nothing, so /t.js is then byte for byte the build of the code without them).
 */
const withoutAds = {
  name: "without-ads",
  setup(b) {
    b.onLoad({ filter: /src[\\/]tracker[\\/]tracker\.ts$/ }, () => {
      const text = readFileSync(entry, "utf8");
      const open = text.split("/*<ads>*/").length;
      if (open !== text.split("/*</ads>*/").length) throw new Error("tracker.ts: unbalanced /*<ads>*/ … /*</ads>*/ markers");
      return { contents: text.replace(ADS, ""), loader: "ts" };
    });
  },
};

const sources = new Set();
let failed = false;
let changed = false;
const built = [];
for (const b of BUILDS) {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    minify: true,
    format: "iife",
    // Optional chaining and ?? are kept as written (Chrome 80, Firefox 74, Safari 13.1 and later).
    target: "es2020",
    legalComments: "none",
    plugins: b.clickIds ? [] : [withoutAds],
    metafile: true,
    write: false,
  });
  // The IIFE keeps every name off the page's globals; "use strict" changes nothing for this code.
  const js = result.outputFiles[0].text.trim().replace(/^"use strict";/, "");
  const bytes = Buffer.from(js, "utf8");
  for (const file of Object.keys(result.metafile.inputs)) sources.add(file);
  const etag = `"${createHash("sha256").update(bytes).digest("hex").slice(0, 32)}"`;
  const gz = gzipSync(bytes, { level: 9 }).byteLength;
  built.push({ ...b, js, bytes: bytes.byteLength, gz, etag });

  const asset = path.join(root, "public", b.name);
  let served = "";
  try {
    served = readFileSync(asset, "utf8");
  } catch {}
  if (served !== js) {
    mkdirSync(path.dirname(asset), { recursive: true });
    writeFileSync(asset, js);
    changed = true;
  }
  console.log(`${b.name}: ${bytes.byteLength} bytes, ${gz} gzipped (budget ${b.budget}), ETag ${etag}`);
  // The base build must keep no click id: their storage key may not even appear in it.
  if (js.includes("et_k") !== b.clickIds) {
    console.error(`${b.name} ${b.clickIds ? "lacks" : "has"} the click id storage (et_k)`);
    failed = true;
  }
  if (gz > b.budget) {
    console.error(`${b.name} is over its budget of ${b.budget} gzipped bytes`);
    failed = true;
  }
}

// The inputs of both builds, in a fixed order, hashed the same way the freshness test hashes their ?raw imports.
const files = [...sources].sort();
const sourceHash = createHash("sha256");
for (const file of files) sourceHash.update(`${file}\0${readFileSync(path.join(root, file), "utf8")}\0`);

const [base, ads] = built;
const text = `// Generated by scripts/build-tracker.mjs from src/tracker/*.ts. Do not edit: run \`npm run build:tracker\`.
/** The minified tracker script served at /t.js (${base.bytes} bytes, ${base.gz} gzipped at level 9). */
export const TRACKER_JS = ${JSON.stringify(base.js)};
/** Strong ETag: the first 128 bits of the SHA-256 of TRACKER_JS's UTF-8 bytes. */
export const TRACKER_ETAG = ${JSON.stringify(base.etag)};
/** The ads build served at /t-ads.js, with click ids (${ads.bytes} bytes, ${ads.gz} gzipped at level 9). */
export const TRACKER_ADS_JS = ${JSON.stringify(ads.js)};
/** Strong ETag of TRACKER_ADS_JS, computed like TRACKER_ETAG. */
export const TRACKER_ADS_ETAG = ${JSON.stringify(ads.etag)};
/** The files the bundles were built from, and the SHA-256 of \`path\\0content\\0\` over them. */
export const TRACKER_SOURCES = ${JSON.stringify(files)};
export const TRACKER_SOURCE_HASH = ${JSON.stringify(sourceHash.digest("hex"))};
`;

let current = "";
try {
  current = readFileSync(out, "utf8");
} catch {}
if (current !== text) writeFileSync(out, text);
console.log(`bundle.gen.ts${current === text && !changed ? ": unchanged" : ": written"}`);
if (failed) process.exit(1);
