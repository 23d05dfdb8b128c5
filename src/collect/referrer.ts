/**
 * Referrer classification (CONTRACT.md: search engines → `organic`, social networks → `social`,
 * webmail → `email`, any other site → `referral`), from Matomo's search engine and social network
 * lists (CC0-1.0) and edgetally's own webmail list and additions (data/referers/, built into
 * referrers.gen.ts by scripts/build-referrers.mjs). Known sites get a short lower-case source name
 * (google, bing, facebook, x, gmail…); any other site keeps its host without `www.`. Android apps
 * referring as `android-app://com.google.android.gm` are hosts of the lists too (Gmail → gmail / email).
 */
import { REFERRERS } from "./referrers.gen";

export type ReferrerMedium = "organic" | "social" | "email" | "referral";

interface Known {
  source: string;
  medium: ReferrerMedium;
}

const MEDIUM: Record<string, ReferrerMedium> = { o: "organic", s: "social", e: "email", r: "referral" };

let table: Map<string, Known> | undefined;

/**
 * The generated table as a map host → classification, built on the first referrer an isolate
 * sees (~870 hosts, well under a millisecond) rather than at start-up, which every request pays.
 * Format (scripts/build-referrers.mjs encodeTable): a line per medium letter + source, then hosts;
 * `.x` repeats the first label of the last host written in full.
 */
function load(): Map<string, Known> {
  const map = new Map<string, Known>();
  for (const line of REFERRERS.split("\n")) {
    const [head = "", ...hosts] = line.split(" ");
    const known: Known = { source: head.slice(1), medium: MEDIUM[head[0] ?? ""] ?? "referral" };
    let stem = "";
    for (const h of hosts) {
      if (h.startsWith(".")) {
        map.set(stem + h, known);
      } else {
        stem = h.slice(0, h.indexOf("."));
        map.set(h, known);
      }
    }
  }
  return map;
}

/** A two-letter label: a country code (every two-letter TLD is one). */
const COUNTRY = /^[a-z]{2}$/;
/** Second-level labels Matomo's `{}` also swallows before a country code (google.co.uk is google.{}). */
const SECOND = new Set(["com", "org", "net", "co", "it", "edu"]);

/**
 * The table keys a host is tried as: itself, then the placeholder forms Matomo's lists write
 * with `{}` for a country code — the TLD (with a com/org/net/co/it/edu label before it) as `.{}`,
 * two-letter labels before it as `{}.` (www.google.co.uk → www.google.{}; de.search.yahoo.com →
 * {}.search.yahoo.com). Same as wildcardsOf in scripts/build-referrers.mjs, which prunes the table
 * by this very lookup.
 */
function keysOf(host: string): string[] {
  const labels = host.split(".");
  const keys = [host];
  let tld: string[] | undefined;
  if (labels.length >= 2 && COUNTRY.test(labels[labels.length - 1]!)) {
    const rest = labels.slice(0, -1);
    if (rest.length >= 2 && SECOND.has(rest[rest.length - 1]!)) rest.pop();
    tld = [...rest, "{}"];
    keys.push(tld.join("."));
  }
  for (const base of tld ? [labels, tld] : [labels]) {
    let changed = false;
    const sub = base.map((l, i) => (i < base.length - 1 && COUNTRY.test(l) ? ((changed = true), "{}") : l));
    if (changed) keys.push(sub.join("."));
  }
  return keys;
}

/**
 * Classifies an external referrer host into the source and medium of its landing touch. The host
 * is looked up, then each parent of it (l.facebook.com, facebook.com), each also in its `{}`
 * forms: a few map look-ups per label, whatever the table's size. The nearest listed host answers,
 * so exceptions (mail.google.com, email; accounts.google.com, a referral) win over their parents
 * (google.com, a search engine).
 */
export function classifyReferrer(host: string): { source: string; medium: ReferrerMedium } {
  const h = host.toLowerCase().replace(/\.$/, "");
  table ??= load();
  for (let d = h; d.includes("."); d = d.slice(d.indexOf(".") + 1)) {
    for (const key of keysOf(d)) {
      const known = table.get(key);
      if (known === undefined) continue;
      if (known.medium === "referral") return { source: h.replace(/^www\./, ""), medium: "referral" };
      return { source: known.source, medium: known.medium };
    }
  }
  return { source: h.replace(/^www\./, ""), medium: "referral" };
}
