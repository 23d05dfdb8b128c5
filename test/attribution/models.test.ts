import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attribute, attributeAll, DAY_MS, eligibleTouches, modelWeights, type Credit } from "../../src/attribution/models";
import { MODELS, type Model } from "../../src/attribution/types";
import type { Touch } from "../../src/collect/touch";

const T = Date.UTC(2026, 10, 20, 12, 0, 0);
const WINDOWS = { click_window_days: 30, view_window_days: 1 };

function touch(source: string, ageDays: number, extra: Partial<Touch> = {}): Touch {
  const medium = source === "direct" ? "(none)" : source === "google" ? "organic" : "social";
  return { time: T - ageDays * DAY_MS, source, medium, campaign: source === "instagram" ? "spring" : "(none)", content: null, term: null, view: false, ...extra };
}

/** Credits as {source: weight} for compact literal expectations. */
function bySource(credits: Credit[]): Record<string, number> {
  return Object.fromEntries(credits.map((c) => [c.source, c.weight]));
}

describe("attribution: the seed story", () => {
  // A visitor sees an Instagram post (click), searches Google two days later and buys.
  const journey = [touch("google", 0), touch("instagram", 2)];

  it("last_click credits google, first_click instagram, linear half each", () => {
    expect(attribute("last_click", journey, T, WINDOWS)).toEqual([{ source: "google", medium: "organic", campaign: "(none)", weight: 1 }]);
    expect(attribute("first_click", journey, T, WINDOWS)).toEqual([{ source: "instagram", medium: "social", campaign: "spring", weight: 1 }]);
    expect(bySource(attribute("linear", journey, T, WINDOWS))).toEqual({ instagram: 0.5, google: 0.5 });
    expect(bySource(attribute("position_based", journey, T, WINDOWS))).toEqual({ instagram: 0.5, google: 0.5 });
  });
});

describe("attribution: a 3-touch journey under all six models (worked out by hand)", () => {
  // instagram 14 days before, google 7 days before, then a direct visit at the conversion.
  // time_decay raw weights: 2^-2 = 1/4, 2^-1 = 1/2, 2^0 = 1 → sum 7/4 → 1/7, 2/7, 4/7.
  const journey = [touch("direct", 0), touch("instagram", 14), touch("google", 7)];
  const expected: Record<Model, Record<string, number>> = {
    last_click: { direct: 1 },
    first_click: { instagram: 1 },
    linear: { instagram: 1 / 3, google: 1 / 3, direct: 1 / 3 },
    time_decay: { instagram: 1 / 7, google: 2 / 7, direct: 4 / 7 },
    position_based: { instagram: 0.4, google: 0.2, direct: 0.4 },
    last_non_direct: { google: 1 },
  };
  it.each(MODELS.map((m) => [m]))("%s", (model) => {
    const got = bySource(attribute(model, journey, T, WINDOWS));
    expect(Object.keys(got).sort()).toEqual(Object.keys(expected[model]).sort());
    for (const [source, w] of Object.entries(expected[model])) expect(got[source]).toBeCloseTo(w, 12);
  });

  it("position_based shares the middle 0.2 among several middle touches", () => {
    const five = [touch("a", 4), touch("b", 3), touch("c", 2), touch("d", 1), touch("e", 0)];
    const w = modelWeights("position_based", eligibleTouches(five, T, WINDOWS), T);
    expect(w.map((x) => Number(x.toFixed(12)))).toEqual([0.4, 0.2 / 3, 0.2 / 3, 0.2 / 3, 0.4].map((x) => Number(x.toFixed(12))));
  });
});

