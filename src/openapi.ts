import { toJsonSchemaDefs } from "@valibot/to-json-schema";
import type { GenericSchema } from "valibot";
import { MODELS } from "./attribution/types";
import { Hit } from "./schemas/hit";
import { LinkBody } from "./schemas/link";
import { FunnelParams, GROUPS, SiteParam, StatsParams } from "./schemas/query";
import { RollupBody } from "./schemas/rollup";
import { ServerEvent, ServerTouch, SERVER_MAX_EVENTS } from "./schemas/server-event";
import { SiteCreate, SitePatch } from "./schemas/site";
import { SPEND_MAX_ROWS, SpendRow } from "./schemas/spend";
import { DAY_MS, LATE_EVENT_MS } from "./time/windows";

/**
 * The OpenAPI 3.1 description of every public route of src/router.ts (served at /openapi.json).
 * test/http/openapi.test.ts checks that the router and this document list the same routes, so
 * a route cannot be added without being described. CONTRACT.md stays the binding text.
 *
 * Every input (bodies and query parameters) is converted from its schema in src/schemas/, the
 * same one that validates it; this file says only what schemas cannot: paths, operations,
 * answers, and a few descriptions. It runs at build time only (scripts/build-openapi.mjs), so
 * neither it nor the converter ships in the Worker.
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

/** A Segment drop-in call (docs/MIGRATING.md): Segment's write key, its limits, its answer. */
function segmentOp(summary: string, description: string): Schema {
  return {
    summary,
    tags: ["ingest"],
    security: [{ segment: [] }],
    description,
    requestBody: { required: true, content: { "application/json": { schema: obj({}) } } },
    responses: {
      "200": answer("`{\"success\": true}` with the per-event outcome", obj({ success: { const: true }, ...integers("accepted", "duplicates"), rejected: ref("Rejected") }, ["success"])),
      "400": MALFORMED,
      "413": error("Over Segment's limits (32 KB a call, 500 KB a batch)."),
      ...AUTH_ERRORS,
    },
  };
}

const LIVE_HIT = obj(
  {
    at: DATE_TIME,
    via: enumOf(["pixel", "beacon", "server", "link", "plausible", "segment"]),
    name: nullable("string"),
    outcome: enumOf(["accepted", "duplicate", "dropped", "test"]),
    reason: { enum: ["bot", "foreign_origin", "invalid", "unknown_event", "consent", "rate_limited", null] },
    url: nullable("string", "scrubbed"),
    touch: obj(same(nullable("string"), ["source", "medium", "campaign", "content", "term"])),
    value: nullable("number"),
    currency: nullable("string"),
    event_id: nullable("string", "as stored: one holding an e-mail or phone is a keyed hash"),
    errors: arr(obj(strings("code", "message", "field"), ["code", "message"])),
  },
  ["at", "via", "name", "outcome", "reason", "url", "touch", "value", "currency", "event_id", "errors"],
);
const DESTINATION_STATUS = obj(
  {
    destinations: arr(
      obj(
        {
          id: STR, type: STR, delivered: INT, failed: INT, pending: INT, expired: INT,
          last_delivered_at: nullable("string", "ISO-8601"),
          last_error: { ...obj({ at: STR, status: { ...INT, description: "the platform's HTTP status; 0 for a network error or timeout" }, message: { ...STR, description: "the platform's message" } }, ["at", "status", "message"]), type: ["object", "null"] },
        },
        ["id", "type", "delivered", "failed", "pending", "expired", "last_delivered_at", "last_error"],
      ),
    ),
  },
  ["destinations"],
);
const LIVE_VIEW = obj({ until: nullable("string", "ISO-8601; null without a running session"), hits: arr(LIVE_HIT, { maxItems: 200 }) }, ["until", "hits"]);

const byCurrency: Schema = { type: "object", additionalProperties: NUM, description: "per ISO-4217 currency, never summed across currencies" };

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
    period: { ...enumOf(["day", "week", "month", "mixed"]), description: "v1.1 (/v1/stats): the time grain of the units the rows hold" },
    partial_periods: arr(STR, { description: "v1.1 (/v1/stats): periods of week or month units the range cuts, as YYYY-MM-DD/YYYY-MM-DD; left out of rows, other and totals" }),
  },
  ["k", "epsilon", "suppressed", "provisional_days"],
);

