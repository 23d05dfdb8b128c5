import { isObject } from "../http/body";
import { invalid } from "../http/errors";
import { isCurrency } from "../sites/currency";
import { addDays, isDay } from "../time/day";

/**
 * Daily reference rates (CONTRACT.md "Aggregates", v1.1). A day's rates are quoted against one
 * base: `rates[c]` units of currency c buy one unit of the base, and the base itself is 1, so any
 * two currencies of the same day cross through it (amount in A × rates[B] / rates[A] = in B).
 */
export interface DayRates {
  /** the date the source names */
  day: string;
  base: string;
  /** every currency of the day, the base included at 1 */
  rates: Record<string, number>;
}

/** Most currencies in one day's rates (the ECB quotes ~30; ISO-4217 has ~180). */
export const FX_MAX_CURRENCIES = 200;
/** Largest accepted rate: the weakest currencies are quoted in the tens of thousands per euro. */
export const FX_MAX_RATE = 1e9;
/**
 * A day without rates of its own (weekends, TARGET holidays: the ECB publishes none) uses the
 * latest rates published on or before it, looking back at most this many days including itself.
 * The longest ECB gap (Good Friday to Easter Monday) is 4 days; older rates are not used, so
 * a broken feed shows as `revenue_unconverted` within a week instead of silently stale rates.
 */
export const FX_LOOKBACK_DAYS = 7;

const KEYS = new Set(["base", "rates"]);

/**
 * Validates the body of `PUT /v1/admin/fx/:day` (`{"base": "EUR", "rates": {"USD": 1.0832, …}}`)
 * for `day`, `today` being the current UTC day (rates of a day after tomorrow cannot exist).
 * Throws a 422 HttpError naming the field.
 */
export function parseDayRates(day: string, body: unknown, today: string): DayRates {
  if (!isDay(day)) throw invalid("invalid_day", "The day is a calendar day written YYYY-MM-DD.", "day");
  if (day > addDays(today, 1)) throw invalid("invalid_day", "Rates can be set for days up to tomorrow (UTC), not later.", "day");
  if (!isObject(body)) throw invalid("invalid_body", 'Send {"base": "EUR", "rates": {"USD": 1.0832, …}}.');
  for (const key of Object.keys(body)) if (!KEYS.has(key)) throw invalid("unknown_field", `Unknown field \`${key}\`.`, key);
  const base = body.base;
  if (typeof base !== "string" || !isCurrency(base)) throw invalid("invalid_currency", "`base` must be an ISO-4217 code such as EUR.", "base");
  const raw = body.rates;
  if (!isObject(raw)) throw invalid("invalid_rates", "`rates` is an object of ISO-4217 codes and rates, such as {\"USD\": 1.0832}.", "rates");
  const entries = Object.entries(raw);
  if (entries.length === 0) throw invalid("invalid_rates", "`rates` needs at least one currency besides the base.", "rates");
  if (entries.length > FX_MAX_CURRENCIES) throw invalid("too_many", `\`rates\` holds at most ${FX_MAX_CURRENCIES} currencies.`, "rates");
  const rates: Record<string, number> = { [base]: 1 };
  for (const [code, rate] of entries) {
    const field = `rates.${code}`;
    if (!isCurrency(code)) throw invalid("invalid_currency", `\`${code}\` is not an ISO-4217 code such as USD.`, field);
    if (typeof rate !== "number" || !Number.isFinite(rate) || rate <= 0 || rate > FX_MAX_RATE) {
      throw invalid("invalid_number", `A rate is a number above 0 and at most ${FX_MAX_RATE}: units of ${code} per one ${base}.`, field);
    }
    if (code === base && rate !== 1) throw invalid("invalid_number", `The base buys itself at 1, not ${rate}.`, field);
    rates[code] = rate;
  }
  if (Object.keys(rates).length < 2) throw invalid("invalid_rates", "`rates` needs at least one currency besides the base.", "rates");
  return { day, base, rates: sorted(rates) };
}

/** `o` with its keys in order (so answers and stored rows come out the same every time). */
export function sorted(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
