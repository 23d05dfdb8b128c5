import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { funnelCounts } from "../../src/db/rollup";
import { FUNNEL_EPSILON, noiseFunnelStep } from "../../src/privacy/noise";
import { dayOf } from "../../src/time/day";
import { ADMIN, call, withJson } from "../helpers/http";
import { funnelOf, HOUR, insertEvents, landing, makeSite, type EventInput } from "./fixtures";

const STEPS = ["pageview", "signup", "purchase"];
const config = (id: string, epsilon: number | null) => ({
  id,
  domains: [`${id}.example`],
  goals: [{ name: "signup" }, { name: "purchase" }],
  funnels: [{ name: "checkout", steps: STEPS }],
  privacy: { k: 1, epsilon },
});

describe("rollup of funnels", () => {
  it("writes funnel steps noised from the true counts, deterministically, with or without epsilon", async () => {
    const t0 = Date.now() - 3 * HOUR;
    const day = dayOf(t0, "UTC");
    const events = (n: number): EventInput[] =>
      Array.from({ length: n }, (_, i) => [
        landing(t0 + i * 1000, `v${i}`, "google", "cpc", "brand"),
        ...(i % 2 === 0 ? [{ ts: t0 + i * 1000 + 100, name: "signup", visitor: `v${i}` }] : []),
        ...(i % 4 === 0 ? [{ ts: t0 + i * 1000 + 200, name: "purchase", visitor: `v${i}` }] : []),
      ]).flat();
    // ε = 0.1: P(all three steps get zero noise) ≈ 1e-4, so the comparison with the truth discriminates.
    const sites = [
      { site: await makeSite(config("fn-plain", null)), eps: FUNNEL_EPSILON },
      { site: await makeSite(config("fn-noisy", 0.1)), eps: 0.1 },
    ];
    for (const { site } of sites) {
      await insertEvents(site.config.id, "UTC", events(40));
      const res = await call("/v1/admin/rollup", withJson("POST", { site: site.config.id, from: day, to: day }, ADMIN));
      expect(res.status).toBe(200);
    }
    let moved = 0;
    for (const { site, eps } of sites) {
      const id = site.config.id;
      const truth = await funnelCounts(env.DB, id, day, Number.MAX_SAFE_INTEGER, STEPS);
      expect(truth).toEqual([40, 20, 10]);
      const expected = await Promise.all(truth.map((n, step) => noiseFunnelStep(site.secret, eps, id, day, STEPS.slice(0, step + 1), n)));
      const first = await funnelOf(id, day);
      expect(first).toEqual(expected.map((visitors, step) => ({ funnel: "checkout", step, visitors })));
      moved += expected.filter((n, i) => n !== truth[i]).length;
      // A rerun writes the same noisy numbers (idempotent).
      await call("/v1/admin/rollup", withJson("POST", { site: id, from: day, to: day }, ADMIN));
      expect(await funnelOf(id, day)).toEqual(first);
      const stored = await env.DB.prepare("SELECT DISTINCT steps FROM funnel_days WHERE site = ? AND day = ?").bind(id, day).all<{ steps: string }>();
      expect(stored.results.map((r) => JSON.parse(r.steps))).toEqual([STEPS]);
    }
    expect(moved).toBeGreaterThan(0);
  });
});
