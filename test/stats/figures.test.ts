import { describe, expect, it } from "vitest";
import { addCell, addSpend, emptySums, present, round2 } from "../../src/stats/figures";
import { emptyCell } from "../../src/privacy/release";

const cell = (visitors: number, credit: number, revenue: number, rbc: Record<string, number>) => ({
  ...emptyCell({ day: "2026-11-01", source: "instagram", medium: "social", campaign: "spring" }),
  clicks: 6200,
  visitors,
  conversions: Math.ceil(credit),
  credit,
  revenue,
  revenue_by_currency: rbc,
});

describe("present", () => {
  it("computes the contract's example row: 5,000 visitors, 150 purchases → 3.0 %; cpa, roas, discrepancy", () => {
    const s = emptySums();
    addCell(s, cell(3000, 90, 4491, { EUR: 4491 }));
    addCell(s, cell(2000, 60, 2994, { EUR: 2994 }));
    addSpend(s, { day: "2026-11-01", cell: null, currency: "EUR", cost: 1200, platform_conversions: 171 });
    expect(present(s, "EUR")).toEqual({
      clicks: 12400,
      visitors: 5000,
      conversions: 150,
      conversion_rate: 3,
      revenue: 7485,
      currency: "EUR",
      revenue_by_currency: { EUR: 7485 },
      cost: 1200,
      cost_by_currency: { EUR: 1200 },
      cpa: 8,
      roas: 6.24,
      platform_conversions: 171,
      discrepancy: 21,
    });
  });

  it("answers null rates where they are undefined and never sums currencies", () => {
    const s = emptySums();
    addCell(s, { ...cell(0, 0, 0, {}), clicks: 0 });
    expect(present(s, "EUR")).toMatchObject({ conversion_rate: null, cost: null, cpa: null, roas: null, platform_conversions: null, discrepancy: null });
    addCell(s, cell(100, 3, 50, { EUR: 50, USD: 20 }));
    addSpend(s, { day: "2026-11-01", cell: null, currency: "USD", cost: 40, platform_conversions: null });
    const p = present(s, "EUR");
    // USD spend is reported apart and does not make a EUR cost, cpa or roas.
    expect(p).toMatchObject({ revenue: 50, revenue_by_currency: { EUR: 50, USD: 20 }, cost: null, cost_by_currency: { USD: 40 }, cpa: null, roas: null });
    addSpend(s, { day: "2026-11-01", cell: null, currency: "EUR", cost: 0, platform_conversions: 1 });
    expect(present(s, "EUR")).toMatchObject({ cost: 0, cpa: 0, roas: null, discrepancy: -2 });
  });

  it("rounds fractional credit and money only when presenting", () => {
    const s = emptySums();
    addCell(s, cell(3, 1 / 3, 10 / 3, { EUR: 10 / 3 }));
    addCell(s, cell(3, 1 / 3, 10 / 3, { EUR: 10 / 3 }));
    expect(s.credit).toBeCloseTo(2 / 3, 12);
    expect(present(s, "EUR")).toMatchObject({ conversions: 0.67, revenue: 6.67, conversion_rate: 11.11 });
  });
});

describe("round2", () => {
  it.each([
    [6.2375, 6.24],
    [1.005, 1.01],
    [-1.005, -1.01],
    [2.675, 2.68],
    [-0.001, 0],
    [3, 3],
  ])("%d → %d", (n, want) => {
    expect(Object.is(round2(n), want)).toBe(true);
  });
});
