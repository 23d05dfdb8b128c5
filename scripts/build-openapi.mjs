#!/usr/bin/env node
// Builds the served OpenAPI document: runs src/openapi.ts (bundled with esbuild), which converts the
// input schemas of src/schemas/ with @valibot/to-json-schema and adds the paths and answers, then
// serialises the document and writes it to public/openapi.json, a static asset (wrangler.toml
// [assets]): served at the edge without invoking the Worker, so neither the builder, the converter
// nor the document weighs anything in the Worker's bundle or its start-up (docs/SCALING.md).
//
// public/openapi.json is built, not committed: `npm test`, `npm run dev`, `npm run deploy` build it
// first (pre-scripts) and wrangler.toml's [build] builds it for `wrangler dev` / `wrangler deploy`.
// Written only when the content changes (wrangler dev watches the assets directory).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "public/openapi.json");
const dir = mkdtempSync(path.join(tmpdir(), "edgetally-openapi-"));
try {
  const file = path.join(dir, "openapi.mjs");
  await build({ entryPoints: [path.join(root, "src/openapi.ts")], bundle: true, format: "esm", platform: "neutral", outfile: file, logLevel: "error" });
  const { openApiDocument } = await import(pathToFileURL(file).href);
  const json = JSON.stringify(openApiDocument);
  let current = "";
  try {
    current = readFileSync(out, "utf8");
  } catch {}
  if (current !== json) {
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, json);
    console.log(`openapi: wrote public/openapi.json (${json.length} bytes)`);
  } else {
    console.log("openapi: public/openapi.json unchanged");
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
