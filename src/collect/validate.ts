import { HttpError, invalid, type Problem, problemOf } from "../http/errors";
import { goalOf, isEventName, NAME_MAX, type Goal, type SiteConfig } from "../sites/config";
import { isCurrency } from "../sites/currency";
import { parseTime } from "../time/day";
import { LATE_EVENT_MS } from "../time/windows";

/**
 * Field validation shared by the three collection paths. Each parser returns the clean value or
 * throws a 422 HttpError naming its field; `attempt` turns those into a report's `errors` so one
 * bad field never hides the others.
 */

/** Longest accepted URL field (`u`, `r`, `url`). */
export const URL_MAX = 2048;
/** Longest accepted `event_id` / `i`. */
export const EVENT_ID_MAX = 128;
/** Server events: how far back and ahead `time` may be. */
export const PAST_MS = LATE_EVENT_MS;
export const FUTURE_MS = 5 * 60_000;

/** Runs `parse`, recording its HttpError in `problems` and answering `fallback` instead. */
export function attempt<T>(problems: Problem[], fallback: T, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    problems.push(problemOf(err));
    return fallback;
  }
}

const absent = (v: unknown) => v === undefined || v === null || v === "";

/** `pageview` or one of the site's goals. */
export function parseName(v: unknown, site: SiteConfig, field: string): string {
  const name = absent(v) ? "pageview" : v;
  if (!isEventName(name)) throw invalid("invalid_name", `An event name is 1–${NAME_MAX} characters without surrounding spaces.`, field);
  if (name !== "pageview" && !goalOf(site, name)) {
    throw invalid("unknown_event", `\`${name}\` is neither \`pageview\` nor a goal of this site; add it to the site's goals first.`, field);
  }
  return name;
}

/** A finite value ≥ 0 in major units; the pixel sends it as text. */
export function parseValue(v: unknown, field: string): number | null {
  if (absent(v)) return null;
  const n = typeof v === "string" && /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
    throw invalid("invalid_value", "`value` must be a finite number of at least 0, in major units (49.90).", field);
  }
  return n;
}

/** An ISO-4217 code; case-insensitive on input (`eur` → `EUR`). */
export function parseEventCurrency(v: unknown, field: string): string | null {
  if (absent(v)) return null;
  const c = typeof v === "string" ? v.trim().toUpperCase() : "";
  if (!isCurrency(c)) throw invalid("invalid_currency", "The currency must be an ISO-4217 code such as EUR.", field);
  return c;
}

/** An optional dedup id: 1–128 printable characters (a whole number is taken as its digits). */
export function parseEventId(v: unknown, field: string): string | null {
  if (absent(v)) return null;
  const id = typeof v === "number" && Number.isSafeInteger(v) ? String(v) : v;
  if (typeof id !== "string" || id.trim() === "" || /[\u0000-\u001f\u007f]/.test(id)) {
    throw invalid("invalid_event_id", "`event_id` is a string of printable characters (an order number, say).", field);
  }
  if (id.length > EVENT_ID_MAX) throw invalid("event_id_too_long", `\`event_id\` is at most ${EVENT_ID_MAX} characters.`, field);
  return id;
}

/** An absolute http(s) URL of at most 2 KB. */
export function parseUrl(v: unknown, field: string): URL | null {
  if (absent(v)) return null;
  if (typeof v !== "string") throw invalid("invalid_url", "URLs are strings.", field);
  if (v.length > URL_MAX) throw invalid("url_too_long", `URLs are at most ${URL_MAX} characters.`, field);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw invalid("invalid_url", "Send an absolute URL such as https://shop.example/page.", field);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw invalid("invalid_url", "Only http and https URLs are accepted.", field);
  return u;
}

/**
 * A referrer: like a URL, but any scheme (android-app://…) and an unparseable one counts as
 * no referrer — a browser's referrer is information, never a reason to lose the hit.
 */
export function parseReferrer(v: unknown, field: string): URL | null {
  if (absent(v)) return null;
  if (typeof v !== "string") throw invalid("invalid_url", "The referrer is a string.", field);
  if (v.length > URL_MAX) throw invalid("url_too_long", `URLs are at most ${URL_MAX} characters.`, field);
  try {
    return new URL(v);
  } catch {
    return null;
  }
}

/**
 * The test flag: `t=1` on the pixel, `"t": 1` in a beacon, `"test": true` on a server event
 * (CONTRACT.md: shown in the live view, never stored or counted). 1, true and "1" mark a test;
 * absent, 0, false and "0" do not.
 */
export function parseTestFlag(v: unknown, field: string): boolean {
  if (v === undefined || v === null || v === 0 || v === false || v === "0" || v === "") return false;
  if (v === 1 || v === true || v === "1") return true;
  throw invalid("invalid_test", `\`${field}\` is 1 (or true) for a test event, else absent.`, field);
}

/** A server event's time (unix seconds or ISO-8601), within 7 days back and 5 minutes ahead. Missing: now. */
export function parseEventTime(v: unknown, now: number, field: string): number {
  if (v === undefined || v === null) return now;
  const ms = parseTime(v);
  if (ms === null) throw invalid("invalid_time", "`time` is unix seconds (a number) or an ISO-8601 string.", field);
  if (ms < now - PAST_MS) throw invalid("time_too_old", "`time` is more than 7 days in the past; such late events are not accepted.", field);
  if (ms > now + FUTURE_MS) throw invalid("time_in_future", "`time` is more than 5 minutes in the future; check the sender's clock.", field);
  return ms;
}

/**
 * The stored value and currency of an event: its own value (currency: its own, else the site's),
 * else the goal's default value (currency: the goal's, else the site's), else none.
 */
export function resolveMoney(
  value: number | null,
  currency: string | null,
  goal: Goal | undefined,
  siteCurrency: string,
): { value: number | null; currency: string | null } {
  if (value !== null) return { value, currency: currency ?? siteCurrency };
  if (goal && goal.value !== null) return { value: goal.value, currency: goal.currency ?? siteCurrency };
  return { value: null, currency: null };
}
