#!/usr/bin/env node
// Builds src/collect/referrers.gen.ts, the referrer table the collector classifies landings with
// (src/collect/referrer.ts), from data/referers/ (see its README.md for sources and licences):
//   email.yml          webmail services — edgetally's own list (MIT)
//   local.yml          edgetally's own additions: hosts, Android packages, non-search Google hosts (MIT)
//   Socials.yml        Matomo's social networks (CC0-1.0)
//   AIAssistants.yml   Matomo's AI assistants (CC0-1.0): known hosts, but no campaign medium (referral)
//   SearchEngines.yml  Matomo's search engines (CC0-1.0)
// Earlier lists win where they list the same host; a nearer host wins over its parent whatever its
// list (yiyan.baidu.com, an AI assistant, under local.yml's baidu.com). One exception: a search
// engine host under a social network's or AI assistant's host is left out, since Matomo lists
// www.facebook.com, www.perplexity.ai… as search engines only for their search pages, which it
// tells apart by a keyword parameter that a host-only table never sees (yieldsTo below).
//
//   node scripts/build-referrers.mjs                       regenerate from the committed data files
//   node scripts/build-referrers.mjs search=<file|URL> social=<file|URL> ai=<file|URL>
//                                                          refresh any of Matomo's lists, then regenerate
//   node scripts/build-referrers.mjs --check               exit 1 when the generated module is stale
//
// Only hosts are kept: the tracker's journal carries a landing's referrer host and nothing more,
// and browsers send only the origin cross-site by default, so entries with a path
// (google.com/imgres) cannot be told apart from their host and are left out (the build says how many).
// Matomo's `{}` placeholders (google.{}, {}.search.yahoo.com) stay in the table as written; the
// lookup tries each host with its country-code labels replaced (referrer.ts, wildcardsOf below).
// test/collect/referrers-data.test.ts fails when the committed module is stale (REFERRERS_SOURCE_HASH)
// and measures coverage against the full lists.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dir = path.join(root, "data/referers");
const OUT = path.join(root, "src/collect/referrers.gen.ts");

/**
 * The lists in precedence order. `refresh` names the argument that replaces a Matomo file
 * (edgetally's own lists are edited by hand); `yieldsTo`: lists whose hosts, and hosts under them,
 * this list's entries leave alone.
 */
export const LISTS = [
  { file: "email.yml", format: "flat", category: "email" },
  { file: "local.yml", format: "grouped" },
  { file: "Socials.yml", format: "flat", category: "social", refresh: "social" },
  { file: "AIAssistants.yml", format: "flat", category: "referral", refresh: "ai" },
  { file: "SearchEngines.yml", format: "engines", category: "search", refresh: "search", yieldsTo: ["Socials.yml", "AIAssistants.yml"] },
];

/** Categories → the contract's mediums; referral marks a known host that is no campaign medium. */
const MEDIUM = { search: "organic", social: "social", email: "email", referral: "referral" };
/** Letters in the generated table: o organic, s social, e email, r referral (known, but no campaign medium). */
const LETTER = { organic: "o", social: "s", email: "e", referral: "r" };

/**
 * Source names where a list's own name, lower-cased, is not what edgetally reports (the short
 * names the contract's examples and earlier versions use). One engine, one source: Google Images
 * is google, Yahoo! Japan is yahoo (the medium tells Yahoo's mail from its search).
 */
const RENAME = {
  twitter: "x",
  vkontakte: "vk",
  "google+": "google-plus",
  "yahoo!": "yahoo",
  "yahoo!-directory": "yahoo",
  "yahoo!-images": "yahoo",
  "yahoo!-japan": "yahoo",
  "yahoo!-japan-images": "yahoo",
  "yahoo!-japan-videos": "yahoo",
  "google-blogsearch": "google",
  "google-custom-search": "google",
  "google-images": "google",
  "google-maps": "google",
  "google-news": "google",
  "google-scholar": "google",
  "google-shopping": "google",
  "google-syndicated-search": "google",
  "google-translations": "google",
  "google-video": "google",
  "bing-images": "bing",
  "yandex-images": "yandex",
  "biglobe-images": "biglobe",
  "auone-images": "auone",
  "nifty-videos": "nifty",
  "so-net-videos": "so-net",
  "seznam-videa": "seznam",
  mailru: "mail.ru",
  "my.mail.ru": "mail.ru",
  "metager2": "metager",
  "stackoverflow": "stack-overflow",
};

/** A lower-case source name for a list's entry name ("Hacker News" → hacker-news, "Google%2B" → google-plus). */
export function sourceName(name) {
  let n = name;
  try {
    n = decodeURIComponent(name);
  } catch {
    // a literal % stays as it is
  }
  // A trailing note in brackets is no part of the name ("Gigablast (Directory)", "Startpagina (Google)");
  // accents go (Cốc Cốc → coc-coc), other scripts stay (묻지마 검색).
  n = n.replace(/\s*\([^)]*\)\s*$/, "").normalize("NFD").replace(/\p{M}/gu, "");
  const slug = n.trim().toLowerCase().replace(/[^\p{L}\p{N}.!+&]+/gu, "-").replace(/^-|-$/g, "");
  return RENAME[slug] ?? slug.replace(/!/g, "");
}