/**
 * The inputs, converted from their valibot schemas: output types (what a field holds once parsed,
 * e.g. `value` a number or its text), checks that JSON Schema cannot say (a goal that exists, a
 * known time zone) left to the prose of CONTRACT.md and the error answers.
 */
const INPUTS = toJsonSchemaDefs(
  { SiteInput: SiteCreate, SitePatch, HitFields: Hit, Touch: ServerTouch, ServerEvent, SpendRow, LinkInput: LinkBody, RollupInput: RollupBody },
  { target: "draft-2020-12", typeMode: "output", errorMode: "ignore", overrideRef: ({ referenceId }) => `#/components/schemas/${referenceId}` },
) as unknown as Record<string, Schema & { properties: Record<string, Schema>; required?: string[] }>;

/** Adds descriptions to the properties of a converted object schema. */
function described(schema: Schema & { properties: Record<string, Schema> }, descriptions: Record<string, string>): Schema {
  const properties = Object.fromEntries(Object.entries(schema.properties).map(([k, p]) => [k, descriptions[k] ? { ...p, description: descriptions[k] } : p]));
  return { ...schema, properties };
}

const HIT_DESCRIPTIONS: Record<string, string> = {
  s: "site id",
  n: "event name: pageview (default) or a goal name",
  u: "page URL",
  r: "referrer",
  v: "value in major units",
  c: "ISO-4217 currency",
  i: "event id (dedup)",
  j: "touch journal (docs/JOURNAL.md)",
  k: "v1.1: a conversion's ad click ids, for forwarding only, never stored: JSON rows [t, name, value] or a click_ids object (docs/TRACKER.md \"Click ids\")",
  t: "1: a test event (v1.1)",
};
// A page may add parameters of its own: they are ignored, not refused.
const HIT_FIELDS = { ...described(INPUTS.HitFields!, HIT_DESCRIPTIONS), additionalProperties: true };
const SERVER_EVENT = described(INPUTS.ServerEvent!, {
  time: `unix seconds or ISO-8601; up to ${LATE_EVENT_MS / DAY_MS} days in the past, 5 minutes ahead; default now`,
  client: "the visitor's ip and user agent: for the visitor hash and bot check, never stored",
  user: "v1.1, for forwarding only: hashed at the edge, never stored or logged",
  click_ids: "v1.1, for forwarding only, never stored",
  consent: "v1.1: false means never forwarded",
  test: "v1.1: a test event",
});
const SITE_DESCRIPTIONS = {
  timezone: "IANA zone, default UTC",
  currency: "ISO-4217, default USD",
  limits: "v1.1: touches_per_day (default 5000), collect_per_minute per client address (default 600; 0 disables)",
  aliases: "v1.1: other tools' event names → pageview or a goal name of this site",
};

