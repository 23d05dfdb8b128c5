import type { Atom } from "../db/atoms";

/**
 * Differential-privacy noise applied by the rollup to atoms of sites with `epsilon` set.
 * PLACEHOLDER owned by the aggregates work (issue 4): returns the atom unchanged until then.
 */
export async function noiseAtom(_secret: string, _epsilon: number, atom: Atom): Promise<Atom> {
  return atom;
}

/** Per-visitor contribution caps the rollup applies when epsilon is set (docs/PRIVACY.md). */
export const CLAMP = {
  /** conversions of one goal counted per visitor and day */
  conversionsPerVisitorDay: 1,
  /** largest value one conversion contributes, in major units */
  valuePerConversion: 1000,
} as const;
