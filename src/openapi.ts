import { GROUPS } from "./stats/query";
import { MODELS } from "./attribution/types";
import { SPEND_MAX_ROWS } from "./stats/spend";

/**
 * The OpenAPI 3.1 description of every public route of src/router.ts (served at /openapi.json).
 * test/http/openapi.test.ts checks that the router and this document list the same routes, so
 * a route cannot be added without being described. CONTRACT.md stays the binding text.
 *
 * Written with small builders (`obj`, `op`, `strings` …) rather than literal JSON: the document
 * ships inside the Worker bundle, and the repeated parts cost its cold start once per copy.
 */

type Schema = Record<string, unknown>;

// Schemas: shared leaves and builders.
const STR: Schema = { type: "string" };
const INT: Schema = { type: "integer" };
const NUM: Schema = { type: "number" };
const BOOL: Schema = { type: "boolean" };
const ANY_OBJECT: Schema = { type: "object" };
const DATE_TIME: Schema = { type: "string", format: "date-time" };
const DAY: Schema = { type: "string", format: "date", pattern: "^\\d{4}-\\d{2}-\\d{2}$" };
/** `{type, description?}`; a type list such as `["number", "null"]` allows either. */
const typed = (type: string | string[], description?: string, more: Schema = {}): Schema => ({ type, ...(description ? { description } : {}), ...more });
const nullable = (type: string, description?: string, more?: Schema): Schema => typed([type, "null"], description, more);
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const arr = (items: Schema, more: Schema = {}): Schema => ({ type: "array", items, ...more });
/** An object schema; `required` omitted when not given. */
const obj = (properties: Schema, required?: string[], more: Schema = {}): Schema => ({ type: "object", properties, ...(required ? { required } : {}), ...more });
/** Properties that all share one schema. */
const same = (schema: Schema, names: string[]): Schema => Object.fromEntries(names.map((n) => [n, schema]));
const strings = (...names: string[]): Schema => same(STR, names);
const integers = (...names: string[]): Schema => same(INT, names);
const enumOf = (values: readonly string[]): Schema => ({ enum: [...values] });

// Operations: parameters, bodies, answers.
const query = (name: string, description: string, schema: Schema = STR, required = false) => ({ name, in: "query", required, description, schema });
const pathParam = (name: string, description: string) => ({ name, in: "path", required: true, description, schema: STR });
const jsonBody = (schema: Schema) => ({ content: { "application/json": { schema } } });
const body = (schema: Schema) => ({ required: true, ...jsonBody(schema) });
const answer = (description: string, schema: Schema) => ({ description, ...jsonBody(schema) });
const error = (description: string) => answer(description, ref("Error"));
const AUTH_ERRORS = {
  "401": error("No bearer token."),
  "403": error("The token is not valid for this request."),
  "429": error("Too many failed authentications; see Retry-After."),
};
const MALFORMED = error("Malformed body.");
const NO_SITE = error("No such site.");
const BAD_PARAM = error("Invalid parameter (see `field`).");
const DEBUG = (description: string) => query("debug", description, enumOf(["1"]));
const SITE_ID = [pathParam("id", "site id")];

/** An operation: summary and tag first, then (when `auth` names a scheme) its security and the auth errors with the answers. */
function op(summary: string, tag: string, auth: "admin" | "ingest" | "read" | null, responses: Schema, more: Schema = {}): Schema {
  return auth === null
    ? { summary, tags: [tag], ...more, responses }
    : { summary, tags: [tag], security: [{ [auth]: [] }], ...more, responses: { ...responses, ...AUTH_ERRORS } };
}

const byCurrency: Schema = { type: "object", additionalProperties: NUM, description: "per ISO-4217 currency, never summed across currencies" };

const HIT_FIELDS = obj(
  {
    s: typed("string", "site id"),
    n: typed("string", "event name: pageview (default) or a goal name"),
    u: typed("string", "page URL"),
    r: typed("string", "referrer"),
    v: typed(["number", "string"], "value in major units"),
    c: typed("string", "ISO-4217 currency"),
    i: typed("string", "event id (dedup)"),
    j: typed("string", "touch journal (docs/JOURNAL.md)"),
  },
  ["s"],
);

