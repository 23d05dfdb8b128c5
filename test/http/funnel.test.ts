import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addDays, dayOf } from "../../src/time/day";
import { call, createSite, errorOf } from "../helpers/http";

const TODAY = dayOf(Date.now(), "UTC");
const D1 = addDays(TODAY, -30);
const D2 = addDays(TODAY, -29);
const SITE = {
  domains: ["f.example"],
  goals: [{ name: "signup" }, { name: "purchase" }],
  funnels: [{ name: "checkout", steps: ["pageview", "signup", "purchase"] }],
};

async function putDay(site: string, day: string, counts: number[], steps = SITE.funnels[0]!.steps): Promise<void> {
  await env.DB.batch(
    counts.map((n, step) =>
      env.DB.prepare(`INSERT INTO funnel_days (site, day, funnel, step, visitors, steps) VALUES (?, ?, 'checkout', ?, ?, ?)`).bind(site, day, step, n, JSON.stringify(steps)),
    ),
  );
}
const get = (key: string, qs: string) => call(`/v1/funnel?${qs}`, { headers: { authorization: `Bearer ${key}` } });

describe("GET /v1/funnel", () => {
  it("answers the configured steps in order, summed over released days; a day with a step under k is withheld", async () => {
    const s = await createSite({ id: "fun1", ...SITE });
    await putDay("fun1", D1, [800, 120, 30]);
    await putDay("fun1", D2, [500, 40, 4]);
    const res = await get(s.read_key, `site=fun1&from=${D1}&to=${D2}&funnel=checkout`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      site: "fun1",
      from: D1,
      to: D2,
      funnel: "checkout",
      steps: [{ name: "pageview", visitors: 800 }, { name: "signup", visitors: 120 }, { name: "purchase", visitors: 30 }],
      other_steps_days: [],
      privacy: { k: 10, epsilon: null, final_only: false, suppressed: 1, withheld_days: [D2], provisional_days: [] },
    });
  });

  it("drops provisional days with final_only", async () => {
    const s = await createSite({ id: "fun2", ...SITE, privacy: { final_only: true } });
    await putDay("fun2", D1, [100, 50, 20]);
    await putDay("fun2", addDays(TODAY, -1), [900, 90, 30]);
    const body = (await (await get(s.read_key, `site=fun2&from=${D1}&to=${TODAY}&funnel=checkout`)).json()) as { steps: { visitors: number }[]; privacy: { provisional_days: string[] } };
    expect(body.steps.map((x) => x.visitors)).toEqual([100, 50, 20]);
    expect(body.privacy.provisional_days).toHaveLength(8);
  });

  it("keeps a day's counts with the steps it was rolled up with: an edited funnel does not relabel old days", async () => {
    // D1 was rolled when checkout was [pageview, purchase]; it is [pageview, signup, purchase] now.
    const s = await createSite({ id: "fun5", ...SITE });
    await putDay("fun5", D1, [700, 60], ["pageview", "purchase"]);
    await putDay("fun5", D2, [500, 40, 20]);
    const body = (await (await get(s.read_key, `site=fun5&from=${D1}&to=${D2}&funnel=checkout`)).json()) as { steps: { name: string; visitors: number }[]; other_steps_days: string[] };
    expect(body.steps).toEqual([{ name: "pageview", visitors: 500 }, { name: "signup", visitors: 40 }, { name: "purchase", visitors: 20 }]);
    expect(body.other_steps_days).toEqual([D1]);
  });

  it("answers 422 for a missing or unknown funnel and 403 for another site's key", async () => {
    const s = await createSite({ id: "fun3", ...SITE });
    const other = await createSite({ id: "fun4", ...SITE });
    const missing = await get(s.read_key, `site=fun3&from=${D1}&to=${D1}`);
    expect(missing.status).toBe(422);
    expect((await errorOf(missing)).field).toBe("funnel");
    const unknown = await get(s.read_key, `site=fun3&from=${D1}&to=${D1}&funnel=nope`);
    expect(await errorOf(unknown)).toMatchObject({ code: "unknown_funnel", field: "funnel" });
    expect((await get(other.read_key, `site=fun3&from=${D1}&to=${D1}&funnel=checkout`)).status).toBe(403);
    expect((await get(s.ingest_key, `site=fun3&from=${D1}&to=${D1}&funnel=checkout`)).status).toBe(403);
  });
});
