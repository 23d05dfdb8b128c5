import type { RateRow } from "../fx/convert";
import { FX_LOOKBACK_DAYS, type DayRates } from "../fx/rates";
import { addDays } from "../time/day";

/**
 * Reference exchange rates (table fx_rates, migration 0006): one row per (day, currency), each
 * day quoted against its own base (src/fx/rates.ts). A day is always written whole, so its rows
 * never mix two bases.
 */

/** The rows of a day as the JSON array the inserts read: [[day, currency, rate, base], …]. */
function rowsJson(d: DayRates): string {
  return JSON.stringify(Object.entries(d.rates).map(([currency, rate]) => [d.day, currency, rate, d.base]));
}

/** ?1: rowsJson of one day. */
const INSERT_DAY_RATES_SQL = `
  INSERT INTO fx_rates (day, currency, rate, base)
  SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3
  FROM json_each(?1)`;

/** ?1: day. */
const DELETE_DAY_RATES_SQL = `
  DELETE FROM fx_rates
  WHERE day = ?1`;

/** Sets (or replaces) one day's rates, in one transaction. */
export async function putDayRates(db: D1Database, d: DayRates): Promise<void> {
  await db.batch([db.prepare(DELETE_DAY_RATES_SQL).bind(d.day), db.prepare(INSERT_DAY_RATES_SQL).bind(rowsJson(d))]);
}

/** ?1: JSON [day, …]. Those of the days that have rates. */
const DAYS_WITH_RATES_SQL = `
  SELECT DISTINCT day
  FROM fx_rates
  WHERE day IN (SELECT value FROM json_each(?1))`;

/**
 * Stores fetched days that have no rates yet (a day set by an admin, or fetched before, is
 * kept: the hourly fetch of a weekend would otherwise rewrite Friday every hour). Returns the
 * days written.
 */
export async function addMissingDays(db: D1Database, days: readonly DayRates[]): Promise<string[]> {
  if (days.length === 0) return [];
  const { results } = await db
    .prepare(DAYS_WITH_RATES_SQL)
    .bind(JSON.stringify(days.map((d) => d.day)))
    .all<{ day: string }>();
  const have = new Set(results.map((r) => r.day));
  const missing = days.filter((d) => !have.has(d.day));
  if (missing.length > 0) await db.batch(missing.map((d) => db.prepare(INSERT_DAY_RATES_SQL).bind(rowsJson(d))));
  return missing.map((d) => d.day);
}

/** ?1: day. */
const HAS_DAY_RATES_SQL = `
  SELECT 1 AS x
  FROM fx_rates
  WHERE day = ?1
  LIMIT 1`;

/** True when `day` has rates of its own. */
export async function hasDayRates(db: D1Database, day: string): Promise<boolean> {
  return (await db.prepare(HAS_DAY_RATES_SQL).bind(day).first()) !== null;
}

/** ?1 first day (the lookback included), ?2 last day, ?3 JSON [currency, …]. */
const READ_RATES_SQL = `
  SELECT day, currency, rate
  FROM fx_rates
  WHERE currency IN (SELECT value FROM json_each(?3))
    AND day BETWEEN ?1 AND ?2`;

/**
 * The rates of `currencies` a conversion of days [from, to] may use: those days and the lookback
 * before them. No currency to convert (the common case: one currency) costs no query.
 */
export async function readRates(db: D1Database, from: string, to: string, currencies: readonly string[]): Promise<RateRow[]> {
  if (currencies.length < 2) return [];
  const { results } = await db
    .prepare(READ_RATES_SQL)
    .bind(addDays(from, -(FX_LOOKBACK_DAYS - 1)), to, JSON.stringify(currencies))
    .all<RateRow>();
  return results;
}

/**
 * SQL for the factor converting currency `from` into `to` on the day in column `dayColumn`: the
 * rule of fx/convert.ts fxOf (latest day on or before, within FX_LOOKBACK_DAYS, quoting both),
 * NULL where unknown. One seek on the (currency, day) key per evaluation.
 * NOTE: the codes are written into the SQL, not bound (see db/stats.ts atomSums): callers pass
 * only codes of exactly three capital letters, checked here again.
 */
export function factorSql(from: string, to: string, dayColumn: string): string {
  if (!/^[A-Z]{3}$/.test(from) || !/^[A-Z]{3}$/.test(to)) throw new Error(`not a currency code: ${from}, ${to}`);
  if (from === to) return "1.0";
  return `(
    SELECT t.rate / f.rate
    FROM fx_rates AS f
    JOIN fx_rates AS t ON t.currency = '${to}' AND t.day = f.day
    WHERE f.currency = '${from}'
      AND f.day BETWEEN date(${dayColumn}, '-${FX_LOOKBACK_DAYS - 1} days') AND ${dayColumn}
    ORDER BY f.day DESC
    LIMIT 1
  )`;
}
