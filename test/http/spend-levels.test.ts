import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { upsertAtomStatements, type Atom } from "../../src/db/atoms";
import { withMarks } from "../../src/rollup/release";
import { addDays, dayOf } from "../../src/time/day";
import { call, createSite, withJson } from "../helpers/http";

/**
 * CONTRACT.md v1.1: a spend row may carry `content` and `term` (ad- and keyword-level cost); a
 * row's cost is the cost imported at its level plus that of its children. Spend on a content or
 * term that is pooled (or has no atom) goes with the pool: its parent's `(other)` child
 * (docs/PRIVACY.md §5). Every answer is checked from the rollup's stored marks (SQL) and again with
 * the day unmarked (the Worker's release): both must agree.
 */

const DAY = addDays(dayOf(Date.now(), "UTC"), -30);
const K = 5;

// google / cpc / spring, one day, k = 5 (day grain):
// ad-a: shoes 100 visitors, boots 50, rare1 3 and rare2 3 (pooled into ad-a's (other) term, 6 ≥ k);
// ad-b: 60; ad-c 3 and ad-d 3 (pooled into the campaign's (other) content, 6 ≥ k).
const LEAVES: [string, string, number, number][] = [
  ["ad-a", "shoes", 100, 20],
  ["ad-a", "boots", 50, 10],
  ["ad-a", "rare1", 3, 0],
  ["ad-a", "rare2", 3, 0],
  ["ad-b", "(none)", 60, 12],
  ["ad-c", "(none)", 3, 0],
  ["ad-d", "(none)", 3, 0],
];

async function seed(id: string): Promise<string> {
  const site = await createSite({ id, domains: [`${id}.example`], currency: "EUR", privacy: { k: K, period: "day" } });
  const atoms: Atom[] = LEAVES.map(([content, term, visitors, conversions]) => ({
    site: id, day: DAY, source: "google", medium: "cpc", campaign: "spring", content, term, goal: "(macro)", model: "last_click",
    clicks: 0, visitors, conversions, credit: conversions, revenue: conversions * 10, revenue_by_currency: (conversions ? { EUR: conversions * 10 } : {}) as Record<string, number>,
  }));
  await env.DB.batch([
    ...upsertAtomStatements(env.DB, id, DAY, withMarks(atoms, K)),
    env.DB.prepare("INSERT INTO rollup_days (site, day, status, cursor, events, started_at, updated_at, release_k) VALUES (?, ?, 'done', 0, 0, 1, 1, ?)").bind(id, DAY, K),
  ]);
  return site.ingest_key + " " + site.read_key;
}

const base = { day: DAY, source: "google", medium: "cpc", campaign: "spring", currency: "EUR" };
const SPEND = [
  { ...base, cost: 100 }, // campaign level
  { ...base, content: "ad-a", cost: 40 },
  { ...base, content: "ad-a", term: "shoes", cost: 10 },
  { ...base, content: "ad-a", term: "rare1", cost: 5 }, // a pooled term: ad-a's (other) term
  { ...base, content: "ad-c", cost: 7 }, // a pooled content: the campaign's (other) content
  { ...base, content: "ad-zzz", cost: 3 }, // a content without any atom: the same as pooled
  { ...base, content: "ad-c", term: "x", cost: 2 }, // a term of a pooled content: (other) / (other)
];

type Answer = { rows: (Record<string, string> & { cost: number | null; visitors: number })[]; other: { cost: number | null }; totals: { cost: number | null; paid: { cost: number | null; conversions: number } } };

async function both(id: string, read: string, query: string): Promise<Answer> {
  const get = async () => {
    const res = await call(`/v1/stats?site=${id}&from=${DAY}&to=${DAY}&${query}`, { headers: { authorization: `Bearer ${read}` } });
    expect(res.status, query).toBe(200);
    return res.text();
  };
  const decided = await get();
  await env.DB.prepare("UPDATE rollup_days SET release_k = NULL WHERE site = ?").bind(id).run();
  const inWorker = await get();
  await env.DB.prepare("UPDATE rollup_days SET release_k = ? WHERE site = ?").bind(K, id).run();
  expect(inWorker, query).toBe(decided);
  return JSON.parse(decided) as Answer;
}

const costs = (a: Answer, keys: string[]) => a.rows.map((r) => [...keys.map((k) => r[k]), r.cost]);

