import { describe, expect, it } from "vitest";
import { dayOf } from "../../src/time/day";
import { ADMIN, call, createSite, withJson } from "../helpers/http";

// The README run (steps 4, 6, 7): a direct EUR order, a USD order after a Google click, and
// Google's spend in EUR. v1 left the USD out of revenue and ROAS, and its totals' ROAS divided
// the direct revenue by Google's spend.
const UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

interface Figures {
  revenue: number;
  revenue_by_currency: Record<string, number>;
  revenue_unconverted: Record<string, number>;
  cost: number | null;
  cost_unconverted: Record<string, number>;
  cpa: number | null;
  roas: number | null;
}
interface Answer {
  rows: (Figures & { source: string; campaign: string })[];
  totals: Figures & { paid: Record<string, number | null> };
}

async function readme(id: string) {
  const site = await createSite({ id, domains: [`${id}.example`], currency: "EUR", goals: [{ name: "purchase" }], privacy: { k: 1 } });
  const now = Math.floor(Date.now() / 1000);
  const day = dayOf(Date.now(), "UTC");
  const events = [
    { name: "purchase", time: now, event_id: "order-1", value: 49.9 },
    { name: "purchase", time: now, event_id: "order-2", value: 20, currency: "USD", touches: [{ time: now - 3600, source: "google", medium: "cpc", campaign: "brand" }], client: { ip: "203.0.113.9", user_agent: UA } },
  ];
  expect(await (await call("/v1/events", withJson("POST", { events }, site.ingest_key))).json()).toMatchObject({ accepted: 2 });
  const spend = [{ day, source: "google", medium: "cpc", campaign: "brand", cost: 12.5, currency: "EUR", platform_conversions: 2 }];
  expect((await call("/v1/spend", withJson("POST", spend, site.ingest_key))).status).toBe(200);
  const stats = async (): Promise<Answer> => {
    expect((await call("/v1/admin/rollup", withJson("POST", { site: id, from: day, to: day }, ADMIN))).status).toBe(200);
    const res = await call(`/v1/stats?site=${id}&from=${day}&to=${day}&group=campaign`, { headers: { authorization: `Bearer ${site.read_key}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as Answer;
  };
  return { site, day, stats };
}

describe("GET /v1/stats: money in the site's currency (v1.1)", () => {
  it("converts the USD order at the day's rate into revenue and ROAS; totals.paid holds only the paid touch", async () => {
    const { day, stats } = await readme("fx-readme");
    // No rate yet: the USD revenue is shown unconverted, never dropped.
    const before = await stats();
    const google0 = before.rows.find((r) => r.source === "google")!;
    expect(google0).toMatchObject({ revenue: 0, revenue_by_currency: { USD: 20 }, revenue_unconverted: { USD: 20 }, cost: 12.5, roas: 0 });
    expect(before.totals.revenue_unconverted).toEqual({ USD: 20 });

    expect((await call(`/v1/admin/fx/${day}`, withJson("PUT", { base: "EUR", rates: { USD: 1.0832 } }, ADMIN))).status).toBe(200);
    const after = await stats();
    const google = after.rows.find((r) => r.source === "google")!;
    // 20 USD / 1.0832 = 18.4638 EUR; ROAS 18.4638 / 12.5.
    expect(google).toMatchObject({ revenue: 18.46, revenue_by_currency: { USD: 20 }, revenue_unconverted: {}, cost: 12.5, cpa: 12.5, roas: 1.48 });
    expect(after.rows.find((r) => r.source === "direct")).toMatchObject({ revenue: 49.9, cost: null, roas: null });
    // totals keep their v1 meaning (everything); paid is the ad-spend view: google only.
    expect(after.totals).toMatchObject({ revenue: 68.36, revenue_unconverted: {}, cost: 12.5, roas: 5.47 });
    expect(after.totals.paid).toEqual({ cost: 12.5, conversions: 1, revenue: 18.46, cpa: 12.5, roas: 1.48, platform_conversions: 2, discrepancy: 1 });
  });

  it("converts spend in another currency; spend without a rate keeps cpa and roas out", async () => {
    const { site, day, stats } = await readme("fx-spend");
    await call(`/v1/admin/fx/${day}`, withJson("PUT", { base: "USD", rates: { EUR: 0.8 } }, ADMIN)); // cross rates via a USD base
    const more = [{ day, source: "google", medium: "cpc", campaign: "brand", cost: 10, currency: "USD" }];
    expect((await call("/v1/spend", withJson("POST", more, site.ingest_key))).status).toBe(200);
    const a = await stats();
    // Revenue 20 USD = 16 EUR; cost 12.5 EUR + 10 USD (8 EUR) = 20.5 EUR.
    expect(a.rows.find((r) => r.source === "google")).toMatchObject({ revenue: 16, cost: 20.5, cost_unconverted: {}, roas: 0.78 });
    expect(a.totals.paid).toMatchObject({ cost: 20.5, revenue: 16, roas: 0.78 });

    const gbp = [{ day, source: "google", medium: "cpc", campaign: "brand", cost: 5, currency: "GBP" }];
    expect((await call("/v1/spend", withJson("POST", gbp, site.ingest_key))).status).toBe(200);
    const b = await stats();
    expect(b.rows.find((r) => r.source === "google")).toMatchObject({ cost: 20.5, cost_unconverted: { GBP: 5 }, cpa: null, roas: null });
    expect(b.totals.paid).toMatchObject({ cost: 20.5, cpa: null, roas: null });
  });
});