const FIGURES = obj(
  {
    clicks: INT,
    visitors: INT,
    conversions: typed("number", "credit (fractional under multi-touch models)"),
    conversion_rate: nullable("number", "conversions / visitors × 100; null without visitors"),
    revenue: typed("number", "in the site's currency, other currencies converted at their day's reference rate"),
    currency: STR,
    revenue_by_currency: byCurrency,
    revenue_unconverted: { type: "object", additionalProperties: NUM, description: "revenue whose day has no reference rate, by currency (not in revenue)" },
    cost: nullable("number", "imported spend in the site's currency, converted like revenue; null without any"),
    cost_by_currency: byCurrency,
    cost_unconverted: { type: "object", additionalProperties: NUM, description: "spend whose day has no reference rate, by currency (not in cost)" },
    cpa: nullable("number", "cost / conversions"),
    roas: nullable("number", "revenue / cost"),
    platform_conversions: nullable("number", "as imported with the spend"),
    discrepancy: nullable("number", "platform_conversions − conversions"),
  },
  ["clicks", "visitors", "conversions", "conversion_rate", "revenue", "currency", "revenue_by_currency", "cost", "cpa", "roas"],
);

const PRIVACY = obj(
  {
    k: INT,
    epsilon: nullable("number"),
    final_only: BOOL,
    suppressed: typed("integer", "atoms (or funnel days) not released on their own"),
    withheld_days: arr(DAY, { description: "days of which nothing could be released" }),
    provisional_days: arr(DAY, { description: "days inside the 7-day re-roll window" }),
  },
  ["k", "epsilon", "suppressed", "provisional_days"],
);

const SITE_INPUT = obj({
  id: typed("string", undefined, { pattern: "^[a-z0-9][a-z0-9_-]{0,62}$" }),
  domains: arr(STR, { minItems: 1, maxItems: 50 }),
  timezone: typed("string", "IANA zone, default UTC"),
  currency: typed("string", "ISO-4217, default USD"),
  privacy: obj({ k: typed("integer", undefined, { minimum: 1 }), epsilon: nullable("number", undefined, { exclusiveMinimum: 0, maximum: 20 }), final_only: BOOL }),
  attribution: obj(integers("click_window_days", "view_window_days")),
  goals: arr(obj({ name: STR, tier: enumOf(["macro", "micro"]), value: nullable("number"), currency: nullable("string") }, ["name"])),
  funnels: arr(obj({ name: STR, steps: arr(STR) }, ["name", "steps"])),
  collect: obj(same(BOOL, ["rate_limit", "honor_gpc"])),
});

const TOUCH = obj(
  { time: typed(["number", "string"]), source: STR, ...same(nullable("string"), ["medium", "campaign", "content", "term"]), view: BOOL },
  ["time", "source"],
);

const SERVER_EVENT = obj(
  {
    name: STR,
    time: typed(["number", "string"], "unix seconds or ISO-8601; up to 7 days in the past"),
    event_id: STR,
    url: STR,
    value: NUM,
    currency: STR,
    touches: arr(ref("Touch")),
    client: obj(strings("ip", "user_agent"), undefined, { description: "never stored" }),
  },
  ["name", "time"],
);

const hitsBody = { schema: { oneOf: [ref("HitFields"), arr(ref("HitFields"), { maxItems: 20 })] } };
const fxDay = obj({ day: DAY, base: STR, rates: { type: "object", additionalProperties: NUM } }, ["day", "base", "rates"]);
const rolledUp = obj(integers("days", "atoms", "events"), ["days", "atoms", "events"]);

