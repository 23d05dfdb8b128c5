import { describe, expect, it } from "vitest";
import type { Atom } from "../../src/db/atoms";
import { FUNNEL_EPSILON, funnelEpsilon, geometricAlpha, geometricVariance, noiseAtom, noiseFor, noiseFunnelStep, roundRandomly, SENSITIVITY, twoSidedGeometric, wholeNoisy } from "../../src/privacy/noise";

const SECRET = "site-secret-for-tests";

function atom(i: number, over: Partial<Atom> = {}): Atom {
  return {
    site: "s", day: "2026-11-02", source: "google", medium: "cpc", campaign: `c${i}`, content: "(none)", term: "(none)", goal: "purchase", model: "last_click",
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

  it("scales with sensitivity: revenue noise in whole units spreads like cap/ε", async () => {
    const eps = 1;
    const xs = await Promise.all(Array.from({ length: 1500 }, (_, i) => noiseFor(SECRET, `rev ${i}`, eps, SENSITIVITY.revenue)));
    const sd = Math.sqrt(variance(xs));
    const want = Math.sqrt(geometricVariance(geometricAlpha(eps, SENSITIVITY.revenue))); // ≈ 1414 = √2 · 1000 / ε
    expect(sd / want).toBeGreaterThan(0.85);
    expect(sd / want).toBeLessThan(1.15);
  });
});

describe("whole numbers (randomised rounding, then integer noise)", () => {
  it("rounds up with probability equal to the fraction, and leaves whole numbers alone", () => {
    expect(roundRandomly(2.25, 0)).toBe(2);
    expect(roundRandomly(2.25, 0.74)).toBe(2);
    expect(roundRandomly(2.25, 0.75)).toBe(3);
    expect(roundRandomly(7, 0.999999)).toBe(7);
    expect(roundRandomly(-1.5, 0.4)).toBe(-2);
  });

  it("is unbiased: the mean of many rounded ⅓ credits is ⅓, not 0", async () => {
    const xs = await Promise.all(Array.from({ length: 3000 }, (_, i) => wholeNoisy(SECRET, `third ${i}`, 100 + 1 / 3, 1e6, 1)));
    // ε = 10⁶ makes the noise 0, so only the rounding is seen: 100 or 101, ⅓ of them 101.
    expect(new Set(xs)).toEqual(new Set([100, 101]));
    expect(Math.abs(mean(xs) - (100 + 1 / 3))).toBeLessThan(0.04);
  });

  it("does not leak the fraction: the released numbers of x and x + ⅓ are whole and their distributions within e^ε", async () => {
    // Neighbouring credits (Δ = 1 apart at most): 10 and 10⅓. Over 4,000 keys each, every
    // released value's frequency ratio stays near e^ε's bound; nothing ends in .33.
    const eps = 1;
    const draw = (x: number) => Promise.all(Array.from({ length: 4000 }, (_, i) => wholeNoisy(SECRET, `leak ${x} ${i}`, x, eps, 1)));
    const [a, b] = await Promise.all([draw(10), draw(10 + 1 / 3)]);
    expect([...a, ...b].every(Number.isInteger)).toBe(true);
    const freq = (xs: number[], v: number) => xs.filter((x) => x === v).length / xs.length;
    for (const v of [8, 9, 10, 11, 12]) {
      const r = freq(b, v) / freq(a, v);
      expect(r).toBeLessThan(Math.exp(eps) * 1.25);
      expect(r).toBeGreaterThan(Math.exp(-eps) / 1.25);
    }
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

  it("releases only whole numbers: counts, credit and revenue in whole units; every currency apart", async () => {
    // Fractional credit (linear ⅓ shares) and revenue with cents: integer noise alone would keep
    // the fraction (250.33 + z still ends in .33 and proves a ⅓-credit conversion exists).
    const frac = (i: number) => atom(i, { credit: 250 + 1 / 3, revenue: 99.99, revenue_by_currency: { EUR: 99.99, USD: 12.5 } });
    const noisy = await Promise.all(Array.from({ length: 200 }, (_, i) => noiseAtom(SECRET, 1, frac(i))));
    for (const n of noisy) {
      for (const v of [n.clicks, n.visitors, n.conversions, n.credit, n.revenue, n.revenue_by_currency.EUR!, n.revenue_by_currency.USD!]) {
        expect(Number.isInteger(v)).toBe(true);
      }
      expect(Object.keys(n.revenue_by_currency).sort()).toEqual(["EUR", "USD"]);
    }
    // The rounding is unbiased: ε = 10⁶ makes noise 0; the credits average ≈ 250⅓.
    const quiet = await Promise.all(Array.from({ length: 600 }, (_, i) => noiseAtom(SECRET, 1e6, frac(i))));
    expect(Math.abs(mean(quiet.map((n) => n.credit)) - (250 + 1 / 3))).toBeLessThan(0.07);
  });

  it("refuses an epsilon that is not a positive number", async () => {
    await expect(noiseAtom(SECRET, 0, atom(1))).rejects.toThrow(RangeError);
    await expect(noiseAtom(SECRET, Number.NaN, atom(1))).rejects.toThrow(RangeError);
  });
});

describe("noiseFunnelStep", () => {
  const prefix = ["pageview", "signup"];

  it("is deterministic for the same steps and true count, whole, and never negative", async () => {
    const a = await noiseFunnelStep("s3cret", 0.5, "shop", "2026-11-01", prefix, 40);
    const b = await noiseFunnelStep("s3cret", 0.5, "shop", "2026-11-01", prefix, 40);
    expect(a).toBe(b);
    expect(Number.isInteger(a)).toBe(true);
    const zero = await Promise.all(Array.from({ length: 200 }, (_, i) => noiseFunnelStep("s3cret", 0.5, "shop", `d${i}`, prefix, 0)));
    expect(zero.every((n) => n >= 0)).toBe(true);
  });

  it("moves counts: over many days the noise is not all zero, and is centred", async () => {
    const out = await Promise.all(Array.from({ length: 200 }, (_, i) => noiseFunnelStep("s3cret", 0.5, "shop", `2026-01-${i}`, prefix, 40)));
    expect(out.filter((n) => n !== 40).length).toBeGreaterThan(100);
    expect(Math.abs(mean(out) - 40)).toBeLessThan(1.5);
  });

  it("draws by the steps up to this one, so funnels sharing a prefix share the number, others do not", async () => {
    const days = Array.from({ length: 50 }, (_, i) => `2026-02-${i}`);
    const same = await Promise.all(days.map((d) => noiseFunnelStep("s3cret", 0.5, "shop", d, ["pageview", "purchase"], 30)));
    const again = await Promise.all(days.map((d) => noiseFunnelStep("s3cret", 0.5, "shop", d, ["pageview", "purchase"], 30)));
    const other = await Promise.all(days.map((d) => noiseFunnelStep("s3cret", 0.5, "shop", d, ["pageview", "signup", "purchase"], 30)));
    expect(again).toEqual(same);
    expect(other.filter((n, i) => n !== same[i]).length).toBeGreaterThan(25);
  });

  it("uses the site's epsilon, else FUNNEL_EPSILON", () => {
    expect(funnelEpsilon(null)).toBe(FUNNEL_EPSILON);
    expect(funnelEpsilon(0.2)).toBe(0.2);
  });
});
