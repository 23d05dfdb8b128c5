// The rollup killed half way: the invocation dies at any one of its D1 queries (that query and
// everything after it never happen). The next cron run must finish the day with exactly the
// numbers of an uninterrupted run — for every possible kill point, not just a convenient one.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { dayFacts, lastRowids } from "../../src/db/rollup";
import { getSite } from "../../src/db/sites";
import { QueryBudget } from "../../src/rollup/budget";
import { rollupDay } from "../../src/rollup/day";
import { runRollup } from "../../src/rollup/run";
import { call, createSite } from "../helpers/http";
import { atomsOf, funnelOf } from "../rollup/fixtures";
import { faultyDb } from "./faulty-db";

const VICTIM = "kill-victim";
const TWIN = "kill-twin";
const PAGE = 4;
const DAY_MS = 86_400_000;
const D = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
const dayStart = Date.parse(`${D}T00:00:00Z`);
const UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
const SOURCES = [
  ["instagram", "social", "spring"],
  ["google", "cpc", "brand"],
  ["newsletter", "email", "nov"],
] as const;

/** The same 40 server events (landings and purchases with journeys) for a site, through /v1/events. */
async function seed(ingestKey: string): Promise<void> {
  const events = Array.from({ length: 40 }, (_, i) => {
    const time = Math.floor((dayStart + (i + 1) * 20 * 60_000) / 1000);
    const client = { ip: `203.0.113.${i % 7}`, user_agent: UA };
    const [source, medium, campaign] = SOURCES[i % 3]!;
    if (i % 2 === 0) {
      return { name: "pageview", time, event_id: `k-${i}`, url: `https://kill.example/p?utm_source=${source}&utm_medium=${medium}&utm_campaign=${campaign}`, client };
    }
    const touches = Array.from({ length: 1 + (i % 3) }, (_, j) => {
      const [s, m, c] = SOURCES[(i + j) % 3]!;
      return { time: time - (j + 1) * 3_600, source: s, medium: m, campaign: c, view: j === 2 };
    });
    return { name: i % 5 === 0 ? "signup" : "purchase", time, event_id: `k-${i}`, value: 10 + i, currency: i % 4 ? "EUR" : "USD", touches, client };
  });
  const res = await call("/v1/events", { method: "POST", headers: { authorization: `Bearer ${ingestKey}`, "content-type": "application/json" }, body: JSON.stringify({ events }) });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { accepted: number }).accepted).toBe(40);
}

/** A site's rows of day D, site column left out and floats rounded (sums of the same page folds). */
async function result(site: string): Promise<{ atoms: unknown[]; funnel: unknown[] }> {
  const [atoms, funnel] = await Promise.all([atomsOf(site, D), funnelOf(site, D)]);
  const round = (x: number) => Math.round(x * 1e9) / 1e9;
  return {
    atoms: atoms.map(({ site: _site, ...a }) => ({
      ...a,
      credit: round(a.credit),
      revenue: round(a.revenue),
      revenue_by_currency: Object.fromEntries(Object.entries(JSON.parse(a.revenue_by_currency) as Record<string, number>).map(([k, v]) => [k, round(v)])),
    })),
    funnel,
  };
}

async function dayStatus(site: string): Promise<{ status: string; scratch: number }> {
  const row = await env.DB.prepare("SELECT status FROM rollup_days WHERE site = ? AND day = ?").bind(site, D).first<{ status: string }>();
  const scratch = await env.DB.prepare("SELECT COUNT(*) AS n FROM rollup_scratch WHERE site = ? AND day = ?").bind(site, D).first<{ n: number }>();
  return { status: row?.status ?? "none", scratch: scratch?.n ?? 0 };
}

/** One roll of day D from scratch, as the admin recompute does, on the given binding. */
async function rollFresh(db: D1Database, site: string): Promise<void> {
  const record = (await getSite(env.DB, site))!;
  const upto = (await lastRowids(env.DB, site, [D])).get(D) ?? null;
  const [fact] = await dayFacts(env.DB, [{ site, day: D }]);
  await rollupDay(db, record, D, { now: Date.now(), budget: new QueryBudget(10_000), upto, prior: fact?.state, fresh: true, pageSize: PAGE });
}

const config = {
  domains: ["kill.example"],
  privacy: { k: 1 },
  goals: [{ name: "purchase" }, { name: "signup", tier: "micro" }],
  funnels: [{ name: "f", steps: ["pageview", "signup", "purchase"] }],
};

beforeAll(async () => {
  const victim = await createSite({ id: VICTIM, ...config });
  const twin = await createSite({ id: TWIN, ...config });
  await seed(victim.ingest_key);
  await seed(twin.ingest_key);
});

describe("rollup killed at any query", () => {
  it("is finished by the next cron run with the numbers of an uninterrupted run", async () => {
    await rollFresh(env.DB, TWIN);
    const expected = await result(TWIN);
    expect(expected.atoms.length).toBeGreaterThan(10);

    // How many queries one uninterrupted roll of the day makes: every one of them is a kill point.
    const counter = faultyDb(env.DB);
    await rollFresh(counter.db, VICTIM);
    const queries = counter.calls();
    // Funnel counts carry noise keyed by the site (docs/PRIVACY.md "Funnels"), so the twin's
    // differ: the victim's own uninterrupted run is the reference for them.
    const first = await result(VICTIM);
    expect(first.atoms).toEqual(expected.atoms);
    expect(first.funnel).toHaveLength(3);
    const want = { ...expected, funnel: first.funnel };
    expect(queries).toBeGreaterThan(2 * Math.ceil(20 / PAGE));

    const quiet = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const states = new Set<string>();
    for (let killAt = 1; killAt <= queries; killAt++) {
      const killed = faultyDb(env.DB, killAt);
      await expect(rollFresh(killed.db, VICTIM), `kill at query ${killAt}`).rejects.toThrow(/injected fault/);
      states.add((await dayStatus(VICTIM)).status);
      // The cron's next runs pick the day up again until it is done.
      for (let run = 0; run < 10 && (await dayStatus(VICTIM)).status !== "done"; run++) await runRollup(env, Date.now(), { pageSize: PAGE });
      expect(await dayStatus(VICTIM), `after a kill at query ${killAt} of ${queries}`).toEqual({ status: "done", scratch: 0 });
      expect(await result(VICTIM), `after a kill at query ${killAt} of ${queries}`).toEqual(want);
    }
    quiet.mockRestore();
    // The kills landed both before the roll began and in the middle of it.
    expect(states.has("running")).toBe(true);
  });
});
