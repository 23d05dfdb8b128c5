/**
 * Referrer classification (CONTRACT.md: search engines → `organic`, social networks → `social`,
 * webmail → `email`, any other site → `referral`), from Snowplow's referer-parser database
 * (data/referers/, built into referrers.gen.ts by scripts/build-referrers.mjs). Known sites get a
 * short lower-case source name (google, bing, facebook, x, gmail…); any other site keeps its host
 * without `www.`. Android apps referring as `android-app://com.google.android.gm` are hosts of the
 * database too (Gmail → gmail / email).
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
 * sees (~900 hosts, well under a millisecond) rather than at start-up, which every request pays.
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

/**
 * Classifies an external referrer host into the source and medium of its landing touch. The host
 * is looked up, then each parent of it (l.facebook.com, facebook.com): a few map look-ups, one per
 * label, whatever the table's size. The nearest listed host answers, so the database's exceptions
 * (accounts.google.com, a referral) win over their parents (google.com, a search engine).
 */
export function classifyReferrer(host: string): { source: string; medium: ReferrerMedium } {
  const h = host.toLowerCase().replace(/\.$/, "");
  table ??= load();
  for (let d = h; d.includes("."); d = d.slice(d.indexOf(".") + 1)) {
    const known = table.get(d);
    if (known === undefined) continue;
    if (known.medium === "referral") break;
    return { source: known.source, medium: known.medium };
  }
  return { source: h.replace(/^www\./, ""), medium: "referral" };
}
