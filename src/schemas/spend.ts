import * as v from "valibot";
import { TOUCH_FIELD_MAX } from "../collect/touch";
import { currency, day } from "./fields";
import { objectSays, say, strictObject } from "./issues";

/** `POST /v1/spend`: an array of spend rows (CONTRACT.md "Spend"). */

/** At most this many spend rows per POST /v1/spend. */
export const SPEND_MAX_ROWS = 1000;

const text = (key: string) => {
  const required = say("required", `\`${key}\` must be a non-empty string.`);
  return v.pipe(v.string(required), v.trim(), v.minLength(1, required), v.maxLength(TOUCH_FIELD_MAX, say("too_long", `\`${key}\` is at most ${TOUCH_FIELD_MAX} characters.`)));
};
const amount = (key: string) => {
  const m = say("invalid_number", `\`${key}\` must be a number from 0 to 1e12.`);
  return v.pipe(v.number(m), v.finite(m), v.minValue(0, m), v.maxValue(1e12, m));
};
const DAY = say("invalid_day", "`day` must be a calendar day written YYYY-MM-DD.");
const CURRENCY = say("invalid_currency", "`currency` must be an ISO-4217 code such as EUR.");

const TERM_NEEDS_CONTENT = say("required", "`term` is keyword-level spend inside an ad: name its `content` too.");

/**
 * One spend line. Source and medium are lower-cased and campaign, content and term kept (by
 * spend/import.ts), as collection does, so spend keys meet atom keys; no medium means every
 * medium. v1.1: `content` makes it ad-level spend, `content` and `term` keyword-level spend (a
 * term lives inside a content, as atoms do: a term without content is refused).
 */
export const SpendRow = v.pipe(
  strictObject(
    {
      day: day(DAY),
      source: text("source"),
      medium: v.nullish(text("medium")),
      campaign: text("campaign"),
      cost: amount("cost"),
      currency: currency(CURRENCY),
      platform_conversions: v.nullish(amount("platform_conversions")),
      content: v.nullish(text("content")),
      term: v.nullish(text("term")),
    },
    objectSays(say("invalid_row", "Each spend row is an object with day, source, campaign, cost and currency."), {
      required: {
        day: DAY,
        source: say("required", "`source` must be a non-empty string."),
        campaign: say("required", "`campaign` must be a non-empty string."),
        cost: say("invalid_number", "`cost` must be a number from 0 to 1e12."),
        currency: CURRENCY,
      },
    }),
  ),
  v.forward(
    v.check((row) => row.term == null || row.content != null, TERM_NEEDS_CONTENT),
    ["content"],
  ),
);
export type SpendRowInput = v.InferOutput<typeof SpendRow>;

/** The body: rows are checked one by one (a bad row is rejected alone), so here each is "something". */
export const SpendBody = v.pipe(
  v.array(v.unknown(), say("invalid_body", "Send the spend as a JSON array of rows.")),
  v.maxLength(SPEND_MAX_ROWS, say("too_many", `Send at most ${SPEND_MAX_ROWS} spend rows per request.`)),
);
