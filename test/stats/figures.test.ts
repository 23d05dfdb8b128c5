import { describe, expect, it } from "vitest";
import { fxOf } from "../../src/fx/convert";
import { addCell, addSpend, converted, emptySums, present, presentPaid, round2 } from "../../src/stats/figures";
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

const EUR = fxOf("EUR", []);

describe("present", () => {
  it("computes the contract's example row: 5,000 visitors, 150 purchases → 3.0 %; cpa, roas, discrepancy", () => {
    const s = emptySums();
    addCell(s, cell(3000, 90, 4491, { EUR: 4491 }));
    addCell(s, cell(2000, 60, 2994, { EUR: 2994 }));
    addSpend(s, { day: "2026-11-01", cell: null, currency: "EUR", cost: 1200, platform_conversions: 171 }, EUR);
    expect(present(s, "EUR")).toEqual({
      clicks: 12400,
      visitors: 5000,
      conversions: 150,
      conversion_rate: 3,
      revenue: 7485,
      currency: "EUR",
      revenue_by_currency: { EUR: 7485 },
      revenue_unconverted: {},
      cost: 1200,
      cost_by_currency: { EUR: 1200 },
      cost_unconverted: {},
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
    addSpend(s, { day: "2026-11-01", cell: null, currency: "USD", cost: 40, platform_conversions: null }, EUR);
    const p = present(s, "EUR");
    // USD spend without a rate is reported apart and makes no EUR cost, cpa or roas.
    expect(p).toMatchObject({ revenue: 50, revenue_by_currency: { EUR: 50, USD: 20 }, cost: null, cost_by_currency: { USD: 40 }, cost_unconverted: { USD: 40 }, cpa: null, roas: null });
    addSpend(s, { day: "2026-11-01", cell: null, currency: "EUR", cost: 0, platform_conversions: 1 }, EUR);
    // A partial cost (USD still unconverted) gives no cpa or roas: it would overstate the return.
    expect(present(s, "EUR")).toMatchObject({ cost: 0, cpa: null, roas: null, discrepancy: -2 });
    const eurOnly = emptySums();
    addCell(eurOnly, cell(100, 3, 50, { EUR: 50 }));
    addSpend(eurOnly, { day: "2026-11-01", cell: null, currency: "EUR", cost: 0, platform_conversions: 1 }, EUR);
    expect(present(eurOnly, "EUR")).toMatchObject({ cost: 0, cpa: 0, roas: null });
  });

  it("rounds fractional credit and money only when presenting", () => {
    const s = emptySums();
    addCell(s, cell(3, 1 / 3, 10 / 3, { EUR: 10 / 3 }));
    addCell(s, cell(3, 1 / 3, 10 / 3, { EUR: 10 / 3 }));
    expect(s.credit).toBeCloseTo(2 / 3, 12);
    expect(present(s, "EUR")).toMatchObject({ conversions: 0.67, revenue: 6.67, conversion_rate: 11.11 });
  });
});

describe("conversion into the site's currency", () => {
  // Friday 2026-11-27 has rates; the weekend uses Friday's; Monday's are missing (a broken feed).
  const fx = fxOf("EUR", [
    { day: "2026-11-27", currency: "EUR", rate: 1 },
    { day: "2026-11-27", currency: "USD", rate: 1.25 },
    { day: "2026-11-27", currency: "GBP", rate: 0.8 },
  ]);

  it("converts revenue at the day's rate and keeps what has no rate apart, never dropped", () => {
    const s = emptySums();
    addCell(s, converted({ ...cell(10, 2, 40, { EUR: 40, USD: 25 }), day: "2026-11-28" }, "2026-11-28", fx));
    addCell(s, converted({ ...cell(10, 1, 0, { USD: 10, JPY: 1000 }), day: "2026-12-05" }, "2026-12-05", fx));
    const p = present(s, "EUR");
    expect(p.revenue).toBe(60); // 40 EUR + 25 USD / 1.25
    expect(p.revenue_by_currency).toEqual({ EUR: 40, JPY: 1000, USD: 35 });
    expect(p.revenue_unconverted).toEqual({ JPY: 1000, USD: 10 });
  });

  it("converts spend the same way; cpa and roas are ratios of converted money", () => {
    const s = emptySums();
    addCell(s, converted(cell(10, 4, 100, { EUR: 100, GBP: 40 }), "2026-11-29", fx)); // 100 + 40 / 0.8 = 150
    addSpend(s, { day: "2026-11-29", cell: null, currency: "USD", cost: 62.5, platform_conversions: 5 }, fx); // 50 EUR
    addSpend(s, { day: "2026-11-27", cell: null, currency: "EUR", cost: 25, platform_conversions: null }, fx);
    expect(present(s, "EUR")).toMatchObject({ revenue: 150, cost: 75, cost_by_currency: { EUR: 25, USD: 62.5 }, cost_unconverted: {}, cpa: 18.75, roas: 2 });
    expect(presentPaid(s, "EUR")).toEqual({ cost: 75, conversions: 4, revenue: 150, cpa: 18.75, roas: 2, platform_conversions: 5, discrepancy: 1 });
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
