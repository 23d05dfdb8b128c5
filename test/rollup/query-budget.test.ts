import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { ROLLUP_QUERIES } from "../../src/rollup/budget";
import { queryBudget } from "../../src/rollup/scheduled";
import { dayOf, dayStart } from "../../src/time/day";
import { HOUR, insertEvents, landing, makeSite } from "./fixtures";

/** Runs the scheduled handler at `at` with `vars` over env; returns the run's logged summary. */
async function cronWith(at: number, vars: Record<string, string>): Promise<{ queries: number; days: number; complete: boolean }> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "*/10 * * * *" }), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  const summary = log.mock.calls.map((c) => JSON.parse(String(c[0]))).find((o) => o.rollup)?.rollup;
  log.mockRestore();
  return summary;
}

describe("ROLLUP_QUERY_BUDGET (Workers Free: 50 D1 queries per invocation)", () => {
  it("takes a whole number between 10 and the paid budget, else the paid budget", () => {
    expect(queryBudget("45")).toBe(45);
    expect(queryBudget("10")).toBe(10);
    expect(queryBudget(undefined)).toBe(ROLLUP_QUERIES);
    for (const bad of ["", "9", "4.5", "forty", "-40", String(ROLLUP_QUERIES + 1)]) expect(queryBudget(bad)).toBe(ROLLUP_QUERIES);
  });

  it("bounds the queries of every scheduled run, and runs every 5 minutes roll every site's day", async () => {
    const day = dayOf(Date.now(), "UTC");
    const sites = Array.from({ length: 6 }, (_, i) => `budget-${i}`);
    for (const [i, id] of sites.entries()) {
      await makeSite({ id, domains: [`b${i}.example`], goals: [{ name: "purchase", tier: "macro" }] });
      await insertEvents(id, "UTC", [landing(dayStart(day, "UTC") + HOUR, `v${i}`, "google", "cpc", "brand")]);
    }
    const rolled = async () =>
      (await env.DB.prepare("SELECT COUNT(DISTINCT site) AS n FROM atoms WHERE site LIKE 'budget-%' AND day = ?1").bind(day).first<{ n: number }>())!.n;

    // Six new sites hold 6 × 8 days of re-roll window; 45 queries roll about 3 days a run.
    const start = Math.max(Date.now(), dayStart(day, "UTC") + 2 * HOUR);
    let runs = 0;
    for (; runs < 80 && (await rolled()) < sites.length; runs++) {
      const summary = await cronWith(start + runs * 5 * 60_000, { ROLLUP_QUERY_BUDGET: "45" });
      expect(summary.queries).toBeLessThanOrEqual(45);
      expect(summary.days).toBeGreaterThan(0); // every run makes progress
    }
    expect(await rolled()).toBe(sites.length);
    expect(runs).toBeGreaterThan(1); // it did not fit one run: the budget was the limit
    console.info(`Workers Free budget: 6 new sites' days rolled after ${runs} runs of ≤ 45 queries`);
  });
});
