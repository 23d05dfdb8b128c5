import { NONE_LABEL, type Atom } from "../db/atoms";

/**
 * Differential-privacy noise the rollup adds to the atoms of sites with `privacy.epsilon` set,
 * and to every funnel step count (docs/PRIVACY.md "Noise", "Funnels"). Each number x is released
 * as max(0, ⌊x + U⌋ + Z): U uniform in [0, 1) rounds it to a whole number without bias
 * (randomised rounding: up with probability equal to its fraction), Z is integer two-sided
 * geometric noise P(z) ∝ α^|z| with α = exp(−ε / sensitivity) — the discrete Laplace mechanism.
 * A fraction would survive integer noise and betray the true value (1/3-credit conversions), so
 * nothing released under noise has one. U and Z come from HMAC-SHA-256 (WebCrypto) keyed by the
 * site's secret over the number's identity and true numbers, so rolling the same data up again
 * gives the same answer and repeated reads cannot average the noise or the rounding away.
 */

/** Per-visitor contribution caps the rollup applies when epsilon is set (docs/PRIVACY.md). */
export const CLAMP = {
  /** conversions of one goal counted per visitor and day */
  conversionsPerVisitorDay: 1,
  /** largest value one conversion contributes, in major units */
  valuePerConversion: 1000,
} as const;

/**
 * How much one visitor-day can move each number of one atom, under CLAMP:
 * - visitors: distinct visitors, so 1;
 * - clicks: 1 — tracked-link clicks carry no visitor, so this assumes one click per person and
 *   day (a person clicking n times is protected at n·ε, docs/PRIVACY.md "Limits");
 * - conversions and credit: at most conversionsPerVisitorDay conversions per goal key, each
 *   giving credit ≤ 1;
 * - revenue: at most conversionsPerVisitorDay × valuePerConversion, in whole major units (what
 *   is released: no cents, docs/PRIVACY.md "Whole numbers");
 * - funnelStep: a visitor reaches a funnel step once, so 1.
 * Randomised rounding keeps these: with the same U, |⌊x + U⌋ − ⌊x′ + U⌋| ≤ Δ whenever |x − x′| ≤ Δ
 * for a whole Δ, so the rounded number has the sensitivity of the true one.
 */
export const SENSITIVITY = {
  clicks: 1,
  visitors: 1,
  conversions: CLAMP.conversionsPerVisitorDay,
  credit: CLAMP.conversionsPerVisitorDay,
  revenue: CLAMP.conversionsPerVisitorDay * CLAMP.valuePerConversion,
  funnelStep: 1,
} as const;

/**
 * The ε of funnel step counts of a site without `privacy.epsilon`. Funnels always carry noise:
 * thresholds alone cannot stop differencing two funnels with overlapping steps, or a funnel step
 * against /v1/stats (docs/PRIVACY.md "Funnels"). A site with epsilon uses its own.
 */
export const FUNNEL_EPSILON = 0.5;

/** The ε funnel step counts are noised with: the site's epsilon, else FUNNEL_EPSILON. */
export function funnelEpsilon(siteEpsilon: number | null): number {
  return siteEpsilon ?? FUNNEL_EPSILON;
}

/** α of the two-sided geometric distribution for privacy loss ε at a given sensitivity. */
export function geometricAlpha(epsilon: number, sensitivity: number): number {
  return Math.exp(-epsilon / sensitivity);
}

/** Variance of the two-sided geometric distribution with parameter α: 2α / (1 − α)². */
export function geometricVariance(alpha: number): number {
  return (2 * alpha) / (1 - alpha) ** 2;
}

/**
 * A two-sided geometric sample from two uniforms in (0, 1]: the difference of two one-sided
 * geometrics G = ⌊ln U / ln α⌋ (P(G = n) = (1 − α)·αⁿ), which has P(z) ∝ α^|z|.
 */
export function twoSidedGeometric(u1: number, u2: number, alpha: number): number {
  const lnA = Math.log(alpha);
  return Math.floor(Math.log(u1) / lnA) - Math.floor(Math.log(u2) / lnA);
}

const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let k = keys.get(secret);
  if (!k) {
    if (keys.size > 1000) keys.clear();
    k = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(secret, k);
  }
  return k;
}

/** Three uniforms in (0, 1] from 53 bits each of HMAC-SHA-256(secret, message). */
async function uniforms(secret: string, message: string): Promise<[number, number, number]> {
  const mac = new DataView(await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(message)));
  const u = (at: number) => (Number(mac.getBigUint64(at) >> 11n) + 1) / 2 ** 53;
  return [u(0), u(8), u(16)];
}

/** Deterministic integer noise for `message` (which names the number and what it is about). */
export async function noiseFor(secret: string, message: string, epsilon: number, sensitivity: number): Promise<number> {
  const [u1, u2] = await uniforms(secret, message);
  return twoSidedGeometric(u1, u2, geometricAlpha(epsilon, sensitivity));
}

