import { describe, expect, it } from "vitest";
import { HttpError } from "../../src/http/errors";
import { limitsOf, parseNewSite, patchSite, periodOf, withDefaults, type SiteConfig } from "../../src/sites/config";
import { ALIASES_MAX } from "../../src/schemas/site";

function fail(fn: () => unknown): { code: string; field?: string } | null {
  try {
    fn();
  } catch (e) {
    if (e instanceof HttpError) return { code: e.code, field: e.field };
    throw e;
  }
  return null;
}

const base = { id: "shop", domains: ["shop.example"], goals: [{ name: "purchase" }, { name: "signup", tier: "micro" }] };

describe("site v1.1 fields", () => {
  it("defaults privacy.period, limits and aliases on create", () => {
    const s = parseNewSite(base);
    expect(s.privacy.period).toBe("auto");
    expect(s.limits).toEqual({ touches_per_day: 5000, collect_per_minute: 600 });
    expect(s.aliases).toEqual({});
    // v1 fields keep their defaults and stay accepted.
    expect(s.collect).toEqual({ rate_limit: false, honor_gpc: true });
  });

  it("accepts and stores them", () => {
    const s = parseNewSite({
      ...base,
      privacy: { period: "day" },
      limits: { touches_per_day: 1, collect_per_minute: 0 },
      aliases: { "Order Completed": "purchase", "Page Viewed": "pageview" },
      collect: { rate_limit: true, honor_gpc: false },
    });
    expect(s.privacy).toEqual({ k: 10, epsilon: null, final_only: false, period: "day" });
    expect(s.limits).toEqual({ touches_per_day: 1, collect_per_minute: 0 });
    expect(s.aliases).toEqual({ "Order Completed": "purchase", "Page Viewed": "pageview" });
    expect(s.collect).toEqual({ rate_limit: true, honor_gpc: false });
  });

  it.each([
    [{ privacy: { period: "week" } }, "invalid_period", "privacy.period"],
    [{ limits: [] }, "invalid_limits", "limits"],
    [{ limits: { touches_per_day: -1 } }, "out_of_range", "limits.touches_per_day"],
    [{ limits: { collect_per_minute: 1.5 } }, "out_of_range", "limits.collect_per_minute"],
    [{ limits: { collect_per_minute: "600" } }, "out_of_range", "limits.collect_per_minute"],
    [{ limits: { touches_per_day: 1e10 } }, "out_of_range", "limits.touches_per_day"],
    [{ limits: { per_hour: 5 } }, "unknown_field", "limits.per_hour"],
    [{ aliases: ["purchase"] }, "invalid_aliases", "aliases"],
    [{ aliases: { "Order Completed": 5 } }, "invalid_alias", "aliases.Order Completed"],
    [{ aliases: { ["x".repeat(65)]: "purchase" } }, "invalid_alias", `aliases.${"x".repeat(65)}`],
    [{ aliases: { " padded": "purchase" } }, "invalid_alias", "aliases. padded"],
    [{ aliases: { "Order Completed": "refund" } }, "unknown_alias_target", "aliases.Order Completed"],
    [{ aliases: { purchase: "signup" } }, "alias_conflict", "aliases.purchase"],
    [{ aliases: { pageview: "purchase" } }, "alias_conflict", "aliases.pageview"],
    [{ aliases: Object.fromEntries(Array.from({ length: ALIASES_MAX + 1 }, (_, i) => [`e${i}`, "purchase"])) }, "too_many", "aliases"],
  ])("refuses %j with %s at %s", (patch, code, field) => {
    expect(fail(() => parseNewSite({ ...base, ...patch }))).toEqual({ code, field });
  });

  it("allows exactly ALIASES_MAX aliases", () => {
    const aliases = Object.fromEntries(Array.from({ length: ALIASES_MAX }, (_, i) => [`e${i}`, "purchase"]));
    expect(Object.keys(parseNewSite({ ...base, aliases }).aliases!)).toHaveLength(ALIASES_MAX);
  });

  it("PATCH merges limits and privacy, replaces aliases, and re-checks aliases when goals change", () => {
    const s = parseNewSite({ ...base, aliases: { "Order Completed": "purchase" }, limits: { collect_per_minute: 100 } });
    const p = patchSite(s, { limits: { touches_per_day: 10 }, privacy: { period: "day" } });
    expect(p.limits).toEqual({ touches_per_day: 10, collect_per_minute: 100 });
    expect(p.privacy.period).toBe("day");
    expect(p.aliases).toEqual({ "Order Completed": "purchase" });
    expect(patchSite(s, { aliases: { "Signed Up": "signup" } }).aliases).toEqual({ "Signed Up": "signup" });
    expect(patchSite(s, { aliases: {} }).aliases).toEqual({});
    // Removing the goal an alias leads to is refused, as a funnel step would be.
    expect(fail(() => patchSite(s, { goals: [{ name: "signup" }] }))).toEqual({ code: "unknown_alias_target", field: "aliases.Order Completed" });
  });

  it("reads a site stored before v1.1 with the defaults", () => {
    const old = {
      id: "old", domains: ["old.example"], timezone: "UTC", currency: "USD",
      privacy: { k: 10, epsilon: null, final_only: false }, attribution: { click_window_days: 30, view_window_days: 1 },
      goals: [], funnels: [], collect: { rate_limit: false, honor_gpc: true },
    } as SiteConfig;
    expect(limitsOf(old)).toEqual({ touches_per_day: 5000, collect_per_minute: 600 });
    expect(periodOf(old)).toBe("auto");
    expect(withDefaults(old)).toMatchObject({ privacy: { period: "auto" }, limits: { touches_per_day: 5000 }, aliases: {} });
    expect(patchSite(old, { limits: { collect_per_minute: 0 } }).limits).toEqual({ touches_per_day: 5000, collect_per_minute: 0 });
  });
});

