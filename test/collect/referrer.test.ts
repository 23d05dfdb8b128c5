import { describe, expect, it } from "vitest";
import { classifyReferrer } from "../../src/collect/referrer";

describe("classifyReferrer", () => {
  it.each([
    ["www.google.com", "google", "organic"],
    ["www.google.co.uk", "google", "organic"],
    ["google.de", "google", "organic"],
    ["www.bing.com", "bing", "organic"],
    ["duckduckgo.com", "duckduckgo", "organic"],
    ["search.yahoo.com", "yahoo", "organic"],
    ["yandex.ru", "yandex", "organic"],
    ["search.brave.com", "brave", "organic"],
    ["l.facebook.com", "facebook", "social"],
    ["m.facebook.com", "facebook", "social"],
    ["l.instagram.com", "instagram", "social"],
    ["t.co", "x", "social"],
    ["twitter.com", "x", "social"],
    ["www.linkedin.com", "linkedin", "social"],
    ["lnkd.in", "linkedin", "social"],
    ["out.reddit.com", "reddit", "social"],
    ["www.youtube.com", "youtube", "social"],
    ["WWW.Blog.Example.", "blog.example", "referral"],
    ["news.ycombinator.com", "news.ycombinator.com", "referral"],
  ])("%s → %s / %s", (host, source, medium) => {
    expect(classifyReferrer(host)).toEqual({ source, medium });
  });

  it("does not mistake look-alike hosts for known ones", () => {
    expect(classifyReferrer("notgoogle.com")).toEqual({ source: "notgoogle.com", medium: "referral" });
    expect(classifyReferrer("google.example.org")).toEqual({ source: "google.example.org", medium: "referral" });
    expect(classifyReferrer("myt.co")).toEqual({ source: "myt.co", medium: "referral" });
  });
});
