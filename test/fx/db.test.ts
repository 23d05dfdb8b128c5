import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addMissingDays, putDayRates, readRates } from "../../src/db/fx";
import type { DayRates } from "../../src/fx/rates";

describe("db/fx", () => {
  it("readRates: the asked currencies over the range and the 6 days before it; nothing to convert, no query", async () => {
    await putDayRates(env.DB, { day: "2026-11-20", base: "EUR", rates: { EUR: 1, USD: 1.1, GBP: 0.8 } });
    await putDayRates(env.DB, { day: "2026-11-27", base: "EUR", rates: { EUR: 1, USD: 1.2, GBP: 0.85 } });
    await putDayRates(env.DB, { day: "2026-12-04", base: "EUR", rates: { EUR: 1, USD: 1.3 } });
    const rows = await readRates(env.DB, "2026-11-30", "2026-12-01", ["EUR", "USD"]);
    expect(rows.sort((a, b) => (a.currency < b.currency ? -1 : 1))).toEqual([
      { day: "2026-11-27", currency: "EUR", rate: 1 },
      { day: "2026-11-27", currency: "USD", rate: 1.2 },
    ]);
    const noDb = null as unknown as D1Database; // one currency: no query at all
    expect(await readRates(noDb, "2026-11-30", "2026-12-01", ["EUR"])).toEqual([]);
  });

  it("addMissingDays writes only days without rates, whole", async () => {
    const days: DayRates[] = [
      { day: "2026-11-20", base: "EUR", rates: { EUR: 1, USD: 9 } },
      { day: "2026-11-19", base: "EUR", rates: { EUR: 1, USD: 1.05, JPY: 160 } },
    ];
    expect(await addMissingDays(env.DB, days)).toEqual(["2026-11-19"]);
    const usd = async (day: string) => (await env.DB.prepare("SELECT rate FROM fx_rates WHERE day = ? AND currency = 'USD'").bind(day).first<{ rate: number }>())?.rate;
    expect(await usd("2026-11-20")).toBe(1.1);
    expect(await usd("2026-11-19")).toBe(1.05);
    expect(await addMissingDays(env.DB, [])).toEqual([]);
  });
});
