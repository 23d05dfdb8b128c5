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

// Builders keep the table short in the bundle: (source, …domains).
const organic = (source: string, ...domains: string[]): Known => ({ source, medium: "organic", domains });
const social = (source: string, ...domains: string[]): Known => ({ source, medium: "social", domains });

const KNOWN: Known[] = [
  organic("google", "google.*"),
  organic("bing", "bing.com", "cn.bing.com"),
  organic("duckduckgo", "duckduckgo.com", "ddg.gg"),
  organic("yahoo", "yahoo.*", "search.yahoo.com"),
  organic("yandex", "yandex.*", "ya.ru"),
  organic("baidu", "baidu.com"),
  organic("ecosia", "ecosia.org"),
  organic("qwant", "qwant.com"),
  organic("brave", "search.brave.com"),
  organic("startpage", "startpage.com"),
  organic("kagi", "kagi.com"),
  organic("naver", "naver.com"),
  organic("seznam", "seznam.cz"),
  organic("sogou", "sogou.com"),
  organic("aol", "search.aol.com"),
  social("facebook", "facebook.com", "fb.com", "fb.me", "messenger.com"),
  social("instagram", "instagram.com"),
  social("x", "x.com", "twitter.com", "t.co"),
  social("linkedin", "linkedin.com", "lnkd.in"),
  social("pinterest", "pinterest.*", "pin.it"),
  social("reddit", "reddit.com", "redd.it"),
  social("tiktok", "tiktok.com"),
  social("youtube", "youtube.com", "youtu.be"),
  social("snapchat", "snapchat.com"),
  social("threads", "threads.net", "threads.com"),
  social("bluesky", "bsky.app"),
  social("mastodon", "mastodon.social"),
  social("tumblr", "tumblr.com"),
  social("vk", "vk.com"),
  social("weibo", "weibo.com"),
  social("quora", "quora.com"),
  social("whatsapp", "whatsapp.com", "wa.me"),
  social("telegram", "telegram.org", "t.me"),
  social("discord", "discord.com", "discord.gg"),
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
