import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Atom } from "../../src/db/atoms";
import { addDays, dayOf } from "../../src/time/day";
import { call, createSite, errorOf, withJson } from "../helpers/http";

// Days relative to the real clock: OLD is final, RECENT inside the 7-day re-roll window.
const TODAY = dayOf(Date.now(), "UTC");
const OLD = addDays(TODAY, -40);
const OLD2 = addDays(TODAY, -39);
const RECENT = addDays(TODAY, -2);

type AtomIn = Partial<Atom> & Pick<Atom, "site" | "day" | "source">;

/** Hand-made atoms straight into D1 (the rollup is not involved). */
async function putAtoms(atoms: AtomIn[]): Promise<void> {
  await env.DB.batch(
    atoms.map((a) =>
      env.DB.prepare(
        `INSERT INTO atoms (site, day, source, medium, campaign, goal, model, clicks, visitors, conversions, credit, revenue, revenue_by_currency)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).bind(
        a.site, a.day, a.source, a.medium ?? "cpc", a.campaign ?? "spring", a.goal ?? "(macro)", a.model ?? "last_click",
        a.clicks ?? 0, a.visitors ?? 0, a.conversions ?? 0, a.credit ?? a.conversions ?? 0, a.revenue ?? 0, JSON.stringify(a.revenue_by_currency ?? {}),
      ),
    ),
  );
}

/** The same touch under the (macro) goal and one named goal, as the rollup writes it. */
const both = (a: AtomIn, goal = "purchase"): AtomIn[] => [a, { ...a, goal }];

const auth = (key: string, extra: Record<string, string> = {}) => ({ headers: { authorization: `Bearer ${key}`, ...extra } });
async function stats(key: string, qs: string, extra: Record<string, string> = {}) {
  return call(`/v1/stats?${qs}`, auth(key, extra));
}
type Answer = { rows: Record<string, unknown>[]; other: Record<string, unknown>; totals: Record<string, unknown>; privacy: Record<string, unknown>; [k: string]: unknown };

describe("GET /v1/stats", () => {
  it("answers the contract's seed row: 5,000 visitors and 150 purchases → 3.0 %, with spend", async () => {
    const s = await createSite({ id: "seed", domains: ["seed.example"], currency: "EUR", goals: [{ name: "purchase" }] });
    await putAtoms(
      both({ site: "seed", day: OLD, source: "instagram", medium: "social", campaign: "spring", clicks: 6200, visitors: 5000, conversions: 150, credit: 150, revenue: 7485, revenue_by_currency: { EUR: 7485 } }),
    );
    const sp = await call("/v1/spend", withJson("POST", [{ day: OLD, source: "Instagram", campaign: "spring", cost: 1200, currency: "EUR", platform_conversions: 171 }], s.ingest_key));
    expect(await sp.json()).toEqual({ accepted: 1, rejected: [] });
    const res = await stats(s.read_key, `site=seed&from=${OLD}&to=${OLD}&goal=purchase`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Answer;
    expect(body).toMatchObject({ site: "seed", from: OLD, to: OLD, model: "last_click", goal: "purchase", currency: "EUR" });
    expect(body.rows).toEqual([
      {
        source: "instagram", medium: "social", campaign: "spring", clicks: 6200, visitors: 5000, conversions: 150, conversion_rate: 3,
        revenue: 7485, currency: "EUR", revenue_by_currency: { EUR: 7485 }, revenue_unconverted: {}, cost: 1200, cost_by_currency: { EUR: 1200 },
        cost_unconverted: {}, cpa: 8, roas: 6.24, platform_conversions: 171, discrepancy: 21,
      },
    ]);
    expect(body.totals).toMatchObject({ visitors: 5000, conversions: 150, conversion_rate: 3, revenue: 7485, cost: 1200 });
    expect(body.privacy).toEqual({ k: 10, epsilon: null, final_only: false, suppressed: 0, withheld_days: [], provisional_days: [], period: "day", partial_periods: [] });
  });

  it("pools atoms under k into other, lets the smallest join, and counts them as suppressed", async () => {
    const s = await createSite({ id: "pools", domains: ["pools.example"], goals: [{ name: "purchase" }] });
    await putAtoms([
      { site: "pools", day: OLD, source: "google", clicks: 0, visitors: 400, conversions: 40, revenue: 4000, revenue_by_currency: { USD: 4000 } },
      { site: "pools", day: OLD, source: "bing", clicks: 0, visitors: 30, conversions: 10, revenue: 900, revenue_by_currency: { USD: 900 } },
      { site: "pools", day: OLD, source: "tiny", clicks: 0, visitors: 4, conversions: 1, revenue: 80, revenue_by_currency: { USD: 80 } },
    ]);
    const body = (await (await stats(s.read_key, `site=pools&from=${OLD}&to=${OLD}`)).json()) as Answer;
    // tiny (4 visitors) is under k; with it alone the pool is under k, so bing (fewest conversions) joins.
    expect(body.rows.map((r) => r.source)).toEqual(["google"]);
    expect(body.other).toMatchObject({ visitors: 34, conversions: 11, revenue: 980 });
    expect(body.totals).toMatchObject({ visitors: 434, conversions: 51, revenue: 4980 });
    expect(body.privacy).toMatchObject({ suppressed: 2 });
    // group=day: the day's row is its released atoms and pool together.
    const day = (await (await stats(s.read_key, `site=pools&from=${OLD}&to=${OLD}&group=day`)).json()) as Answer;
    expect(day.rows).toEqual([expect.objectContaining({ day: OLD, visitors: 434, conversions: 51 })]);
    expect(day.other).toMatchObject({ visitors: 0, conversions: 0 });
  });

  it("withholds a day whose atoms together stay under k, and sums only released days per row", async () => {
    // v1's day-by-day release (privacy.period "day"); "auto" would release the two days as one week unit.
    const s = await createSite({ id: "held", domains: ["held.example"], privacy: { period: "day" } });
    await putAtoms([
      { site: "held", day: OLD, source: "google", visitors: 50, conversions: 10 },
      { site: "held", day: OLD2, source: "google", visitors: 6, conversions: 2 },
    ]);
    const body = (await (await stats(s.read_key, `site=held&from=${OLD}&to=${OLD2}&group=source`)).json()) as Answer;
    expect(body.rows).toEqual([expect.objectContaining({ source: "google", visitors: 50, conversions: 10 })]);
    expect(body.totals).toMatchObject({ visitors: 50, conversions: 10 });
    expect(body.privacy).toMatchObject({ withheld_days: [OLD2], suppressed: 1 });
  });

  it("groups by source, medium and goal, and reads the asked model", async () => {
    const s = await createSite({ id: "groups", domains: ["groups.example"], privacy: { k: 5 }, goals: [{ name: "purchase" }, { name: "signup", tier: "micro" }] });
    const t = { site: "groups", day: OLD, clicks: 0 };
    await putAtoms([
      ...both({ ...t, source: "google", medium: "cpc", campaign: "a", visitors: 100, conversions: 20 }),
      ...both({ ...t, source: "google", medium: "display", campaign: "b", visitors: 50, conversions: 5 }),
      ...both({ ...t, source: "meta", medium: "cpc", campaign: "c", visitors: 60, conversions: 0 }),
      { ...t, source: "google", medium: "cpc", campaign: "a", goal: "signup", visitors: 100, conversions: 7 },
      { ...t, source: "google", medium: "display", campaign: "b", goal: "signup", visitors: 50, conversions: 0 },
      { ...t, source: "meta", medium: "cpc", campaign: "c", goal: "signup", visitors: 60, conversions: 30 },
      { ...t, source: "google", medium: "cpc", campaign: "a", model: "linear", visitors: 100, conversions: 30, credit: 12.5 },
    ]);
    const q = `site=groups&from=${OLD}&to=${OLD}`;
    const bySource = (await (await stats(s.read_key, `${q}&group=source`)).json()) as Answer;
    expect(bySource.rows.map((r) => [r.source, r.visitors, r.conversions])).toEqual([["google", 150, 25], ["meta", 60, 0]]);
    const byMedium = (await (await stats(s.read_key, `${q}&group=medium`)).json()) as Answer;
    expect(byMedium.rows.map((r) => [r.medium, r.visitors, r.conversions])).toEqual([["cpc", 160, 20], ["display", 50, 5]]);
    const byGoal = (await (await stats(s.read_key, `${q}&group=goal`)).json()) as Answer;
    expect(byGoal.rows.map((r) => [r.goal, r.tier, r.conversions])).toEqual([["purchase", "macro", 25], ["signup", "micro", 37]]);
    expect(byGoal.totals).toMatchObject({ conversions: 25, visitors: 210 });
    const linear = (await (await stats(s.read_key, `${q}&model=linear`)).json()) as Answer;
    // Touches without a linear atom still show their traffic (it does not depend on the model).
    expect(linear.rows.map((r) => [r.campaign, r.visitors, r.conversions, r.conversion_rate])).toEqual([["a", 100, 12.5, 12.5], ["c", 60, 0, 0], ["b", 50, 0, 0]]);
  });

  it("reads only atoms: raw events in the range change nothing", async () => {
    const s = await createSite({ id: "raw", domains: ["raw.example"] });
    await env.DB.prepare(`INSERT INTO events (site, day, ts, received_at, name, via, source, medium, campaign) VALUES ('raw', ?, 0, 0, 'pageview', 'pixel', 'google', 'cpc', 'x')`).bind(OLD).run();
    const body = (await (await stats(s.read_key, `site=raw&from=${OLD}&to=${OLD}`)).json()) as Answer;
    expect(body.rows).toEqual([]);
    expect(body.totals).toMatchObject({ visitors: 0, conversions: 0 });
  });

  it("lists provisional days, drops them with final_only, and reports the latest rollup time", async () => {
    const s = await createSite({ id: "prov", domains: ["prov.example"] });
    await putAtoms([
      { site: "prov", day: OLD, source: "google", visitors: 100, conversions: 10 },
      { site: "prov", day: RECENT, source: "google", visitors: 200, conversions: 20 },
    ]);
    await env.DB.prepare(`INSERT INTO rollup_days (site, day, status, started_at, updated_at) VALUES ('prov', ?, 'done', 0, ?), ('prov', ?, 'done', 0, ?)`)
      .bind(OLD, Date.UTC(2026, 0, 1), RECENT, Date.UTC(2026, 10, 29, 0, 10))
      .run();
    const q = `site=prov&from=${OLD}&to=${TODAY}&group=source`;
    const open = (await (await stats(s.read_key, q)).json()) as Answer;
    expect(open.privacy.provisional_days).toEqual(Array.from({ length: 8 }, (_, i) => addDays(TODAY, i - 7)));
    expect(open.rows).toEqual([expect.objectContaining({ visitors: 300 })]);
    expect(open.updated_at).toBe("2026-11-29T00:10:00Z");
    await call("/v1/admin/sites/prov", withJson("PATCH", { privacy: { final_only: true } }, "test-admin-token-0123456789abcdef-0123"));
    const final = (await (await stats(s.read_key, q)).json()) as Answer;
    expect(final.rows).toEqual([expect.objectContaining({ visitors: 100 })]);
    expect(final.privacy).toMatchObject({ final_only: true, provisional_days: open.privacy.provisional_days });
    expect(final.updated_at).toBe("2026-01-01T00:00:00Z");
  });

  it("answers CSV for format=csv and Accept: text/csv, with (other), (total) and formula injection neutralised", async () => {
    const s = await createSite({ id: "csv", domains: ["csv.example"] });
    await putAtoms([
      { site: "csv", day: OLD, source: "google", campaign: "=HYPERLINK(\"http://x\",\"y\")", visitors: 100, conversions: 10, revenue: 50, revenue_by_currency: { USD: 50 } },
      { site: "csv", day: OLD, source: "news", campaign: "a, \"b\"", visitors: 60, conversions: 10 },
    ]);
    const q = `site=csv&from=${OLD}&to=${OLD}`;
    for (const res of [await stats(s.read_key, `${q}&format=csv`), await stats(s.read_key, q, { accept: "text/csv" })]) {
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
      const lines = (await res.text()).split("\r\n");
      expect(lines[0]!.startsWith("source,medium,campaign,clicks,visitors,conversions,conversion_rate,revenue,currency,")).toBe(true);
      expect(lines[1]).toBe(`google,cpc,"'=HYPERLINK(""http://x"",""y"")",0,100,10,10,50,USD,,,,,,50`);
      expect(lines[2]).toBe(`news,cpc,"a, ""b""",0,60,10,16.67,0,USD,,,,,,0`);
      expect(lines[3]!.startsWith("(other),,,0,0,0,")).toBe(true);
      expect(lines[4]!.startsWith("(total),,,0,160,20,12.5,50,USD")).toBe(true);
    }
  });

  it("isolates sites: another site's read key, the ingest key, a wrong key → 403; no key → 401", async () => {
    const a = await createSite({ id: "iso-a", domains: ["a.example"] });
    const b = await createSite({ id: "iso-b", domains: ["b.example"] });
    const q = `site=iso-a&from=${OLD}&to=${OLD}`;
    expect((await stats(a.read_key, q)).status).toBe(200);
    for (const key of [b.read_key, a.ingest_key, "etr_nope"]) {
      const res = await stats(key, q);
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe("forbidden");
    }
    expect((await call(`/v1/stats?${q}`)).status).toBe(401);
    // An unknown site answers like a wrong key, so keys cannot probe which sites exist.
    expect((await stats(a.read_key, `site=nope&from=${OLD}&to=${OLD}`)).status).toBe(403);
  });

  it("answers 422 with the field for bad parameters", async () => {
    const s = await createSite({ id: "bad", domains: ["bad.example"] });
    const cases: [string, string][] = [
      [`from=${OLD}&to=${OLD}`, "site"],
      [`site=bad&from=2026-13-01&to=${OLD}`, "from"],
      [`site=bad&from=${OLD2}&to=${OLD}`, "to"],
      [`site=bad&from=2024-01-01&to=2026-01-01`, "to"],
      [`site=bad&from=${OLD}&to=${OLD}&group=country`, "group"],
      [`site=bad&from=${OLD}&to=${OLD}&model=best`, "model"],
      [`site=bad&from=${OLD}&to=${OLD}&goal=purchase`, "goal"],
    ];
    for (const [qs, field] of cases) {
      const res = await stats(s.read_key, qs);
      expect(res.status, qs).toBe(422);
      expect((await errorOf(res)).field, qs).toBe(field);
    }
  });
});
