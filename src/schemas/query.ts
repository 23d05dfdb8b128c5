import * as v from "valibot";
import { MODELS } from "../attribution/types";
import { TOUCH_FIELD_MAX } from "../collect/touch";
import { day } from "./fields";
import { objectSays, say } from "./issues";

/** The query parameters of `GET /v1/stats` and `GET /v1/funnel` (CONTRACT.md "Aggregates"). */

/** The row groupings of GET /v1/stats. */
export const GROUPS = ["campaign", "source", "medium", "day", "goal", "content", "term"] as const;

/** The drill-down filters of GET /v1/stats (v1.1): they narrow the rows, never the privacy units. */
export const FILTERS = ["source", "medium", "campaign", "content"] as const;

const filter = (key: string) => {
  const bad = say("invalid_filter", `\`${key}\` is 1 to ${TOUCH_FIELD_MAX} characters (a ${key} as the rows show it).`);
  return v.optional(v.pipe(v.string(bad), v.minLength(1, bad), v.maxLength(TOUCH_FIELD_MAX, bad)));
};

const rangeDay = (key: string) => {
  const required = say("required", `\`${key}\` is required (YYYY-MM-DD).`);
  return v.pipe(v.string(required), v.minLength(1, required), day(say("invalid_day", `\`${key}\` must be a calendar day written YYYY-MM-DD.`)));
};
const SITE = say("required", "`site` is required: the id of the site to read.");
/** `site`: read before the others (the read key is checked against it). */
export const SiteParam = v.strictObject({ site: v.pipe(v.string(SITE), v.minLength(1, SITE)) }, objectSays(SITE, { required: SITE }));
const range = {
  from: rangeDay("from"),
  to: rangeDay("to"),
};
const required = {
  site: SITE,
  from: say("required", "`from` is required (YYYY-MM-DD)."),
  to: say("required", "`to` is required (YYYY-MM-DD)."),
  funnel: say("required", "`funnel` is required: the name of one of the site's funnels."),
};
// Query strings carry other parameters too (debug, cache busters): `paramsObject` leaves them out.
const says = objectSays(say("invalid_query", "Send the parameters in the query string."), { required });

/** `from` and `to`: real days; from ≤ to and the range's length are checked by stats/query.ts. */
export const RangeParams = v.strictObject(range, says);

/** GET /v1/stats. `goal` must be a goal of the site, checked by stats/query.ts. */
export const StatsParams = v.strictObject(
  {
    ...range,
    group: v.optional(v.picklist(GROUPS, say("unknown_group", `\`group\` is one of ${GROUPS.join(", ")}.`))),
    model: v.optional(v.picklist(MODELS, say("unknown_model", `\`model\` is one of ${MODELS.join(", ")}.`))),
    goal: v.optional(v.string()),
    format: v.optional(v.picklist(["json", "csv"], say("unknown_format", "`format` is json or csv."))),
    source: filter("source"),
    medium: filter("medium"),
    campaign: filter("campaign"),
    content: filter("content"),
  },
  says,
);

/** GET /v1/funnel. */
export const FunnelParams = v.strictObject(
  { ...range, funnel: v.pipe(v.string(required.funnel), v.minLength(1, required.funnel)) },
  says,
);

/**
 * The parameters of a query string that `schema` names, as an object; the first value of a
 * repeated parameter wins (as URLSearchParams.get). Others are ignored, so the schemas can be
 * strict objects (valibot's loose object would cost the Worker another kilobyte).
 */
export function paramsObject(params: URLSearchParams, schema: { entries: object }): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [k, x] of params) if (k in schema.entries && !(k in o)) o[k] = x;
  return o;
}