describe("attribution: windows, direct and merging", () => {
  it("credits direct/(none)/(none) when no touch is inside the windows", () => {
    const old = [touch("google", 31), touch("facebook", 2, { view: true })];
    for (const m of MODELS) {
      expect(attribute(m, old, T, WINDOWS)).toEqual([{ source: "direct", medium: "(none)", campaign: "(none)", weight: 1 }]);
    }
    expect(attribute("linear", [], T, WINDOWS)).toEqual([{ source: "direct", medium: "(none)", campaign: "(none)", weight: 1 }]);
  });

  it("includes both window edges and excludes touches after the conversion", () => {
    const edge = { ...touch("google", 30) };
    const justOut = { ...touch("bing", 30), time: T - 30 * DAY_MS - 1 };
    const viewEdge = touch("facebook", 1, { view: true });
    const viewOut = { ...touch("tiktok", 1, { view: true }), time: T - DAY_MS - 1 };
    const future = { ...touch("x", 0), time: T + 1 };
    const kept = eligibleTouches([future, viewOut, viewEdge, justOut, edge], T, WINDOWS).map((t) => t.source);
    expect(kept).toEqual(["google", "facebook"]);
  });

  it("a view-through touch counts only inside the view window, a click inside the click window", () => {
    const w = { click_window_days: 7, view_window_days: 3 };
    expect(bySource(attribute("linear", [touch("a", 5, { view: true }), touch("b", 5)], T, w))).toEqual({ b: 1 });
    expect(bySource(attribute("linear", [touch("a", 2, { view: true }), touch("b", 8)], T, w))).toEqual({ a: 1 });
  });

  it("merges touches of the same key into one credit", () => {
    const j = [touch("google", 3), touch("instagram", 2), touch("google", 1)];
    expect(bySource(attribute("linear", j, T, WINDOWS))).toEqual({ google: 2 / 3, instagram: 1 / 3 });
    expect(bySource(attribute("position_based", j, T, WINDOWS))).toEqual({ google: 0.8, instagram: 0.2 });
  });

  it("last_non_direct gives all to direct when every touch is direct", () => {
    expect(attribute("last_non_direct", [touch("direct", 3), touch("direct", 1)], T, WINDOWS)).toEqual([
      { source: "direct", medium: "(none)", campaign: "(none)", weight: 1 },
    ]);
  });

  it("attributeAll equals attribute per model", () => {
    const j = [touch("google", 3), touch("instagram", 2), touch("direct", 1)];
    const all = attributeAll(j, T, WINDOWS);
    for (const m of MODELS) expect(all[m]).toEqual(attribute(m, j, T, WINDOWS));
  });
});

describe("attribution: properties", () => {
  const sources = fc.constantFrom("direct", "google", "instagram", "facebook", "bing", "newsletter");
  const touchArb = fc.record({
    time: fc.integer({ min: T - 100 * DAY_MS, max: T + 2 * DAY_MS }),
    source: sources,
    medium: fc.constantFrom("(none)", "cpc", "social"),
    campaign: fc.constantFrom("(none)", "spring", "Summer"),
    content: fc.constantFrom(null, "a", "b"),
    term: fc.constant(null),
    view: fc.boolean(),
  });
  const windowsArb = fc.record({ click_window_days: fc.integer({ min: 1, max: 90 }), view_window_days: fc.integer({ min: 0, max: 30 }) });
  const modelArb = fc.constantFrom(...MODELS);
  const journeyArb = fc.array(touchArb, { maxLength: 12 });

  it("credits sum to 1 and are all positive", () => {
    fc.assert(
      fc.property(modelArb, journeyArb, windowsArb, (m, j, w) => {
        const credits = attribute(m, j, T, w);
        const sum = credits.reduce((a, c) => a + c.weight, 0);
        expect(Math.abs(sum - 1)).toBeLessThan(1e-9);
        for (const c of credits) expect(c.weight).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it("does not depend on the order of the touches", () => {
    fc.assert(
      fc.property(modelArb, journeyArb, windowsArb, fc.infiniteStream(fc.nat()), (m, j, w, rand) => {
        const shuffled = [...j];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const k = rand.next().value % (i + 1);
          [shuffled[i], shuffled[k]] = [shuffled[k]!, shuffled[i]!];
        }
        expect(attribute(m, shuffled, T, w)).toEqual(attribute(m, j, T, w));
      }),
      { numRuns: 300 },
    );
  });

  it("respects the windows: touches outside them change nothing, and only eligible keys get credit", () => {
    fc.assert(
      fc.property(modelArb, journeyArb, windowsArb, (m, j, w) => {
        const inside = j.filter((t) => t.time <= T && t.time >= T - (t.view ? w.view_window_days : w.click_window_days) * DAY_MS);
        const credits = attribute(m, j, T, w);
        expect(credits).toEqual(attribute(m, inside, T, w));
        const keys = new Set(inside.map((t) => `${t.source}|${t.medium}|${t.campaign}`));
        for (const c of credits) {
          if (inside.length === 0) expect(c).toEqual({ source: "direct", medium: "(none)", campaign: "(none)", weight: 1 });
          else expect(keys.has(`${c.source}|${c.medium}|${c.campaign}`) || (m === "last_non_direct" && c.source === "direct")).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