/** The document. Built once; it is static. */
export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "edgetally",
    version: "1.0.0",
    description: "Open-source conversion tracking on Cloudflare Workers + D1. The binding contract is docs/CONTRACT.md; privacy: docs/PRIVACY.md.",
    license: { name: "MIT", identifier: "MIT" },
  },
  components: {
    securitySchemes: {
      admin: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" },
      ingest: { type: "http", scheme: "bearer", description: "a site's ingest_key (eti_…)" },
      read: { type: "http", scheme: "bearer", description: "a site's read_key (etr_…)" },
    },
    schemas: {
      Error: obj({ error: obj(strings("code", "message", "field"), ["code", "message"]) }, ["error"]),
      SiteInput: SITE_INPUT,
      Site: { allOf: [SITE_INPUT, obj(same(DATE_TIME, ["created_at", "updated_at"]))] },
      Keys: obj(strings("ingest_key", "read_key"), ["ingest_key", "read_key"]),
      HitFields: HIT_FIELDS,
      ValidationReport: obj({ ok: BOOL, errors: arr(ANY_OBJECT), event: ANY_OBJECT }, ["ok", "errors"]),
      Touch: TOUCH,
      ServerEvent: SERVER_EVENT,
      SpendRow: obj(
        {
          day: DAY,
          source: STR,
          medium: typed("string", "omitted: every medium of that source and campaign"),
          campaign: STR,
          cost: typed("number", undefined, { minimum: 0 }),
          currency: STR,
          platform_conversions: nullable("number", undefined, { minimum: 0 }),
        },
        ["day", "source", "campaign", "cost", "currency"],
      ),
      Rejected: arr(obj({ index: INT, error: ANY_OBJECT }, ["index", "error"])),
      Figures: FIGURES,
      Privacy: PRIVACY,
      Stats: obj(
        {
          site: STR,
          from: DAY,
          to: DAY,
          group: enumOf(GROUPS),
          model: enumOf(MODELS),
          goal: nullable("string", "null: all macro goals together"),
          currency: STR,
          privacy: ref("Privacy"),
          rows: arr(ref("Figures"), { description: "each also carries its key columns (source/medium/campaign, day, or goal/tier)" }),
          other: ref("Figures"),
          totals: {
            allOf: [
              ref("Figures"),
              obj({ paid: obj(same(nullable("number"), ["cost", "conversions", "revenue", "cpa", "roas", "platform_conversions", "discrepancy"]), undefined, { description: "over the touches with imported spend only" }) }, ["paid"]),
            ],
          },
          updated_at: nullable("string", undefined, { format: "date-time" }),
        },
        ["site", "from", "to", "model", "goal", "privacy", "rows", "other", "totals", "updated_at"],
      ),
      Funnel: obj({ site: STR, from: DAY, to: DAY, funnel: STR, steps: arr(obj({ name: STR, visitors: INT }, ["name", "visitors"])), privacy: ref("Privacy") }, ["funnel", "steps", "privacy"]),
    },
  },
  paths: {
    "/t.js": { get: op("The tracker script", "collect", null, { "200": { description: "JavaScript", content: { "text/javascript": { schema: STR } } } }) },
    "/p.gif": {
      get: op(
        "Pixel hit",
        "collect",
        null,
        { "200": { description: "the GIF, or the validation report with debug=1", content: { "image/gif": { schema: typed("string", undefined, { format: "binary" }) }, "application/json": { schema: ref("ValidationReport") } } } },
        {
          description: "Always 200 with a 1×1 GIF (no-store), even for bad input; `debug=1` answers the validation report and stores nothing.",
          parameters: [
            ...Object.entries(HIT_FIELDS.properties as Record<string, Schema>).map(([name, s]) => query(name, String(s.description), STR, name === "s")),
            DEBUG("1: answer the validation report instead"),
          ],
        },
      ),
    },
    "/e": {
      post: op(
        "Beacon hits",
        "collect",
        null,
        { "202": answer("counted", obj(integers("accepted", "dropped"), ["accepted", "dropped"])), "400": MALFORMED, "413": error("Body too large.") },
        {
          description: "One hit object or an array of at most 20, as text/plain or application/json (no CORS preflight for text/plain).",
          parameters: [DEBUG("1: answer the validation report")],
          requestBody: { required: true, content: { "text/plain": hitsBody, "application/json": hitsBody } },
        },
      ),
      options: op("CORS preflight for application/json beacons", "collect", null, { "204": { description: "CORS headers" } }),
    },
    "/l/{code}": {
      get: op("Follow a tracked link", "collect", null, { "302": { description: "to the destination with utm_* added" }, "404": error("Unknown code.") }, { parameters: [pathParam("code", "the link's code")] }),
    },
    "/v1/events": {
      post: op(
        "Server-side events",
        "ingest",
        "ingest",
        { "200": answer("per-event outcome", obj({ ...integers("accepted", "duplicates"), rejected: ref("Rejected") }, ["accepted", "duplicates", "rejected"])), "400": MALFORMED },
        { requestBody: body(obj({ events: arr(ref("ServerEvent"), { maxItems: 500 }) }, ["events"])) },
      ),
    },
    "/v1/links": {
      post: op(
        "Create a tracked link",
        "ingest",
        "ingest",
        { "201": answer("created", obj(strings("code", "url"), ["code", "url"])), "422": error("Invalid link, or a destination outside the site's domains.") },
        { requestBody: body(obj(strings("destination", "source", "medium", "campaign", "content", "term"), ["destination", "source", "medium", "campaign"])) },
      ),
    },
    "/v1/spend": {
      post: op(
        "Import ad spend",
        "ingest",
        "ingest",
        { "200": answer("per-row outcome", obj({ accepted: INT, rejected: ref("Rejected") }, ["accepted", "rejected"])), "422": error("Not an array, or too many rows.") },
        {
          description: `At most ${SPEND_MAX_ROWS} rows. Valid rows are upserted (the same day, source, medium, campaign and currency replaces); invalid rows are listed by index.`,
          requestBody: body(arr(ref("SpendRow"), { maxItems: SPEND_MAX_ROWS })),
        },
      ),
    },
    "/v1/stats": {
      get: op(
        "Released aggregates",
        "read",
        "read",
        { "200": { description: "the aggregates", content: { "application/json": { schema: ref("Stats") }, "text/csv": { schema: STR } } }, "422": BAD_PARAM },
        {
          description: "Every number is a sum of released atoms and pools (docs/PRIVACY.md). `format=csv` or `Accept: text/csv` answers the rows, then (other) and (total), as CSV.",
          parameters: [
            query("site", "site id", STR, true),
            query("from", "first day (site timezone)", DAY, true),
            query("to", "last day, inclusive; at most 366 days after from", DAY, true),
            query("group", "row grouping (default campaign)", enumOf(GROUPS)),
            query("model", "attribution model (default last_click)", enumOf(MODELS)),
            query("goal", "a goal name; omitted: all macro goals"),
            query("format", "json (default) or csv", enumOf(["json", "csv"])),
          ],
        },
      ),
    },
    "/v1/funnel": {
      get: op("Funnel step visitors", "read", "read", { "200": answer("the funnel", ref("Funnel")), "422": BAD_PARAM }, {
        parameters: [query("site", "site id", STR, true), query("from", "first day", DAY, true), query("to", "last day, inclusive", DAY, true), query("funnel", "a funnel name of the site", STR, true)],
      }),
    },
    "/openapi.json": { get: op("This document", "meta", null, { "200": answer("OpenAPI 3.1", ANY_OBJECT) }) },
    "/v1/admin/sites": {
      post: op(
        "Create a site",
        "admin",
        "admin",
        { "201": answer("created", { allOf: [ref("Site"), ref("Keys")] }), "409": error("The id is taken."), "422": error("Invalid site (see `field`).") },
        { description: "Answers the site and, once only, its ingest_key and read_key.", requestBody: body(ref("SiteInput")) },
      ),
    },
    "/v1/admin/sites/{id}": {
      get: op("Read a site", "admin", "admin", { "200": answer("the site", ref("Site")), "404": NO_SITE }, { parameters: SITE_ID }),
      patch: op("Change a site", "admin", "admin", { "200": answer("the site", ref("Site")), "404": NO_SITE, "422": error("Invalid change.") }, {
        description: "Nested objects merge, arrays replace; the id cannot change.",
        parameters: SITE_ID,
        requestBody: body(ref("SiteInput")),
      }),
      delete: op("Delete a site and every row it owns", "admin", "admin", { "204": { description: "deleted" }, "404": NO_SITE }, { parameters: SITE_ID }),
    },
    "/v1/admin/sites/{id}/keys": {
      post: op("Rotate both keys", "admin", "admin", { "200": answer("the new keys", ref("Keys")), "404": NO_SITE }, { parameters: SITE_ID }),
    },
    "/v1/admin/fx/{day}": {
      put: op("Set or backfill one day's reference exchange rates", "admin", "admin", { "200": answer("the day's stored rates (the base at 1)", fxDay), "422": error("Invalid day, base or rate.") }, {
        description: "Replaces the day's rates. `rates[c]` units of c buy one `base`; any two currencies of the day cross through the base.",
        parameters: [pathParam("day", "the date the rates are for, YYYY-MM-DD")],
        requestBody: body(obj({ base: STR, rates: { type: "object", additionalProperties: NUM } }, ["base", "rates"])),
      }),
    },
    "/v1/admin/rollup": {
      post: op("Recompute a range of days (at most 31) synchronously", "admin", "admin", { "200": answer("what was rolled up", rolledUp), "422": error("Invalid range.") }, {
        requestBody: body(obj({ site: STR, from: DAY, to: DAY }, ["from", "to"])),
      }),
    },
  },
};
