import { describe, expect, it } from "vitest";
import { originAllowed, originHost } from "../../src/collect/origin";

const D = ["shop.example", "localhost"];

describe("origin rule", () => {
  it("uses Origin, else Referer, else the page URL", () => {
    expect(originHost("https://a.example", "https://b.example/x", "https://c.example/")).toBe("a.example");
    expect(originHost(null, "https://b.example/x", "https://c.example/")).toBe("b.example");
    expect(originHost(null, null, "https://c.example/")).toBe("c.example");
    expect(originHost("null", null, "https://c.example/")).toBe("c.example");
  });

  it("accepts the site's domains and subdomains on any port", () => {
    expect(originAllowed(D, "https://shop.example", null, null)).toBe(true);
    expect(originAllowed(D, "https://www.shop.example:8443", null, null)).toBe(true);
    expect(originAllowed(D, "http://localhost:5173", null, null)).toBe(true);
    expect(originAllowed(D, null, "https://m.shop.example/p", null)).toBe(true);
  });

  it("refuses other origins, even when a later source would match", () => {
    expect(originAllowed(D, "https://evil.example", "https://shop.example/", "https://shop.example/")).toBe(false);
    expect(originAllowed(D, null, "https://notshop.example/", "https://shop.example/")).toBe(false);
    expect(originAllowed(D, null, null, "https://shop.example.evil.example/")).toBe(false);
  });

  it("lets a hit with no origin at all pass (an e-mail pixel)", () => {
    expect(originAllowed(D, null, null, null)).toBe(true);
  });
});
