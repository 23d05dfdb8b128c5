import type { Atom } from "../db/atoms";

/**
 * Differential-privacy noise the rollup adds to the atoms of sites with `privacy.epsilon` set
 * (docs/PRIVACY.md "Noise"). Each number gets integer two-sided geometric noise
 * P(z) ∝ α^|z| with α = exp(−ε / sensitivity) — the discrete Laplace mechanism — and is then
 * clamped at 0. The randomness is HMAC-SHA-256 (WebCrypto) keyed by the site's secret over the
 * atom's identity and true numbers, so rolling the same data up again gives the same answer and
 * repeated reads cannot average the noise away.
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
 * - revenue: at most conversionsPerVisitorDay × valuePerConversion, counted in cents so the
 *   noise is as fine as the money it hides (noise in major units = cents / 100).
 */
export const SENSITIVITY = {
  clicks: 1,
  visitors: 1,
  conversions: CLAMP.conversionsPerVisitorDay,
  credit: CLAMP.conversionsPerVisitorDay,
  revenueCents: CLAMP.conversionsPerVisitorDay * CLAMP.valuePerConversion * 100,
} as const;

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

/** Two uniforms in (0, 1] from 53 bits each of HMAC-SHA-256(secret, message). */
async function uniforms(secret: string, message: string): Promise<[number, number]> {
  const mac = new DataView(await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(message)));
  const u = (at: number) => (Number(mac.getBigUint64(at) >> 11n) + 1) / 2 ** 53;
  return [u(0), u(8)];
}

/** Deterministic integer noise for `message` (which names the number and what it is about). */
export async function noiseFor(secret: string, message: string, epsilon: number, sensitivity: number): Promise<number> {
  const [u1, u2] = await uniforms(secret, message);
  return twoSidedGeometric(u1, u2, geometricAlpha(epsilon, sensitivity));
}

/**
 * The noisy version of an atom (for the rollup of a site with epsilon set). Clicks and visitors
 * get noise keyed by the touch and its true traffic only — not goal or model — so every atom of
 * a touch shows the same noisy traffic (the stats API relies on it, and averaging the copies
 * gains nothing). Conversions, credit, revenue and each revenue_by_currency amount get noise
 * keyed by the whole atom and all its true numbers. Results are clamped at 0.
 */
export async function noiseAtom(secret: string, epsilon: number, atom: Atom): Promise<Atom> {
  if (!(Number.isFinite(epsilon) && epsilon > 0)) throw new RangeError(`epsilon must be a positive number, got ${epsilon}`);
  const touch = [atom.site, atom.day, atom.source, atom.medium, atom.campaign];
  const traffic = JSON.stringify([...touch, atom.clicks, atom.visitors]);
  const currencies = Object.entries(atom.revenue_by_currency).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const whole = JSON.stringify([...touch, atom.goal, atom.model, atom.clicks, atom.visitors, atom.conversions, atom.credit, atom.revenue, currencies]);
  const n = (name: string, identity: string, sensitivity: number) => noiseFor(secret, `${name}\u0000${identity}`, epsilon, sensitivity);
  const [clicks, visitors, conversions, credit, revenueCents, ...byCurrency] = await Promise.all([
    n("clicks", traffic, SENSITIVITY.clicks),
    n("visitors", traffic, SENSITIVITY.visitors),
    n("conversions", whole, SENSITIVITY.conversions),
    n("credit", whole, SENSITIVITY.credit),
    n("revenue", whole, SENSITIVITY.revenueCents),
    ...currencies.map(([cur]) => n(`revenue:${cur}`, whole, SENSITIVITY.revenueCents)),
  ]);
  return {
    ...atom,
    clicks: Math.max(0, atom.clicks + clicks!),
    visitors: Math.max(0, atom.visitors + visitors!),
    conversions: Math.max(0, atom.conversions + conversions!),
    credit: Math.max(0, atom.credit + credit!),
    revenue: Math.max(0, atom.revenue + revenueCents! / 100),
    revenue_by_currency: Object.fromEntries(currencies.map(([cur, v], i) => [cur, Math.max(0, v + byCurrency[i]! / 100)])),
  };
}

/**
 * The noisy visitors of one funnel step on one day (sites with epsilon set). A visitor adds at
 * most 1 to each step, so the sensitivity is 1 per step; the noise is keyed by the step's
 * identity and true count, so a rerun writes the same number. Clamped at 0; noise may make a
 * later step exceed an earlier one (docs/PRIVACY.md).
 */
export async function noiseFunnelStep(
  secret: string,
  epsilon: number,
  site: string,
  day: string,
  row: { funnel: string; step: number; visitors: number },
): Promise<{ funnel: string; step: number; visitors: number }> {
  if (!(Number.isFinite(epsilon) && epsilon > 0)) throw new RangeError(`epsilon must be a positive number, got ${epsilon}`);
  const identity = JSON.stringify([site, day, row.funnel, row.step, row.visitors]);
  const z = await noiseFor(secret, `funnel\u0000${identity}`, epsilon, 1);
  return { ...row, visitors: Math.max(0, row.visitors + z) };
}
