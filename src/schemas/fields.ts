import * as v from "valibot";
import { isCurrency } from "../sites/currency";
import { isDay, parseTime } from "../time/day";
import { say } from "./issues";

/**
 * The field schemas the inputs share: event names, money, ids, URLs and times. Each carries its
 * contract error code and sentence (issues.ts `say`).
 */

/** Longest goal or event name. */
export const NAME_MAX = 64;
/** Longest accepted URL field (`u`, `r`, `url`). */
export const URL_MAX = 2048;
/** Longest accepted `event_id` / `i`. */
export const EVENT_ID_MAX = 128;

const CONTROL = /[\u0000-\u001f\u007f]/;

/** A goal or event name: 1–64 printable characters without surrounding spaces. */
export function isEventName(x: unknown): x is string {
  return typeof x === "string" && x.length >= 1 && x.length <= NAME_MAX && x.trim() === x && !CONTROL.test(x);
}

/** A name schema answering `message` for anything that is not one. */
export const eventName = (message: string) => v.pipe(v.string(message), v.check((s: string) => isEventName(s), message));

/**
 * `schema`, or a blank a browser or server may send for "none": absent, null or `""` (read as
 * null). A pipe, not a union: a union would replace the inner schema's precise message with its
 * own whenever the inner pipe transforms after a failed check.
 */
export const blankable = <S extends v.GenericSchema>(schema: S) =>
  v.pipe(
    v.optional(v.unknown()),
    v.transform((x) => (x === "" ? null : x)),
    v.nullish(schema),
  );

/** Like `blankable`, but the key itself must be present (`required` when it is not). */
export const requiredBlankable = <S extends v.GenericSchema>(schema: S) =>
  v.pipe(
    v.unknown(),
    v.transform((x) => (x === "" ? null : x)),
    v.nullish(schema),
  );

/** True for the blanks `blankable` lets through. */
export const isBlank = (x: unknown): x is "" | null | undefined => x === undefined || x === null || x === "";

/** An event's name (`n`, `name`): pageview or a goal, checked against the site by the caller. */
export const EVENT_NAME_MESSAGE = say("invalid_name", `An event name is 1–${NAME_MAX} characters without surrounding spaces.`);
export const EventName = blankable(eventName(EVENT_NAME_MESSAGE));

const VALUE_MESSAGE = say("invalid_value", "`value` must be a finite number of at least 0, in major units (49.90).");
const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;
/** A value ≥ 0 in major units, a number or (from the pixel) its text. */
export const Value = blankable(
  v.pipe(
    v.union([v.number(VALUE_MESSAGE), v.pipe(v.string(VALUE_MESSAGE), v.regex(NUMERIC, VALUE_MESSAGE), v.transform(Number))], VALUE_MESSAGE),
    v.finite(VALUE_MESSAGE),
    v.minValue(0, VALUE_MESSAGE),
  ),
);

const CURRENCY_MESSAGE = say("invalid_currency", "The currency must be an ISO-4217 code such as EUR.");
/** An event's ISO-4217 currency, case-insensitive on input (`eur` → `EUR`). */
export const EventCurrency = blankable(v.pipe(v.string(CURRENCY_MESSAGE), v.trim(), v.toUpperCase(), v.check(isCurrency, CURRENCY_MESSAGE)));
/** A configured currency: exactly an ISO-4217 code. */
export const currency = (message = CURRENCY_MESSAGE) => v.pipe(v.string(message), v.check(isCurrency, message));

const ID_MESSAGE = say("invalid_event_id", "`event_id` is a string of printable characters (an order number, say).");
/** An optional dedup id: 1–128 printable characters (a whole number is taken as its digits). */
export const EventId = blankable(
  v.union(
    [
      v.pipe(v.number(ID_MESSAGE), v.safeInteger(ID_MESSAGE), v.transform(String)),
      v.pipe(
        v.string(ID_MESSAGE),
        v.check((s) => s.trim() !== "" && !CONTROL.test(s), ID_MESSAGE),
        v.maxLength(EVENT_ID_MAX, say("event_id_too_long", `\`event_id\` is at most ${EVENT_ID_MAX} characters.`)),
      ),
    ],
    ID_MESSAGE,
  ),
);

const URL_TOO_LONG = say("url_too_long", `URLs are at most ${URL_MAX} characters.`);
const toUrl = (message: string) =>
  v.rawTransform<string, URL | null>(({ dataset, addIssue, NEVER }) => {
    try {
      return new URL(dataset.value);
    } catch {
      if (message === "") return null;
      addIssue({ message });
      return NEVER;
    }
  });
/** An absolute http(s) URL of at most 2 KB. */
export const Url = blankable(
  v.pipe(
    v.string(say("invalid_url", "URLs are strings.")),
    v.maxLength(URL_MAX, URL_TOO_LONG),
    toUrl(say("invalid_url", "Send an absolute URL such as https://shop.example/page.")),
    v.check((u) => u !== null && (u.protocol === "http:" || u.protocol === "https:"), say("invalid_url", "Only http and https URLs are accepted.")),
  ),
);

/**
 * A referrer: like a URL, but any scheme (android-app://…), and an unparseable one counts as no
 * referrer: a browser's referrer is information, never a reason to lose the hit.
 */
export const Referrer = blankable(
  v.pipe(v.string(say("invalid_url", "The referrer is a string.")), v.maxLength(URL_MAX, URL_TOO_LONG), toUrl("")),
);

/** A time as unix seconds (number) or an ISO-8601 string, to unix ms. */
export const time = (message: string) =>
  v.pipe(
    v.union([v.number(message), v.string(message)], message),
    v.rawTransform<number | string, number>(({ dataset, addIssue, NEVER }) => {
      const ms = parseTime(dataset.value);
      if (ms !== null) return ms;
      addIssue({ message });
      return NEVER;
    }),
  );

/** A calendar day written YYYY-MM-DD. */
export const day = (message: string) => v.pipe(v.string(message), v.regex(/^\d{4}-\d{2}-\d{2}$/, message), v.check(isDay, message));
