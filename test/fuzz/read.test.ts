// Fuzzing the read side: /v1/stats (JSON and CSV), /v1/funnel, /v1/spend and /openapi.json.
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createSite } from "../helpers/http";
import { bodyText, contentType, fieldsObject, queryString, weirdDay, weirdTime, type Json } from "./arbitraries";
import { checkAnswer, errorShapeProblem, parseCsv, requireImplemented, RUNS } from "./check";

const SITE = "fuzz-read";
let keys = { ingest_key: "", read_key: "" };

const day = (back: number) => new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10);

// Campaign names a CSV writer and a JSON encoder must both survive.
const NASTY = ["spring", "a,b", 'say "hi"', "line\nbreak", "=HYPERLINK(\"https://evil.example\")", "+1", "-1", "@sum", "ünï 🦄", "\ud800", "(none)", "(other)", "(total)"];

const statsKeys = ["site", "from", "to", "group", "model", "goal", "format"] as const;
const recentDay = fc.integer({ min: 0, max: 400 }).map(day);
const statsQuery = queryString(statsKeys, {
  site: fc.constantFrom(SITE, SITE, SITE, "nosuch", ""),
  from: fc.oneof(recentDay, weirdDay),
  to: fc.oneof(recentDay, weirdDay),
  group: fc.constantFrom("campaign", "source", "medium", "day", "goal", "Campaign", "country"),
  model: fc.constantFrom("last_click", "first_click", "linear", "time_decay", "position_based", "last_non_direct", "shapley"),
  goal: fc.constantFrom("purchase", "signup", "(macro)", "nosuch"),
  format: fc.constantFrom("csv", "json", "xml", "CSV"),
});
/** A query whose site and range are valid, then random options and a random tail: reaches the answering code. */
const validRange = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 45 })).map(([back, len]) => `site=${SITE}&from=${day(back + len)}&to=${day(back)}`);
const option = (k: string, values: string[]) => fc.option(fc.constantFrom(...values).map((v) => `&${k}=${encodeURIComponent(v)}`), { nil: "" });
const answerableStats = fc
  .tuple(
    validRange,
    option("group", ["campaign", "source", "medium", "day", "goal"]),
    option("model", ["last_click", "first_click", "linear", "time_decay", "position_based", "last_non_direct"]),
    option("goal", ["purchase", "signup"]),
    option("format", ["csv", "json"]),
    queryString(statsKeys),
  )
  .map(([base, g, m, goal, f, tail]) => `${base}${g}${m}${goal}${f}&${tail}`);

const accept = fc.constantFrom<string | null>(null, "text/csv", "application/json", "*/*", "text/csv;q=0.1, application/json", "application/json, text/csv", "text/html");

function readHeaders(acceptValue: string | null): Headers {
  const h = new Headers({ authorization: `Bearer ${keys.read_key}` });
  if (acceptValue !== null) h.set("accept", acceptValue);
  return h;
}

beforeAll(async () => {
  keys = await createSite({
    id: SITE,
    domains: ["fuzz-read.example"],
    privacy: { k: 1 },
    goals: [{ name: "purchase" }, { name: "signup", tier: "micro" }],
    funnels: [{ name: "checkout", steps: ["pageview", "signup", "purchase"] }],
  });
  // Released atoms with hostile names over the last 40 days, so every group and format has rows to write.
  const stmts: D1PreparedStatement[] = [];
  for (let back = 0; back < 40; back += 3) {
    NASTY.forEach((campaign, i) => {
      for (const goal of ["(macro)", "purchase"]) {
        stmts.push(
          env.DB.prepare(
            `INSERT INTO atoms (site, day, source, medium, campaign, goal, model, clicks, visitors, conversions, credit, revenue, revenue_by_currency)
             VALUES (?, ?, ?, ?, ?, ?, 'last_click', ?, ?, ?, ?, ?, ?)`,
          ).bind(SITE, day(back), i % 2 ? "instagram" : "=cmd|' /C calc'!A0", "social", campaign, goal, i, 10 + i, i, i * 0.5, i * 9.99, JSON.stringify({ EUR: i * 9.99 })),
        );
      }
    });
    stmts.push(env.DB.prepare("INSERT INTO funnel_days (site, day, funnel, step, visitors) VALUES (?, ?, 'checkout', 0, 30), (?, ?, 'checkout', 1, 12), (?, ?, 'checkout', 2, 5)").bind(SITE, day(back), SITE, day(back), SITE, day(back)));
  }
  await env.DB.batch(stmts);
});

describe("fuzz: GET /v1/stats", () => {
  it("answers JSON with rows and totals, well-formed CSV, or a JSON error", async () => {
    await requireImplemented("GET /v1/stats", `/v1/stats?site=${SITE}&from=${day(7)}&to=${day(0)}`, { headers: readHeaders(null) });
    const seen = { json: 0, csv: 0 };
    await fc.assert(
      fc.asyncProperty(fc.oneof(statsQuery, answerableStats), accept, async (qs, acc) => {
        const res = await call(`/v1/stats?${qs}`, { headers: readHeaders(acc) });
        const clone = res.clone();
        await checkAnswer(res, `/v1/stats?${qs} (accept ${acc})`);
        if (clone.status !== 200) return;
        const type = clone.headers.get("content-type") ?? "";
        const text = await clone.text();
        if (type.startsWith("text/csv")) {
          const rows = parseCsv(text);
          const width = rows[0]?.length ?? 0;
          const bad = rows.findIndex((r) => r.length !== width);
          if (width === 0 || bad >= 0) throw new Error(`CSV row ${bad} has ${rows[bad]?.length} cells, the header ${width}`);
          seen.csv++;
        } else {
          const body = JSON.parse(text) as { rows?: unknown; totals?: unknown; privacy?: unknown };
          if (!Array.isArray(body.rows) || typeof body.totals !== "object" || typeof body.privacy !== "object") throw new Error(`not a stats answer: ${text.slice(0, 200)}`);
          seen.json++;
        }
      }),
      { numRuns: RUNS },
    );
    // The generator must reach the answering code, not only the validators.
    expect(seen.json).toBeGreaterThan(0);
    expect(seen.csv).toBeGreaterThan(0);
  });
});

