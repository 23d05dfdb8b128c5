import { dayStates, lastRowids, purgeDedup, purgeEvents, purgeSalts, unrolledDaysBefore, PURGE_CHUNK } from "../db/rollup";
import { listSites, type SiteRecord } from "../db/sites";
import { addDays, dayOf } from "../time/day";
import { QueryBudget, ROLLUP_QUERIES } from "./budget";
import { rollupDay } from "./day";
import { daysToRoll, oldestKeptDay, REROLL_DAYS, retentionDays } from "./plan";

/** Queries kept back from the rolls so the purges run every hour even while a huge day rolls up. */
export const PURGE_QUERIES = 50;
/** Dedup rows live this long: an event_id is one event within 48 hours (CONTRACT.md "Collection"). */
export const DEDUP_MS = 48 * 3_600_000;

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
  purged: { events: number; salts: number; dedup: number };
  /** false when the query budget ran out; the next run continues where this one stopped */
  complete: boolean;
  queries: number;
}

/**
 * One scheduled run (docs/ROLLUP.md): for every site, the finished days never rolled up, the
 * last REROLL_DAYS days where anything changed, and today so far; then the retention purges
 * (raw events of rolled days past RAW_RETENTION_DAYS, expired salts, dedup rows older than 48 h).
 * Sites take turns going first, hour by hour, so a site with a huge day cannot starve the others.
 */
export async function runRollup(env: Env, now: number, opts: RollupOptions = {}): Promise<RollupSummary> {
  const db = env.DB;
  const budget = new QueryBudget(opts.maxQueries ?? ROLLUP_QUERIES, Math.min(PURGE_QUERIES, Math.floor((opts.maxQueries ?? ROLLUP_QUERIES) / 4)));
  const summary: RollupSummary = { sites: 0, days: 0, atoms: 0, events: 0, purged: { events: 0, salts: 0, dedup: 0 }, complete: true, queries: 0 };
  const retention = retentionDays(env.RAW_RETENTION_DAYS);

  budget.take(1);
  const sites = await listSites(db);
  summary.sites = sites.length;
  const first = sites.length > 0 ? Math.floor(now / 3_600_000) % sites.length : 0;
  const turn = [...sites.slice(first), ...sites.slice(0, first)];

  rolls: for (const site of turn) {
    const days = await planSite(db, site, now, budget);
    if (!days) {
      summary.complete = false;
      break;
    }
    for (const { day, upto, prior } of days) {
      const res = await rollupDay(db, site, day, { now, budget, upto, prior, pageSize: opts.pageSize, atomsPerStatement: opts.atomsPerStatement });
      if (!res) {
        summary.complete = false;
        break rolls;
      }
      summary.days += 1;
      summary.atoms += res.atoms;
      summary.events += res.events;
    }
  }

  budget.release();
  const purged = await purge(db, sites, now, retention, budget);
  summary.purged = purged.counts;
  summary.complete &&= purged.complete;
  summary.queries = budget.used;
  console.log(JSON.stringify({ rollup: summary }));
  return summary;
}

/** 3 queries: the days to roll for one site with their upper rowid and prior state, or null without budget. */
async function planSite(db: D1Database, site: SiteRecord, now: number, budget: QueryBudget) {
  if (!budget.take(3)) return null;
  const tz = site.config.timezone;
  const today = dayOf(now, tz);
  const windowStart = addDays(today, -REROLL_DAYS);
  const unrolled = await unrolledDaysBefore(db, site.config.id, windowStart);
  const candidates = [...unrolled, ...Array.from({ length: REROLL_DAYS + 1 }, (_, i) => addDays(windowStart, i))];
  const [states, last] = await Promise.all([dayStates(db, site.config.id, candidates[0]!), lastRowids(db, site.config.id, candidates)]);
  const days = daysToRoll({ today, timezone: tz, siteUpdatedAt: site.updatedAt, states, last, unrolled });
  return days.map((day) => ({ day, upto: last.get(day) ?? null, prior: states.get(day) }));
}

async function purge(db: D1Database, sites: readonly SiteRecord[], now: number, retention: number, budget: QueryBudget) {
  const counts = { events: 0, salts: 0, dedup: 0 };
  let complete = true;
  const drain = async (step: () => Promise<number>): Promise<number> => {
    let total = 0;
    for (;;) {
      if (!budget.take(1)) {
        complete = false;
        return total;
      }
      const n = await step();
      total += n;
      if (n < PURGE_CHUNK) return total;
    }
  };
  counts.salts = await drain(() => purgeSalts(db, now));
  counts.dedup = await drain(() => purgeDedup(db, now - DEDUP_MS));
  for (const site of sites) {
    const before = oldestKeptDay(dayOf(now, site.config.timezone), retention);
    counts.events += await drain(() => purgeEvents(db, site.config.id, before));
  }
  return { counts, complete };
}
