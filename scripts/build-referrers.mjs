#!/usr/bin/env node
// Builds src/collect/referrers.gen.ts, the referrer table the collector classifies landings with
// (src/collect/referrer.ts), from Snowplow's referer-parser database (data/referers/referers.yml,
// GPL-3.0, see data/referers/README.md) plus edgetally's own few additions (data/referers/local.yml).
//
//   node scripts/build-referrers.mjs                 regenerate from the committed data files
//   node scripts/build-referrers.mjs <file or URL>   refresh: copy that referers.yml into data/referers/, then regenerate
//   node scripts/build-referrers.mjs --check         exit 1 when the generated module is stale
//
// Only hosts are kept: the tracker's journal carries a landing's referrer host and nothing more,
// and browsers send only the origin cross-site by default, so entries with a path
// (google.com/imgres) cannot be told apart from their host and are left out (the build says how many).
// test/collect/referrers-data.test.ts fails when the committed module is stale (REFERRERS_SOURCE_HASH)
// and measures coverage against the full database.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DATA = path.join(root, "data/referers/referers.yml");
const LOCAL = path.join(root, "data/referers/local.yml");
const OUT = path.join(root, "src/collect/referrers.gen.ts");

/** The database's categories → the contract's mediums; the rest are kept as known non-search hosts. */
const MEDIUM = { search: "organic", social: "social", email: "email" };
/** Letters in the generated table: o organic, s social, e email, r referral (known, but no campaign medium). */
const LETTER = { organic: "o", social: "s", email: "e", referral: "r" };

/**
 * Source names where the database's own name, lower-cased, is not what edgetally reports (the
 * short names the contract's examples and earlier versions use). One engine, one source: Google
 * Images is google, Yahoo! Mail is yahoo (its medium, email, tells it apart).
 */
const RENAME = {
  twitter: "x",
  vkontakte: "vk",
  "google+": "google-plus",
  "yahoo!": "yahoo",
  "yahoo!-mail": "yahoo",
  "yahoo!-images": "yahoo",
  "google-images": "google",
  "google-news": "google",
  "google-video": "google",
  "google-blogsearch": "google",
  "google-product-search": "google",
  "bing-images": "bing",
  "yandex-images": "yandex",
  "naver-images": "naver",
  "naver-mail": "naver",
  "aol-mail": "aol",
  "outlook.com": "outlook",
  "daum-mail": "daum",
  "seznam-mail": "seznam",
  "126-mail": "126",
  "163-mail": "163",
  "qq-mail": "qq",
  "mynet-mail": "mynet",
  "orange-webmail": "orange",
};

/** A lower-case source name for a database entry name ("Hacker News" → hacker-news). */
export function sourceName(name) {
  const slug = name.trim().toLowerCase().replace(/[^\p{L}\p{N}.!+&]+/gu, "-").replace(/^-|-$/g, "");
  return RENAME[slug] ?? slug.replace(/!/g, "");
}

/**
 * Parses referers.yml's one shape — `category:` / `  Name:` / `    domains:` / `      - host` —
 * into [category, name, domain] triples in file order. Comments and `parameters:` are skipped.
 * It throws on any line it does not understand, so a format change fails the build, not silently.
 */
