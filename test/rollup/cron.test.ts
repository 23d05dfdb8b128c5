import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { funnelCounts } from "../../src/db/rollup";
import { getSite } from "../../src/db/sites";
import worker from "../../src/index";
import { FUNNEL_EPSILON, noiseFunnelStep } from "../../src/privacy/noise";
import { addDays, dayOf, dayStart } from "../../src/time/day";
import { ADMIN, call, withJson } from "../helpers/http";
import { atomsOf, dayRow, findAtom, funnelOf, HOUR, insertEvents, landing, makeSite, touch, type EventInput } from "./fixtures";

/** Runs the Worker's scheduled handler as the cron would at `at`. */
async function cron(at: number): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "7 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

// The day under test is the real today (UTC); the cron runs at noon tomorrow, after the sites
// were created, so the run's view of "finished" and "configuration changed" is the real one.
const D = dayOf(Date.now(), "UTC");
const t0 = dayStart(D, "UTC");
const NOW = dayStart(addDays(D, 1), "UTC") + 12 * HOUR + 7 * 60_000;
const MIN = 60_000;

async function seedShop(id: string, day = D): Promise<void> {
  const t0 = dayStart(day, "UTC");
  await makeSite({
    id,
    domains: [`${id}.example`],
    currency: "EUR",
    goals: [
      { name: "purchase", tier: "macro" },
      { name: "signup", tier: "micro", value: 5 },
    ],
    funnels: [{ name: "checkout", steps: ["pageview", "signup", "purchase"] }],
  });
  const events: EventInput[] = [
    // v1: lands from Instagram, signs up, buys after a Google search (Instagram click two days earlier).
    landing(t0 + 10 * HOUR, "v1", "instagram", "social", "spring"),
    { ts: t0 + 10 * HOUR + 5 * MIN, visitor: "v1" },
    { ts: t0 + 10 * HOUR + 10 * MIN, visitor: "v1", name: "signup", journey: [touch("instagram", t0 + 10 * HOUR, "social", "spring")] },
    {
      ts: t0 + 12 * HOUR,
      visitor: "v1",
      name: "purchase",
      value: 100,
      currency: "EUR",
      journey: [touch("google", t0 + 11 * HOUR + 50 * MIN, "organic"), touch("instagram", t0 + 10 * HOUR - 48 * HOUR, "social", "spring")],
    },
    landing(t0 + 13 * HOUR, "v1", "instagram", "social", "spring"),
    // v2: first pageview direct (counts for direct), then a Google landing; buys in USD without a journey.
    { ts: t0 + 9 * HOUR, visitor: "v2", touch_kind: "direct" },
    landing(t0 + 9 * HOUR + 30 * MIN, "v2", "google", "organic"),
    { ts: t0 + 9 * HOUR + 45 * MIN, visitor: "v2", name: "purchase", value: 50, currency: "USD" },
    // v3: first pageview is navigation, a later direct one does not count for direct.
    { ts: t0 + 8 * HOUR, visitor: "v3" },
    { ts: t0 + 8 * HOUR + 30 * MIN, visitor: "v3", touch_kind: "direct" },
    // no visitor hash: never counted.
    landing(t0 + 14 * HOUR, null, "instagram", "social", "spring"),
  ];
  await insertEvents(id, "UTC", events);
  await env.DB.batch([
    env.DB.prepare(`INSERT INTO links (code, site, destination, source, medium, campaign, created_at) VALUES (?, ?, 'https://x.example/', 'newsletter', 'email', 'nov', 0)`).bind(`${id}-l`, id),
    env.DB.prepare(`INSERT INTO link_clicks (site, day, code, clicks) VALUES (?, ?, ?, 7)`).bind(id, day, `${id}-l`),
  ]);
}

