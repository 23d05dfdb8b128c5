import { readDayAtoms, TRAFFIC_VIEW, upsertAtomStatements, ATOMS_PER_STATEMENT, type Atom } from "../db/atoms";
import { markReleased, staleReleaseDays } from "../db/rollup";
import type { SiteRecord } from "../db/sites";
import { markDay } from "../privacy/release";
import type { QueryBudget } from "./budget";

/**
 * Release at rollup time (docs/PRIVACY.md "Release at rollup time"): each atom carries the
 * decision the API would otherwise take per request, made for the site's k. The rollup marks the
 * atoms it writes; when a site's k changes, the scheduled run re-marks its older days here, newest
 * first, and until then the API releases those days in the Worker (same answer, slower).
 */

/** The atoms with their release marks for k (a new array; the atoms of one site-day). */
export function withMarks(atoms: readonly Atom[], k: number): Atom[] {
  const marks = markDay(atoms, TRAFFIC_VIEW, k);
  return atoms.map((a, i) => ({ ...a, release: marks[i]! }));
}

/** Stale days listed per site and run (each re-mark costs 2 + atoms/500 queries of the budget). */
export const REMARK_DAYS = 400;

/**
 * Re-marks a site's days marked for another k, within the budget. Returns the days done, or
 * null when the budget ran out first (the next run continues: the stale days are still stale).
 */
export async function remarkStaleDays(db: D1Database, site: SiteRecord, budget: QueryBudget, limit = REMARK_DAYS, per = ATOMS_PER_STATEMENT): Promise<number | null> {
  const k = site.config.privacy.k;
  if (!budget.take(1)) return null;
  let done = 0;
  for (const day of await staleReleaseDays(db, site.config.id, k, limit)) {
    if (!budget.take(1)) return null;
    const atoms = withMarks(await readDayAtoms(db, site.config.id, day), k);
    const statements = [...upsertAtomStatements(db, site.config.id, day, atoms, per), markReleased(db, site.config.id, day, k)];
    if (!budget.take(statements.length)) return null;
    await db.batch(statements);
    done += 1;
  }
  return done;
}
