import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { dayFacts, lastRowids } from "../../src/db/rollup";
import { getSite } from "../../src/db/sites";
import { QueryBudget } from "../../src/rollup/budget";
import { rollupDay } from "../../src/rollup/day";
import { runRollup } from "../../src/rollup/run";
import { addDays, dayOf, dayStart } from "../../src/time/day";
import { atomsOf, dayRow, funnelOf, HOUR, insertEvents, makeSite, touch, type EventInput } from "./fixtures";

const D = dayOf(Date.now(), "UTC");
const t0 = dayStart(D, "UTC");
const NOW = dayStart(addDays(D, 1), "UTC") + 12 * HOUR;

/** A deterministic mixed day: pageviews and conversions with 0–4 touches, two currencies, repeat buyers. */
function dayOfEvents(): EventInput[] {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const sources = ["google", "instagram", "newsletter", "bing"];
  const out: EventInput[] = [];
  for (let i = 0; i < 60; i++) {
    const ts = t0 + Math.floor(rnd() * 20 * HOUR);
    const visitor = `v${Math.floor(rnd() * 12)}`;
    if (i % 2 === 0) {
      out.push(rnd() < 0.5 ? { ts, visitor, touch_kind: "landing", source: sources[i % 4]!, medium: "cpc" } : { ts, visitor, touch_kind: rnd() < 0.5 ? "direct" : null });
      continue;
    }
    const journey = Array.from({ length: Math.floor(rnd() * 5) }, () => touch(sources[Math.floor(rnd() * 4)]!, ts - Math.floor(rnd() * 10 * 24 * HOUR), "cpc", rnd() < 0.5 ? "A" : "B", rnd() < 0.2));
    out.push({ ts, visitor, name: rnd() < 0.7 ? "purchase" : "signup", value: Math.round(rnd() * 30000) / 100, currency: rnd() < 0.8 ? "EUR" : "USD", journey });
  }
  // The same visitor buys in the first and in a late page: clamped to one when epsilon is set.
  out.splice(1, 0, { ts: t0 + HOUR, visitor: "vc", name: "purchase", value: 5000, currency: "EUR", journey: [touch("google", t0, "cpc")] });
  out.push({ ts: t0 + 2 * HOUR, visitor: "vc", name: "purchase", value: 10, currency: "EUR", journey: [touch("bing", t0, "cpc")] });
  // A server conversion without a visitor, and a later one with the same journey: clamped to one too (its stand-in).
  out.splice(2, 0, { ts: t0 + HOUR + 1, visitor: null, name: "purchase", value: 7, currency: "EUR", journey: [touch("meta", t0 - HOUR, "cpc")] });
  out.push({ ts: t0 + 3 * HOUR, visitor: null, name: "purchase", value: 9, currency: "EUR", journey: [touch("meta", t0 - HOUR, "cpc")] });
  return out;
}

async function seed(id: string, epsilon: number | null): Promise<void> {
  await makeSite({
    id,
    domains: [`${id}.example`],
    currency: "EUR",
    privacy: { k: 1, epsilon },
    goals: [{ name: "purchase" }, { name: "signup", tier: "micro" }],
    funnels: [{ name: "f", steps: ["pageview", "purchase"] }],
  });
  await insertEvents(id, "UTC", dayOfEvents());
}

async function scratchRows(site: string): Promise<number> {
  return (await env.DB.prepare(`SELECT COUNT(*) AS n FROM rollup_scratch WHERE site = ?`).bind(site).first<{ n: number }>())!.n;
}

/** Rolls D from scratch in one go (fresh), for comparison. */
async function freshRoll(id: string, pageSize: number) {
  const site = (await getSite(env.DB, id))!;
  const upto = (await lastRowids(env.DB, id, [D])).get(D) ?? null;
  return rollupDay(env.DB, site, D, { now: NOW, budget: new QueryBudget(10_000), upto, prior: undefined, fresh: true, pageSize });
}

