import { MACRO_GOAL, readDayAtoms, readRangeAtoms, TRAFFIC_VIEW, updateMarkStatements, upsertAtomStatements, ATOMS_PER_STATEMENT, type Atom } from "../db/atoms";
import { markMonthReleased, markReleased, staleReleaseDays, SITES_PER_SCAN } from "../db/rollup";
import type { SiteRecord } from "../db/sites";
import { markHierarchy, type PeriodSetting } from "../privacy/hierarchy";
import { periodOf } from "../sites/config";
import { dayOf } from "../time/day";
import { clipTo, monthOf } from "../time/periods";
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
export function markOptions(k: number, asOf: string, period: PeriodSetting = "day") {
  return { k, period, traffic: TRAFFIC_VIEW, asOf, shapeViews: (v: { goal: string }) => v.goal === MACRO_GOAL };
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
 * Re-marks the days of `sites` marked for another k or period than their site's, newest first,
 * within the budget: one query finds them for up to 100 sites. A site with privacy.period "day"
 * re-marks day by day. A site with "auto" re-marks the whole calendar month of a stale day at
 * once (privacy/hierarchy.ts: a month's units depend on all its days, months never on each other),
 * up to its site-local today — so each roll of a day (which marks that day alone, at the day
 * grain) is followed by a re-mark of its month; until then the API decides that month in the
 * Worker. Returns the days re-marked, or null when the budget ran out first (the next run
 * continues: the stale days are still stale).
 */
export async function remarkStaleDays(db: D1Database, sites: readonly SiteRecord[], budget: QueryBudget, limit = REMARK_DAYS, per = ATOMS_PER_STATEMENT, now = Date.now()): Promise<number | null> {
  const byId = new Map(sites.map((s) => [s.config.id, s]));
  if (!budget.take(Math.ceil(sites.length / SITES_PER_SCAN))) return null;
  const stale = await staleReleaseDays(db, sites.map((s) => ({ site: s.config.id, k: s.config.privacy.k, period: periodOf(s.config) })), limit);
  let done = 0;
  const months = new Set<string>();
  for (const { site: id, day } of stale) {
    const site = byId.get(id)!;
    const k = site.config.privacy.k;
    if (periodOf(site.config) === "auto") {
      if (months.has(`${id}\u0000${day.slice(0, 7)}`)) continue;
      months.add(`${id}\u0000${day.slice(0, 7)}`);
      const n = await remarkMonth(db, site, day, budget, per, now);
      if (n === null) return null;
      done += n;
      continue;
    }
    if (!budget.take(1)) return null;
    const atoms = withMarks(await readDayAtoms(db, id, day), k);
    const statements = [...upsertAtomStatements(db, id, day, atoms, per), markReleased(db, id, day, k)];
    if (!budget.take(statements.length)) return null;
    await db.batch(statements);
    done += 1;
  }
  return done;
}

/**
 * Marks every atom of the calendar month holding `day` (up to the site's today) with privacy.period
 * "auto" for the site's k, in one batch with the rolled days' release_k and release_period, so a
 * reader sees the month's old marks or its new ones, never a mix. Returns the atoms' days, or null
 * when the budget ran out.
 */
export async function remarkMonth(db: D1Database, site: SiteRecord, day: string, budget: QueryBudget, per = ATOMS_PER_STATEMENT, now = Date.now()): Promise<number | null> {
  const id = site.config.id;
  const k = site.config.privacy.k;
  const today = dayOf(now, site.config.timezone);
  const month = clipTo(monthOf(day), today > day ? today : day);
  if (!budget.take(1)) return null;
  const atoms = await readRangeAtoms(db, id, month.from, month.to);
  const asOf = atoms.reduce((m, a) => (a.day > m ? a.day : m), month.to);
  const marks = markHierarchy(atoms, markOptions(k, asOf, "auto"));
  const marked = atoms.map((a, i) => {
    const { release, ...mark } = marks[i]!;
    return { ...a, release, mark };
  });
  const statements = [...updateMarkStatements(db, id, marked, per), markMonthReleased(db, id, month.from, month.to, k)];
  if (!budget.take(statements.length)) return null;
  await db.batch(statements);
  return new Set(atoms.map((a) => a.day)).size;
}
