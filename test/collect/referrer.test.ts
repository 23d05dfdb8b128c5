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
    // Webmail is e-mail, not search: edgetally's own list (data/referers/email.yml, issue 9.11).
    ["mail.google.com", "gmail", "email"],
    ["mail.yahoo.com", "yahoo", "email"],
    ["de.mail.yahoo.com", "yahoo", "email"],
    ["mail.naver.com", "naver", "email"],
    ["outlook.live.com", "outlook", "email"],
    // Google's non-search hosts are referrals, Google+ a social network.
    ["accounts.google.com", "accounts.google.com", "referral"],
    ["plus.google.com", "google-plus", "social"],
    // Social networks of Matomo's list, under edgetally's short names.
    ["github.com", "github", "social"],
    ["vimeo.com", "vimeo", "social"],
    ["weibo.com", "weibo", "social"],
    ["vk.com", "vk", "social"],
    ["odnoklassniki.ru", "odnoklassniki", "social"],
    ["www.threads.net", "threads", "social"],
    ["bsky.app", "bluesky", "social"],
    // Matomo lists www.facebook.com as a search engine too (its search page); a host sees a social network.
    ["www.facebook.com", "facebook", "social"],
    // {} placeholders: any country's Google, Yandex, Yahoo.
    ["www.google.co.jp", "google", "organic"],
    ["google.com.au", "google", "organic"],
    ["news.google.de", "google", "organic"],
    ["yandex.com.tr", "yandex", "organic"],
    ["fr.search.yahoo.com", "yahoo", "organic"],
    // AI assistants are known but no campaign medium: referrals, even under a search engine's domain.
    ["gemini.google.com", "gemini.google.com", "referral"],
    ["chatgpt.com", "chatgpt.com", "referral"],
    ["www.perplexity.ai", "perplexity.ai", "referral"],
    // edgetally's own webmail list, searched before the search engines (mail.yandex.ru under yandex.{}).
    ["mail.yandex.ru", "yandex", "email"],
    ["e.mail.ru", "mail.ru", "email"],
    ["mail.qq.com", "qq", "email"],
    ["deref-gmx.net", "gmx", "email"],
    ["outlook.office.com", "outlook", "email"],
    ["www.icloud.com", "icloud", "email"],
    ["docs.google.com", "docs.google.com", "referral"],
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
