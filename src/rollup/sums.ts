import { SITES_PER_SCAN } from "../db/rollup";
import type { SiteRecord } from "../db/sites";
import { refreshMonthSums, REFRESH_STATEMENTS, staleSumMonths } from "../db/sums";
import { periodOf } from "../sites/config";
import type { QueryBudget } from "./budget";

/**
 * Month sums (db/sums.ts) are rebuilt here, and only here: after the run has rolled and re-marked
 * its days, every month whose days are all marked for the site's k and privacy.period but whose sums were built from
 * other marks (or never) is rebuilt, newest first. Anything that writes marks — a day's roll, a
 * re-mark after k changed, a month re-mark — changes a day's release_k, release_period or updated_at, which is what
 * makes its month stale; until it is rebuilt, reads use that month's atoms (never stale sums).
 */

/** Months rebuilt per run and SITES_PER_SCAN sites (each costs REFRESH_STATEMENTS queries). */
export const REFRESH_MONTHS = 24;

/**
 * Rebuilds the stale month sums of `sites` within the budget. Returns the months rebuilt, or null
 * when the budget ran out first (the next run continues: those months are still stale).
 */
export async function refreshStaleMonths(db: D1Database, sites: readonly SiteRecord[], budget: QueryBudget, limit = REFRESH_MONTHS): Promise<number | null> {
  if (!budget.take(Math.ceil(sites.length / SITES_PER_SCAN))) return null;
  const stale = await staleSumMonths(db, sites.map((s) => ({ site: s.config.id, k: s.config.privacy.k, period: periodOf(s.config) })), limit);
  let done = 0;
  for (const { site, month } of stale) {
    if (!budget.take(REFRESH_STATEMENTS)) return null;
    await db.batch(refreshMonthSums(db, site, month));
    done += 1;
  }
  return done;
}