describe("fuzz: GET /v1/funnel", () => {
  it("answers {funnel, steps, privacy} or a JSON error", async () => {
    await requireImplemented("GET /v1/funnel", `/v1/funnel?site=${SITE}&from=${day(7)}&to=${day(0)}&funnel=checkout`, { headers: readHeaders(null) });
    const q = queryString(["site", "from", "to", "funnel"], {
      site: fc.constantFrom(SITE, SITE, "nosuch"),
      from: fc.oneof(recentDay, weirdDay),
      to: fc.oneof(recentDay, weirdDay),
      funnel: fc.constantFrom("checkout", "nosuch", "", "CHECKOUT"),
    });
    const answerable = fc.tuple(validRange, option("funnel", ["checkout"]), queryString(["site", "from", "to", "funnel"])).map(([base, f, tail]) => `${base}${f}&${tail}`);
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(q, answerable), async (qs) => {
        const res = await call(`/v1/funnel?${qs}`, { headers: readHeaders(null) });
        const clone = res.clone();
        await checkAnswer(res, `/v1/funnel?${qs}`);
        if (clone.status !== 200) return;
        const body = (await clone.json()) as { steps?: { name: unknown; visitors: unknown }[] };
        if (!Array.isArray(body.steps) || body.steps.some((s) => typeof s.name !== "string" || typeof s.visitors !== "number")) {
          throw new Error(`not a funnel answer: ${JSON.stringify(body).slice(0, 200)}`);
        }
        answered++;
      }),
      { numRuns: RUNS },
    );
    expect(answered).toBeGreaterThan(0);
  });
});

describe("fuzz: POST /v1/spend", () => {
  it("accounts for every row (accepted or rejected by index), or answers a JSON error", async () => {
    await requireImplemented("POST /v1/spend", "/v1/spend", { method: "POST", body: "[]", headers: { authorization: `Bearer ${keys.ingest_key}`, "content-type": "application/json" } });
    const row = fieldsObject(["day", "source", "medium", "campaign", "cost", "currency", "platform_conversions"], {
      day: fc.oneof(recentDay, weirdDay),
      source: fc.constantFrom("google", " Google ", "", "=cmd"),
      medium: fc.constantFrom("cpc", "", "(none)"),
      campaign: fc.constantFrom("spring", "a,b", ""),
      cost: fc.constantFrom<Json>(12.5, 0, -1, "12.5", 1e308),
      currency: fc.constantFrom("EUR", "eur", "XYZ"),
      platform_conversions: fc.oneof(fc.constantFrom<Json>(3, -1, 2.5, null), weirdTime),
    });
    const body = bodyText(fc.oneof({ weight: 4, arbitrary: fc.array(row, { maxLength: 12 }) }, { weight: 1, arbitrary: row }));
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(body, contentType, async (text, type) => {
        const headers = new Headers({ authorization: `Bearer ${keys.ingest_key}` });
        if (type !== null) headers.set("content-type", type);
        const res = await call("/v1/spend", { method: "POST", body: text, headers });
        const clone = res.clone();
        await checkAnswer(res, `POST /v1/spend ${text.slice(0, 200)}`);
        if (clone.status >= 300) return;
        const out = (await clone.json()) as { accepted: unknown; rejected: { index: number; error: unknown }[] };
        const sent = JSON.parse(text.replace(/^\ufeff/, "")) as unknown[];
        if (!Array.isArray(sent)) throw new Error(`${clone.status} for a body that is not an array`);
        if (typeof out.accepted !== "number" || !Array.isArray(out.rejected) || out.accepted + out.rejected.length !== sent.length) {
          throw new Error(`${JSON.stringify(out)} does not account for ${sent.length} rows`);
        }
        for (const r of out.rejected) {
          const problem = errorShapeProblem(JSON.stringify({ error: r.error }));
          if (problem) throw new Error(`rejected[].error: ${problem}`);
        }
        answered++;
      }),
      { numRuns: RUNS },
    );
    expect(answered).toBeGreaterThan(0);
  });
});

describe("fuzz: GET /openapi.json", () => {
  it("answers the OpenAPI document to any query", async () => {
    await requireImplemented("GET /openapi.json", "/openapi.json");
    await fc.assert(
      fc.asyncProperty(queryString(["format", "v"]), accept, async (qs, acc) => {
        const res = await call(`/openapi.json?${qs}`, { headers: acc === null ? {} : { accept: acc } });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`status ${res.status}: ${text.slice(0, 200)}`);
        const doc = JSON.parse(text) as { openapi?: unknown; paths?: unknown };
        if (typeof doc.openapi !== "string" || typeof doc.paths !== "object") throw new Error("not an OpenAPI document");
      }),
      { numRuns: RUNS / 5 },
    );
  });
});
