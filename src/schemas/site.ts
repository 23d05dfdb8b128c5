import { COLLECT_TIERS, TOUCHES_PER_DAY_MAX } from "../sites/limits";
import * as v from "valibot";
import { isDomain, normalizeDomain } from "../sites/domains";
import { isTimeZone } from "../time/day";
import { currency, eventName, isEventName, NAME_MAX } from "./fields";
import { objectSays, record, say, strictObject } from "./issues";
import { Destinations } from "./destinations";

/**
 * A site's configuration (CONTRACT.md "Sites"): the body of `POST /v1/admin/sites` and of its
 * PATCH. One schema says every field's shape; sites/config.ts applies defaults, merges a PATCH
 * and checks what spans fields (funnel steps and alias targets must be the site's names).
 */

export const SITE_ID_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Bounds of the lists and maps of a site. */
export const DOMAINS_MAX = 50;
export const GOALS_MAX = 50;
export const FUNNELS_MAX = 20;
export const ALIASES_MAX = 100;

// Sites name the whole path in an unknown field's message (`privacy.x`).
const UNKNOWN = say("unknown_field", "Unknown field `{field}`.");
const part = (type: string) => objectSays(type, { unknown: UNKNOWN });

const int = (field: string, min: number, max: number) => {
  const m = say("out_of_range", `\`${field}\` must be a whole number from ${min} to ${max}.`);
  return v.pipe(v.number(m), v.integer(m), v.minValue(min, m), v.maxValue(max, m));
};
const bool = (field: string) => v.boolean(say("invalid_type", `\`${field}\` must be true or false.`));

export const SiteId = v.pipe(
  v.string(say("invalid_id", "`id` must be 1–63 characters of a–z, 0–9, '-' or '_', starting with a letter or digit.")),
  v.regex(SITE_ID_RE, say("invalid_id", "`id` must be 1–63 characters of a–z, 0–9, '-' or '_', starting with a letter or digit.")),
);

const DOMAIN = say("invalid_domain", "Each domain is a host name such as shop.example (no scheme, path or port), localhost or an IP address.");
const DOMAINS = say("invalid_domains", "`domains` must be a non-empty array of host names.");
/** Host names, normalised (lower case, no trailing dot) and deduplicated. */
export const Domains = v.pipe(
  v.array(v.pipe(v.string(DOMAIN), v.transform(normalizeDomain), v.check(isDomain, DOMAIN)), DOMAINS),
  v.minLength(1, DOMAINS),
  v.maxLength(DOMAINS_MAX, say("too_many", `A site has at most ${DOMAINS_MAX} domains.`)),
  v.transform((ds) => [...new Set(ds)]),
);

const Timezone = v.pipe(
  v.string(say("invalid_timezone", "`timezone` must be an IANA time zone such as Europe/Berlin.")),
  v.check(isTimeZone, say("invalid_timezone", "`timezone` must be an IANA time zone such as Europe/Berlin.")),
);

const EPSILON = say("out_of_range", "`privacy.epsilon` must be null or a number above 0 and at most 20.");
/** Every key optional: a create fills in defaults, a PATCH merges into the current values. */
export const Privacy = strictObject(
  {
    k: v.optional(int("privacy.k", 1, 10_000)),
    epsilon: v.optional(v.nullable(v.pipe(v.number(EPSILON), v.finite(EPSILON), v.gtValue(0, EPSILON), v.maxValue(20, EPSILON)))),
    final_only: v.optional(bool("privacy.final_only")),
    /** v1.1: the time grain of small volumes (CONTRACT.md "Aggregates", small volumes). */
    period: v.optional(v.picklist(["auto", "day"], say("invalid_period", '`privacy.period` is "auto" or "day".'))),
  },
  part(say("invalid_privacy", "`privacy` must be an object.")),
);

export const Attribution = strictObject(
  {
    click_window_days: v.optional(int("attribution.click_window_days", 1, 90)),
    view_window_days: v.optional(int("attribution.view_window_days", 0, 30)),
  },
  part(say("invalid_attribution", "`attribution` must be an object.")),
);

export const Collect = strictObject(
  {
    /** Apply the COLLECT_LIMITER per-IP limit to /p.gif and /e (v1; see `limits` for v1.1). */
    rate_limit: v.optional(bool("collect.rate_limit")),
    /** Drop browser hits that carry `Sec-GPC: 1` or `DNT: 1`. */
    honor_gpc: v.optional(bool("collect.honor_gpc")),
  },
  part(say("invalid_collect", "`collect` must be an object.")),
);

/** v1.1 `limits`: per site-day distinct touches, and hits per minute per client address (0: no limit). */
export const Limits = strictObject(
  {
    // Each kept touch costs (goals + 1) × 6 atoms a day; the rate tiers end at 30,000 (sites/limits.ts).
    touches_per_day: v.optional(int("limits.touches_per_day", 1, TOUCHES_PER_DAY_MAX)),
    collect_per_minute: v.optional(int("limits.collect_per_minute", 0, COLLECT_TIERS[COLLECT_TIERS.length - 1]!)),
  },
  part(say("invalid_limits", "`limits` must be an object.")),
);