const unquote = (s) => s.trim().replace(/^(["'])(.*)\1$/, "$2");
const strip = (raw) => raw.replace(/\s+#.*$/, "").replace(/^\s*#.*$/, "").trimEnd();
const fail = (file, i, raw) => {
  throw new Error(`${file}:${i + 1}: unexpected line ${JSON.stringify(raw)}`);
};

/**
 * Parses one list into [category, name, host] triples in file order. Each parser accepts its
 * file's one shape and throws on any line it does not understand, so a format change fails the
 * build rather than silently dropping hosts.
 *   flat     (Socials.yml, AIAssistants.yml, email.yml)   `Name:` / `  - host`
 *   grouped  (local.yml)                                  `category:` / `  Name:` / `    - host`
 *   engines  (SearchEngines.yml)                          `Name:` / `  -` / `    urls:` / `      - host`
 *            (or `  - urls:`; params, hiddenkeyword, charsets and backlink are read past)
 */
export function parseList(text, { file, format, category: fixed }) {
  const out = [];
  let category = fixed ?? null, name = null, inUrls = false, inConfig = false;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = strip(raw);
    if (line.trim() === "") continue;
    let m;
    if (format === "flat") {
      if ((m = /^(\S.*):$/.exec(line))) name = unquote(m[1]);
      else if ((m = /^ {2}- (.+)$/.exec(line)) && name !== null) out.push([category, name, unquote(m[1]).toLowerCase()]);
      else fail(file, i, raw);
    } else if (format === "grouped") {
      if ((m = /^([a-z]+):$/.exec(line)) && MEDIUM[m[1]]) [category, name] = [m[1], null];
      else if ((m = /^ {2}(\S.*):$/.exec(line)) && category) name = unquote(m[1]);
      else if ((m = /^ {4}- (.+)$/.exec(line)) && name !== null) out.push([category, name, unquote(m[1]).toLowerCase()]);
      else fail(file, i, raw);
    } else if (format === "engines") {
      if ((m = /^(\S.*):$/.exec(line))) [name, inConfig, inUrls] = [unquote(m[1]), false, false];
      else if ((m = /^ {2}-(?: (urls|params|hiddenkeyword|charsets):)?$/.exec(line)) && name !== null) [inConfig, inUrls] = [true, m[1] === "urls"];
      else if ((m = /^ {4}(urls|params|hiddenkeyword|charsets):$/.exec(line)) && inConfig) inUrls = m[1] === "urls";
      else if (/^ {4}(backlink: .*|params: \[\])$/.test(line) && inConfig) inUrls = false;
      else if ((m = /^ {6}- (.+)$/.exec(line)) && inConfig) {
        if (inUrls) out.push([category, name, unquote(m[1]).toLowerCase()]);
      } else fail(file, i, raw);
    } else throw new Error(`unknown list format ${format}`);
  }
  if (out.length === 0) throw new Error(`${file}: no hosts`);
  return out;
}

const COUNTRY = /^[a-z]{2}$/;
/** Second-level labels Matomo's `{}` also swallows before a country code (google.co.uk is google.{}). */
const SECOND = new Set(["com", "org", "net", "co", "it", "edu"]);

/**
 * The placeholder forms of a host, as Matomo matches `{}`: its country-code TLD (with a com/org/
 * net/co/it/edu label before it) as `.{}`, and its two-letter labels before the TLD as `{}.`.
 * www.google.co.uk → www.google.{}; de.search.yahoo.com → {}.search.yahoo.com. A two-letter label
 * stands for a country code (every two-letter TLD is one); a few hosts may be tried needlessly,
 * but only listed patterns ever match. Mirrored in src/collect/referrer.ts.
 */
export function wildcardsOf(host) {
  const labels = host.split(".");
  const out = [];
  let tld = null;
  if (labels.length >= 2 && COUNTRY.test(labels[labels.length - 1])) {
    const rest = labels.slice(0, -1);
    if (rest.length >= 2 && SECOND.has(rest[rest.length - 1])) rest.pop();
    tld = [...rest, "{}"];
    out.push(tld.join("."));
  }
  for (const base of tld ? [labels, tld] : [labels]) {
    let changed = false;
    const sub = base.map((l, i) => (i < base.length - 1 && COUNTRY.test(l) ? ((changed = true), "{}") : l));
    if (changed) out.push(sub.join("."));
  }
  return out;
}

/** The table entry a host resolves to: itself, then each parent, each with its placeholder forms. */
export function lookup(table, host) {
  for (let d = host; d.includes("."); d = d.slice(d.indexOf(".") + 1)) {
    for (const c of [d, ...wildcardsOf(d)]) {
      const v = table.get(c);
      if (v) return v;
    }
  }
  return undefined;
}

/**
 * host → [source, medium, list index], lists in precedence order. A host with a path is left out
 * (see above), a repeated host keeps its first listing, and a host under a host of a list its own
 * list yields to is left out.
 */
export function buildTable(entries) {
  const table = new Map();
  const skipped = { paths: 0, duplicates: 0, shadowed: [] };
  for (const [list, category, name, host] of entries) {
    if (host.includes("/")) {
      skipped.paths++;
      continue;
    }
    if (!/^[a-z0-9{}][a-z0-9.{}_-]*\.[a-z0-9{}-]+$/.test(host)) throw new Error(`${LISTS[list].file}: not a host: ${JSON.stringify(host)}`);
    if (table.has(host)) {
      skipped.duplicates++;
      continue;
    }
    const earlier = LISTS[list].yieldsTo && lookup(table, host);
    if (earlier && LISTS[list].yieldsTo.includes(LISTS[earlier[2]].file)) {
      skipped.shadowed.push(`${host} (${LISTS[list].file} ${name}, kept as ${earlier[0] || "a referral"}/${earlier[1]} from ${LISTS[earlier[2]].file})`);
      continue;
    }
    const medium = MEDIUM[category];
    table.set(host, [medium === "referral" ? "" : sourceName(name), medium, list]);
  }
  return { table, skipped };
}

/** Two entries answer alike: same source and medium, or both referrals (a referral keeps the visitor's host). */
const same = (a, b) => (a?.[1] ?? "referral") === (b?.[1] ?? "referral") && (a?.[1] === "referral" || a === undefined || a[0] === b[0]);

/**
 * Leaves out each literal host whose lookup answers the same without it (images.google.de under
 * google.{}; a referral host with nothing listed above it, since an unknown host is a referral
 * too). Exact: every host's walk reaches a removed host's level and then tries what that host's own
 * lookup would, so removing hosts one at a time, each checked against the table as it stands,
 * changes no answer. Patterns are kept.
 */
export function pruneTable(table) {
  const pruned = new Map(table);
  for (const [host, value] of table) {
    if (host.includes("{}")) continue;
    pruned.delete(host);
    if (!same(value, lookup(pruned, host))) pruned.set(host, value);
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

async function refresh(list, from) {
  const text = /^https?:\/\//.test(from) ? await (await fetch(from)).text() : readFileSync(from, "utf8");
  parseList(text, list); // refuse a file of another shape before replacing the committed one
  writeFileSync(path.join(dir, list.file), text);
  console.log(`data/referers/${list.file} refreshed from ${from}`);
}

async function main(args) {
  const check = args.includes("--check");
  for (const arg of args.filter((a) => a !== "--check")) {
    const m = /^(\w+)=(.+)$/.exec(arg);
    const list = m && LISTS.find((l) => l.refresh === m[1]);
    if (!list) throw new Error(`usage: build-referrers.mjs [--check] [search=<file|URL>] [social=<file|URL>] [ai=<file|URL>] (got ${JSON.stringify(arg)})`);
    await refresh(list, m[2]);
  }

  const texts = LISTS.map((l) => readFileSync(path.join(dir, l.file), "utf8"));
  const entries = LISTS.flatMap((l, i) => parseList(texts[i], l).map((e) => [i, ...e]));
  const { table: full, skipped } = buildTable(entries);
  const table = pruneTable(full);
  const encoded = encodeTable(table);
  const hash = createHash("sha256").update(texts.map((t) => `${t}\0`).join("")).digest("hex");
  const counts = {};
  for (const [, medium] of table.values()) counts[medium] = (counts[medium] ?? 0) + 1;

  const text = `// Generated by scripts/build-referrers.mjs from data/referers/ (Matomo's searchengine-and-social-list,
// CC0-1.0, and edgetally's own lists). Do not edit: run \`node scripts/build-referrers.mjs\`.
/** SHA-256 of ${LISTS.map((l) => l.file).join(" + ")} as built (test/collect/referrers-data.test.ts checks it). */
export const REFERRERS_SOURCE_HASH = "${hash}";
/**
 * ${table.size} hosts (${Object.entries(counts).map(([m, n]) => `${n} ${m}`).join(", ")}): a line per medium letter (o organic,
 * s social, e email, r referral) + source, then hosts; \`.x\` repeats the previous host's first label;
 * \`{}\` stands for a country code (google.{}, {}.search.yahoo.com).
 */
export const REFERRERS = ${JSON.stringify(encoded)};
`;
  const current = existsSync(OUT) ? readFileSync(OUT, "utf8") : "";
  console.log(`referrers: ${full.size} hosts, ${table.size} after pruning (${JSON.stringify(counts)}), ${skipped.paths} path entries, ${skipped.duplicates} repeated hosts and ${skipped.shadowed.length} search hosts under a social network or AI assistant left out; table ${encoded.length} bytes${current === text ? ", unchanged" : check ? ", STALE" : ", written"}`);
  if (process.env.REFERRERS_VERBOSE) for (const s of skipped.shadowed) console.log(`  shadowed: ${s}`);
  if (check) process.exit(current === text ? 0 : 1);
  if (current !== text) writeFileSync(OUT, text);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