describe("scheduled rollup", () => {
  it("writes every touch × goal × model atom with visitors, clicks and each model's credit", async () => {
    await seedShop("c1");
    await cron(NOW);
    const atoms = await atomsOf("c1", D);
    // instagram, google, direct, newsletter × (purchase, signup, (macro)) × 6 models
    expect(atoms).toHaveLength(4 * 3 * 6);

    const a = (source: string, goal: string, model: string) => {
      const found = findAtom(atoms, source, goal, model);
      if (!found) throw new Error(`no atom ${source} ${goal} ${model}`);
      return { ...found, revenue_by_currency: JSON.parse(found.revenue_by_currency) as Record<string, number> };
    };
    // Visitors and clicks repeat on every goal and model.
    for (const goal of ["purchase", "signup", "(macro)"]) {
      for (const model of ["last_click", "time_decay"]) {
        expect(a("instagram", goal, model)).toMatchObject({ medium: "social", campaign: "spring", visitors: 1, clicks: 0 });
        expect(a("google", goal, model)).toMatchObject({ medium: "organic", campaign: "(none)", visitors: 1 });
        expect(a("direct", goal, model)).toMatchObject({ medium: "(none)", campaign: "(none)", visitors: 1 });
        expect(a("newsletter", goal, model)).toMatchObject({ medium: "email", campaign: "nov", visitors: 0, clicks: 7, conversions: 0, credit: 0 });
      }
    }
    // v1's purchase: Instagram click 50 h before, Google 10 min before.
    expect(a("google", "purchase", "last_click")).toMatchObject({ conversions: 1, credit: 1, revenue: 100, revenue_by_currency: { EUR: 100 } });
    expect(a("instagram", "purchase", "last_click")).toMatchObject({ conversions: 0, credit: 0, revenue: 0, revenue_by_currency: {} });
    expect(a("instagram", "purchase", "first_click")).toMatchObject({ conversions: 1, credit: 1, revenue: 100 });
    expect(a("instagram", "purchase", "linear")).toMatchObject({ conversions: 1, credit: 0.5, revenue: 50 });
    expect(a("google", "purchase", "position_based")).toMatchObject({ conversions: 1, credit: 0.5, revenue: 50 });
    expect(a("google", "purchase", "last_non_direct")).toMatchObject({ conversions: 1, credit: 1 });
    const wInstagram = 2 ** (-50 / 168);
    const wGoogle = 2 ** (-(10 / 60) / 168);
    expect(a("instagram", "purchase", "time_decay").credit).toBeCloseTo(wInstagram / (wInstagram + wGoogle), 12);
    expect(a("google", "purchase", "time_decay").revenue).toBeCloseTo((100 * wGoogle) / (wInstagram + wGoogle), 10);
    // v2's purchase: no journey, no landing → direct; USD is kept apart from the EUR revenue.
    expect(a("direct", "purchase", "first_click")).toMatchObject({ conversions: 1, credit: 1, revenue: 0, revenue_by_currency: { USD: 50 } });
    // The macro goal counts purchases; signup is micro and stays out of it.
    expect(a("google", "(macro)", "last_click")).toMatchObject({ conversions: 1, credit: 1, revenue: 100 });
    expect(a("instagram", "(macro)", "first_click")).toMatchObject({ conversions: 1, credit: 1, revenue: 100 });
    // signup: the goal's default value (5, site currency) to Instagram under every model.
    for (const model of ["last_click", "first_click", "linear", "time_decay", "position_based", "last_non_direct"]) {
      expect(a("instagram", "signup", model)).toMatchObject({ conversions: 1, credit: 1, revenue: 5, revenue_by_currency: { EUR: 5 } });
      expect(a("google", "signup", model)).toMatchObject({ conversions: 0, credit: 0 });
    }
  });

  it("counts funnel steps in order and records the day as done", async () => {
    await seedShop("c2");
    await cron(NOW);
    // pageview: v1, v2, v3; then signup: v1; then purchase after signup: v1 (v2 bought without signing up).
    const steps = ["pageview", "signup", "purchase"];
    expect(await funnelCounts(env.DB, "c2", D, Number.MAX_SAFE_INTEGER, steps)).toEqual([3, 1, 1]);
    // Stored with noise, always (docs/PRIVACY.md "Funnels"; test/rollup/noise.test.ts).
    const { secret } = (await getSite(env.DB, "c2"))!;
    const noisy = await Promise.all([3, 1, 1].map((n, i) => noiseFunnelStep(secret, FUNNEL_EPSILON, "c2", D, steps.slice(0, i + 1), n)));
    expect(await funnelOf("c2", D)).toEqual(noisy.map((visitors, step) => ({ funnel: "checkout", step, visitors })));
    expect(await dayRow("c2", D)).toMatchObject({ status: "done", events: 11 });
    const scratch = await env.DB.prepare(`SELECT COUNT(*) AS n FROM rollup_scratch WHERE site = 'c2'`).first<{ n: number }>();
    expect(scratch!.n).toBe(0);
  });

  it("is idempotent: a second run leaves identical rows and skips the unchanged finished day", async () => {
    await seedShop("c3");
    await cron(NOW);
    const first = await atomsOf("c3");
    const firstDay = await dayRow("c3", D);
    await cron(NOW + HOUR);
    expect(await atomsOf("c3")).toEqual(first);
    expect(await funnelOf("c3", D)).toHaveLength(3);
    // Nothing changed on D since it was rolled after its end: the second run did not touch it.
    expect(await dayRow("c3", D)).toEqual(firstDay);
    // Forcing a recompute of the same data also gives identical atoms.
    await env.DB.prepare(`UPDATE rollup_days SET status = 'running', cursor = 0 WHERE site = 'c3'`).run();
    await cron(NOW + 2 * HOUR);
    expect(await atomsOf("c3")).toEqual(first);
  });

  it("re-rolls a finished day when a late event arrives", async () => {
    await seedShop("c4");
    await cron(NOW);
    expect(findAtom(await atomsOf("c4", D), "facebook", "purchase", "last_click")).toBeUndefined();
    // A server event for D sent the next afternoon, with a Facebook journey.
    await insertEvents("c4", "UTC", [{ ts: t0 + 20 * HOUR, visitor: "v9", name: "purchase", value: 30, currency: "EUR", journey: [touch("facebook", t0 + 19 * HOUR, "social")] }]);
    await cron(NOW + HOUR);
    const atoms = await atomsOf("c4", D);
    expect(findAtom(atoms, "facebook", "purchase", "last_click")).toMatchObject({ conversions: 1, credit: 1, revenue: 30, visitors: 0 });
    expect(findAtom(atoms, "facebook", "(macro)", "linear")).toMatchObject({ conversions: 1, credit: 1 });
    expect(findAtom(atoms, "google", "purchase", "last_click")).toMatchObject({ conversions: 1, revenue: 100 });
    expect(atoms).toHaveLength(5 * 3 * 6);
    expect(await dayRow("c4", D)).toMatchObject({ status: "done", events: 12 });
  });

  it("deletes atoms a configuration change no longer produces", async () => {
    // Real clock here: the PATCH stamps the site with the real time, which must fall between the runs.
    const day = addDays(dayOf(Date.now(), "UTC"), -1);
    await seedShop("c5", day);
    await cron(Date.now());
    expect((await atomsOf("c5", day)).filter((a) => a.goal === "signup")).toHaveLength(4 * 6);
    await new Promise((r) => setTimeout(r, 5));
    const res = await call("/v1/admin/sites/c5", withJson("PATCH", { goals: [{ name: "purchase", tier: "macro" }], funnels: [] }, ADMIN));
    expect(res.status).toBe(200);
    await cron(Date.now() + HOUR);
    const atoms = await atomsOf("c5", day);
    expect(atoms.filter((a) => a.goal === "signup")).toEqual([]);
    expect(atoms).toHaveLength(4 * 2 * 6);
    expect(await funnelOf("c5", day)).toEqual([]);
  });
});
