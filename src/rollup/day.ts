import { atomKeyId, atomKeys, deleteAtomStatements, upsertAtomStatements, ATOMS_PER_STATEMENT, type Atom } from "../db/atoms";
import {
  clearScratch,
  conversionPage,
  dayClicks,
  dayEventCount,
  dayVisitors,
  dayVisitorsCapped,
  funnelCounts,
  markDone,
  markRunning,
  putScratchClampCounts,
  putScratchPage,
  replaceFunnelDays,
  scratchClampCounts,
  scratchPages,
  touchRanking,
  type DayState,
  type FunnelStepRow,
} from "../db/rollup";
import type { SiteRecord } from "../db/sites";
import { funnelEpsilon, noiseAtom, noiseFunnelStep } from "../privacy/noise";
import { siteLimits } from "../sites/limits";
import { buildAtoms } from "./atoms";
import { capCounts, capKeyId, OVERFLOW_PAIRS, pairKey } from "./cap";
import { withMarks } from "./release";
import type { QueryBudget } from "./budget";
import { clampKey, decodePartialsInto, encodePartials, foldConfig, foldConversion, goalKeys, mergePartials, type ClampCounts, type Partials } from "./fold";

/**
 * Conversions read per query.
 * NOTE: D1 stops a query after 30 s; pages of 5,000 rows keep every read short and let a day of
 * a million events roll up across invocations. https://developers.cloudflare.com/d1/platform/limits/
 */
export const PAGE_SIZE = 5000;
/** Partial-sum entries per rollup_scratch row (a D1 row holds at most 2 MB). */
const ENTRIES_PER_PART = 1000;
/** Write statements per db.batch when a day's atoms are written in chunks. */
export const WRITE_CHUNK = 50;

export interface RollDayOptions {
  now: number;
  budget: QueryBudget;
  /** the day's highest events.rowid when the run planned it (null: no events); later events wait for the next run */
  upto: number | null;
  /** the day's rollup_days row, if any */
  prior: DayState | undefined;
  /** start over even when a roll of the day is under way (the admin recompute) */
  fresh?: boolean;
  pageSize?: number;
  atomsPerStatement?: number;
}

export interface DayResult {
  day: string;
  atoms: number;
  events: number;
}

/**
 * Rolls up one site-day into atoms and funnel_days. The roll covers the day's events up to rowid
 * `upto`, pinned when it starts (rollup_days.upto), so each of its invocations sees the same
 * events. First the day's touches are ranked for its touch cap (rollup/cap.ts; one query). Then
 * conversions are read in rowid pages and folded into partial sums; each full page is saved to
 * rollup_scratch together with the cursor, in one transaction, so a day too large for one
 * invocation resumes where it stopped and ends with exactly the numbers of an uninterrupted run.
 * Visitors, clicks and funnels are then counted over the whole day in SQL (exact distinct counts).
 * The atoms are upserted, stale ones deleted, the cursor marked done and the scratch cleared in one
 * final batch when that fits the budget; otherwise the atoms are written in chunks of WRITE_CHUNK
 * statements, each recording how many are written (rollup_days.written), and a later invocation
 * recomputes the same atoms and continues after them (meanwhile the day's release is decided per
 * request: markRunning clears release_k).
 * Returns null when the query budget ran out first (progress so far is kept).
 */