describe("rollup resumes an interrupted day with the same result", () => {
  for (const [id, epsilon] of [["r1", null], ["r2", 1]] as const) {
    it(`stops when the query budget is spent and finishes later (epsilon ${epsilon})`, async () => {
      await seed(id, epsilon);
      const site = (await getSite(env.DB, id))!;
      const upto = (await lastRowids(env.DB, id, [D])).get(D) ?? null;

      // Budget for the touch ranking, one page read and its save, not for the next page's save.
      const first = await rollupDay(env.DB, site, D, { now: NOW, budget: new QueryBudget(6), upto, prior: undefined, pageSize: 4 });
      expect(first).toBeNull();
      const running = await dayRow(id, D);
      expect(running).toMatchObject({ status: "running", events: 4 });
      expect(running!.cursor).toBeGreaterThan(0);
      expect(await scratchRows(id)).toBeGreaterThan(0);
      expect(await atomsOf(id, D)).toEqual([]);

      // A second invocation resumes from the cursor and scratch.
      const [fact] = await dayFacts(env.DB, [{ site: id, day: D }]);
      const prior = fact!.state;
      const second = await rollupDay(env.DB, site, D, { now: NOW + HOUR, budget: new QueryBudget(1000), upto, prior, pageSize: 4 });
      expect(second).toMatchObject({ day: D, events: 64 });
      expect(await dayRow(id, D)).toMatchObject({ status: "done", cursor: upto, started_at: NOW });
      expect(await scratchRows(id)).toBe(0);
      const resumed = await atomsOf(id, D);
      const resumedFunnel = await funnelOf(id, D);
      expect(resumed.length).toBeGreaterThan(0);

      // One uninterrupted run over the same data writes exactly the same rows.
      await freshRoll(id, 4);
      expect(await atomsOf(id, D)).toEqual(resumed);
      expect(await funnelOf(id, D)).toEqual(resumedFunnel);
    });
  }

  it("starts over when the saved pages of the roll are not all there", async () => {
    await seed("r6", null);
    const site = (await getSite(env.DB, "r6"))!;
    const upto = (await lastRowids(env.DB, "r6", [D])).get(D) ?? null;
    expect(await rollupDay(env.DB, site, D, { now: NOW, budget: new QueryBudget(9), upto, prior: undefined, pageSize: 4 })).toBeNull();
    expect(await dayRow("r6", D)).toMatchObject({ status: "running", events: 8 });
    // Another roll of the same day cleared one page.
    await env.DB.prepare(`DELETE FROM rollup_scratch WHERE site = 'r6' AND key = (SELECT MIN(key) FROM rollup_scratch WHERE site = 'r6')`).run();
    const [fact] = await dayFacts(env.DB, [{ site: "r6", day: D }]);
    const done = await rollupDay(env.DB, site, D, { now: NOW + HOUR, budget: new QueryBudget(1000), upto, prior: fact!.state, pageSize: 4 });
    expect(done).toMatchObject({ events: 64 });
    // Started over: the day's started_at is the new roll's, and the numbers are those of a clean run.
    expect(await dayRow("r6", D)).toMatchObject({ status: "done", started_at: NOW + HOUR });
    const afterRestart = await atomsOf("r6", D);
    await freshRoll("r6", 4);
    expect(await atomsOf("r6", D)).toEqual(afterRestart);
  });

  it("through the cron: a small query budget spreads the day over several runs, same atoms as one run", async () => {
    await seed("r4", null);
    await seed("r5", null);
    // r5 in one big run, page size 4 for both so the float sums add up in the same order.
    // The hour stays fixed, so the sites keep their turn: the run order is the same every time.
    let runs = 0;
    let sawRunning = false;
    for (;;) {
      runs++;
      await runRollup(env, NOW, { maxQueries: 30, pageSize: 4 });
      const row = await dayRow("r4", D);
      if (row?.status === "running") sawRunning = true;
      if (row?.status === "done") break;
      expect(runs).toBeLessThan(40);
    }
    expect(runs).toBeGreaterThan(1);
    expect(sawRunning).toBe(true);
    const viaCron = await atomsOf("r4", D);
    await freshRoll("r4", 4);
    expect(await atomsOf("r4", D)).toEqual(viaCron);
    // And the same numbers as another site with the same events rolled with the default page size.
    await freshRoll("r5", 5000);
    const other = await atomsOf("r5", D);
    expect(other.map((a) => ({ ...a, site: "r4", credit: Number(a.credit.toFixed(9)), revenue: Number(a.revenue.toFixed(6)), revenue_by_currency: "" }))).toEqual(
      viaCron.map((a) => ({ ...a, credit: Number(a.credit.toFixed(9)), revenue: Number(a.revenue.toFixed(6)), revenue_by_currency: "" })),
    );
  });
});
