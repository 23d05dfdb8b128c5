import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays } from "../../src/time/day";
import { clipTo, covers, cuts, isoWeekday, monthEnd, monthOf, periodOf, weekOf } from "../../src/time/periods";

describe("periods", () => {
  it("knows ISO weekdays (Monday 0 … Sunday 6)", () => {
    expect(isoWeekday("2026-11-30")).toBe(0); // a Monday
    expect(isoWeekday("2026-12-06")).toBe(6);
    expect(isoWeekday("2027-01-01")).toBe(4); // a Friday
  });

  it("ends months right, leap years included", () => {
    expect(monthEnd("2026-02-10")).toBe("2026-02-28");
    expect(monthEnd("2028-02-01")).toBe("2028-02-29");
    expect(monthEnd("2026-12-31")).toBe("2026-12-31");
    expect(monthEnd("2026-04-30")).toBe("2026-04-30");
    expect(monthOf("2026-07-15")).toEqual({ grain: "month", from: "2026-07-01", to: "2026-07-31" });
  });

  it("clips a week that spans two months into two week-parts, each inside its month", () => {
    // Monday 29 June 2026 … Sunday 5 July 2026.
    expect(weekOf("2026-06-29")).toEqual({ grain: "week", from: "2026-06-29", to: "2026-06-30" });
    expect(weekOf("2026-06-30")).toEqual({ grain: "week", from: "2026-06-29", to: "2026-06-30" });
    expect(weekOf("2026-07-01")).toEqual({ grain: "week", from: "2026-07-01", to: "2026-07-05" });
    expect(weekOf("2026-07-05")).toEqual({ grain: "week", from: "2026-07-01", to: "2026-07-05" });
    expect(weekOf("2026-07-06")).toEqual({ grain: "week", from: "2026-07-06", to: "2026-07-12" });
  });

  it("clips at a year boundary too (ISO week 53 of 2026 runs into 2027)", () => {
    expect(weekOf("2026-12-31")).toEqual({ grain: "week", from: "2026-12-28", to: "2026-12-31" });
    expect(weekOf("2027-01-01")).toEqual({ grain: "week", from: "2027-01-01", to: "2027-01-03" });
    expect(weekOf("2027-01-04")).toEqual({ grain: "week", from: "2027-01-04", to: "2027-01-10" });
  });

  it("ends the current week and month at asOf", () => {
    // Monday 30 Nov is in November: December's first week-part starts on the 1st.
    expect(clipTo(weekOf("2026-12-01"), "2026-12-02")).toEqual({ grain: "week", from: "2026-12-01", to: "2026-12-02" });
    expect(clipTo(weekOf("2026-11-30"), "2026-12-02")).toEqual({ grain: "week", from: "2026-11-30", to: "2026-11-30" });
    expect(clipTo(monthOf("2026-12-01"), "2026-12-02")).toEqual({ grain: "month", from: "2026-12-01", to: "2026-12-02" });
    expect(clipTo(monthOf("2026-11-01"), "2026-12-02")).toEqual({ grain: "month", from: "2026-11-01", to: "2026-11-30" });
  });

  it("tells covered from cut from disjoint periods", () => {
    const w = { from: "2026-11-23", to: "2026-11-29" };
    expect(covers("2026-11-01", "2026-11-29", w)).toBe(true);
    expect(cuts("2026-11-01", "2026-11-29", w)).toBe(false);
    expect(covers("2026-11-24", "2026-11-30", w)).toBe(false);
    expect(cuts("2026-11-24", "2026-11-30", w)).toBe(true);
    expect(cuts("2026-11-30", "2026-12-05", w)).toBe(false);
    expect(cuts("2026-11-01", "2026-11-23", w)).toBe(true);
  });

  it("nests for any day: the day is in its week-part, the week-part in its month and its ISO week", () => {
    const day = fc.integer({ min: 0, max: 3650 }).map((n) => addDays("2024-01-01", n));
    fc.assert(
      fc.property(day, (d) => {
        const w = weekOf(d);
        const m = monthOf(d);
        expect(w.from <= d && d <= w.to).toBe(true);
        expect(m.from <= w.from && w.to <= m.to).toBe(true);
        // Inside one ISO week: Monday at or before the start, Sunday at or after the end.
        expect(isoWeekday(w.from) === 0 || w.from === m.from).toBe(true);
        expect(isoWeekday(w.to) === 6 || w.to === m.to).toBe(true);
        expect(isoWeekday(w.to) - isoWeekday(w.from)).toBe(Math.round((Date.parse(w.to) - Date.parse(w.from)) / 86_400_000));
        // Every day of the week-part maps to the same week-part.
        for (let x = w.from; x <= w.to; x = addDays(x, 1)) expect(weekOf(x)).toEqual(w);
        expect(periodOf("day", d)).toEqual({ grain: "day", from: d, to: d });
      }),
      { numRuns: 200 },
    );
  });
});
