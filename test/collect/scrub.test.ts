import { describe, expect, it } from "vitest";
import { hasEmail, isPiiKey, looksLikePhone, scrubUrl } from "../../src/collect/scrub";
import { AD_TEMPLATES } from "./ad-templates";

const scrub = (u: string) => scrubUrl(new URL(u)).href;

describe("scrubUrl", () => {
  it("removes values of PII keys, whatever their case or separators", () => {
    expect(scrub("https://a.example/p?email=x&E-Mail=y&first_name=Ann&LastName=B&phone=1&token=t&keep=1")).toBe("https://a.example/p?keep=1");
    expect(scrub("https://a.example/?customer_email=x&reset_token=y&password=z&ssn=1&q=shoes")).toBe("https://a.example/?q=shoes");
  });

  it("removes e-mail addresses and phone numbers under any key, encoded or not", () => {
    expect(scrub("https://a.example/?ref=ann%40mail.example&x=1")).toBe("https://a.example/?x=1");
    expect(scrub("https://a.example/?who=ann@mail.example")).toBe("https://a.example/");
    expect(scrub("https://a.example/?c=%2B49%20170%201234567&d=(555)%20123-4567&size=42")).toBe("https://a.example/?size=42");
  });

  it("keeps utm parameters and ordinary values", () => {
    const u = "https://a.example/p?utm_source=ig&utm_medium=social&utm_campaign=spring&page=2";
    expect(scrub(u)).toBe(u);
  });

  it("drops click and subscriber identifiers, credentials and the fragment", () => {
    expect(scrub("https://user:pw@a.example/p?gclid=abc&fbclid=def&mc_eid=123abc&x=1#access_token=zzz")).toBe("https://a.example/p?x=1");
  });

  it("replaces path segments holding an e-mail address", () => {
    expect(scrub("https://a.example/users/ann@mail.example/orders")).toBe("https://a.example/users/redacted/orders");
    expect(scrub("https://a.example/u/ann%40mail.example")).toBe("https://a.example/u/redacted");
  });
});


describe("scrubUrl keeps ad platforms' numeric ids", () => {
  it.each(AD_TEMPLATES)("%s", (_platform, url, utm) => {
    const kept = scrubUrl(new URL(url)).searchParams;
    for (const [k, v] of Object.entries(utm)) expect(kept.get(k), k).toBe(v);
    for (const id of ["gclid", "gbraid", "msclkid", "fbclid", "li_fat_id"]) expect(kept.has(id)).toBe(false);
  });

  it("still drops phone-shaped values and phone-named keys next to them", () => {
    const kept = scrubUrl(new URL("https://shop.example/?utm_campaign=20512345678&c=%2B4915112345678&d=0151-1234567&mobile=015112345678&tel=4915112345678")).searchParams;
    expect([...kept.keys()]).toEqual(["utm_campaign"]);
  });
});

describe("PII detectors", () => {
  it.each([
    ["ann@mail.example", true],
    ["mail me: ann.b+tag@sub.mail.co.uk please", true],
    ["@handle", false],
    ["a@b", false],
  ])("hasEmail(%j) = %s", (v, want) => expect(hasEmail(v)).toBe(want));

  it.each([
    ["+49 170 1234567", true],
    ["(555) 123-4567", true],
    ["5551234567", false],
    ["+15551234567", true],
    ["555-123-4567", true],
    ["0170 1234567", true],
    ["tel:+15551234567", true],
    ["12345", false],
    ["2026-11-28", false],
    ["order-1001", false],
    ["1234567890123456789", false],
    ["127.0.0.1", false],
    ["203.0.113.255", false],
    ["555.123.4567", true],
  ])("looksLikePhone(%j) = %s", (v, want) => expect(looksLikePhone(v)).toBe(want));

  it.each([
    ["email", true],
    ["Phone_Number", true],
    ["utm_campaign", false],
    ["page", false],
    ["access-token", true],
  ])("isPiiKey(%j) = %s", (k, want) => expect(isPiiKey(k)).toBe(want));
});
