import { GROUPS } from "./stats/query";
import { MODELS } from "./attribution/types";
import { SPEND_MAX_ROWS } from "./stats/spend";

/**
 * The OpenAPI 3.1 description of every public route of src/router.ts (served at /openapi.json).
 * test/http/openapi.test.ts checks that the router and this document list the same routes, so
 * a route cannot be added without being described. CONTRACT.md stays the binding text.
 */

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const jsonBody = (schema: Schema, description?: string) => ({ content: { "application/json": { schema } }, ...(description ? { description } : {}) });
const jsonResponse = (description: string, schema: Schema) => ({ description, ...jsonBody(schema) });
const error = (description: string) => jsonResponse(description, ref("Error"));
const DAY: Schema = { type: "string", format: "date", pattern: "^\\d{4}-\\d{2}-\\d{2}$" };
const query = (name: string, description: string, schema: Schema, required = false) => ({ name, in: "query", required, description, schema });
const path = (name: string, description: string) => ({ name, in: "path", required: true, description, schema: { type: "string" } });
const AUTH_ERRORS = {
  "401": error("No bearer token."),
  "403": error("The token is not valid for this request."),
  "429": error("Too many failed authentications; see Retry-After."),
};
const money = { type: "number", description: "major units, rounded to 2 decimals" };
const byCurrency: Schema = { type: "object", additionalProperties: { type: "number" }, description: "per ISO-4217 currency, never summed across currencies" };
const nullableNumber = (description: string): Schema => ({ type: ["number", "null"], description });

const HIT_FIELDS: Schema = {
  type: "object",
  properties: {
    s: { type: "string", description: "site id" },
    n: { type: "string", description: "event name: pageview (default) or a goal name" },
    u: { type: "string", description: "page URL" },
    r: { type: "string", description: "referrer" },
    v: { type: ["number", "string"], description: "value in major units" },
    c: { type: "string", description: "ISO-4217 currency" },
    i: { type: "string", description: "event id (dedup)" },
    j: { type: "string", description: "touch journal (docs/JOURNAL.md)" },
  },
  required: ["s"],
};

const FIGURES: Schema = {
  type: "object",
  properties: {
    clicks: { type: "integer" },
    visitors: { type: "integer" },
    conversions: { type: "number", description: "credit (fractional under multi-touch models)" },
    conversion_rate: nullableNumber("conversions / visitors × 100; null without visitors"),
    revenue: { ...money, description: "in the site's currency" },
    currency: { type: "string" },
    revenue_by_currency: byCurrency,
    cost: nullableNumber("imported spend in the site's currency; null without any"),
    cost_by_currency: byCurrency,
    cpa: nullableNumber("cost / conversions"),
    roas: nullableNumber("revenue / cost"),
    platform_conversions: nullableNumber("as imported with the spend"),
    discrepancy: nullableNumber("platform_conversions − conversions"),
  },
  required: ["clicks", "visitors", "conversions", "conversion_rate", "revenue", "currency", "revenue_by_currency", "cost", "cpa", "roas"],
};

const PRIVACY: Schema = {
  type: "object",
  properties: {
    k: { type: "integer" },
    epsilon: { type: ["number", "null"] },
    final_only: { type: "boolean" },
    suppressed: { type: "integer", description: "atoms (or funnel days) not released on their own" },
    withheld_days: { type: "array", items: DAY, description: "days of which nothing could be released" },
    provisional_days: { type: "array", items: DAY, description: "days inside the 7-day re-roll window" },
  },
  required: ["k", "epsilon", "suppressed", "provisional_days"],
};

const SITE_INPUT: Schema = {
  type: "object",
  properties: {
    id: { type: "string", pattern: "^[a-z0-9][a-z0-9_-]{0,62}$" },
    domains: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 50 },
    timezone: { type: "string", description: "IANA zone, default UTC" },
    currency: { type: "string", description: "ISO-4217, default USD" },
    privacy: {
      type: "object",
      properties: { k: { type: "integer", minimum: 1 }, epsilon: { type: ["number", "null"], exclusiveMinimum: 0, maximum: 20 }, final_only: { type: "boolean" } },
    },
    attribution: { type: "object", properties: { click_window_days: { type: "integer" }, view_window_days: { type: "integer" } } },
    goals: {
      type: "array",
      items: {
        type: "object",
        properties: { name: { type: "string" }, tier: { enum: ["macro", "micro"] }, value: { type: ["number", "null"] }, currency: { type: ["string", "null"] } },
        required: ["name"],
      },
    },
    funnels: { type: "array", items: { type: "object", properties: { name: { type: "string" }, steps: { type: "array", items: { type: "string" } } }, required: ["name", "steps"] } },
    collect: { type: "object", properties: { rate_limit: { type: "boolean" }, honor_gpc: { type: "boolean" } } },
  },
};

