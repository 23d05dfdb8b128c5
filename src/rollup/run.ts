import { dayFacts, purgeDedup, purgeEvents, purgeSalts, unrolledDays, PURGE_CHUNK, PURGE_SITES, type DayState } from "../db/rollup";
import { chunks } from "../db/atoms";
import { purgeDeadLetters, DEAD_LETTER_MS } from "../db/events";
import { LINK_VISITORS_CHUNK, purgeLinkVisitors } from "../db/links";
import { eraseAgainStatements, listSites, purgeTombstones, recentlyErased, type SiteRecord } from "../db/sites";
import { addDays, dayOf } from "../time/day";
import { QueryBudget, ROLLUP_QUERIES } from "./budget";
import { rollupDay } from "./day";
import { remarkStaleDays } from "./release";
import { refreshStaleMonths } from "./sums";
import { DEDUP_WINDOW_MS, HOUR_MS } from "../time/windows";
import { daysToRoll, oldestKeptDay, orderWork, rerollWindow, retentionDays, type PlannedDay } from "./plan";

/** Queries kept back from the rolls so the purges run every hour even while a huge day rolls up. */
export const PURGE_QUERIES = 50;
/**
 * A day may spend at most half of what is left of the run (but this many at least), so a day too
 * large for one invocation progresses every hour without starving the days and sites after it.
 */
export const DAY_SHARE_MIN = 30;

export interface RollupOptions {
  /** queries this invocation may make (default ROLLUP_QUERIES); tests lower it to force a resume */
  maxQueries?: number;
  pageSize?: number;
  atomsPerStatement?: number;
}

export interface RollupSummary {
  sites: number;
  days: number;
  atoms: number;
  events: number;
  /** rolled days whose release marks were redone for the site's current k (rollup/release.ts) */
  remarked: number;
  /** months whose sums were rebuilt after their marks changed (rollup/sums.ts) */
  summed: number;
  purged: { events: number; salts: number; dedup: number; dead_letters: number; link_visitors: number; tombstones: number; erased_again: number };
  /** days that stopped at their share of the budget; the next run continues them */
  unfinished: number;
  /** days whose roll failed with an error (logged); the days after them still rolled */
  failed: number;
  /** false when the query budget ran out or a day failed; the next run continues where this one stopped */
  complete: boolean;
  queries: number;
}

interface Work extends PlannedDay {
  turn: number;
  site: SiteRecord;
  upto: number | null;
  prior: DayState | undefined;
}

/**
 * One scheduled run (docs/ROLLUP.md): plans every site at once (a few queries for all of them),
 * then rolls up unfinished rolls, finished days never rolled, the re-roll window's days where
 * anything changed, and each site's today so far — in that order, so work in progress always
 * finishes; then re-marks the release of days marked for another k (rollup/release.ts); then rebuilds the
 * month sums those marks changed (rollup/sums.ts); then the retention purges (raw events of rolled days past RAW_RETENTION_DAYS,
 * expired salts, dedup rows older than 48 h, dead letters older than 30 days, link click visitors
 * of finished days, tombstones older than 14 days, and once more the rows of sites erased in the
 * last 2 hours) on queries kept back for them. Each day gets at most
 * half of what is left of the budget (DAY_SHARE_MIN at least), and a day that runs out of its share
 * or fails is left for the next run while the days after it still roll; the next run continues
 * from the saved cursors.
 */
export async function runRollup(env: Env, now: number, opts: RollupOptions = {}): Promise<RollupSummary> {
  const db = env.DB;
  const max = opts.maxQueries ?? ROLLUP_QUERIES;
  const budget = new QueryBudget(max, Math.min(PURGE_QUERIES, Math.floor(max / 4)));
  const summary: RollupSummary = { sites: 0, days: 0, atoms: 0, events: 0, remarked: 0, summed: 0, purged: { events: 0, salts: 0, dedup: 0, dead_letters: 0, link_visitors: 0, tombstones: 0, erased_again: 0 }, unfinished: 0, failed: 0, complete: true, queries: 0 };
  const retention = retentionDays(env.RAW_RETENTION_DAYS);

  budget.take(1);
  const sites = await listSites(db);
  summary.sites = sites.length;

  const work = await plan(db, sites, now, budget);
  if (!work) summary.complete = false;
  for (const w of work ?? []) {
    if (budget.left <= 0) {
      summary.complete = false;
      break;
    }
    const share = budget.share(Math.max(DAY_SHARE_MIN, Math.floor(budget.left / 2)));
    let res;
    try {
      res = await rollupDay(db, w.site, w.day, { now, budget: share, upto: w.upto, prior: w.prior, pageSize: opts.pageSize, atomsPerStatement: opts.atomsPerStatement });
    } catch (err) {
      // One day's failure (a D1 error, a bug on odd data) must not stop every site after it.
      summary.failed += 1;
      summary.complete = false;
      console.error(JSON.stringify({ rollup_failed: { site: w.site.config.id, day: w.day, error: String(err) } }));
      continue;
    }
    if (!res) {
      summary.unfinished += 1;
      summary.complete = false;
      continue;
    }
    summary.days += 1;
    summary.atoms += res.atoms;
    summary.events += res.events;
  }
  if (sites.length > 0 && budget.left > 0) {
    const n = await remarkStaleDays(db, sites, budget, undefined, opts.atomsPerStatement, now);
    if (n === null) summary.complete = false;
    else summary.remarked = n;
  }
  // After every mark this run wrote: the months they changed get their sums rebuilt.
  if (sites.length > 0 && budget.left > 0) {
    const n = await refreshStaleMonths(db, sites, budget);
    if (n === null) summary.complete = false;
    else summary.summed = n;
  }

  budget.release();
  const purged = await purge(db, sites, now, retention, budget);
  summary.purged = purged.counts;
  summary.complete &&= purged.complete;
  summary.queries = budget.used;
  console.log(JSON.stringify({ rollup: summary }));
  return summary;
}