/**
 * Randomised rounding: ⌊x + u⌋ for u in [0, 1) — x rounded up with probability equal to its
 * fraction, so E[result] = x and a sum of many rounded numbers stays unbiased (rounding every
 * ⅓ credit to 0 would not). A whole x is returned as it is.
 */
export function roundRandomly(x: number, u: number): number {
  return Math.floor(x + u);
}

/**
 * The released whole number for a true x (docs/PRIVACY.md "Whole numbers"): max(0, ⌊x + U⌋ + Z),
 * U and Z both from one HMAC of `message`. Given U the mechanism is ⌊x + U⌋ + Z with the
 * sensitivity of x, which is ε-DP for every U; averaging over U keeps every ratio of
 * probabilities within e^ε, so the rounding costs no privacy and leaks no fraction.
 */
export async function wholeNoisy(secret: string, message: string, x: number, epsilon: number, sensitivity: number): Promise<number> {
  const [u1, u2, u3] = await uniforms(secret, message);
  return Math.max(0, roundRandomly(x, 1 - u3) + twoSidedGeometric(u1, u2, geometricAlpha(epsilon, sensitivity)));
}

/**
 * The noisy version of an atom (for the rollup of a site with epsilon set): every number whole
 * (see wholeNoisy). Clicks and visitors get noise keyed by the touch and its true traffic only —
 * not goal or model — so every atom of a touch shows the same noisy traffic (the stats API relies
 * on it, and averaging the copies gains nothing). Conversions, credit, revenue and each
 * revenue_by_currency amount get noise keyed by the whole atom and all its true numbers.
 * Revenue is released in whole major units.
 */
export async function noiseAtom(secret: string, epsilon: number, atom: Atom): Promise<Atom> {
  checkEpsilon(epsilon);
  // v1.1 atoms below the campaign: the content and term are part of the identity, except for an
  // atom without either, whose identity (and so its noise) stays what it was before 0008.
  const leaf = atom.content === NONE_LABEL && atom.term === NONE_LABEL ? [] : [atom.content, atom.term];
  const touch = [atom.site, atom.day, atom.source, atom.medium, atom.campaign, ...leaf];
  const traffic = JSON.stringify([...touch, atom.clicks, atom.visitors]);
  const currencies = Object.entries(atom.revenue_by_currency).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const whole = JSON.stringify([...touch, atom.goal, atom.model, atom.clicks, atom.visitors, atom.conversions, atom.credit, atom.revenue, currencies]);
  const n = (name: string, identity: string, x: number, sensitivity: number) => wholeNoisy(secret, `${name}\u0000${identity}`, x, epsilon, sensitivity);
  const [clicks, visitors, conversions, credit, revenue, ...byCurrency] = await Promise.all([
    n("clicks", traffic, atom.clicks, SENSITIVITY.clicks),
    n("visitors", traffic, atom.visitors, SENSITIVITY.visitors),
    n("conversions", whole, atom.conversions, SENSITIVITY.conversions),
    n("credit", whole, atom.credit, SENSITIVITY.credit),
    n("revenue", whole, atom.revenue, SENSITIVITY.revenue),
    ...currencies.map(([cur, v]) => n(`revenue:${cur}`, whole, v, SENSITIVITY.revenue)),
  ]);
  return {
    ...atom,
    clicks: clicks!,
    visitors: visitors!,
    conversions: conversions!,
    credit: credit!,
    revenue: revenue!,
    revenue_by_currency: Object.fromEntries(currencies.map(([cur], i) => [cur, byCurrency[i]!])),
  };
}

function checkEpsilon(epsilon: number): void {
  if (!(Number.isFinite(epsilon) && epsilon > 0)) throw new RangeError(`epsilon must be a positive number, got ${epsilon}`);
}

/**
 * The noisy visitors of one funnel step on one day (every site: `epsilon` is funnelEpsilon of
 * the site's). A visitor adds at most 1 to each step, so the sensitivity is 1 per step. The noise
 * is keyed by the steps up to and including this one (which alone decide its true count, whatever
 * the funnel is called or where else the steps appear) and the true count: two funnels that share
 * a prefix show the same number for it, so defining copies of a funnel yields copies of one draw,
 * never fresh draws to average. Clamped at 0; noise may make a later step exceed an earlier one.
 */
export async function noiseFunnelStep(secret: string, epsilon: number, site: string, day: string, prefix: readonly string[], visitors: number): Promise<number> {
  checkEpsilon(epsilon);
  const identity = JSON.stringify([site, day, prefix, visitors]);
  return wholeNoisy(secret, `funnel\u0000${identity}`, visitors, epsilon, SENSITIVITY.funnelStep);
}
