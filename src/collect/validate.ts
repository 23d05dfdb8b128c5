import { HttpError, invalid, type Problem, problemOf } from "../http/errors";
import { EventCurrency, EventId, EventName, isBlank, Referrer, Url, Value } from "../schemas/fields";
import { parseOrThrow } from "../schemas/issues";
import { canonicalName, goalOf, type Goal, type SiteConfig } from "../sites/config";
import { parseTime } from "../time/day";
import { DAY_MS, LATE_EVENT_MS } from "../time/windows";

/**
 * What the collection paths check beyond a field's own shape (src/schemas/ says that): an event
 * name against the site's goals, a server time against the clock, and the money an event
 * stores. The `parse*` functions check one field with its schema and throw a 422 HttpError naming
 * it; `attempt` turns those into a report's `errors` so one bad field never hides the others.
 */

export { EVENT_ID_MAX, URL_MAX } from "../schemas/fields";
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

/** Records unknown_event when `name` is neither pageview nor a goal of the site. */
export function checkName(problems: Problem[], name: string, site: SiteConfig, field: string): void {
  if (name !== "pageview" && !goalOf(site, name)) {
    problems.push({ code: "unknown_event", message: `\`${name}\` is neither \`pageview\` nor a goal of this site; add it to the site's goals first.`, field });
  }
}

/** The time of a server event (unix ms, already parsed) checked against `now`; missing: now. */
export function checkEventTime(problems: Problem[], ms: number | null, now: number, field: string): number {
  if (ms === null) return now;
  if (ms < now - PAST_MS) problems.push({ code: "time_too_old", message: `\`time\` is more than ${PAST_MS / DAY_MS} days in the past; such late events are not accepted.`, field });
  else if (ms > now + FUTURE_MS) problems.push({ code: "time_in_future", message: "`time` is more than 5 minutes in the future; check the sender's clock.", field });
  else return ms;
  return now;
}

const throwFirst = (problems: Problem[]) => {
  if (problems.length > 0) throw invalid(problems[0]!.code, problems[0]!.message, problems[0]!.field);
};

/** `pageview` or one of the site's goals. */
export function parseName(v: unknown, site: SiteConfig, field: string): string {
  const n = parseOrThrow(EventName, v, field);
  const name: string = isBlank(n) ? "pageview" : canonicalName(site, n);
  const problems: Problem[] = [];
  checkName(problems, name, site, field);
  throwFirst(problems);
  return name;
}

/** A finite value ≥ 0 in major units; the pixel sends it as text. */
export function parseValue(v: unknown, field: string): number | null {
  const n = parseOrThrow(Value, v, field);
  return isBlank(n) ? null : n;
}

/** An ISO-4217 code; case-insensitive on input (`eur` → `EUR`). */
export function parseEventCurrency(v: unknown, field: string): string | null {
  return parseOrThrow(EventCurrency, v, field) || null;
}

/** An optional dedup id: 1–128 printable characters (a whole number is taken as its digits). */
export function parseEventId(v: unknown, field: string): string | null {
  return parseOrThrow(EventId, v, field) || null;
}

/** An absolute http(s) URL of at most 2 KB. */
export function parseUrl(v: unknown, field: string): URL | null {
  return parseOrThrow(Url, v, field) || null;
}

/** A referrer: any scheme; an unparseable one counts as none. */
export function parseReferrer(v: unknown, field: string): URL | null {
  return parseOrThrow(Referrer, v, field) || null;
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
  const problems: Problem[] = [];
  const t = checkEventTime(problems, ms, now, field);
  throwFirst(problems);
  return t;
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