describe("site v1 validation through the schema", () => {
  it.each([
    [{ id: "shop" }, "required", "domains"],
    [{ domains: ["a.example"] }, "required", "id"],
    [{ ...base, id: "Shop!" }, "invalid_id", "id"],
    [{ ...base, domains: [] }, "invalid_domains", "domains"],
    [{ ...base, domains: ["https://a.example/"] }, "invalid_domain", "domains.0"],
    [{ ...base, timezone: "Mars/Base" }, "invalid_timezone", "timezone"],
    [{ ...base, privacy: { k: 0 } }, "out_of_range", "privacy.k"],
    [{ ...base, privacy: { epsilon: 0 } }, "out_of_range", "privacy.epsilon"],
    [{ ...base, privacy: { x: 1 } }, "unknown_field", "privacy.x"],
    [{ ...base, goals: [{ name: "pageview" }] }, "reserved_name", "goals.0.name"],
    [{ ...base, goals: [{ tier: "macro" }] }, "invalid_name", "goals.0.name"],
    [{ ...base, goals: [{ name: "a" }, { name: "a" }] }, "duplicate_goal", "goals.1.name"],
    [{ ...base, goals: [{ name: "a", tier: "mega" }] }, "invalid_tier", "goals.0.tier"],
    [{ ...base, funnels: [{ name: "f" }] }, "invalid_steps", "funnels.0.steps"],
    [{ ...base, funnels: [{ name: "f", steps: ["pageview", "refund"] }] }, "unknown_step", "funnels.0.steps.1"],
    [{ ...base, colour: "red" }, "unknown_field", "colour"],
  ])("refuses %j with %s at %s", (body, code, field) => {
    expect(fail(() => parseNewSite(body))).toEqual({ code, field });
  });

  it("says the whole path of an unknown nested field in its message", () => {
    try {
      parseNewSite({ ...base, attribution: { click_window: 3 } });
    } catch (e) {
      expect((e as HttpError).message).toBe("Unknown field `attribution.click_window`.");
      return;
    }
    throw new Error("accepted");
  });
});
