import { addDays } from "../time/day";
import { FX_LOOKBACK_DAYS } from "./rates";

/**
 * Converting money into the site's currency at a day's reference rate (CONTRACT.md "Aggregates",
 * v1.1). Pure: the rates come in as rows. The SQL that sums decided days applies the same rule
 * (db/fx.ts factorSql); test/stats/decided.test.ts checks both give the same answers.
 *
 * The rule: an amount of currency C on day d is worth amount × rate(S) / rate(C) in the site's
 * currency S, with both rates from the latest day on or before d, at most FX_LOOKBACK_DAYS back
 * counting d, that quotes both C and S (so they share that day's base). No such day: unknown.
 */

/** One stored rate: on `day`, `rate` units of `currency` per one unit of that day's base. */
export interface RateRow {
  day: string;
  currency: string;
  rate: number;
}

/** Conversion into one currency. `factor` is null where the rate is unknown. */
export interface Fx {
  currency: string;
  factor(day: string, from: string): number | null;
}

/** Conversion into `currency` with the given rates (rows of any days; only the lookback matters). */
export function fxOf(currency: string, rows: readonly RateRow[]): Fx {
  const byDay = new Map<string, Map<string, number>>();
  for (const r of rows) {
    let day = byDay.get(r.day);
    if (!day) byDay.set(r.day, (day = new Map()));
    day.set(r.currency, r.rate);
  }
  const cache = new Map<string, number | null>();
  return {
    currency,
    factor(day, from) {
      if (from === currency) return 1;
      const key = `${day}\u0000${from}`;
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      let f: number | null = null;
      for (let i = 0; i < FX_LOOKBACK_DAYS && f === null; i++) {
        const rates = byDay.get(addDays(day, -i));
        const to = rates?.get(currency);
        const of = rates?.get(from);
        if (to !== undefined && of !== undefined) f = to / of;
      }
      cache.set(key, f);
      return f;
    },
  };
}

/** Amounts by currency of one day in the site's currency: the converted sum, and what stayed unknown. */
export function convertAmounts(byCurrency: Readonly<Record<string, number>>, day: string, fx: Fx): { converted: number; unconverted: Record<string, number> } {
  let converted = 0;
  const unconverted: Record<string, number> = {};
  for (const [cur, amount] of Object.entries(byCurrency)) {
    if (cur === fx.currency) continue;
    const f = fx.factor(day, cur);
    if (f === null) unconverted[cur] = amount;
    else converted += amount * f;
  }
  return { converted, unconverted };
}