describe("POST /v1/spend with content and term (v1.1)", () => {
  it("stores ad- and keyword-level rows apart from campaign-level ones", async () => {
    const [ingest] = (await seed("lv1")).split(" ");
    const res = await call("/v1/spend", withJson("POST", SPEND, ingest));
    expect(await res.json()).toEqual({ accepted: SPEND.length, rejected: [] });
    const stored = await env.DB.prepare("SELECT content, term, cost FROM spend WHERE site = 'lv1' ORDER BY content, term").all();
    expect(stored.results).toEqual([
      { content: "", term: "", cost: 100 },
      { content: "ad-a", term: "", cost: 40 },
      { content: "ad-a", term: "rare1", cost: 5 },
      { content: "ad-a", term: "shoes", cost: 10 },
      { content: "ad-c", term: "", cost: 7 },
      { content: "ad-c", term: "x", cost: 2 },
      { content: "ad-zzz", term: "", cost: 3 },
    ]);
    // A second import of the same level replaces it and leaves the other levels alone.
    await call("/v1/spend", withJson("POST", [{ ...base, content: "ad-a", cost: 44 }], ingest));
    const after = await env.DB.prepare("SELECT content, term, cost FROM spend WHERE site = 'lv1' AND content = 'ad-a' ORDER BY term").all();
    expect(after.results).toEqual([{ content: "ad-a", term: "", cost: 44 }, { content: "ad-a", term: "rare1", cost: 5 }, { content: "ad-a", term: "shoes", cost: 10 }]);
  });

  it("each level's rows carry the cost imported at their level plus their children's; pooled children's cost goes with the pool", async () => {
    const [ingest, read] = (await seed("lv2")).split(" ");
    await call("/v1/spend", withJson("POST", SPEND, ingest));
    const all = 100 + 40 + 10 + 5 + 7 + 3 + 2;

    const campaign = await both("lv2", read!, "group=campaign");
    expect(costs(campaign, ["campaign"])).toEqual([["spring", all]]);
    expect(campaign.totals.cost).toBe(all);
    expect(campaign.totals.paid.cost).toBe(all);

    const content = await both("lv2", read!, "group=content");
    // ad-a: 40 + its terms 10 + 5; (other): the pooled ad-c (7 + its term 2) and ad-zzz (3); ad-b: none.
    // Campaign-level spend belongs to no single content: totals (and totals.paid) only.
    expect(costs(content, ["content"])).toEqual([["ad-a", 55], ["ad-b", null], ["(other)", 12]]);
    expect(content.other.cost).toBeNull();
    expect(content.totals.cost).toBe(all);
    expect(content.totals.paid).toEqual(campaign.totals.paid);

    const term = await both("lv2", read!, "group=term");
    expect(costs(term, ["content", "term"])).toEqual([["ad-a", "shoes", 10], ["ad-b", "(none)", null], ["ad-a", "boots", null], ["(other)", "(other)", 2], ["ad-a", "(other)", 5]]);
    expect(term.totals.cost).toBe(all);
    expect(term.totals.paid).toEqual(campaign.totals.paid);
  });

  it("drill-down filters keep the spend of the rows they keep, and never change totals", async () => {
    const [ingest, read] = (await seed("lv3")).split(" ");
    await call("/v1/spend", withJson("POST", SPEND, ingest));
    const drill = await both("lv3", read!, "group=term&campaign=spring&content=ad-a");
    expect(costs(drill, ["term"])).toEqual([["shoes", 10], ["boots", null], ["(other)", 5]]);
    expect(drill.totals.cost).toBe(167);
    // A campaign row under a content filter: that content's spend only (40 + 10 + 5).
    expect(costs(await both("lv3", read!, "group=campaign&content=ad-a"), ["campaign"])).toEqual([["spring", 55]]);
    expect(costs(await both("lv3", read!, "group=campaign&content=(other)"), ["campaign"])).toEqual([["spring", 12]]);
    // A filter that keeps no row keeps no spend either (no row made of cost alone).
    const none = await both("lv3", read!, "group=campaign&source=meta");
    expect(none.rows).toEqual([]);
    expect(none.totals.cost).toBe(167);
  });

  it("rejects bad levels by index in the contract's error shape", async () => {
    const [ingest] = (await seed("lv4")).split(" ");
    const bad = [
      { ...base, term: "shoes", cost: 1 },
      { ...base, content: "", cost: 1 },
      { ...base, content: "x".repeat(201), cost: 1 },
      { ...base, content: "ad", term: 5, cost: 1 },
      { ...base, content: "ad", term: "ok", cost: 1 },
    ];
    const res = await call("/v1/spend", withJson("POST", bad, ingest));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accepted: number; rejected: { index: number; error: { code: string; message: string; field?: string } }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([
      { index: 0, error: { code: "required", message: expect.stringContaining("`content`"), field: "content" } },
      { index: 1, error: { code: "required", message: expect.any(String), field: "content" } },
      { index: 2, error: { code: "too_long", message: expect.any(String), field: "content" } },
      { index: 3, error: { code: "required", message: expect.any(String), field: "term" } },
    ]);
    expect((await env.DB.prepare("SELECT content, term FROM spend WHERE site = 'lv4'").all()).results).toEqual([{ content: "ad", term: "ok" }]);
  });
});