const TOUCH: Schema = {
  type: "object",
  properties: {
    time: { type: ["number", "string"] },
    source: { type: "string" },
    medium: { type: ["string", "null"] },
    campaign: { type: ["string", "null"] },
    content: { type: ["string", "null"] },
    term: { type: ["string", "null"] },
    view: { type: "boolean" },
  },
  required: ["time", "source"],
};

const SERVER_EVENT: Schema = {
  type: "object",
  properties: {
    name: { type: "string" },
    time: { type: ["number", "string"], description: "unix seconds or ISO-8601; up to 7 days in the past" },
    event_id: { type: "string" },
    url: { type: "string" },
    value: { type: "number" },
    currency: { type: "string" },
    touches: { type: "array", items: ref("Touch") },
    client: { type: "object", properties: { ip: { type: "string" }, user_agent: { type: "string" } }, description: "never stored" },
  },
  required: ["name", "time"],
};

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
      Error: {
        type: "object",
        properties: { error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" }, field: { type: "string" } }, required: ["code", "message"] } },
        required: ["error"],
      },
      SiteInput: SITE_INPUT,
      Site: { allOf: [SITE_INPUT, { type: "object", properties: { created_at: { type: "string", format: "date-time" }, updated_at: { type: "string", format: "date-time" } } }] },
      Keys: { type: "object", properties: { ingest_key: { type: "string" }, read_key: { type: "string" } }, required: ["ingest_key", "read_key"] },
      HitFields: HIT_FIELDS,
      ValidationReport: {
        type: "object",
        properties: { ok: { type: "boolean" }, errors: { type: "array", items: { type: "object" } }, event: { type: "object" } },
        required: ["ok", "errors"],
      },
      Touch: TOUCH,
      ServerEvent: SERVER_EVENT,
      SpendRow: {
        type: "object",
        properties: {
          day: DAY,
          source: { type: "string" },
          medium: { type: "string", description: "omitted: every medium of that source and campaign" },
          campaign: { type: "string" },
          cost: { type: "number", minimum: 0 },
          currency: { type: "string" },
          platform_conversions: { type: ["number", "null"], minimum: 0 },
        },
        required: ["day", "source", "campaign", "cost", "currency"],
      },
      Rejected: {
        type: "array",
        items: { type: "object", properties: { index: { type: "integer" }, error: { type: "object" } }, required: ["index", "error"] },
      },
      Figures: FIGURES,
      Privacy: PRIVACY,
      Stats: {
        type: "object",
        properties: {
          site: { type: "string" },
          from: DAY,
          to: DAY,
          group: { enum: [...GROUPS] },
          model: { enum: [...MODELS] },
          goal: { type: ["string", "null"], description: "null: all macro goals together" },
          currency: { type: "string" },
          privacy: ref("Privacy"),
          rows: { type: "array", items: ref("Figures"), description: "each also carries its key columns (source/medium/campaign, day, or goal/tier)" },
          other: ref("Figures"),
          totals: ref("Figures"),
          updated_at: { type: ["string", "null"], format: "date-time" },
        },
        required: ["site", "from", "to", "model", "goal", "privacy", "rows", "other", "totals", "updated_at"],
      },
      Funnel: {
        type: "object",
        properties: {
          site: { type: "string" },
          from: DAY,
          to: DAY,
          funnel: { type: "string" },
          steps: { type: "array", items: { type: "object", properties: { name: { type: "string" }, visitors: { type: "integer" } }, required: ["name", "visitors"] } },
          privacy: ref("Privacy"),
        },
        required: ["funnel", "steps", "privacy"],
      },
    },
  },
  paths: {
    "/t.js": {
      get: { summary: "The tracker script", tags: ["collect"], responses: { "200": { description: "JavaScript", content: { "text/javascript": { schema: { type: "string" } } } } } },
    },
    "/p.gif": {
      get: {
        summary: "Pixel hit",
        description: "Always 200 with a 1×1 GIF (no-store), even for bad input; `debug=1` answers the validation report and stores nothing.",
        tags: ["collect"],
        parameters: [
          ...Object.entries(HIT_FIELDS.properties as Record<string, Schema>).map(([name, s]) => query(name, String(s.description), { type: "string" }, name === "s")),
          query("debug", "1: answer the validation report instead", { enum: ["1"] }),
        ],
        responses: {
          "200": { description: "the GIF, or the validation report with debug=1", content: { "image/gif": { schema: { type: "string", format: "binary" } }, "application/json": { schema: ref("ValidationReport") } } },
        },
      },
    },
    "/e": {
      post: {
        summary: "Beacon hits",
        description: "One hit object or an array of at most 20, as text/plain or application/json (no CORS preflight for text/plain).",
        tags: ["collect"],
        parameters: [query("debug", "1: answer the validation report", { enum: ["1"] })],
        requestBody: {
          required: true,
          content: {
            "text/plain": { schema: { oneOf: [ref("HitFields"), { type: "array", items: ref("HitFields"), maxItems: 20 }] } },
            "application/json": { schema: { oneOf: [ref("HitFields"), { type: "array", items: ref("HitFields"), maxItems: 20 }] } },
          },
        },
        responses: {
          "202": jsonResponse("counted", { type: "object", properties: { accepted: { type: "integer" }, dropped: { type: "integer" } }, required: ["accepted", "dropped"] }),
          "400": error("Malformed body."),
          "413": error("Body too large."),
        },
      },
      options: { summary: "CORS preflight for application/json beacons", tags: ["collect"], responses: { "204": { description: "CORS headers" } } },
    },
    "/l/{code}": {
      get: {
        summary: "Follow a tracked link",
        tags: ["collect"],
        parameters: [path("code", "the link's code")],
        responses: { "302": { description: "to the destination with utm_* added" }, "404": error("Unknown code.") },
      },
    },
    "/v1/events": {
      post: {
        summary: "Server-side events",
        tags: ["ingest"],
        security: [{ ingest: [] }],
        requestBody: { required: true, ...jsonBody({ type: "object", properties: { events: { type: "array", items: ref("ServerEvent"), maxItems: 500 } }, required: ["events"] }) },
        responses: {
          "200": jsonResponse("per-event outcome", { type: "object", properties: { accepted: { type: "integer" }, duplicates: { type: "integer" }, rejected: ref("Rejected") }, required: ["accepted", "duplicates", "rejected"] }),
          "400": error("Malformed body."),
          ...AUTH_ERRORS,
        },
      },
    },
    "/v1/links": {
      post: {
        summary: "Create a tracked link",
        tags: ["ingest"],
        security: [{ ingest: [] }],
        requestBody: {
          required: true,
          ...jsonBody({
            type: "object",
            properties: { destination: { type: "string" }, source: { type: "string" }, medium: { type: "string" }, campaign: { type: "string" }, content: { type: "string" }, term: { type: "string" } },
            required: ["destination", "source", "medium", "campaign"],
          }),
        },
        responses: {
          "201": jsonResponse("created", { type: "object", properties: { code: { type: "string" }, url: { type: "string" } }, required: ["code", "url"] }),
          "422": error("Invalid link, or a destination outside the site's domains."),
          ...AUTH_ERRORS,
        },
      },
    },
    "/v1/spend": {
      post: {
        summary: "Import ad spend",
        description: `At most ${SPEND_MAX_ROWS} rows. Valid rows are upserted (the same day, source, medium, campaign and currency replaces); invalid rows are listed by index.`,
        tags: ["ingest"],
        security: [{ ingest: [] }],
        requestBody: { required: true, ...jsonBody({ type: "array", items: ref("SpendRow"), maxItems: SPEND_MAX_ROWS }) },
        responses: {
          "200": jsonResponse("per-row outcome", { type: "object", properties: { accepted: { type: "integer" }, rejected: ref("Rejected") }, required: ["accepted", "rejected"] }),
          "422": error("Not an array, or too many rows."),
          ...AUTH_ERRORS,
        },
      },
    },
    "/v1/stats": {
      get: {
        summary: "Released aggregates",
        description: "Every number is a sum of released atoms and pools (docs/PRIVACY.md). `format=csv` or `Accept: text/csv` answers the rows, then (other) and (total), as CSV.",
        tags: ["read"],
        security: [{ read: [] }],
        parameters: [
          query("site", "site id", { type: "string" }, true),
          query("from", "first day (site timezone)", DAY, true),
          query("to", "last day, inclusive; at most 366 days after from", DAY, true),
          query("group", "row grouping (default campaign)", { enum: [...GROUPS] }),
          query("model", "attribution model (default last_click)", { enum: [...MODELS] }),
          query("goal", "a goal name; omitted: all macro goals", { type: "string" }),
          query("format", "json (default) or csv", { enum: ["json", "csv"] }),
        ],
        responses: {
          "200": { description: "the aggregates", content: { "application/json": { schema: ref("Stats") }, "text/csv": { schema: { type: "string" } } } },
          "422": error("Invalid parameter (see `field`)."),
          ...AUTH_ERRORS,
        },
      },
    },
    "/v1/funnel": {
      get: {
        summary: "Funnel step visitors",
        tags: ["read"],
        security: [{ read: [] }],
        parameters: [
          query("site", "site id", { type: "string" }, true),
          query("from", "first day", DAY, true),
          query("to", "last day, inclusive", DAY, true),
          query("funnel", "a funnel name of the site", { type: "string" }, true),
        ],
        responses: { "200": jsonResponse("the funnel", ref("Funnel")), "422": error("Invalid parameter (see `field`)."), ...AUTH_ERRORS },
      },
    },
    "/openapi.json": {
      get: { summary: "This document", tags: ["meta"], responses: { "200": jsonResponse("OpenAPI 3.1", { type: "object" }) } },
    },
    "/v1/admin/sites": {
      post: {
        summary: "Create a site",
        description: "Answers the site and, once only, its ingest_key and read_key.",
        tags: ["admin"],
        security: [{ admin: [] }],
        requestBody: { required: true, ...jsonBody(ref("SiteInput")) },
        responses: {
          "201": jsonResponse("created", { allOf: [ref("Site"), ref("Keys")] }),
          "409": error("The id is taken."),
          "422": error("Invalid site (see `field`)."),
          ...AUTH_ERRORS,
        },
      },
    },
    "/v1/admin/sites/{id}": {
      get: { summary: "Read a site", tags: ["admin"], security: [{ admin: [] }], parameters: [path("id", "site id")], responses: { "200": jsonResponse("the site", ref("Site")), "404": error("No such site."), ...AUTH_ERRORS } },
      patch: {
        summary: "Change a site",
        description: "Nested objects merge, arrays replace; the id cannot change.",
        tags: ["admin"],
        security: [{ admin: [] }],
        parameters: [path("id", "site id")],
        requestBody: { required: true, ...jsonBody(ref("SiteInput")) },
        responses: { "200": jsonResponse("the site", ref("Site")), "404": error("No such site."), "422": error("Invalid change."), ...AUTH_ERRORS },
      },
      delete: {
        summary: "Delete a site and every row it owns",
        tags: ["admin"],
        security: [{ admin: [] }],
        parameters: [path("id", "site id")],
        responses: { "204": { description: "deleted" }, "404": error("No such site."), ...AUTH_ERRORS },
      },
    },
    "/v1/admin/sites/{id}/keys": {
      post: {
        summary: "Rotate both keys",
        tags: ["admin"],
        security: [{ admin: [] }],
        parameters: [path("id", "site id")],
        responses: { "200": jsonResponse("the new keys", ref("Keys")), "404": error("No such site."), ...AUTH_ERRORS },
      },
    },
    "/v1/admin/rollup": {
      post: {
        summary: "Recompute a range of days (at most 31) synchronously",
        tags: ["admin"],
        security: [{ admin: [] }],
        requestBody: { required: true, ...jsonBody({ type: "object", properties: { site: { type: "string" }, from: DAY, to: DAY }, required: ["from", "to"] }) },
        responses: {
          "200": jsonResponse("what was rolled up", { type: "object", properties: { days: { type: "integer" }, atoms: { type: "integer" }, events: { type: "integer" } }, required: ["days", "atoms", "events"] }),
          "422": error("Invalid range."),
          ...AUTH_ERRORS,
        },
      },
    },
  },
} as const;
