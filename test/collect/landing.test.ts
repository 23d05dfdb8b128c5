import { describe, expect, it } from "vitest";
import { decodeJournal } from "../../src/collect/journal";
import { deriveTouch, deriveUrlTouch } from "../../src/collect/landing";
import { AD_TEMPLATES } from "./ad-templates";

const D = ["shop.example"];
const u = (s: string) => new URL(s);

describe("deriveTouch", () => {
  it("takes utm parameters first, normalised (source/medium lower-cased, campaign kept)", () => {
    const t = deriveTouch(u("https://shop.example/?utm_source=%20Instagram&utm_medium=Social&utm_campaign=Spring%20Sale&utm_content=a&utm_term=b&gclid=x"), u("https://www.google.com/"), D);
    expect(t).toEqual({ touch_kind: "landing", source: "instagram", medium: "social", campaign: "Spring Sale", content: "a", term: "b" });
  });

  it("fills a missing medium/campaign with (none) and a missing utm_source with (not set)", () => {
    expect(deriveTouch(u("https://shop.example/?utm_source=news"), null, D)).toMatchObject({ source: "news", medium: "(none)", campaign: "(none)" });
    expect(deriveTouch(u("https://shop.example/?utm_campaign=x"), null, D)).toMatchObject({ touch_kind: "landing", source: "(not set)", campaign: "x" });
  });

  it("ignores utm values that are personal data", () => {
    expect(deriveTouch(u("https://shop.example/?utm_source=ann@mail.example"), null, D).touch_kind).toBe("direct");
    expect(deriveTouch(u("https://shop.example/?utm_source=sms&utm_campaign=%2B49%20151%2012345678"), null, D)).toMatchObject({ source: "sms", campaign: "(none)" });
  });

  it.each(AD_TEMPLATES)("keeps the numeric campaign, content and term ids of %s", (_p, url, utm) => {
    const t = deriveTouch(u(url), null, D);
    expect(t.touch_kind).toBe("landing");
    expect(t.campaign).toBe(utm.utm_campaign);
    if (utm.utm_content) expect(t.content).toBe(utm.utm_content);
    if (utm.utm_term) expect(t.term).toBe(utm.utm_term);
  });

  it("cuts a long campaign at 200 characters and trims after the cut, as the journal does", () => {
    const long = `${"a".repeat(199)} ${"b".repeat(50)}`;
    const page = deriveTouch(u(`https://shop.example/?utm_source=news&utm_campaign=${encodeURIComponent(long)}`), null, D);
    expect(page.campaign).toBe("a".repeat(199));
    const [fromJournal] = decodeJournal([[1_795_000_000, "news", null, long]]);
    expect(fromJournal!.campaign).toBe(page.campaign);
  });

  it.each([
    ["gclid", "google", "cpc"],
    ["gbraid", "google", "cpc"],
    ["wbraid", "google", "cpc"],
    ["msclkid", "bing", "cpc"],
    ["fbclid", "facebook", "social"],
    ["ttclid", "tiktok", "social"],
    ["li_fat_id", "linkedin", "social"],
    ["twclid", "x", "social"],
  ])("maps click id %s to %s/%s", (param, source, medium) => {
    expect(deriveTouch(u(`https://shop.example/?${param}=abc123`), u("https://elsewhere.example/"), D)).toEqual({
      touch_kind: "landing", source, medium, campaign: "(none)", content: null, term: null,
    });
  });

  it("classifies an external referrer", () => {
    expect(deriveTouch(u("https://shop.example/"), u("https://www.google.de/"), D)).toMatchObject({ touch_kind: "landing", source: "google", medium: "organic", campaign: "(none)" });
    expect(deriveTouch(u("https://shop.example/"), u("https://blog.example/post"), D)).toMatchObject({ touch_kind: "landing", source: "blog.example", medium: "referral" });
  });

  it("classifies webmail as email and an Android app's referrer by its package, on the pageview and in the journal alike", () => {
    expect(deriveTouch(u("https://shop.example/"), u("https://mail.google.com/"), D)).toMatchObject({ source: "gmail", medium: "email" });
    expect(deriveTouch(u("https://shop.example/"), u("android-app://com.google.android.gm/"), D)).toMatchObject({ source: "gmail", medium: "email" });
    // The tracker's journal keeps the referrer's host: for android-app://com.google.android.gm/ the package.
    const [t] = decodeJournal([[1_795_000_000, "com.google.android.gm"]]);
    expect([t!.source, t!.medium]).toEqual(["gmail", "email"]);
  });

  it("treats a referrer inside the site's domains (any subdomain or port) as navigation", () => {
    const none = { touch_kind: null, source: null, medium: null, campaign: null, content: null, term: null };
    expect(deriveTouch(u("https://shop.example/b"), u("https://shop.example/a"), D)).toEqual(none);
    expect(deriveTouch(u("https://shop.example/b"), u("http://www.shop.example:8080/a"), D)).toEqual(none);
  });

  it("makes a hit without referrer direct", () => {
    expect(deriveTouch(u("https://shop.example/"), null, D)).toEqual({ touch_kind: "direct", source: "direct", medium: "(none)", campaign: "(none)", content: null, term: null });
    expect(deriveTouch(null, null, D).touch_kind).toBe("direct");
  });
});

describe("deriveUrlTouch (server events)", () => {
  it("keeps only a URL's campaign touch, never direct", () => {
    expect(deriveUrlTouch(u("https://shop.example/thanks?utm_source=ig&utm_campaign=spring"))).toMatchObject({ touch_kind: "landing", source: "ig" });
    expect(deriveUrlTouch(u("https://shop.example/thanks")).touch_kind).toBeNull();
    expect(deriveUrlTouch(null).touch_kind).toBeNull();
  });
});
