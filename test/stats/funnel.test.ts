import { describe, expect, it } from "vitest";
import { releaseFunnel } from "../../src/stats/funnel";

const STEPS = ["pageview", "signup", "purchase"];
const day = (d: string, counts: number[]) => counts.map((visitors, step) => ({ day: d, step, visitors }));

describe("releaseFunnel", () => {
  it("sums step visitors over days whose every step is 0 or ≥ k", () => {
    const rows = [...day("2026-11-01", [500, 40, 12]), ...day("2026-11-02", [300, 20, 0])];
    expect(releaseFunnel(STEPS, rows, 10)).toEqual({
      steps: [{ name: "pageview", visitors: 800 }, { name: "signup", visitors: 60 }, { name: "purchase", visitors: 12 }],
      withheld_days: [],
    });
  });

  it("withholds a whole day when any step is in (0, k), so no range difference recovers it", () => {
    const rows = [...day("2026-11-01", [500, 40, 12]), ...day("2026-11-02", [300, 20, 3])];
    const r = releaseFunnel(STEPS, rows, 10);
    expect(r.withheld_days).toEqual(["2026-11-02"]);
    expect(r.steps.map((s) => s.visitors)).toEqual([500, 40, 12]);
  });

  it("treats a step missing on a day as 0 and ignores steps the funnel no longer has", () => {
    const rows = [{ day: "2026-11-01", step: 0, visitors: 50 }, { day: "2026-11-01", step: 7, visitors: 2 }];
    expect(releaseFunnel(STEPS, rows, 10).steps.map((s) => s.visitors)).toEqual([50, 0, 0]);
  });
});
