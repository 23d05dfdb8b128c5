// The referrer table against the database it is built from: Snowplow's referer-parser
// (data/referers/referers.yml) and edgetally's additions (data/referers/local.yml).
import { describe, expect, it } from "vitest";
import localYml from "../../data/referers/local.yml?raw";
import referersYml from "../../data/referers/referers.yml?raw";
import { classifyReferrer } from "../../src/collect/referrer";
import { REFERRERS_SOURCE_HASH } from "../../src/collect/referrers.gen";

/** [category, engine name, domain] of a referers.yml, parsed independently of the build script. */
function entries(text: string): [string, string, string][] {
  const out: [string, string, string][] = [];
  let category = "";
  let name = "";
  let inDomains = false;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/(^|\s)#.*$/, "").trimEnd();
    if (line.trim() === "") continue;
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (indent === 0) [category, name, inDomains] = [body.replace(/:$/, ""), "", false];
    else if (indent === 2) [name, inDomains] = [body.replace(/:$/, ""), false];
    else if (body.endsWith(":")) inDomains = body === "domains:";
    else if (inDomains && body.startsWith("- ")) out.push([category, name, body.slice(2).trim().toLowerCase()]);
  }
  return out;
}

const MEDIUM: Record<string, string> = { search: "organic", social: "social", email: "email" };
const DB = entries(referersYml);
const LOCAL = entries(localYml);
/** A host listed twice answers as its first listing (the build keeps the first). */
const FIRST = new Map<string, string>();
for (const [category, , domain] of [...DB, ...LOCAL]) if (!FIRST.has(domain)) FIRST.set(domain, category);

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("the referrer table (src/collect/referrers.gen.ts)", () => {
  it("is built from the current data files (run `node scripts/build-referrers.mjs` when this fails)", async () => {
    expect(await sha256Hex(`${referersYml}\0${localYml}\0`)).toBe(REFERRERS_SOURCE_HASH);
  });

  it("classifies every host of the database into its category's medium", () => {
    const hosts = DB.filter(([, , d]) => !d.includes("/"));
    // The database as it was adopted (2025-11): a real, large file, not an empty parse.
    expect(hosts.length).toBeGreaterThan(1800);
    const wrong: string[] = [];
    const tally: Record<string, [ok: number, all: number]> = {};
    for (const [category, name, domain] of hosts) {
      const want = MEDIUM[FIRST.get(domain)!] ?? "referral";
      const got = classifyReferrer(domain);
      const t = (tally[category] ??= [0, 0]);
      t[1]++;
      if (got.medium === want) t[0]++;
      else wrong.push(`${domain} (${category} ${name}) → ${got.source}/${got.medium}`);
      // A named source is short, lower-case and has no spaces; a referral keeps its host.
      if (want !== "referral") expect(got.source).toMatch(/^[^\sA-Z]+$/);
      else expect(got.source).toBe(domain.replace(/^www\./, ""));
    }
    console.log(`referrer coverage by host: ${JSON.stringify(tally)}`);
    expect(wrong).toEqual([]);
  });

  it("covers every search engine, social network and webmail of the database by its first host", () => {
    const engines = new Map<string, string>();
    for (const [category, name, domain] of DB) {
      if (MEDIUM[category] && !domain.includes("/") && !engines.has(`${category}\0${name}`)) engines.set(`${category}\0${name}`, domain);
    }
    const tally: Record<string, [ok: number, all: number]> = {};
    for (const [key, domain] of engines) {
      const category = key.split("\0")[0]!;
      const t = (tally[category] ??= [0, 0]);
      t[1]++;
      if (classifyReferrer(domain).medium === MEDIUM[FIRST.get(domain)!]) t[0]++;
    }
    console.log(`referrer coverage by engine (first host): ${JSON.stringify(tally)}`);
    for (const [ok, all] of Object.values(tally)) expect(ok).toBe(all);
    expect(tally.search![1]).toBeGreaterThan(200);
    expect(tally.social![1]).toBeGreaterThan(80);
    expect(tally.email![1]).toBeGreaterThan(40);
  });

  it("classifies edgetally's own additions", () => {
    for (const [category, , domain] of LOCAL) {
      if (FIRST.get(domain) === category) expect(classifyReferrer(domain).medium, domain).toBe(MEDIUM[category]);
    }
  });
});
