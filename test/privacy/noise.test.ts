import { describe, expect, it } from "vitest";
import type { Atom } from "../../src/db/atoms";
import { geometricAlpha, geometricVariance, noiseAtom, noiseFor, noiseFunnelStep, SENSITIVITY, twoSidedGeometric } from "../../src/privacy/noise";

const SECRET = "site-secret-for-tests";

function atom(i: number, over: Partial<Atom> = {}): Atom {
  return {
    site: "s", day: "2026-11-02", source: "google", medium: "cpc", campaign: `c${i}`, goal: "purchase", model: "last_click",
    clicks: 500, visitors: 1000, conversions: 300, credit: 250.5, revenue: 100_000, revenue_by_currency: { EUR: 100_000, USD: 50_000 },
    ...over,
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};

describe("twoSidedGeometric", () => {
  it("is 0 when both uniforms are 1 and moves one step per factor α of a uniform", () => {
    const a = 0.5;
    expect(twoSidedGeometric(1, 1, a)).toBe(0);
    expect(twoSidedGeometric(0.49, 1, a)).toBe(1); // ⌊ln 0.49 / ln 0.5⌋ = 1
    expect(twoSidedGeometric(1, 0.24, a)).toBe(-2); // ⌊ln 0.24 / ln 0.5⌋ = 2
  });
});

describe("noiseFor distribution", () => {
  it("has mean ≈ 0, variance ≈ 2α/(1−α)² and is symmetric over 4,000 draws (loose bounds)", async () => {
    const eps = 0.5;
    const xs = await Promise.all(Array.from({ length: 4000 }, (_, i) => noiseFor(SECRET, `sample ${i}`, eps, 1)));
    const want = geometricVariance(geometricAlpha(eps, 1)); // ≈ 7.84
    expect(xs.every(Number.isInteger)).toBe(true);
    expect(Math.abs(mean(xs))).toBeLessThan(4 * Math.sqrt(want / xs.length)); // ≈ 0.18
    expect(variance(xs) / want).toBeGreaterThan(0.85);
    expect(variance(xs) / want).toBeLessThan(1.15);
    const pos = xs.filter((x) => x > 0).length;
    const neg = xs.filter((x) => x < 0).length;
    expect(Math.abs(pos - neg) / xs.length).toBeLessThan(0.05);
    // P(0) = (1 − α)/(1 + α) ≈ 0.245 for the two-sided geometric.
    const a = geometricAlpha(eps, 1);
    expect(Math.abs(xs.filter((x) => x === 0).length / xs.length - (1 - a) / (1 + a))).toBeLessThan(0.03);
  });

  it("scales with sensitivity: revenue noise in cents spreads like cap/ε in major units", async () => {
    const eps = 1;
    const xs = await Promise.all(Array.from({ length: 1500 }, (_, i) => noiseFor(SECRET, `rev ${i}`, eps, SENSITIVITY.revenueCents)));
    const sdMajor = Math.sqrt(variance(xs)) / 100;
    const want = Math.sqrt(geometricVariance(geometricAlpha(eps, SENSITIVITY.revenueCents))) / 100; // ≈ 1414 = √2 · 1000 / ε
    expect(sdMajor / want).toBeGreaterThan(0.85);
    expect(sdMajor / want).toBeLessThan(1.15);
  });
});

describe("noiseAtom", () => {
  it("is deterministic: the same atom and secret give the same noisy atom; another secret does not", async () => {
    const a = await noiseAtom(SECRET, 0.5, atom(1));
    const b = await noiseAtom(SECRET, 0.5, atom(1));
    expect(b).toEqual(a);
    const others = await Promise.all(Array.from({ length: 20 }, (_, i) => noiseAtom(`other-${i}`, 0.5, atom(1))));
    expect(others.some((o) => o.visitors !== a.visitors || o.conversions !== a.conversions || o.revenue !== a.revenue)).toBe(true);
  });

  it("gives different atoms different noise, and other true numbers a fresh draw", async () => {
    const noisy = await Promise.all(Array.from({ length: 100 }, (_, i) => noiseAtom(SECRET, 0.1, atom(i))));
    const noise = noisy.map((n) => n.visitors - 1000);
    expect(new Set(noise).size).toBeGreaterThan(40); // sd ≈ 14 at ε = 0.1
    const changed = await Promise.all(Array.from({ length: 30 }, (_, i) => noiseAtom(SECRET, 0.1, atom(1, { conversions: 300 + i + 1 }))));
    expect(new Set(changed.map((n, i) => n.conversions - (301 + i))).size).toBeGreaterThan(5);
  });

  it("gives every goal and model of a touch the same noisy traffic, but their own noise on conversions", async () => {
    const views = await Promise.all(
      ["purchase", "signup", "(macro)"].flatMap((goal) => ["last_click", "linear"].map((model) => noiseAtom(SECRET, 0.1, atom(7, { goal, model, conversions: 300 })))),
    );
    expect(new Set(views.map((v) => `${v.clicks}/${v.visitors}`)).size).toBe(1);
    expect(new Set(views.map((v) => v.conversions)).size).toBeGreaterThan(1);
  });

  it("never answers below 0 (clamped after noise; an all-zero atom is biased upwards)", async () => {
    const zero = (i: number) => atom(i, { clicks: 0, visitors: 0, conversions: 0, credit: 0, revenue: 0, revenue_by_currency: { EUR: 0 } });
    const noisy = await Promise.all(Array.from({ length: 300 }, (_, i) => noiseAtom(SECRET, 0.5, zero(i))));
    for (const n of noisy) {
      for (const v of [n.clicks, n.visitors, n.conversions, n.credit, n.revenue, n.revenue_by_currency.EUR!]) expect(v).toBeGreaterThanOrEqual(0);
    }
    expect(mean(noisy.map((n) => n.visitors))).toBeGreaterThan(0.5); // E[max(0, Z)] = α/(1−α²) ≈ 0.96
    expect(noisy.some((n) => n.visitors === 0)).toBe(true);
  });

  it("keeps integer counts integer and every currency apart", async () => {
    const n = await noiseAtom(SECRET, 1, atom(3));
    expect(Number.isInteger(n.clicks) && Number.isInteger(n.visitors) && Number.isInteger(n.conversions)).toBe(true);
    expect(Object.keys(n.revenue_by_currency).sort()).toEqual(["EUR", "USD"]);
    expect(Number.isInteger(n.credit - 250.5)).toBe(true); // integer noise on a fractional credit
  });

  it("refuses an epsilon that is not a positive number", async () => {
    await expect(noiseAtom(SECRET, 0, atom(1))).rejects.toThrow(RangeError);
    await expect(noiseAtom(SECRET, Number.NaN, atom(1))).rejects.toThrow(RangeError);
  });
});

describe("noiseFunnelStep", () => {
  const row = { funnel: "checkout", step: 1, visitors: 40 };

  it("is deterministic for the same step and true count, and never negative", async () => {
    const a = await noiseFunnelStep("s3cret", 0.5, "shop", "2026-11-01", row);
    const b = await noiseFunnelStep("s3cret", 0.5, "shop", "2026-11-01", row);
    expect(a).toEqual(b);
    const zero = await Promise.all(
      Array.from({ length: 200 }, (_, i) => noiseFunnelStep("s3cret", 0.5, "shop", `d${i}`, { ...row, visitors: 0 })),
    );
    expect(zero.every((r) => r.visitors >= 0)).toBe(true);
  });

  it("moves counts: over many days the noise is not all zero, and differs by day and step", async () => {
    const out = await Promise.all(
      Array.from({ length: 200 }, (_, i) => noiseFunnelStep("s3cret", 0.5, "shop", `2026-01-${i}`, row)),
    );
    const moved = out.filter((r) => r.visitors !== row.visitors).length;
    expect(moved).toBeGreaterThan(100);
    const mean = out.reduce((s, r) => s + r.visitors, 0) / out.length;
    expect(Math.abs(mean - row.visitors)).toBeLessThan(1.5);
  });
});
