import { describe, expect, it } from "vitest";
import { noiseFunnelStep } from "../../src/privacy/noise";
import { dayOf } from "../../src/time/day";
import { ADMIN, call, withJson } from "../helpers/http";
import { funnelOf, HOUR, insertEvents, landing, makeSite, type EventInput } from "./fixtures";

const config = (id: string, epsilon: number | null) => ({
  id,
  domains: [`${id}.example`],
  goals: [{ name: "signup" }, { name: "purchase" }],
  funnels: [{ name: "checkout", steps: ["pageview", "signup", "purchase"] }],
  privacy: { k: 1, epsilon },
});

describe("rollup of a site with epsilon", () => {
  it("writes funnel steps noised from the true counts, deterministically", async () => {
    const t0 = Date.now() - 3 * HOUR;
    const day = dayOf(t0, "UTC");
    const events = (n: number): EventInput[] =>
      Array.from({ length: n }, (_, i) => [
        landing(t0 + i * 1000, `v${i}`, "google", "cpc", "brand"),
        ...(i % 2 === 0 ? [{ ts: t0 + i * 1000 + 100, name: "signup", visitor: `v${i}` }] : []),
        ...(i % 4 === 0 ? [{ ts: t0 + i * 1000 + 200, name: "purchase", visitor: `v${i}` }] : []),
      ]).flat();
    const plain = await makeSite(config("fn-plain", null));
    // ε = 0.1: P(all three steps get zero noise) ≈ 1e-4, so the comparison with the truth discriminates.
    const noisy = await makeSite(config("fn-noisy", 0.1));
    await insertEvents(plain.config.id, "UTC", events(40));
    await insertEvents(noisy.config.id, "UTC", events(40));
    for (const site of ["fn-plain", "fn-noisy"]) {
      const res = await call("/v1/admin/rollup", withJson("POST", { site, from: day, to: day }, ADMIN));
      expect(res.status).toBe(200);
    }
    const truth = await funnelOf("fn-plain", day);
    expect(truth.map((r) => r.visitors)).toEqual([40, 20, 10]);
    const expected = await Promise.all(truth.map((r) => noiseFunnelStep(noisy.secret, 0.1, "fn-noisy", day, r)));
    expect(expected).not.toEqual(truth);
    const first = await funnelOf("fn-noisy", day);
    expect(first).toEqual(expected);
    // A rerun writes the same noisy numbers (idempotent).
    await call("/v1/admin/rollup", withJson("POST", { site: "fn-noisy", from: day, to: day }, ADMIN));
    expect(await funnelOf("fn-noisy", day)).toEqual(first);
  });
});