/** The query parameters of an object schema of src/schemas/query.ts. */
function queryParams(schema: GenericSchema, descriptions: Record<string, string>) {
  const json = toJsonSchemaDefs({ q: schema }, { target: "draft-2020-12", typeMode: "output", errorMode: "ignore" }).q as unknown as { properties: Record<string, Schema>; required?: string[] };
  return Object.entries(json.properties).map(([name, s]) => query(name, descriptions[name] ?? name, s, json.required?.includes(name) ?? false));
}

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
      segment: { type: "http", scheme: "basic", description: "Segment's write key: a site's ingest_key as user, an empty password" },
    },
    schemas: {
      Error: obj({ error: obj(strings("code", "message", "field"), ["code", "message"]) }, ["error"]),
      SiteInput: described(INPUTS.SiteInput!, SITE_DESCRIPTIONS),
      SitePatch: described(INPUTS.SitePatch!, SITE_DESCRIPTIONS),
      Site: { allOf: [ref("SiteInput"), obj(same(DATE_TIME, ["created_at", "updated_at"]))] },
      Keys: obj(strings("ingest_key", "read_key"), ["ingest_key", "read_key"]),
      HitFields: HIT_FIELDS,
      ValidationReport: obj({ ok: BOOL, errors: arr(ANY_OBJECT), event: ANY_OBJECT }, ["ok", "errors"]),
      Touch: INPUTS.Touch,
      ServerEvent: SERVER_EVENT,
      SpendRow: described(INPUTS.SpendRow!, {
        medium: "omitted: every medium of that source and campaign",
        content: "v1.1: ad-level spend (the touch's utm_content); omitted: campaign-level spend",
        term: "v1.1: keyword-level spend inside `content` (which it requires); omitted: ad- or campaign-level spend",
      }),
      LinkInput: INPUTS.LinkInput,
      RollupInput: INPUTS.RollupInput,
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
          rows: arr(ref("Figures"), { description: "each also carries its key columns (source/medium/campaign[/content[/term]], source, medium, day, or goal/tier); a content or term not released on its own shows as (other)" }),
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
      Funnel: obj({ site: STR, from: DAY, to: DAY, funnel: STR, steps: arr(obj({ name: STR, visitors: INT }, ["name", "visitors"])), other_steps_days: arr(DAY), privacy: ref("Privacy") }, ["funnel", "steps", "other_steps_days", "privacy"]),
    },
  },
  paths: {
    "/t.js": { get: op("The tracker script", "collect", null, { "200": { description: "JavaScript", content: { "text/javascript": { schema: STR } } } }) },
    "/t-ads.js": {
      get: op("The tracker script with ad click ids, for sites that forward conversions (docs/TRACKER.md)", "collect", null, {
        "200": { description: "JavaScript", content: { "text/javascript": { schema: STR } } },
      }),
    },
    "/p.gif": {
      get: op(
        "Pixel hit",
        "collect",
        null,
        { "200": { description: "the GIF, or the validation report with debug=1", content: { "image/gif": { schema: typed("string", undefined, { format: "binary" }) }, "application/json": { schema: ref("ValidationReport") } } } },
        {
          description: "Always 200 with a 1×1 GIF (no-store), even for bad input; `debug=1` answers the validation report and stores nothing.",
          parameters: [
            ...queryParams(Hit, HIT_DESCRIPTIONS).map((p) => ({ ...p, schema: STR })),
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
        { requestBody: body(obj({ events: arr(ref("ServerEvent"), { maxItems: SERVER_MAX_EVENTS }) }, ["events"], { additionalProperties: false })) },
      ),
    },
    "/api/event": {
      post: op(
        "Plausible's Events API (drop-in, v1.1)",
        "collect",
        null,
        {
          "202": { description: "`{}`; the header `x-plausible-dropped: 1` when the event was not stored", content: { "application/json": { schema: obj({}) } } },
          "400": error("Not a Plausible event: no name or url, a url or referrer over 2,000 characters, props over Plausible's limits, malformed revenue."),
          "413": error("Body too large."),
        },
        {
          description:
            "Plausible's clients with only their endpoint changed. Long or short keys (name/n, url/u, domain/d, referrer/r, props/p, revenue/$, interactive/i); `domain` is a site id or one of a site's domains; `pageview`, else a goal (or alias). Props are checked against Plausible's limits (30, keys ≤ 300, values ≤ 2,000 characters) and not kept. The visitor's address is X-Forwarded-For's first entry when present.",
          requestBody: { required: true, content: { "text/plain": { schema: obj({}) }, "application/json": { schema: obj({}) } } },
        },
      ),
      options: op("CORS preflight for application/json events", "collect", null, { "204": { description: "CORS headers" } }),
    },
    "/v1/track": { post: segmentOp("Segment track call (drop-in, v1.1)", "`event` → goal (or alias); messageId → event_id; properties.revenue / total / value → value, properties.currency; timestamp → time; context.ip and context.userAgent → the visitor hash and bot check; context.page.url; context.campaign → a touch. userId, anonymousId and traits are never stored.") },
    "/v1/page": { post: segmentOp("Segment page call (drop-in, v1.1)", "A pageview: context.page.url (or properties.url), its campaign or external referrer as its landing touch.") },
    "/v1/identify": { post: segmentOp("Segment identify call (drop-in, v1.1)", "Accepted and ignored: edgetally keeps no user ids or traits.") },
    "/v1/batch": { post: segmentOp("Segment batch (drop-in, v1.1)", "`{\"batch\": [message, …]}`, at most 500 KB; each message at most 32 KB; a bad message is rejected alone. identify, group, alias and screen are accepted and ignored.") },
    "/v1/links": {
      post: op(
        "Create a tracked link",
        "ingest",
        "ingest",
        { "201": answer("created", obj(strings("code", "url"), ["code", "url"])), "422": error("Invalid link, or a destination outside the site's domains.") },
        { requestBody: body(ref("LinkInput")) },
      ),
    },
    "/v1/spend": {
      post: op(
        "Import ad spend",
        "ingest",
        "ingest",
        { "200": answer("per-row outcome", obj({ accepted: INT, rejected: ref("Rejected") }, ["accepted", "rejected"])), "422": error("Not an array, or too many rows.") },
        {
          description: `At most ${SPEND_MAX_ROWS} rows. Valid rows are upserted (the same day, source, medium, campaign, content, term and currency replaces); invalid rows are listed by index. A row's cost is the cost imported at its level plus that of its children.`,
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
            ...queryParams(SiteParam, { site: "site id" }),
            ...queryParams(StatsParams, {
              from: "first day (site timezone)",
              to: "last day, inclusive; at most 366 days after from",
              group: "row grouping (default campaign)",
              model: "attribution model (default last_click)",
              goal: "a goal name; omitted: all macro goals",
              format: "json (default) or csv",
              source: "v1.1 drill-down: only rows of this source (narrows rows, never other or totals; not with group=day or goal)",
              medium: "v1.1 drill-down: only rows of this medium",
              campaign: "v1.1 drill-down: only rows of this campaign",
              content: "v1.1 drill-down: only rows of this released content, or (other)",
            }),
          ],
        },
      ),
    },
    "/v1/funnel": {
      get: op("Funnel step visitors", "read", "read", { "200": answer("the funnel", ref("Funnel")), "422": BAD_PARAM }, {
        parameters: [
          ...queryParams(SiteParam, { site: "site id" }),
          ...queryParams(FunnelParams, { from: "first day", to: "last day, inclusive", funnel: "a funnel name of the site" }),
        ],
      }),
    },
    "/v1/live": {
      post: op("Start or extend a 30-minute live test session", "read", "read", { "200": answer("the session's end", obj({ until: DATE_TIME }, ["until"])), "422": BAD_PARAM }, {
        parameters: queryParams(SiteParam, { site: "site id" }),
      }),
      get: op("The live test view: hits of the running session, newest first", "read", "read", { "200": answer("the hits", LIVE_VIEW), "422": BAD_PARAM }, {
        description: "Every hit for the site received in the session, stored or not (at most 200, within 3 seconds of arrival; docs/LIVE.md). Without a session: `until` null and no hits.",
        parameters: queryParams(SiteParam, { site: "site id" }),
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
        description: "Nested objects merge, arrays and `aliases` replace; the id cannot change.",
        parameters: SITE_ID,
        requestBody: body(ref("SitePatch")),
      }),
      delete: op("Delete a site and every row it owns", "admin", "admin", { "204": { description: "deleted" }, "404": NO_SITE }, { parameters: SITE_ID }),
    },
    "/v1/admin/sites/{id}/keys": {
      post: op("Rotate both keys", "admin", "admin", { "200": answer("the new keys", ref("Keys")), "404": NO_SITE }, { parameters: SITE_ID }),
    },
    "/v1/admin/sites/{id}/destinations": {
      get: op("Forwarding status of each destination", "admin", "admin", { "200": answer("counters and last outcomes per destination", DESTINATION_STATUS), "404": NO_SITE }, { parameters: SITE_ID }),
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
        requestBody: body(ref("RollupInput")),
      }),
    },
  },
};
