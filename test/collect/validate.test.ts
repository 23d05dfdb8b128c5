import { describe, expect, it } from "vitest";
import { HttpError, type Problem } from "../../src/http/errors";
import type { SiteConfig } from "../../src/sites/config";
import {
  attempt,
  parseEventCurrency,
  parseEventId,
  parseEventTime,
  parseName,
  parseReferrer,
  parseUrl,
  parseValue,
  resolveMoney,
} from "../../src/collect/validate";

const site: SiteConfig = {
  id: "shop",
  domains: ["shop.example"],
  timezone: "UTC",
  currency: "USD",
  privacy: { k: 10, epsilon: null, final_only: false },
  attribution: { click_window_days: 30, view_window_days: 1 },
  goals: [{ name: "purchase", tier: "macro", value: null, currency: null }],
  funnels: [],
  collect: { rate_limit: false, honor_gpc: true },
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof HttpError ? `${err.status} ${err.code} ${err.field ?? ""}`.trim() : "not an HttpError";
  }
  return undefined;
}

describe("field parsers", () => {
  it("names: pageview by default, goals allowed, anything else unknown_event", () => {
    expect(parseName(undefined, site, "n")).toBe("pageview");
    expect(parseName("purchase", site, "n")).toBe("purchase");
    expect(codeOf(() => parseName("refund", site, "n"))).toBe("422 unknown_event n");
    expect(codeOf(() => parseName("x".repeat(65), site, "n"))).toBe("422 invalid_name n");
    expect(codeOf(() => parseName(" purchase", site, "n"))).toBe("422 invalid_name n");
  });

  it("values: finite, ≥ 0, numbers or numeric text", () => {
    expect(parseValue("49.90", "v")).toBe(49.9);
    expect(parseValue(0, "v")).toBe(0);
    expect(parseValue("", "v")).toBeNull();
    for (const bad of [-1, "-1", "abc", Infinity, "1e999", "0x10", true]) expect(codeOf(() => parseValue(bad, "v"))).toBe("422 invalid_value v");
  });

  it("currencies: ISO-4217, case-insensitive", () => {
    expect(parseEventCurrency("eur", "c")).toBe("EUR");
    expect(codeOf(() => parseEventCurrency("EURO", "c"))).toBe("422 invalid_currency c");
    expect(codeOf(() => parseEventCurrency("XYZ", "c"))).toBe("422 invalid_currency c");
  });

  it("event ids: ≤ 128 printable characters; whole numbers as digits", () => {
    expect(parseEventId("order-1001", "i")).toBe("order-1001");
    expect(parseEventId(1001, "i")).toBe("1001");
    expect(parseEventId("x".repeat(128), "i")).toHaveLength(128);
    expect(codeOf(() => parseEventId("x".repeat(129), "i"))).toBe("422 event_id_too_long i");
    expect(codeOf(() => parseEventId("a\nb", "i"))).toBe("422 invalid_event_id i");
    expect(codeOf(() => parseEventId(1.5, "i"))).toBe("422 invalid_event_id i");
  });

  it("URLs: absolute http(s), ≤ 2 KB", () => {
    expect(parseUrl("https://a.example/x", "u")?.hostname).toBe("a.example");
    expect(parseUrl(`https://a.example/${"x".repeat(2048 - 20)}`, "u")).not.toBeNull();
    expect(codeOf(() => parseUrl(`https://a.example/${"x".repeat(2048)}`, "u"))).toBe("422 url_too_long u");
    expect(codeOf(() => parseUrl("/relative", "u"))).toBe("422 invalid_url u");
    expect(codeOf(() => parseUrl("javascript:alert(1)", "u"))).toBe("422 invalid_url u");
  });

  it("referrers: any scheme; unparseable ones count as none; still ≤ 2 KB", () => {
    expect(parseReferrer("android-app://com.google.android.gm/", "r")?.hostname).toBe("com.google.android.gm");
    expect(parseReferrer("not a url", "r")).toBeNull();
    expect(codeOf(() => parseReferrer(`https://a.example/${"x".repeat(2048)}`, "r"))).toBe("422 url_too_long r");
  });

  it("server times: unix seconds or ISO, 7 days back to 5 minutes ahead, missing means now", () => {
    const now = Date.UTC(2026, 10, 28, 12);
    expect(parseEventTime(undefined, now, "t")).toBe(now);
    expect(parseEventTime(now / 1000 - 3600, now, "t")).toBe(now - 3_600_000);
    expect(parseEventTime("2026-11-28T11:00:00Z", now, "t")).toBe(now - 3_600_000);
    expect(parseEventTime(now / 1000 - 7 * 86400 + 1, now, "t")).toBe(now - 7 * 86_400_000 + 1000);
    expect(codeOf(() => parseEventTime(now / 1000 - 7 * 86400 - 1, now, "t"))).toBe("422 time_too_old t");
    expect(parseEventTime(now / 1000 + 300, now, "t")).toBe(now + 300_000);
    expect(codeOf(() => parseEventTime(now / 1000 + 301, now, "t"))).toBe("422 time_in_future t");
    expect(codeOf(() => parseEventTime("yesterday", now, "t"))).toBe("422 invalid_time t");
  });
});

describe("resolveMoney", () => {
  const goal = { name: "signup", tier: "micro" as const, value: 5, currency: "GBP" };
  it("prefers the hit's own value, in its currency or the site's", () => {
    expect(resolveMoney(10, null, goal, "EUR")).toEqual({ value: 10, currency: "EUR" });
    expect(resolveMoney(10, "USD", goal, "EUR")).toEqual({ value: 10, currency: "USD" });
  });
  it("falls back to the goal's default value in the goal's (else the site's) currency", () => {
    expect(resolveMoney(null, "USD", goal, "EUR")).toEqual({ value: 5, currency: "GBP" });
    expect(resolveMoney(null, null, { ...goal, currency: null }, "EUR")).toEqual({ value: 5, currency: "EUR" });
  });
  it("has no money without a value anywhere", () => {
    expect(resolveMoney(null, "USD", undefined, "EUR")).toEqual({ value: null, currency: null });
  });
});

describe("attempt", () => {
  it("records an HttpError as a problem and rethrows anything else", () => {
    const problems: Problem[] = [];
    expect(attempt(problems, 7, () => parseValue(-1, "v"))).toBe(7);
    expect(problems).toEqual([expect.objectContaining({ code: "invalid_value", field: "v" })]);
    expect(() => attempt(problems, 0, () => { throw new TypeError("bug"); })).toThrow(TypeError);
  });
});
