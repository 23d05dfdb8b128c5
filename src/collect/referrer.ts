/**
 * Referrer classification (CONTRACT.md: search engines → `organic`, social networks → `social`,
 * any other site → `referral`). Known sites get a short source name (google, facebook, x…);
 * any other site keeps its host without `www.`.
 */

export type ReferrerMedium = "organic" | "social" | "referral";

interface Known {
  source: string;
  medium: "organic" | "social";
  /** registrable domains; `name.*` matches any public suffix (google.de, google.co.uk) */
  domains: string[];
}

const KNOWN: Known[] = [
  { source: "google", medium: "organic", domains: ["google.*"] },
  { source: "bing", medium: "organic", domains: ["bing.com", "cn.bing.com"] },
  { source: "duckduckgo", medium: "organic", domains: ["duckduckgo.com", "ddg.gg"] },
  { source: "yahoo", medium: "organic", domains: ["yahoo.*", "search.yahoo.com"] },
  { source: "yandex", medium: "organic", domains: ["yandex.*", "ya.ru"] },
  { source: "baidu", medium: "organic", domains: ["baidu.com"] },
  { source: "ecosia", medium: "organic", domains: ["ecosia.org"] },
  { source: "qwant", medium: "organic", domains: ["qwant.com"] },
  { source: "brave", medium: "organic", domains: ["search.brave.com"] },
  { source: "startpage", medium: "organic", domains: ["startpage.com"] },
  { source: "kagi", medium: "organic", domains: ["kagi.com"] },
  { source: "naver", medium: "organic", domains: ["naver.com"] },
  { source: "seznam", medium: "organic", domains: ["seznam.cz"] },
  { source: "sogou", medium: "organic", domains: ["sogou.com"] },
  { source: "aol", medium: "organic", domains: ["search.aol.com"] },
  { source: "facebook", medium: "social", domains: ["facebook.com", "fb.com", "fb.me", "messenger.com"] },
  { source: "instagram", medium: "social", domains: ["instagram.com"] },
  { source: "x", medium: "social", domains: ["x.com", "twitter.com", "t.co"] },
  { source: "linkedin", medium: "social", domains: ["linkedin.com", "lnkd.in"] },
  { source: "pinterest", medium: "social", domains: ["pinterest.*", "pin.it"] },
  { source: "reddit", medium: "social", domains: ["reddit.com", "redd.it"] },
  { source: "tiktok", medium: "social", domains: ["tiktok.com"] },
  { source: "youtube", medium: "social", domains: ["youtube.com", "youtu.be"] },
  { source: "snapchat", medium: "social", domains: ["snapchat.com"] },
  { source: "threads", medium: "social", domains: ["threads.net", "threads.com"] },
  { source: "bluesky", medium: "social", domains: ["bsky.app"] },
  { source: "mastodon", medium: "social", domains: ["mastodon.social"] },
  { source: "tumblr", medium: "social", domains: ["tumblr.com"] },
  { source: "vk", medium: "social", domains: ["vk.com"] },
  { source: "weibo", medium: "social", domains: ["weibo.com"] },
  { source: "quora", medium: "social", domains: ["quora.com"] },
  { source: "whatsapp", medium: "social", domains: ["whatsapp.com", "wa.me"] },
  { source: "telegram", medium: "social", domains: ["telegram.org", "t.me"] },
  { source: "discord", medium: "social", domains: ["discord.com", "discord.gg"] },
];

// `name.*`: the name followed by a public suffix of one or two short labels (de, com, co.uk, com.au).
const ANY_SUFFIX = String.raw`\.(?:[a-z]{2,3}|(?:co|com|org|net|ac|gov|edu)\.[a-z]{2})$`;

function matcher(domain: string): (host: string) => boolean {
  if (domain.endsWith(".*")) {
    const re = new RegExp(String.raw`(?:^|\.)${domain.slice(0, -2).replace(/\./g, "\\.")}${ANY_SUFFIX}`);
    return (h) => re.test(h);
  }
  return (h) => h === domain || h.endsWith(`.${domain}`);
}

const MATCHERS = KNOWN.map((k) => ({ ...k, test: k.domains.map(matcher) }));

/** Classifies an external referrer host into the source and medium of its landing touch. */
export function classifyReferrer(host: string): { source: string; medium: ReferrerMedium } {
  const h = host.toLowerCase().replace(/\.$/, "");
  for (const k of MATCHERS) {
    if (k.test.some((t) => t(h))) return { source: k.source, medium: k.medium };
  }
  return { source: h.replace(/^www\./, ""), medium: "referral" };
}