export function parseReferersYml(text) {
  const out = [];
  let category = null, name = null, list = null;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/\s+#.*$/, "").replace(/^\s*#.*$/, "");
    if (line.trim() === "") continue;
    let m;
    if ((m = /^([a-z]+):$/.exec(line))) [category, name, list] = [m[1], null, null];
    else if ((m = /^  (\S.*?):\s*$/.exec(line)) && category) [name, list] = [m[1].replace(/^(["'])(.*)\1$/, "$2"), null];
    else if ((m = /^ {4}(domains|parameters):\s*$/.exec(line)) && name) list = m[1];
    else if ((m = /^\s+- (.+?)\s*$/.exec(line)) && list) {
      if (list === "domains") out.push([category, name, m[1].replace(/^(["'])(.*)\1$/, "$2").toLowerCase()]);
    } else throw new Error(`referers.yml:${i + 1}: unexpected line ${JSON.stringify(raw)}`);
  }
  return out;
}

/** host → [source, medium], first entry wins (the database lists its false-positive reducers first). */
export function buildTable(entries) {
  const table = new Map();
  const skipped = { paths: 0, duplicates: 0 };
  for (const [category, name, domain] of entries) {
    if (domain.includes("/")) {
      skipped.paths++;
      continue;
    }
    if (table.has(domain)) {
      skipped.duplicates++;
      continue;
    }
    const medium = MEDIUM[category] ?? "referral";
    table.set(domain, [medium === "referral" ? "" : sourceName(name), medium]);
  }
  return { table, skipped };
}

/**
 * The lookup walks a host's labels from the full host up (www.google.de, google.de), stopping at
 * the first listed one; so a host whose nearest listed parent answers the same is redundant and
 * left out (images.google.de under google.de), and so is a referral host without a listed parent
 * (an unknown host is a referral too). This is exact: the walk answers as before.
 */
export function pruneTable(table) {
  const pruned = new Map();
  for (const [host, value] of table) {
    let parent = host;
    // A known non-campaign host (referral) with no listed parent answers as any unknown host does.
    let same = value[1] === "referral";
    while ((parent = parent.slice(parent.indexOf(".") + 1)).includes(".")) {
      const p = table.get(parent);
      if (p) {
        same = p[0] === value[0] && p[1] === value[1];
        break;
      }
    }
    if (!same) pruned.set(host, value);
  }
  return pruned;
}

/**
 * The table as one string, cheap in the Worker bundle: a line per (medium, source), its letter
 * and source, then its hosts; a host written `.tld` repeats the first label of the last host written
 * in full (google.com .de .co.uk is google.com google.de google.co.uk).
 */
export function encodeTable(table) {
  const groups = new Map();
  for (const [host, [source, medium]] of table) {
    const key = `${LETTER[medium]}${source}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(host);
  }
  const lines = [];
  for (const [key, hosts] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    hosts.sort();
    let stem = "";
    const words = hosts.map((h) => {
      if (stem !== "" && h.startsWith(`${stem}.`)) return h.slice(stem.length);
      stem = h.slice(0, h.indexOf("."));
      return h;
    });
    lines.push(`${key} ${words.join(" ")}`);
  }
  return lines.join("\n");
}

async function refresh(from) {
  const text = /^https?:\/\//.test(from) ? await (await fetch(from)).text() : readFileSync(from, "utf8");
  parseReferersYml(text); // refuse a file of another shape before replacing the committed one
  writeFileSync(DATA, text);
  console.log(`data/referers/referers.yml refreshed from ${from}`);
}

const args = process.argv.slice(2);
const check = args.includes("--check");
const from = args.find((a) => a !== "--check");
if (from) await refresh(from);

const yml = readFileSync(DATA, "utf8");
const local = existsSync(LOCAL) ? readFileSync(LOCAL, "utf8") : "";
// edgetally's additions come after the database: they only add hosts it does not know.
const { table: full, skipped } = buildTable([...parseReferersYml(yml), ...parseReferersYml(local)]);
const table = pruneTable(full);
const encoded = encodeTable(table);
const hash = createHash("sha256").update(`${yml}\0${local}\0`).digest("hex");
const counts = {};
for (const [, medium] of table.values()) counts[medium] = (counts[medium] ?? 0) + 1;

const text = `// Generated by scripts/build-referrers.mjs from data/referers/ (Snowplow referer-parser, GPL-3.0,
// and edgetally's additions). Do not edit: run \`node scripts/build-referrers.mjs\`.
/** SHA-256 of referers.yml + local.yml as built (test/collect/referrers-data.test.ts checks it). */
export const REFERRERS_SOURCE_HASH = "${hash}";
/**
 * ${table.size} hosts (${Object.entries(counts).map(([m, n]) => `${n} ${m}`).join(", ")}): a line per medium letter (o organic,
 * s social, e email, r referral) + source, then hosts; \`.x\` repeats the previous host's first label.
 */
export const REFERRERS = ${JSON.stringify(encoded)};
`;
const current = existsSync(OUT) ? readFileSync(OUT, "utf8") : "";
console.log(`referrers: ${full.size} hosts, ${table.size} after pruning (${JSON.stringify(counts)}), ${skipped.paths} path entries and ${skipped.duplicates} repeated hosts left out; table ${encoded.length} bytes${current === text ? ", unchanged" : check ? ", STALE" : ", written"}`);
if (check) process.exit(current === text ? 0 : 1);
if (current !== text) writeFileSync(OUT, text);