const GOAL_NAME = say("invalid_name", `A goal name is 1–${NAME_MAX} characters without surrounding spaces.`);
const GOAL_VALUE = say("invalid_value", "A goal's `value` is a finite number of at least 0.");
export const Goal = strictObject(
  {
    name: v.pipe(eventName(GOAL_NAME), v.check((n) => n !== "pageview", say("reserved_name", "`pageview` is not a goal; pick another name."))),
    tier: v.optional(v.nullable(v.picklist(["macro", "micro"], say("invalid_tier", "A goal's `tier` is `macro` or `micro`.")))),
    /** Default value (major units) for conversions sent without one. */
    value: v.optional(v.nullable(v.pipe(v.number(GOAL_VALUE), v.finite(GOAL_VALUE), v.minValue(0, GOAL_VALUE)))),
    /** Currency of the default value; null means the site's currency. */
    currency: v.optional(v.nullable(currency())),
  },
  objectSays(say("invalid_goal", "Each goal is an object with a `name`."), { unknown: UNKNOWN, required: GOAL_NAME }),
);

export const Goals = v.pipe(
  v.array(Goal, say("invalid_goals", "`goals` must be an array.")),
  v.maxLength(GOALS_MAX, say("too_many", `A site has at most ${GOALS_MAX} goals.`)),
);

const STEPS = say("invalid_steps", "A funnel has 2–10 steps, each `pageview` or a goal name.");
export const Funnel = strictObject(
  {
    name: eventName(say("invalid_name", `A funnel name is 1–${NAME_MAX} characters.`)),
    steps: v.pipe(v.array(eventName(STEPS), STEPS), v.minLength(2, STEPS), v.maxLength(10, STEPS)),
  },
  objectSays(say("invalid_funnel", "Each funnel is an object with `name` and `steps`."), {
    unknown: UNKNOWN,
    required: { name: say("invalid_name", `A funnel name is 1–${NAME_MAX} characters.`), steps: STEPS },
  }),
);

export const Funnels = v.pipe(
  v.array(Funnel, say("invalid_funnels", "`funnels` must be an array.")),
  v.maxLength(FUNNELS_MAX, say("too_many", `A site has at most ${FUNNELS_MAX} funnels.`)),
);

const ALIAS = say("invalid_alias", `An alias maps an event name of another tool (1–${NAME_MAX} characters) to \`pageview\` or a goal name of this site.`);
/**
 * v1.1 `aliases`: other tools' event names → this site's (`{"Order Completed": "purchase"}`).
 * Replaced as a whole by a PATCH, so an alias can be removed.
 */
export const Aliases = v.pipe(
  record(v.pipe(v.string(ALIAS), v.check((k: string) => isEventName(k), ALIAS)), eventName(ALIAS), say("invalid_aliases", "`aliases` must be an object of event name → goal name.")),
  v.check((a) => Object.keys(a).length <= ALIASES_MAX, say("too_many", `A site has at most ${ALIASES_MAX} aliases.`)),
);

/** The fields a create and a PATCH share: all optional. */
const common = {
  timezone: v.optional(Timezone),
  currency: v.optional(currency()),
  privacy: v.optional(Privacy),
  attribution: v.optional(Attribution),
  goals: v.optional(Goals),
  funnels: v.optional(Funnels),
  collect: v.optional(Collect),
  limits: v.optional(Limits),
  aliases: v.optional(Aliases),
  destinations: v.optional(Destinations),
};

/** `POST /v1/admin/sites`: only `id` and `domains` are required. */
export const SiteCreate = strictObject({ id: SiteId, domains: Domains, ...common }, part(say("invalid_body", "Send the site as a JSON object.")));
/** `PATCH /v1/admin/sites/:id`: any field; nested objects merge, arrays and `aliases` replace. `id` may only repeat the current one. */
export const SitePatch = strictObject({ id: v.optional(v.string()), domains: v.optional(Domains), ...common }, part(say("invalid_body", "Send the changes as a JSON object.")));

export type SiteCreateInput = v.InferOutput<typeof SiteCreate>;
export type SitePatchInput = v.InferOutput<typeof SitePatch>;
type GoalInput = v.InferOutput<typeof Goal>;
/** A conversion goal as stored: tier macro and no default value unless given. */
export type Goal = { [K in keyof GoalInput]-?: K extends "tier" ? NonNullable<GoalInput[K]> : Exclude<GoalInput[K], undefined> };
export type Funnel = v.InferOutput<typeof Funnel>;
export type Limits = Required<v.InferOutput<typeof Limits>>;
export type Period = NonNullable<v.InferOutput<typeof Privacy>["period"]>;
