import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SPEND_PARAMS_PER_ROW, spendUpsertStatements } from "../../src/db/spend";
import { D1_MAX_PARAMS } from "../../src/db/chunk";
import { addDays, dayOf } from "../../src/time/day";
import { call, createSite, errorOf, withJson } from "../helpers/http";

const OLD = addDays(dayOf(Date.now(), "UTC"), -30);
const row = (over: Record<string, unknown> = {}) => ({ day: OLD, source: "google", medium: "cpc", campaign: "spring", cost: 10, currency: "USD", ...over });
const spendRows = (site: string) =>
  env.DB.prepare(`SELECT day, source, medium, campaign, currency, cost, platform_conversions FROM spend WHERE site = ? ORDER BY day, source, medium, campaign, currency`).bind(site).all();

describe("POST /v1/spend", () => {
  it("stores valid rows, reports invalid ones by index, and normalises keys like collection", async () => {
    const s = await createSite({ id: "sp1", domains: ["sp1.example"] });
    const res = await call("/v1/spend", withJson("POST", [row({ source: " Google ", medium: "CPC" }), row({ cost: -5 }), row({ medium: undefined, campaign: "fall", platform_conversions: 4 }), "junk"], s.ingest_key));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accepted: number; rejected: { index: number; error: { code: string; field?: string } }[] };
    expect(body.accepted).toBe(2);
    expect(body.rejected).toEqual([
      { index: 1, error: expect.objectContaining({ code: "invalid_number", field: "cost" }) },
      { index: 3, error: expect.objectContaining({ code: "invalid_row" }) },
    ]);
    expect((await spendRows("sp1")).results).toEqual([
      { day: OLD, source: "google", medium: "", campaign: "fall", currency: "USD", cost: 10, platform_conversions: 4 },
      { day: OLD, source: "google", medium: "cpc", campaign: "spring", currency: "USD", cost: 10, platform_conversions: null },
    ]);
  });

  it("replaces a row with the same key and keeps other currencies apart", async () => {
    const s = await createSite({ id: "sp2", domains: ["sp2.example"] });
    await call("/v1/spend", withJson("POST", [row({ cost: 10 }), row({ currency: "EUR", cost: 7 })], s.ingest_key));
    await call("/v1/spend", withJson("POST", [row({ cost: 25, platform_conversions: 3 })], s.ingest_key));
    expect((await spendRows("sp2")).results.map((r) => [r.currency, r.cost, r.platform_conversions])).toEqual([["EUR", 7, null], ["USD", 25, 3]]);
  });

  it("writes 1,000 rows in statements of at most 100 bound parameters", async () => {
    const s = await createSite({ id: "sp3", domains: ["sp3.example"] });
    const rows = Array.from({ length: 1000 }, (_, i) => row({ campaign: `c${i}`, cost: i }));
    const res = await call("/v1/spend", withJson("POST", rows, s.ingest_key));
    expect(await res.json()).toEqual({ accepted: 1000, rejected: [] });
    const n = await env.DB.prepare(`SELECT COUNT(*) AS n, SUM(cost) AS total FROM spend WHERE site = 'sp3'`).first<{ n: number; total: number }>();
    expect(n).toEqual({ n: 1000, total: (999 * 1000) / 2 });
    const perStatement = Math.floor(D1_MAX_PARAMS / SPEND_PARAMS_PER_ROW);
    expect(perStatement * SPEND_PARAMS_PER_ROW).toBeLessThanOrEqual(100);
    expect(spendUpsertStatements(env.DB, "sp3", rows.map((r) => ({ ...r, content: "", term: "", platform_conversions: null })))).toHaveLength(Math.ceil(1000 / perStatement));
  });

  it("refuses more than 1,000 rows and a body that is not an array (422)", async () => {
    const s = await createSite({ id: "sp4", domains: ["sp4.example"] });
    const many = await call("/v1/spend", withJson("POST", Array.from({ length: 1001 }, () => row()), s.ingest_key));
    expect(many.status).toBe(422);
    expect((await errorOf(many)).code).toBe("too_many");
    const obj = await call("/v1/spend", withJson("POST", { rows: [] }, s.ingest_key));
    expect(obj.status).toBe(422);
  });

  it("needs the ingest key: a read key cannot write, no key is 401", async () => {
    const s = await createSite({ id: "sp5", domains: ["sp5.example"] });
    expect((await call("/v1/spend", withJson("POST", [row()], s.read_key))).status).toBe(403);
    expect((await call("/v1/spend", withJson("POST", [row()]))).status).toBe(401);
    expect((await spendRows("sp5")).results).toEqual([]);
  });

  it("counts spend only where the row's atom was released: pooled → other, withheld day → nowhere", async () => {
    // The v1 release (a day under k withheld); with "auto" day2 would pool into its week instead.
    const s = await createSite({ id: "sp6", domains: ["sp6.example"], privacy: { period: "day" } });
    const day2 = addDays(OLD, 1);
    const atom = (day: string, source: string, visitors: number, conversions: number) =>
      env.DB.prepare(`INSERT INTO atoms (site, day, source, medium, campaign, goal, model, visitors, conversions, credit) VALUES ('sp6', ?, ?, 'cpc', 'spring', '(macro)', 'last_click', ?, ?, ?)`).bind(day, source, visitors, conversions, conversions);
    await env.DB.batch([atom(OLD, "google", 300, 30), atom(OLD, "bing", 40, 20), atom(OLD, "mid", 15, 0), atom(OLD, "tiny", 2, 0), atom(day2, "google", 3, 1)]);
    await call("/v1/spend", withJson("POST", [row({ cost: 90 }), row({ source: "tiny", cost: 5 }), row({ day: day2, cost: 1000 })], s.ingest_key));
    const res = await call(`/v1/stats?site=sp6&from=${OLD}&to=${day2}`, { headers: { authorization: `Bearer ${s.read_key}` } });
    const body = (await res.json()) as { rows: { source: string; cost: number | null }[]; other: { cost: number | null }; totals: { cost: number | null; cpa: number | null }; privacy: { withheld_days: string[] } };
    expect(body.privacy.withheld_days).toEqual([day2]);
    // tiny (2 visitors) pools with mid, the smallest by visitors; spend on tiny is not shown on any row.
    expect(body.rows.map((r) => [r.source, r.cost])).toEqual([["google", 90], ["bing", null]]);
    expect(body.other.cost).toBe(5);
    expect(body.totals).toMatchObject({ cost: 95 });
  });
});
