import { describe, expect, it } from "vitest";
import { HttpError } from "../../src/http/errors";
import { acceptsCsv, parseStatsQuery, rangeLength, window } from "../../src/stats/query";
import { parseNewSite } from "../../src/sites/config";

const site = parseNewSite({ id: "s", domains: ["s.example"], goals: [{ name: "purchase" }] });
const q = (s: string) => new URLSearchParams(s);
const fieldOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof HttpError) return [e.status, e.code, e.field];
    throw e;
  }
  return null;
};

describe("parseStatsQuery", () => {
  it("applies the defaults: group campaign, model last_click, all macro goals, JSON", () => {
    expect(parseStatsQuery(q("from=2026-11-01&to=2026-11-28"), site, false)).toEqual({ from: "2026-11-01", to: "2026-11-28", group: "campaign", model: "last_click", goal: null, format: "json", filters: {} });
  });

  it("answers CSV for format=csv or Accept: text/csv, and format= wins", () => {
    expect(parseStatsQuery(q("from=2026-11-01&to=2026-11-01"), site, true).format).toBe("csv");
    expect(parseStatsQuery(q("from=2026-11-01&to=2026-11-01&format=json"), site, true).format).toBe("json");
    expect(parseStatsQuery(q("from=2026-11-01&to=2026-11-01&format=csv"), site, false).format).toBe("csv");
  });

  it.each([
    ["to=2026-11-01", "required", "from"],
    ["from=2026-11-31&to=2026-12-01", "invalid_day", "from"],
    ["from=2026-11-01", "required", "to"],
    ["from=2026-11-02&to=2026-11-01", "invalid_range", "to"],
    ["from=2026-01-01&to=2027-01-02", "range_too_long", "to"],
    ["from=2026-11-01&to=2026-11-02&group=country", "unknown_group", "group"],
    ["from=2026-11-01&to=2026-11-02&model=magic", "unknown_model", "model"],
    ["from=2026-11-01&to=2026-11-02&goal=signup", "unknown_goal", "goal"],
    ["from=2026-11-01&to=2026-11-02&goal=purchase&group=goal", "invalid_combination", "goal"],
    ["from=2026-11-01&to=2026-11-02&format=xml", "unknown_format", "format"],
  ])("%s → 422 %s at %s", (s, code, field) => {
    expect(fieldOf(() => parseStatsQuery(q(s), site, false))).toEqual([422, code, field]);
  });

  it("allows exactly 366 days", () => {
    expect(rangeLength("2028-01-01", "2028-12-31")).toBe(366);
    expect(fieldOf(() => parseStatsQuery(q("from=2028-01-01&to=2028-12-31"), site, false))).toBeNull();
  });
});

describe("acceptsCsv", () => {
  it.each([
    ["text/csv", true],
    ["text/csv;q=0.9, */*", true],
    ["application/json, text/csv", false],
    ["*/*", false],
    [null, false],
  ])("%j → %s", (accept, want) => {
    expect(acceptsCsv(accept)).toBe(want);
  });
});

describe("window", () => {
  // Noon of 2026-11-29 in UTC.
  const today = Date.parse("2026-11-29T12:00:00Z");
  it("lists the days of the range inside today and the 7 days before as provisional", () => {
    const w = window({ from: "2026-11-01", to: "2026-11-30" }, today, "UTC", false);
    expect(w.provisional).toEqual(["2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"]);
    expect(w.answered).toEqual({ from: "2026-11-01", to: "2026-11-30" });
  });

  it("with final_only answers only the days before the window", () => {
    expect(window({ from: "2026-11-01", to: "2026-11-30" }, today, "UTC", true).answered).toEqual({ from: "2026-11-01", to: "2026-11-21" });
    expect(window({ from: "2026-11-25", to: "2026-11-26" }, today, "UTC", true).answered).toBeNull();
    expect(window({ from: "2026-10-01", to: "2026-10-31" }, today, "UTC", true)).toEqual({ provisional: [], answered: { from: "2026-10-01", to: "2026-10-31" } });
  });

  it("crosses month and year ends by calendar, not by clock", () => {
    expect(window({ from: "2026-12-20", to: "2027-01-10" }, Date.parse("2027-01-03T12:00:00Z"), "UTC", false).provisional[0]).toBe("2026-12-27");
  });
});