export async function rollupDay(db: D1Database, site: SiteRecord, day: string, opts: RollDayOptions): Promise<DayResult | null> {
  const { now, budget, prior } = opts;
  const pageSize = opts.pageSize ?? PAGE_SIZE;
  const id = site.config.id;
  const cfg = foldConfig(site.config);
  const goals = [...cfg.goals.keys()];
  const planned = opts.upto ?? 0;

  // Resume only a roll started under the current configuration and not overtaken by deletions.
  let resumed =
    !opts.fresh && prior?.status === "running" && prior.started_at >= site.updatedAt && prior.cursor <= planned && (prior.upto ?? planned) <= planned
      ? prior
      : undefined;
  const total: Partials = new Map();
  if (resumed) {
    if (!budget.take(1)) return null;
    let rows = 0;
    for (const part of await scratchPages(db, id, day, resumed.started_at)) rows += decodePartialsInto(total, part);
    // Every saved page must be there (another roll of the same day may have cleared them): else start over.
    if (rows !== resumed.events) {
      resumed = undefined;
      total.clear();
    }
  }
  const resume = resumed !== undefined;
  // A resumed roll keeps the rowid bound it started with (rolls from before 0004 have none).
  const upto = resumed?.upto ?? planned;
  let cursor = resumed?.cursor ?? 0;
  let folded = resumed?.events ?? 0;
  const startedAt = resumed?.started_at ?? now;
  const written = resumed?.written ?? 0;
  // What rollup_days says is in scratch: the cursor and count of the last saved page.
  let saved = { cursor, events: folded };
  const counts: ClampCounts = new Map();
  const checked = new Set<string>();
  let scratchIsOurs = resume;

  // The touch cap: the same events rank the same touches, in every invocation of this roll.
  const limits = siteLimits(site.config);
  if (!budget.take(1)) return null;
  const ranking = await touchRanking(db, id, day, upto, goals, limits.touches_per_day, OVERFLOW_PAIRS);
  cfg.cap = ranking && { kept: new Set(ranking.kept.map(capKeyId)), pairs: new Set(ranking.pairs.map((p) => pairKey(p.source, p.medium))) };

  while (goals.length > 0) {
    if (!budget.take(1)) return null;
    const rows = await conversionPage(db, id, day, cursor, upto, goals, pageSize);
    if (rows.length === 0) break;
    if (cfg.clamp && resume) {
      // Clamp counts of visitors already seen by an earlier invocation of this roll.
      const unseen = [...new Set(rows.map(clampKey).filter((v) => !checked.has(v)))];
      if (unseen.length > 0) {
        if (!budget.take(Math.ceil(unseen.length / 1000))) return null;
        for (const [v, c] of await scratchClampCounts(db, id, day, startedAt, unseen)) counts.set(v, c);
        for (const v of unseen) checked.add(v);
      }
    }
    const page: Partials = new Map();
    const touched = new Set<string>();
    for (const row of rows) {
      const v = foldConversion(page, row, cfg, counts);
      if (v !== null) touched.add(v);
    }
    const last = rows[rows.length - 1]!.rowid;
    if (rows.length === pageSize) {
      // More may follow: save this page and the cursor first, so an interruption loses nothing.
      const statements = [
        ...(scratchIsOurs ? [] : [clearScratch(db, id, day)]),
        ...putScratchPage(db, id, day, startedAt, last, encodePartials(page, ENTRIES_PER_PART, rows.length)),
        ...(cfg.clamp ? putScratchClampCounts(db, id, day, startedAt, [...touched].map((v) => [v, counts.get(v)!] as [string, Record<string, number>])) : []),
        markRunning(db, id, day, last, folded + rows.length, startedAt, now, upto, written),
      ];
      if (!budget.take(statements.length)) return null;
      await db.batch(statements);
      scratchIsOurs = true;
      saved = { cursor: last, events: folded + rows.length };
    }
    mergePartials(total, page);
    cursor = last;
    folded += rows.length;
    if (rows.length < pageSize) break;
  }

  const funnels = site.config.funnels;
  if (!budget.take(4 + funnels.length)) return null;
  const [visitors, clicks, events, existing] = await Promise.all([
    cfg.cap ? dayVisitorsCapped(db, id, day, upto, goals, limits.touches_per_day, OVERFLOW_PAIRS) : dayVisitors(db, id, day, upto),
    dayClicks(db, id, day),
    dayEventCount(db, id, day, upto),
    atomKeys(db, id, day),
  ]);
  // Funnel counts are always noised (docs/PRIVACY.md "Funnels"), and stored with their steps.
  const funnelOut: FunnelStepRow[] = [];
  const funnelEps = funnelEpsilon(site.config.privacy.epsilon);
  for (const f of funnels) {
    const counts = await funnelCounts(db, id, day, upto, f.steps);
    const noisy = await Promise.all(counts.map((n, step) => noiseFunnelStep(site.secret, funnelEps, id, day, f.steps.slice(0, step + 1), n)));
    noisy.forEach((n, step) => funnelOut.push({ funnel: f.name, steps: f.steps, step, visitors: n }));
  }

  let atoms: Atom[] = buildAtoms(id, day, goalKeys(site.config), total, visitors, capCounts(cfg.cap, clicks));
  const epsilon = site.config.privacy.epsilon;
  if (epsilon !== null) {
    // Noise before anything is written: true numbers of such sites never reach the atoms table.
    atoms = await Promise.all(atoms.map((a) => noiseAtom(site.secret, epsilon, a)));
  }
  // Decide the release of every view now (privacy/release.ts markDay), with the atoms as stored.
  const k = site.config.privacy.k;
  atoms = withMarks(atoms, k);
  const keep = new Set(atoms.map(atomKeyId));
  const stale = existing.filter((k) => !keep.has(atomKeyId(k)));
  const per = opts.atomsPerStatement ?? ATOMS_PER_STATEMENT;
  // A resumed chunked write continues after the atoms it already wrote (same events, same atoms, same order).
  const skip = Math.min(written, atoms.length);
  const upserts = upsertAtomStatements(db, id, day, atoms.slice(skip), per);
  const deletes = deleteAtomStatements(db, id, day, stale, per);
  const finish = [...replaceFunnelDays(db, id, day, funnelOut), clearScratch(db, id, day), markDone(db, id, day, upto, events, startedAt, now, k)];
  const all = [...upserts, ...deletes, ...finish];
  if (budget.take(all.length)) {
    await db.batch(all);
    return { day, atoms: atoms.length, events };
  }

  // Too large for what is left of this invocation: write in chunks, each recording its progress.
  for (let i = 0; i < upserts.length; ) {
    const n = Math.min(upserts.length - i, WRITE_CHUNK, budget.left - 1);
    if (n < 1 || !budget.take(n + 1)) return null;
    const done = skip + Math.min((i + n) * per, atoms.length - skip);
    await db.batch([...upserts.slice(i, i + n), markRunning(db, id, day, saved.cursor, saved.events, startedAt, now, upto, done)]);
    i += n;
  }
  for (let i = 0; i < deletes.length; ) {
    const n = Math.min(deletes.length - i, WRITE_CHUNK, budget.left);
    if (n < 1 || !budget.take(n)) return null;
    await db.batch(deletes.slice(i, i + n));
    i += n;
  }
  if (!budget.take(finish.length)) return null;
  await db.batch(finish);
  return { day, atoms: atoms.length, events };
}