/** Every site's days to roll, in work order; null when the budget cannot even plan. */
async function plan(db: D1Database, sites: readonly SiteRecord[], now: number, budget: QueryBudget): Promise<Work[] | null> {
  if (sites.length === 0) return [];
  const windows = new Map(sites.map((s) => [s.config.id, rerollWindow(now, s.config.timezone)]));
  const bounds = sites.map((s) => ({ site: s.config.id, before: windows.get(s.config.id)![0]! }));
  if (!budget.take(Math.ceil(bounds.length / 100))) return null;
  const unrolled = await unrolledDays(db, bounds);
  const pairs = [...unrolled, ...sites.flatMap((s) => windows.get(s.config.id)!.map((day) => ({ site: s.config.id, day })))];
  if (!budget.take(Math.ceil(pairs.length / 500))) return null;
  const facts = await dayFacts(db, pairs);

  const bySite = new Map<string, typeof facts>();
  for (const f of facts) bySite.set(f.site, [...(bySite.get(f.site) ?? []), f]);
  const first = Math.floor(now / HOUR_MS) % sites.length;
  const work: Work[] = [];
  sites.forEach((site, i) => {
    const id = site.config.id;
    const mine = bySite.get(id) ?? [];
    const states = new Map(mine.flatMap((f) => (f.state ? [[f.day, f.state] as const] : [])));
    const last = new Map(mine.map((f) => [f.day, f.last] as const));
    const planned = daysToRoll({
      now,
      timezone: site.config.timezone,
      siteUpdatedAt: site.updatedAt,
      states,
      last,
      unrolled: unrolled.filter((u) => u.site === id).map((u) => u.day),
    });
    const turn = (i - first + sites.length) % sites.length;
    for (const p of planned) work.push({ ...p, turn, site, upto: last.get(p.day) ?? null, prior: states.get(p.day) });
  });
  return orderWork(work);
}

/** Erased sites whose rows are erased once more by the next runs (a rollup already under way may write after the erase). */
export const ERASE_AGAIN_MS = 2 * HOUR_MS;
/** link_visitors rows are kept until this many days after UTC's today (every zone's day is over by then). */
const LINK_VISITOR_DAYS = 2;

async function purge(db: D1Database, sites: readonly SiteRecord[], now: number, retention: number, budget: QueryBudget) {
  const counts = { events: 0, salts: 0, dedup: 0, dead_letters: 0, link_visitors: 0, tombstones: 0, erased_again: 0 };
  let complete = true;
  const drain = async (step: () => Promise<number>, chunk = PURGE_CHUNK): Promise<number> => {
    let total = 0;
    for (;;) {
      if (!budget.take(1)) {
        complete = false;
        return total;
      }
      const n = await step();
      total += n;
      if (n < chunk) return total;
    }
  };
  counts.salts = await drain(() => purgeSalts(db, now));
  counts.dedup = await drain(() => purgeDedup(db, now - DEDUP_WINDOW_MS));
  counts.dead_letters = await drain(() => purgeDeadLetters(db, now - DEAD_LETTER_MS));
  counts.link_visitors = await drain(() => purgeLinkVisitors(db, addDays(dayOf(now, "UTC"), -LINK_VISITOR_DAYS)), LINK_VISITORS_CHUNK);
  if (budget.take(2)) {
    counts.tombstones = await purgeTombstones(db, now);
    for (const id of await recentlyErased(db, now - ERASE_AGAIN_MS)) {
      const statements = eraseAgainStatements(db, id);
      if (!budget.take(statements.length)) {
        complete = false;
        break;
      }
      const results = await db.batch(statements);
      counts.erased_again += results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
    }
  } else complete = false;
  const bounds = sites.map((s) => ({ site: s.config.id, before: oldestKeptDay(dayOf(now, s.config.timezone), retention) }));
  for (const chunk of chunks(bounds, PURGE_SITES)) counts.events += await drain(() => purgeEvents(db, chunk));
  return { counts, complete };
}
