import { describe, expect, it } from "vitest";
import { releaseFunnel } from "../../src/stats/funnel";

const STEPS = ["pageview", "signup", "purchase"];
const day = (d: string, counts: number[], steps: readonly string[] = STEPS) =>
  counts.map((visitors, step) => ({ day: d, step, visitors, steps: JSON.stringify(steps) }));

describe("releaseFunnel", () => {
  it("sums step visitors over days whose every step is 0 or ≥ k", () => {
    const rows = [...day("2026-11-01", [500, 40, 12]), ...day("2026-11-02", [300, 20, 0])];
    expect(releaseFunnel(STEPS, rows, 10)).toEqual({
      steps: [{ name: "pageview", visitors: 800 }, { name: "signup", visitors: 60 }, { name: "purchase", visitors: 12 }],
      withheld_days: [],
      other_steps_days: [],
    });
  });

  it("withholds a whole day when any step is in (0, k), so no range difference recovers it", () => {
    const rows = [...day("2026-11-01", [500, 40, 12]), ...day("2026-11-02", [300, 20, 3])];
    const r = releaseFunnel(STEPS, rows, 10);
    expect(r.withheld_days).toEqual(["2026-11-02"]);
    expect(r.steps.map((s) => s.visitors)).toEqual([500, 40, 12]);
  });

  it("never shows a day's counts under steps it was not rolled up with (a funnel edited since)", () => {
    // 1 Nov was rolled as [pageview, purchase]; the funnel is now [pageview, signup, purchase].
    // Keyed by index, its purchase count (step 1) would have shown as `signup`.
    const rows = [...day("2026-11-01", [400, 30], ["pageview", "purchase"]), ...day("2026-11-02", [300, 20, 10])];
    const r = releaseFunnel(STEPS, rows, 10);
    expect(r.steps.map((s) => s.visitors)).toEqual([300, 20, 10]);
    expect(r.other_steps_days).toEqual(["2026-11-01"]);
    expect(r.withheld_days).toEqual([]);
    // The same rows answer the old definition with the old day only.
    const old = releaseFunnel(["pageview", "purchase"], rows, 10);
    expect(old.steps.map((s) => s.visitors)).toEqual([400, 30]);
    expect(old.other_steps_days).toEqual(["2026-11-02"]);
  });

  it("does not count a day with a step missing, or rows of unknown steps (NULL, before migration 0005 knew them)", () => {
    const rows = [
      { day: "2026-11-01", step: 0, visitors: 50, steps: JSON.stringify(STEPS) },
      { day: "2026-11-03", step: 0, visitors: 50, steps: null },
      { day: "2026-11-03", step: 1, visitors: 20, steps: null },
      { day: "2026-11-03", step: 2, visitors: 10, steps: null },
    ];
    const r = releaseFunnel(STEPS, rows, 10);
    expect(r.steps.map((s) => s.visitors)).toEqual([0, 0, 0]);
    expect(r.other_steps_days).toEqual(["2026-11-01", "2026-11-03"]);
  });
});
