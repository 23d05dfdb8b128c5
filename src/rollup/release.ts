import { MACRO_GOAL, readDayAtoms, TRAFFIC_VIEW, upsertAtomStatements, ATOMS_PER_STATEMENT, type Atom } from "../db/atoms";
import { markReleased, staleReleaseDays, SITES_PER_SCAN } from "../db/rollup";
import type { SiteRecord } from "../db/sites";
import { markHierarchy } from "../privacy/hierarchy";
import type { QueryBudget } from "./budget";

/**
 * Release at rollup time (docs/PRIVACY.md "Release at rollup time"): each atom carries the
 * decision the API would otherwise take per request, made for the site's k. The rollup marks the
 * atoms it writes; when a site's k changes, the scheduled run re-marks its older days here, newest
 * first, and until then the API releases those days in the Worker (same answer, slower).
 */

/**
 * The options the rollup marks with, and the Worker marks unmarked days with (stats/undecided.ts):
 * one place, so the two cannot drift. The `(macro)` goal's views shape (privacy/hierarchy.ts
 * shapeViews), so a small micro goal cannot coarsen the campaigns of the goal the site is run for.
 */
export function markOptions(k: number, asOf: string) {
  return { k, period: "day" as const, traffic: TRAFFIC_VIEW, asOf, shapeViews: (v: { goal: string }) => v.goal === MACRO_GOAL };
}

/**
 * The atoms with their release marks for k (a new array; the atoms of one site-day): the
 * hierarchical release (privacy/hierarchy.ts) at the day grain — the campaign level exactly v1's
 * markDay, and each released campaign's content and term partitions. Day units depend on their
 * own day only, so one day can be marked alone.
 */
export function withMarks(atoms: readonly Atom[], k: number): Atom[] {
  if (atoms.length === 0) return [];
  const asOf = atoms.reduce((m, a) => (a.day > m ? a.day : m), atoms[0]!.day);
  const marks = markHierarchy(atoms, markOptions(k, asOf));
  return atoms.map((a, i) => {
    const { release, ...mark } = marks[i]!;
    return { ...a, release, mark };
  });
}

/** Stale days listed per run and SITES_PER_SCAN sites (each re-mark costs 2 + atoms/500 queries of the budget). */
export const REMARK_DAYS = 400;

/**
 * Re-marks the days of `sites` marked for another k than their site's, newest first, within the
 * budget: one query finds them for up to 100 sites. Returns the days done, or null when the budget
 * ran out first (the next run continues: the stale days are still stale).
 */
export async function remarkStaleDays(db: D1Database, sites: readonly SiteRecord[], budget: QueryBudget, limit = REMARK_DAYS, per = ATOMS_PER_STATEMENT): Promise<number | null> {
  const byId = new Map(sites.map((s) => [s.config.id, s]));
  if (!budget.take(Math.ceil(sites.length / SITES_PER_SCAN))) return null;
  let done = 0;
  for (const { site: id, day } of await staleReleaseDays(db, sites.map((s) => ({ site: s.config.id, k: s.config.privacy.k })), limit)) {
    const k = byId.get(id)!.config.privacy.k;
    if (!budget.take(1)) return null;
    const atoms = withMarks(await readDayAtoms(db, id, day), k);
    const statements = [...upsertAtomStatements(db, id, day, atoms, per), markReleased(db, id, day, k)];
    if (!budget.take(statements.length)) return null;
    await db.batch(statements);
    done += 1;
  }
  return done;
}
