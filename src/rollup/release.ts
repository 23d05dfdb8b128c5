import { MACRO_GOAL, readDayAtoms, readRangeAtoms, TRAFFIC_VIEW, updateMarkStatements, upsertAtomStatements, ATOMS_PER_STATEMENT, type Atom } from "../db/atoms";
import { markMonthReleased, markReleased, markRemarkProgress, readMonthDays, staleReleaseDays, SITES_PER_SCAN } from "../db/rollup";
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

/** The least share of the budget a month re-mark starts with (two reads, one chunk, its progress). */
export const MONTH_SHARE_MIN = 8;

/**
 * Re-marks the days of `sites` marked for another k or period than their site's, newest first,
 * within the budget: one query finds them for up to 100 sites. A site with privacy.period "day"
 * re-marks day by day. A site with "auto" re-marks the whole calendar month of a stale day
 * (privacy/hierarchy.ts: a month's units depend on all its days, months never on each other), up
 * to its site-local today — so each roll of a day (which marks that day alone, at the day grain) is
 * followed by a re-mark of its month; until then the API decides that month in the Worker. A month
 * gets at most half of what is left of the budget (MONTH_SHARE_MIN at least) and resumes where it
 * stopped on the next run, so a big site's month never holds up the others. Returns the days
 * re-marked, or null when some work did not fit (the next run continues: the days are still stale).
 */
export async function remarkStaleDays(db: D1Database, sites: readonly SiteRecord[], budget: QueryBudget, limit = REMARK_DAYS, per = ATOMS_PER_STATEMENT, now = Date.now()): Promise<number | null> {
  const byId = new Map(sites.map((s) => [s.config.id, s]));
  if (!budget.take(Math.ceil(sites.length / SITES_PER_SCAN))) return null;
  const stale = await staleReleaseDays(db, sites.map((s) => ({ site: s.config.id, k: s.config.privacy.k, period: periodOf(s.config) })), limit);
  let done = 0;
  let unfinished = false;
  const months = new Set<string>();
  for (const { site: id, day } of stale) {
    if (budget.left <= 0) {
      unfinished = true;
      break;
    }
    const site = byId.get(id)!;
    const k = site.config.privacy.k;
    if (periodOf(site.config) === "auto") {
      if (months.has(`${id}\u0000${day.slice(0, 7)}`)) continue;
      months.add(`${id}\u0000${day.slice(0, 7)}`);
      const n = await remarkMonth(db, site, day, budget.share(Math.max(MONTH_SHARE_MIN, Math.floor(budget.left / 2))), per, now);
      if (n === null) unfinished = true;
      else done += n;
      continue;
    }
    if (!budget.take(1)) {
      unfinished = true;
      break;
    }
    const atoms = withMarks(await readDayAtoms(db, id, day), k);
    const statements = [...upsertAtomStatements(db, id, day, atoms, per), markReleased(db, id, day, k)];
    if (!budget.take(statements.length)) {
      unfinished = true;
      continue;
    }
    await db.batch(statements);
    done += 1;
  }
  return unfinished ? null : done;
}

/** FNV-1a (32 bits, hex) of a string: a short fingerprint, not a secret. */
function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** Statements per batch of a month re-mark (a batch is one transaction; keep each moderate). */
const REMARK_BATCH = 50;

/**
 * Marks every atom of the calendar month holding `day` (up to the site's today) with privacy.period
 * "auto" for the site's k. A month of a big site is more statements than one run may make, so the
 * marks are written day by day, in atom-key order, across as many runs as it takes: each batch
 * writes some of a day's marks and, in the same transaction, how far that day got —
 * rollup_days.release_period = `remark:<fingerprint>:<atoms written>`. The fingerprint covers k,
 * the month's end (asOf) and every rolled day's roll (status, cursor, written, updated_at): a roll
 * of any day of the month changes it, and the next run starts the month over (its decisions depend
 * on every day). Readers use the marks only once every rolled day of the month says "auto" (db/
 * stats.ts), which the last batch sets for all of them at once; until then they decide the month
 * in the Worker, never half from old marks and half from new. Returns the days of the month made
 * "auto" (0 while it is under way or cannot be marked yet), or null when the budget ran out first.
 */
export async function remarkMonth(db: D1Database, site: SiteRecord, day: string, budget: QueryBudget, per = ATOMS_PER_STATEMENT, now = Date.now()): Promise<number | null> {
  const id = site.config.id;
  const k = site.config.privacy.k;
  const today = dayOf(now, site.config.timezone);
  const month = clipTo(monthOf(day), today > day ? today : day);
  if (!budget.take(1)) return null;
  const days = await readMonthDays(db, id, month.from, month.to);
  // A day whose chunked write is under way holds a mix of old and new atoms: mark its month once
  // the roll is done (that roll makes the month stale again anyway).
  if (days.some((d) => d.status !== "done" && d.written > 0)) return 0;
  const asOf = month.to;
  const tag = `remark:${fingerprint(JSON.stringify([k, asOf, days.map((d) => [d.day, d.status, d.cursor, d.written, d.updated_at])]))}:`;
  const progress = new Map(days.map((d) => [d.day, d.release_period?.startsWith(tag) ? Number(d.release_period.slice(tag.length)) : 0]));
  if (!budget.take(1)) return null;
  const atoms = await readRangeAtoms(db, id, month.from, month.to);
  const marks = markHierarchy(atoms, markOptions(k, asOf, "auto"));
  const marked = atoms.map((a, i) => {
    const { release, ...mark } = marks[i]!;
    return { ...a, release, mark };
  });
  const byDay = new Map<string, Atom[]>();
  for (const a of marked) {
    const list = byDay.get(a.day);
    if (list) list.push(a);
    else byDay.set(a.day, [a]);
  }
  for (const d of days) {
    const all = byDay.get(d.day) ?? [];
    let at = progress.get(d.day) ?? 0;
    while (at < all.length) {
      // Some of the day's chunks and the day's progress, in one transaction.
      const room = Math.min(REMARK_BATCH, budget.left - 1, Math.ceil((all.length - at) / per));
      if (room < 1) return null;
      const upto = Math.min(all.length, at + room * per);
      const statements = [...updateMarkStatements(db, id, all.slice(at, upto), per), markRemarkProgress(db, id, d.day, `${tag}${upto}`, d.updated_at)];
      if (!budget.take(statements.length)) return null;
      await db.batch(statements);
      at = upto;
    }
  }
  if (!budget.take(1)) return null;
  await db.batch([markMonthReleased(db, id, month.from, month.to, k)]);
  return new Set(atoms.map((a) => a.day)).size;
}
