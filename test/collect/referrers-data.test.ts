// The referrer table against the lists it is built from (data/referers/): Matomo's search engines,
// social networks and AI assistants (CC0-1.0) and edgetally's own webmail list and additions.
// The lists are parsed here independently of scripts/build-referrers.mjs, and every host of them,
// with Matomo's `{}` country placeholders filled in, must classify as its list says.
import { describe, expect, it } from "vitest";
import aiYml from "../../data/referers/AIAssistants.yml?raw";
import emailYml from "../../data/referers/email.yml?raw";
import localYml from "../../data/referers/local.yml?raw";
import searchYml from "../../data/referers/SearchEngines.yml?raw";
import socialYml from "../../data/referers/Socials.yml?raw";
import { classifyReferrer } from "../../src/collect/referrer";
import { REFERRERS, REFERRERS_SOURCE_HASH } from "../../src/collect/referrers.gen";

type Entry = { list: string; category: string; name: string; host: string };

const unquote = (s: string) => s.trim().replace(/^(["'])(.*)\1$/, "$2");

/** Every `- item` of a YAML list of the given key, by indentation; `category` fixed or from indent 0. */
function entries(list: string, text: string, shape: "flat" | "grouped" | "engines", fixed = ""): Entry[] {
  const out: Entry[] = [];
  let category = fixed;
  let name = "";
  let inUrls = shape !== "engines";
  for (const raw of text.split("\n")) {
    const line = raw.replace(/(^|\s)#.*$/, "").trimEnd();
    if (line.trim() === "") continue;
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (shape === "grouped" && indent === 0) category = body.replace(/:$/, "");
    else if (indent === (shape === "grouped" ? 2 : 0)) [name, inUrls] = [unquote(body.replace(/:$/, "")), shape !== "engines"];
    else if (shape === "engines" && !body.startsWith("- ") || body === "- urls:") inUrls = /(^|- )urls:$/.test(body);
    else if (shape === "engines" && body.startsWith("- ") && indent === 2) inUrls = false;
    else if (inUrls && body.startsWith("- ")) out.push({ list, category, name, host: unquote(body.slice(2)).toLowerCase() });
  }
  return out;
}

const EMAIL = entries("email", emailYml, "flat", "email");
const LOCAL = entries("local", localYml, "grouped");
const SOCIAL = entries("social", socialYml, "flat", "social");
const AI = entries("ai", aiYml, "flat", "referral");
const SEARCH = entries("search", searchYml, "engines", "search");
/** Precedence order, as the build reads them: a host listed twice answers as its first listing. */
const ALL = [...EMAIL, ...LOCAL, ...SOCIAL, ...AI, ...SEARCH].filter((e) => !e.host.includes("/"));
const FIRST = new Map<string, Entry>();
for (const e of ALL) if (!FIRST.has(e.host)) FIRST.set(e.host, e);

const MEDIUM: Record<string, string> = { search: "organic", social: "social", email: "email", referral: "referral" };

/** A listed host as real hosts: `{}` is a country code, as a TLD also a combined one (co.uk, com.br). */
function instances(host: string): string[] {
  if (!host.includes("{}")) return [host];
  const tlds = host.endsWith(".{}") ? ["de", "co.uk", "com.br", "jp"] : ["de"];
  return tlds.map((tld) => host.replace(/\.\{\}$/, `.${tld}`).replace(/\{\}/g, "de"));
}

/** What a host of the lists must classify as: its first listing, except a search engine's host under a social network or AI assistant. */
function expected(host: string, listed: string): Entry {
  const first = FIRST.get(listed)!;
  if (first.list === "search") {
    for (let d = host; d.includes("."); d = d.slice(d.indexOf(".") + 1)) {
      const above = FIRST.get(d);
      if (above && (above.list === "social" || above.list === "ai")) return above;
    }
  }
  return first;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("the referrer table (src/collect/referrers.gen.ts)", () => {
  it("is built from the current data files (run `node scripts/build-referrers.mjs` when this fails)", async () => {
    const files = [emailYml, localYml, socialYml, aiYml, searchYml];
    expect(await sha256Hex(files.map((t) => `${t}\0`).join(""))).toBe(REFERRERS_SOURCE_HASH);
  });

  it("classifies every host of every list, placeholders filled in, into its list's medium", () => {
    // The lists as adopted (Matomo 2026-07, edgetally's own): real, large files, not an empty parse.
    expect(SEARCH.length).toBeGreaterThan(600);
    expect(SOCIAL.length).toBeGreaterThan(200);
    expect(EMAIL.length).toBeGreaterThan(100);
    const wrong: string[] = [];
    const tally: Record<string, [ok: number, all: number]> = {};
    for (const e of ALL) {
      for (const host of instances(e.host)) {
        const want = expected(host, e.host);
        const got = classifyReferrer(host);
        const t = (tally[e.list] ??= [0, 0]);
        t[1]++;
        if (got.medium === MEDIUM[want.category]) t[0]++;
        else wrong.push(`${host} (${e.list} ${e.name}) → ${got.source}/${got.medium}, want ${MEDIUM[want.category]}`);
        // A named source is short, lower-case and has no spaces; a referral keeps its host.
        if (got.medium !== "referral") expect(got.source, host).toMatch(/^[^\sA-Z]+$/);
        else expect(got.source, host).toBe(host.replace(/^www\./, ""));
      }
    }
    console.log(`referrer coverage by host: ${JSON.stringify(tally)}`);
    expect(wrong).toEqual([]);
  });

  it("covers every search engine, social network and webmail service of the lists by its first host", () => {
    const first = new Map<string, Entry>();
    for (const e of [...SEARCH, ...SOCIAL, ...EMAIL]) if (!e.host.includes("/") && !first.has(`${e.list}\0${e.name}`)) first.set(`${e.list}\0${e.name}`, e);
    const tally: Record<string, [ok: number, all: number]> = {};
    for (const e of first.values()) {
      const t = (tally[e.list] ??= [0, 0]);
      t[1]++;
      const host = instances(e.host)[0]!;
      if (classifyReferrer(host).medium === MEDIUM[expected(host, e.host).category]) t[0]++;
    }
    console.log(`referrer coverage by engine (first host): ${JSON.stringify(tally)}`);
    for (const [ok, all] of Object.values(tally)) expect(ok).toBe(all);
    expect(tally.search![1]).toBeGreaterThan(280);
    expect(tally.social![1]).toBeGreaterThan(85);
    expect(tally.email![1]).toBeGreaterThanOrEqual(50);
  });

  it("names each webmail service as edgetally's list does, lower-cased (Gmail → gmail, Web.de → web.de)", () => {
    for (const e of EMAIL) {
      expect(classifyReferrer(e.host), e.host).toEqual({ source: e.name.toLowerCase().replace(/\s+/g, "-"), medium: "email" });
    }
  });

  it("classifies edgetally's own additions, Android packages and Google's non-search hosts included", () => {
    expect(LOCAL.length).toBeGreaterThan(40);
    for (const e of LOCAL) expect(classifyReferrer(e.host).medium, e.host).toBe(MEDIUM[e.category]);
    expect(LOCAL.filter((e) => e.category === "referral").length).toBeGreaterThan(15);
  });

  it("fills Matomo's {} placeholders with a country code, a combined TLD or a country subdomain", () => {
    for (const host of ["google.de", "www.google.co.uk", "google.com.br", "news.google.co.jp", "google.co"]) {
      expect(classifyReferrer(host), host).toEqual({ source: "google", medium: "organic" });
    }
    expect(classifyReferrer("de.search.yahoo.com")).toEqual({ source: "yahoo", medium: "organic" });
    expect(classifyReferrer("images.fr.ask.com")).toEqual({ source: "ask", medium: "organic" });
    expect(classifyReferrer("yandex.kz")).toEqual({ source: "yandex", medium: "organic" });
    // Only a country code fills a placeholder: a longer TLD, or a host that merely contains one, is not.
    for (const host of ["google.example", "google.museum", "google.evil.de", "google.de.evil.com", "xx.google.evil.com", "search.yahoo.evil.com"]) {
      expect(classifyReferrer(host), host).toEqual({ source: host.replace(/^www\./, ""), medium: "referral" });
    }
  });

  it("keeps the table small and free of unexpanded junk", () => {
    // ~17 kB today; a limit so an accidental expansion of the placeholders shows here.
    expect(REFERRERS.length).toBeLessThan(24_000);
    expect(REFERRERS).not.toMatch(/[A-Z\t]|\/|\s\s/);
  });
});
