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
    ["news.ycombinator.com", "hacker-news", "social"],
    ["baidu.com", "baidu", "organic"],
    ["x.com", "x", "social"],
    // Webmail is e-mail, not search: the database lists it (issue 9.11).
    ["mail.google.com", "gmail", "email"],
    ["mail.yahoo.com", "yahoo", "email"],
    ["de.mail.yahoo.com", "yahoo", "email"],
    ["mail.naver.com", "naver", "email"],
    ["outlook.live.com", "outlook", "email"],
    // Google's non-search hosts are referrals, Google+ a social network.
    ["accounts.google.com", "accounts.google.com", "referral"],
    ["plus.google.com", "google-plus", "social"],
    // Android apps refer as android-app://<package>: URL.hostname is the package.
    ["com.google.android.gm", "gmail", "email"],
    ["com.google.android.googlequicksearchbox", "google", "organic"],
    ["com.facebook.katana", "facebook", "social"],
    ["com.example.app", "com.example.app", "referral"],
  ])("%s → %s / %s", (host, source, medium) => {
    expect(classifyReferrer(host)).toEqual({ source, medium });
  });

  it("reads an android-app:// referrer by its package", () => {
    expect(classifyReferrer(new URL("android-app://com.google.android.gm/").hostname)).toEqual({ source: "gmail", medium: "email" });
  });

  it("does not mistake look-alike hosts for known ones", () => {
    expect(classifyReferrer("notgoogle.com")).toEqual({ source: "notgoogle.com", medium: "referral" });
    expect(classifyReferrer("google.example.org")).toEqual({ source: "google.example.org", medium: "referral" });
    expect(classifyReferrer("myt.co")).toEqual({ source: "myt.co", medium: "referral" });
  });
});
