/**
 * A daily atom (CONTRACT.md "The privacy invariant"): the unit the rollup writes and the only
 * thing the stats API reads. goal is a goal name or MACRO_GOAL (all macro goals together).
 */
export interface Atom {
  site: string;
  day: string;
  source: string;
  medium: string;
  campaign: string;
  goal: string;
  model: string;
  clicks: number;
  visitors: number;
  /** distinct conversions that gave this atom credit */
  conversions: number;
  credit: number;
  /** in the site's currency */
  revenue: number;
  revenue_by_currency: Record<string, number>;
}

/** The goal key of atoms that count every macro goal together (stats without `goal=`). */
export const MACRO_GOAL = "(macro)";
