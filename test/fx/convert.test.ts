import { describe, expect, it } from "vitest";
import { convertAmounts, fxOf, type RateRow } from "../../src/fx/convert";
import { FX_LOOKBACK_DAYS } from "../../src/fx/rates";

const day = (d: string, rates: Record<string, number>): RateRow[] => Object.entries(rates).map(([currency, rate]) => ({ day: d, currency, rate }));
// 2026-11-27 is a Friday: the ECB publishes nothing on the weekend.
const FRIDAY = day("2026-11-27", { EUR: 1, USD: 1.25, GBP: 0.8 });

describe("fxOf", () => {
  it("converts at the day's rate, crossing through the day's base", () => {
    const eur = fxOf("EUR", FRIDAY);
    expect(eur.factor("2026-11-27", "USD")).toBe(1 / 1.25);
    expect(eur.factor("2026-11-27", "EUR")).toBe(1);
    const gbp = fxOf("GBP", FRIDAY);
    expect(gbp.factor("2026-11-27", "USD")).toBe(0.8 / 1.25);
    expect(gbp.factor("2026-11-27", "EUR")).toBe(0.8);
  });

  it("a Saturday uses the latest rates published on or before it, at most FX_LOOKBACK_DAYS back", () => {
    const eur = fxOf("EUR", [...FRIDAY, ...day("2026-11-30", { EUR: 1, USD: 2 })]);
    expect(eur.factor("2026-11-28", "USD")).toBe(0.8); // Saturday: Friday's
    expect(eur.factor("2026-11-29", "USD")).toBe(0.8); // Sunday: Friday's
    expect(eur.factor("2026-11-30", "USD")).toBe(0.5); // Monday: its own
    expect(eur.factor("2026-11-26", "USD")).toBeNull(); // before any rate
    expect(FX_LOOKBACK_DAYS).toBe(7);
    expect(fxOf("EUR", FRIDAY).factor("2026-12-03", "USD")).toBe(0.8); // 6 days later: still
    expect(fxOf("EUR", FRIDAY).factor("2026-12-04", "USD")).toBeNull(); // 7 days later: too old
  });

  it("takes both rates from one day, even when a later day quotes only one of them", () => {
    // Monday quotes USD against a USD base but no EUR: Friday still answers EUR → USD.
    const usd = fxOf("USD", [...FRIDAY, ...day("2026-11-30", { USD: 1, JPY: 150 })]);
    expect(usd.factor("2026-11-30", "EUR")).toBe(1.25);
    expect(usd.factor("2026-11-30", "JPY")).toBe(1 / 150);
    expect(usd.factor("2026-11-27", "JPY")).toBeNull();
  });

  it("convertAmounts converts the other currencies and keeps the unknown apart", () => {
    const eur = fxOf("EUR", FRIDAY);
    expect(convertAmounts({ EUR: 10, USD: 25, JPY: 1000 }, "2026-11-28", eur)).toEqual({ converted: 20, unconverted: { JPY: 1000 } });
    expect(convertAmounts({}, "2026-11-28", eur)).toEqual({ converted: 0, unconverted: {} });
  });
});
