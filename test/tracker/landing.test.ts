import { describe, expect, it } from "vitest";
import { CLICK_IDS as COLLECTOR_CLICK_IDS, deriveTouch } from "../../src/collect/landing";
import { CLICK_IDS, landing } from "../../src/tracker/landing";

const T = 1_795_000_000;
const PAGE = "https://shop.example/p";

/** The collector's touch for the same page view, as a journal row (what the tracker must agree with). */
function collectorRow(href: string, referrer: string): unknown[] | undefined {
  const d = deriveTouch(new URL(href), referrer ? new URL(referrer) : null, ["shop.example"]);
  if (d.touch_kind !== "landing") return undefined;
  const row: unknown[] = [T, d.source, d.medium, d.campaign];
  if (d.content !== null || d.term !== null) row.push(d.content, d.term);
  return row;
}

describe("tracker landing: utm parameters", () => {
  it("takes every utm field, trimmed, source and medium lower-cased", () => {
    expect(landing(T, `${PAGE}?utm_source=%20Google%20&utm_medium=CPC&utm_campaign=Spring%20Sale&utm_content=Hero&utm_term=Red+Shoes`, "")).toEqual([
      T,
      "google",
      "cpc",
      "Spring Sale",
      "Hero",
      "Red Shoes",
    ]);
  });

  it("fills missing parts as the collector does: (none), and (not set) for a missing source", () => {
    expect(landing(T, `${PAGE}?utm_source=news`, "")).toEqual([T, "news", "(none)", "(none)"]);
    expect(landing(T, `${PAGE}?utm_campaign=spring`, "")).toEqual([T, "(not set)", "(none)", "spring"]);
  });

  it("wins over a click id and a referrer", () => {
    expect(landing(T, `${PAGE}?gclid=abc&utm_source=mail`, "https://www.google.com/")).toEqual([T, "mail", "(none)", "(none)"]);
  });
});

describe("tracker landing: click ids", () => {
  it("knows the collector's click ids, in the same order", () => {
    expect(CLICK_IDS).toEqual(COLLECTOR_CLICK_IDS.map(([id]) => id));
  });

  it.each(COLLECTOR_CLICK_IDS.map(([id, source, medium]) => [id, source, medium]))("%s → %s/%s", (id, source, medium) => {
    expect(landing(T, `${PAGE}?${id}=x1`, "")).toEqual([T, source, medium, "(none)"]);
  });

  it("takes the first click id in the contract's order, not the URL's", () => {
    expect(landing(T, `${PAGE}?fbclid=1&gclid=2`, "")).toEqual([T, "google", "cpc", "(none)"]);
  });
});

describe("tracker landing: referrers", () => {
  it.each([
    ["https://www.google.com/", "google", "organic"],
    ["https://www.google.co.uk/search?q=x", "google", "organic"],
    ["https://duckduckgo.com/", "duckduckgo", "organic"],
    ["https://search.yahoo.com/", "yahoo", "organic"],
    ["https://l.facebook.com/l.php?u=x", "facebook", "social"],
    ["https://www.instagram.com/", "instagram", "social"],
    ["https://www.linkedin.com/feed/", "linkedin", "social"],
    ["https://t.co/abc", "x", "social"],
    ["https://twitter.com/someone", "x", "social"],
    ["https://x.com/someone", "x", "social"],
    ["https://www.reddit.com/r/x", "reddit", "social"],
    ["https://news.example.org/story", "news.example.org", "referral"],
    ["https://www.blog.example:8443/post", "blog.example", "referral"],
  ])("%s → %s/%s, as the collector has it", (referrer, source, medium) => {
    expect(landing(T, PAGE, referrer)).toEqual([T, source, medium, "(none)"]);
    expect(landing(T, PAGE, referrer)).toEqual(collectorRow(PAGE, referrer));
  });

  it.each([
    ["", "no referrer"],
    ["https://shop.example/other", "the same host"],
    ["https://www.shop.example/", "its www host"],
    ["https://blog.shop.example/post", "a subdomain"],
    ["http://shop.example:8080/x", "another port"],
  ])("is no landing from %j (%s)", (referrer) => {
    expect(landing(T, PAGE, referrer)).toBeFalsy();
  });

  it("treats the site's parent domain as the site (the tracker cannot know the site's domains)", () => {
    expect(landing(T, "https://blog.shop.example/", "https://shop.example/")).toBeFalsy();
  });

  it("matches whole labels only", () => {
    expect(landing(T, PAGE, "https://notgoogle.com/")).toEqual([T, "notgoogle.com", "referral", "(none)"]);
    expect(landing(T, PAGE, "https://xbox.com/")).toEqual([T, "xbox.com", "referral", "(none)"]);
  });
});
