import type { LeafKey, TouchKey } from "../attribution/models";
import { chunks } from "./atoms";

/**
 * Every SQL statement of the rollup (docs/ROLLUP.md): reading a day's raw events, the rollup
 * cursor and scratch state, funnel_days, and the retention purges. Each function's comment says
 * how many D1 queries it costs, because the scheduled job counts them against the per-invocation
 * limit.
 */

/** A conversion as read from `events` (the columns attribution and revenue need). */
export interface ConversionRow {
  rowid: number;
  ts: number;
  name: string;
  visitor: string | null;
  touch_kind: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
  value: number | null;
  currency: string | null;
  journey: string | null;
}

/** A count per touch key, content and term ('(none)' where missing): distinct visitors, or tracked-link clicks. */
export interface TouchCount extends LeafKey {
  n: number;
}

/** The rollup progress of one site-day (a rollup_days row). */
export interface DayState {
  day: string;
  status: "running" | "done";
  /** last events.rowid folded in */
  cursor: number;
  events: number;
  started_at: number;
  updated_at: number;
  /** the highest events.rowid this roll covers, pinned when it started (null: rolled before 0004) */
  upto?: number | null;
  /** atoms this roll's chunked write has upserted so far */
  written?: number;
}

const LAST_ROWIDS_SQL = `
  SELECT d.value AS day,
         (SELECT MAX(rowid) FROM events WHERE site = ?1 AND day = d.value) AS last
  FROM json_each(?2) AS d`;

/** 1 query. The highest events.rowid of each day (null: no events), for change detection and as the roll's upper bound. */
export async function lastRowids(db: D1Database, site: string, days: readonly string[]): Promise<Map<string, number | null>> {
  const { results } = await db
    .prepare(LAST_ROWIDS_SQL)
    .bind(site, JSON.stringify(days))
    .all<{ day: string; last: number | null }>();
  return new Map(results.map((r) => [r.day, r.last]));
}

/** A site and one of its days. */
export interface SiteDay {
  site: string;
  day: string;
}

/** What the scheduler knows about one site-day before rolling it. */
export interface DayFact extends SiteDay {
  /** highest events.rowid of the day, null without events */
  last: number | null;
  state: DayState | undefined;
}

const FACT_PAIRS_PER_STATEMENT = 500;

/** ?1: JSON [[site, day], …]. */
const DAY_FACTS_SQL = `
  SELECT p.value ->> 0 AS site,
         p.value ->> 1 AS day,
         (SELECT MAX(rowid) FROM events e WHERE e.site = p.value ->> 0 AND e.day = p.value ->> 1) AS last,
         r.status, r.cursor, r.events, r.started_at, r.updated_at, r.upto, r.written
  FROM json_each(?1) AS p
  LEFT JOIN rollup_days r ON r.site = p.value ->> 0 AND r.day = p.value ->> 1`;
export const SITES_PER_SCAN = 100;

/**
 * 1 query per 500 site-days. The highest events.rowid of each site-day and its rollup_days row:
 * everything the scheduler needs to decide whether a day changed since its last roll. One index
 * seek per pair.
 */
export async function dayFacts(db: D1Database, pairs: readonly SiteDay[]): Promise<DayFact[]> {
  const out: DayFact[] = [];
  for (const chunk of chunks(pairs, FACT_PAIRS_PER_STATEMENT)) {
    const { results } = await db
      .prepare(DAY_FACTS_SQL)
      .bind(JSON.stringify(chunk.map((p) => [p.site, p.day])))
      .all<SiteDay & { last: number | null; status: DayState["status"] | null; cursor: number; events: number; started_at: number; updated_at: number; upto: number | null; written: number }>();
    for (const r of results) {
      const state =
        r.status === null
          ? undefined
          : { day: r.day, status: r.status, cursor: r.cursor, events: r.events, started_at: r.started_at, updated_at: r.updated_at, upto: r.upto, written: r.written };
      out.push({ site: r.site, day: r.day, last: r.last, state });
    }
  }
  return out;
}

/** ?1: JSON [[site, before], …]. A recursive skip-scan over each site's event days below `before`. */
const UNROLLED_DAYS_SQL = `
  WITH RECURSIVE
    b(site, before) AS (
      SELECT s.value ->> 0, s.value ->> 1 FROM json_each(?1) AS s
    ),
    d(site, before, day) AS (
      SELECT b.site, b.before, (SELECT MIN(e.day) FROM events e WHERE e.site = b.site AND e.day < b.before)
      FROM b
      UNION ALL
      SELECT d.site, d.before, (SELECT MIN(e.day) FROM events e WHERE e.site = d.site AND e.day > d.day AND e.day < d.before)
      FROM d
      WHERE d.day IS NOT NULL
    )
  SELECT site, day
  FROM d
  WHERE day IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM rollup_days r WHERE r.site = d.site AND r.day = d.day AND r.status = 'done')
  ORDER BY day, site`;

/**
 * 1 query per 100 sites. Days before each site's `before` day that still have raw events but
 * were never rolled up to the end (the cron was down, or a roll outlived the re-roll window).
 * A recursive skip-scan: one index seek per day that has events, never a scan of the events.
 */
export async function unrolledDays(db: D1Database, bounds: readonly { site: string; before: string }[]): Promise<SiteDay[]> {
  const out: SiteDay[] = [];
  for (const chunk of chunks(bounds, SITES_PER_SCAN)) {
    const { results } = await db
      .prepare(UNROLLED_DAYS_SQL)
      .bind(JSON.stringify(chunk.map((b) => [b.site, b.before])))
      .all<SiteDay>();
    out.push(...results);
  }
  return out;
}

/** ?1 site, ?2 day, ?3 after, ?4 upto, ?5 goals (JSON), ?6 limit. */
const CONVERSION_PAGE_SQL = `
  SELECT rowid, ts, name, visitor, touch_kind, source, medium, campaign, content, term, value, currency, journey
  FROM events
  WHERE site = ?1 AND day = ?2 AND rowid > ?3 AND rowid <= ?4
    AND name IN (SELECT value FROM json_each(?5))
  ORDER BY rowid
  LIMIT ?6`;

/**
 * 1 query. Up to `limit` conversions of a day after rowid `after` and up to rowid `upto`, in
 * rowid order. `goals` are the site's goal names (JSON-bound, so any number of goals costs one
 * parameter).
 */
export async function conversionPage(
  db: D1Database,
  site: string,
  day: string,
  after: number,
  upto: number,
  goals: readonly string[],
  limit: number,
): Promise<ConversionRow[]> {
  const { results } = await db
    .prepare(CONVERSION_PAGE_SQL)
    .bind(site, day, after, upto, JSON.stringify(goals), limit)
    .all<ConversionRow>();
  return results;
}

/** ?1 site, ?2 day, ?3 upto. */
const DAY_VISITORS_SQL = `
  WITH pv AS (
    SELECT visitor, touch_kind, source, medium, campaign, content, term,
           ROW_NUMBER() OVER (PARTITION BY visitor ORDER BY ts, rowid) AS nth
    FROM events
    WHERE site = ?1 AND day = ?2 AND rowid <= ?3 AND name = 'pageview' AND visitor IS NOT NULL
  )
  SELECT CASE touch_kind WHEN 'direct' THEN 'direct' ELSE COALESCE(source, 'direct') END AS source,
         CASE touch_kind WHEN 'direct' THEN '(none)' ELSE COALESCE(medium, '(none)') END AS medium,
         CASE touch_kind WHEN 'direct' THEN '(none)' ELSE COALESCE(campaign, '(none)') END AS campaign,
         CASE touch_kind WHEN 'direct' THEN '(none)' ELSE COALESCE(content, '(none)') END AS content,
         CASE touch_kind WHEN 'direct' THEN '(none)' ELSE COALESCE(term, '(none)') END AS term,
         COUNT(DISTINCT visitor) AS n
  FROM pv
  WHERE touch_kind = 'landing' OR (touch_kind = 'direct' AND nth = 1)
  GROUP BY 1, 2, 3, 4, 5`;

/**
 * 1 query. Distinct visitors per touch over the whole day (up to rowid `upto`): pageviews whose
 * landing carried the touch, plus visitors whose first pageview of the day was direct (no
 * referrer) under direct / (none) / (none). Visitors without a hash are not counted.
 * NOTE: exact COUNT(DISTINCT) in one statement instead of per-visitor state across pages; it
 * must finish within D1's 30 s per query — see bench/rollup.mjs for the measured time at 1M events.
 * https://developers.cloudflare.com/d1/platform/limits/
 */
export async function dayVisitors(db: D1Database, site: string, day: string, upto: number): Promise<TouchCount[]> {
  const { results } = await db
    .prepare(DAY_VISITORS_SQL)
    .bind(site, day, upto)
    .all<TouchCount>();
  return results;
}

/**
 * The touches of a day up to rowid `upto`, with their hits, ranked for the touch cap
 * (rollup/cap.ts): landing events, journey touches of conversions (`goals`, JSON), link clicks.
 * `r` numbers the touches (direct / (none) / (none) left out: always kept) by hits, most first,
 * ties by source, medium, campaign, content, term (a touch is its full key, rollup/cap.ts); `o` numbers the (source, medium) pairs of the touches ranked
 * after `?5` (the cap) the same way. Parameters: ?1 site, ?2 day, ?3 upto, ?4 goals, ?5 cap, ?6
 * overflow pairs. Shared by touchRanking and dayVisitorsCapped, so both decide alike.
 */
const TOUCH_RANKING = `
  t(source, medium, campaign, content, term, hits) AS (
      SELECT COALESCE(source, 'direct'), COALESCE(medium, '(none)'), COALESCE(campaign, '(none)'), COALESCE(content, '(none)'), COALESCE(term, '(none)'), COUNT(*)
      FROM events
      WHERE site = ?1 AND day = ?2 AND rowid <= ?3 AND touch_kind = 'landing'
      GROUP BY 1, 2, 3, 4, 5
    UNION ALL
      SELECT COALESCE(j.value ->> 'source', 'direct'), COALESCE(j.value ->> 'medium', '(none)'), COALESCE(j.value ->> 'campaign', '(none)'),
             COALESCE(j.value ->> 'content', '(none)'), COALESCE(j.value ->> 'term', '(none)'), COUNT(*)
      FROM events e, json_each(CASE WHEN json_valid(e.journey) THEN e.journey ELSE '[]' END) AS j
      WHERE e.site = ?1 AND e.day = ?2 AND e.rowid <= ?3 AND e.journey IS NOT NULL
        AND e.name IN (SELECT value FROM json_each(?4)) AND j.type = 'object'
      GROUP BY 1, 2, 3, 4, 5
    UNION ALL
      SELECT l.source, l.medium, l.campaign, COALESCE(l.content, '(none)'), COALESCE(l.term, '(none)'), SUM(c.clicks)
      FROM link_clicks c
      JOIN links l ON l.code = c.code AND l.site = c.site
      WHERE c.site = ?1 AND c.day = ?2
      GROUP BY 1, 2, 3, 4, 5
  ),
  k AS (
    SELECT source, medium, campaign, content, term, SUM(hits) AS hits
    FROM t
    WHERE NOT (source = 'direct' AND medium = '(none)' AND campaign = '(none)')
    GROUP BY 1, 2, 3, 4, 5
  ),
  r AS MATERIALIZED (
    SELECT source, medium, campaign, content, term, hits,
           ROW_NUMBER() OVER (ORDER BY hits DESC, source, medium, campaign, content, term) AS n
    FROM k
  ),
  o AS MATERIALIZED (
    SELECT r.source AS source, r.medium AS medium,
           ROW_NUMBER() OVER (ORDER BY SUM(r.hits) DESC, r.source, r.medium) AS n
    FROM r
    WHERE r.n > ?5
    GROUP BY r.source, r.medium
  )`;

/** touchRanking's statement: the kept touches (level 3, with the distinct count) and overflow pairs (level 2). */
const TOUCH_RANKING_SQL = `
  WITH ${TOUCH_RANKING}
  SELECT 3 AS level, source, medium, campaign, content, term, (SELECT COUNT(*) FROM k) AS total
  FROM r
  WHERE n <= ?5
  UNION ALL
  SELECT 2 AS level, source, medium, NULL, NULL, NULL, NULL
  FROM o
  WHERE n <= ?6`;

/** dayVisitorsCapped's statement: each visitor under the touch the cap keeps for it (rollup/cap.ts cappedKey). */
const DAY_VISITORS_CAPPED_SQL = `
  WITH ${TOUCH_RANKING},
  pv AS (
    SELECT visitor, touch_kind, source, medium, campaign, content, term,
           ROW_NUMBER() OVER (PARTITION BY visitor ORDER BY ts, rowid) AS nth
    FROM events
    WHERE site = ?1 AND day = ?2 AND rowid <= ?3 AND name = 'pageview' AND visitor IS NOT NULL
  ),
  v AS MATERIALIZED (
    SELECT visitor,
           CASE touch_kind WHEN 'direct' THEN 'direct' ELSE COALESCE(source, 'direct') END AS source,
           CASE touch_kind WHEN 'direct' THEN '(none)' ELSE COALESCE(medium, '(none)') END AS medium,
           CASE touch_kind WHEN 'direct' THEN '(none)' ELSE COALESCE(campaign, '(none)') END AS campaign,
           CASE touch_kind WHEN 'direct' THEN '(none)' ELSE COALESCE(content, '(none)') END AS content,
           CASE touch_kind WHEN 'direct' THEN '(none)' ELSE COALESCE(term, '(none)') END AS term
    FROM pv
    WHERE touch_kind = 'landing' OR (touch_kind = 'direct' AND nth = 1)
  ),
  m AS (
    SELECT d.source, d.medium, d.campaign, d.content, d.term,
           CASE WHEN (d.source = 'direct' AND d.medium = '(none)' AND d.campaign = '(none)') OR r.n <= ?5 THEN 3
                WHEN o.n <= ?6 THEN 2
                ELSE 0
           END AS level
    FROM (SELECT DISTINCT source, medium, campaign, content, term FROM v) AS d
    LEFT JOIN r ON r.source = d.source AND r.medium = d.medium AND r.campaign = d.campaign AND r.content = d.content AND r.term = d.term
    LEFT JOIN o ON o.source = d.source AND o.medium = d.medium
  )
  SELECT CASE WHEN m.level > 0 THEN m.source ELSE '(overflow)' END AS source,
         CASE WHEN m.level > 0 THEN m.medium ELSE '(overflow)' END AS medium,
         CASE WHEN m.level = 3 THEN m.campaign ELSE '(overflow)' END AS campaign,
         CASE WHEN m.level = 3 THEN v.content ELSE '(none)' END AS content,
         CASE WHEN m.level = 3 THEN v.term ELSE '(none)' END AS term,
         COUNT(DISTINCT v.visitor) AS n
  FROM v
  JOIN m ON m.source = v.source AND m.medium = v.medium AND m.campaign = v.campaign AND m.content = v.content AND m.term = v.term
  GROUP BY 1, 2, 3, 4, 5`;

/** The outcome of touchRanking: null when the day has no more distinct touches than `cap`. */
export interface TouchRanking {
  /** full keys (CONTRACT.md v1.1: a touch is source, medium, campaign, content, term) */
  kept: (TouchKey & { content: string; term: string })[];
  pairs: { source: string; medium: string }[];
  distinct: number;
}

/**
 * 1 query. The touches a day keeps under a cap of `cap` distinct touches (at most `cap` rows) and
 * the (source, medium) pairs whose overflow rows it keeps (at most `pairs` rows); null when the day
 * has at most `cap` distinct touches, so nothing overflows.
 */
export async function touchRanking(db: D1Database, site: string, day: string, upto: number, goals: readonly string[], cap: number, pairs: number): Promise<TouchRanking | null> {
  const { results } = await db
    .prepare(TOUCH_RANKING_SQL)
    .bind(site, day, upto, JSON.stringify(goals), cap, pairs)
    .all<{ level: number; source: string; medium: string; campaign: string | null; content: string | null; term: string | null; total: number | null }>();
  const distinct = results.find((r) => r.level === 3)?.total ?? 0;
  if (distinct <= cap) return null;
  return {
    kept: results.filter((r) => r.level === 3).map((r) => ({ source: r.source, medium: r.medium, campaign: r.campaign!, content: r.content!, term: r.term! })),
    pairs: results.filter((r) => r.level === 2).map((r) => ({ source: r.source, medium: r.medium })),
    distinct,
  };
}

/**
 * 1 query. dayVisitors for a day whose touches overflow its cap: the same distinct counts, each
 * visitor counted under the touch the cap keeps for it — its own, its source and medium's
 * `(overflow)`, or `(overflow)` / `(overflow)` / `(overflow)` (rollup/cap.ts cappedKey) — all in
 * SQL, because distinct visitors of several touches cannot be added up afterwards.
 */
export async function dayVisitorsCapped(db: D1Database, site: string, day: string, upto: number, goals: readonly string[], cap: number, pairs: number): Promise<TouchCount[]> {
  const { results } = await db
    .prepare(DAY_VISITORS_CAPPED_SQL)
    .bind(site, day, upto, JSON.stringify(goals), cap, pairs)
    .all<TouchCount>();
  return results;
}

const DAY_CLICKS_SQL = `
  SELECT l.source AS source, l.medium AS medium, l.campaign AS campaign,
         COALESCE(l.content, '(none)') AS content, COALESCE(l.term, '(none)') AS term,
         SUM(c.clicks) AS n
  FROM link_clicks c
  JOIN links l ON l.code = c.code AND l.site = c.site
  WHERE c.site = ? AND c.day = ?
  GROUP BY 1, 2, 3, 4, 5`;

/** 1 query. Tracked-link clicks of a day per touch (link_clicks joined to links by code). */
export async function dayClicks(db: D1Database, site: string, day: string): Promise<TouchCount[]> {
  const { results } = await db
    .prepare(DAY_CLICKS_SQL)
    .bind(site, day)
    .all<TouchCount>();
  return results;
}

const DAY_EVENT_COUNT_SQL = `
  SELECT COUNT(*) AS n
  FROM events
  WHERE site = ? AND day = ? AND rowid <= ?`;

/** 1 query. Raw events of a day up to rowid `upto`. */
export async function dayEventCount(db: D1Database, site: string, day: string, upto: number): Promise<number> {
  const row = await db.prepare(DAY_EVENT_COUNT_SQL).bind(site, day, upto).first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * 1 query. Visitors reaching each funnel step in order on one day: step 0 counts visitors with
 * the first step; step i those who did step i strictly after the time they reached step i−1.
 * The statement's shape depends only on the number of steps; every value is bound.
 */
export async function funnelCounts(db: D1Database, site: string, day: string, upto: number, steps: readonly string[]): Promise<number[]> {
  // One CTE per step (s<i>: each visitor's first time at step i), then one count per step.
  const ctes = steps.map((_, i) =>
    i === 0
      ? `
    s0 AS (
      SELECT visitor, MIN(ts) AS t
      FROM events
      WHERE site = ?1 AND day = ?2 AND rowid <= ?3 AND visitor IS NOT NULL AND name = ?4
      GROUP BY visitor
    )`
      : `
    s${i} AS (
      SELECT e.visitor AS visitor, MIN(e.ts) AS t
      FROM events e
      JOIN s${i - 1} p ON p.visitor = e.visitor
      WHERE e.site = ?1 AND e.day = ?2 AND e.rowid <= ?3 AND e.name = ?${i + 4} AND e.ts > p.t
      GROUP BY e.visitor
    )`,
  );
  const counts = steps.map((_, i) => `(SELECT COUNT(*) FROM s${i}) AS n${i}`);
  const row = await db
    .prepare(`
  WITH ${ctes.join(",")}
  SELECT ${counts.join(", ")}`)
    .bind(site, day, upto, ...steps)
    .first<Record<string, number>>();
  return steps.map((_, i) => row?.[`n${i}`] ?? 0);
}

/** One funnel step of one day as stored: with the funnel's steps at the time (migrations/0005). */
export interface FunnelStepRow {
  funnel: string;
  /** every step of the funnel when the day was rolled up */
  steps: readonly string[];
  step: number;
  visitors: number;
}

const DELETE_FUNNEL_DAYS_SQL = `
  DELETE FROM funnel_days
  WHERE site = ? AND day = ?`;

/** ?3: JSON [[funnel, step, visitors, steps], …]. */
const INSERT_FUNNEL_DAYS_SQL = `
  INSERT INTO funnel_days (site, day, funnel, step, visitors, steps)
  SELECT ?1, ?2, f.value ->> 0, f.value ->> 1, f.value ->> 2, f.value -> 3
  FROM json_each(?3) AS f`;

/** Statements (2) replacing one site-day's funnel_days with `rows`. */
export function replaceFunnelDays(db: D1Database, site: string, day: string, rows: readonly FunnelStepRow[]): D1PreparedStatement[] {
  return [
    db.prepare(DELETE_FUNNEL_DAYS_SQL).bind(site, day),
    db
      .prepare(INSERT_FUNNEL_DAYS_SQL)
      .bind(site, day, JSON.stringify(rows.map((r) => [r.funnel, r.step, r.visitors, r.steps]))),
  ];
}

/** ?1 site, ?2 day, ?3 cursor, ?4 events, ?5 started_at, ?6 updated_at, ?7 upto, ?8 written. */
const MARK_RUNNING_SQL = `
  INSERT INTO rollup_days (site, day, status, cursor, events, started_at, updated_at, upto, written)
  VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?6, ?7, ?8)
  ON CONFLICT (site, day) DO UPDATE SET
    status = 'running', cursor = ?3, events = ?4, started_at = ?5, updated_at = ?6, upto = ?7, written = ?8,
    release_k = CASE WHEN ?8 > 0 THEN NULL ELSE release_k END`;

/**
 * Statement: a day's roll is under way, `cursor` the last rowid whose conversions are in scratch,
 * `upto` the highest rowid the roll covers (pinned for its every invocation), `written` the atoms
 * its chunked write has upserted. Once atoms are being rewritten (`written` > 0) the day's release
 * marks are mixed, so `release_k` is cleared: the API then releases the day in the Worker.
 */
export function markRunning(
  db: D1Database,
  site: string,
  day: string,
  cursor: number,
  events: number,
  startedAt: number,
  now: number,
  upto: number,
  written = 0,
): D1PreparedStatement {
  return db
    .prepare(MARK_RUNNING_SQL)
    .bind(site, day, cursor, events, startedAt, now, upto, written);
}

/** ?1 site, ?2 day, ?3 cursor (also the roll's upto), ?4 events, ?5 started_at, ?6 updated_at, ?7 release_k. */
// release_period = NULL: the roll marked its day alone, at the day grain, so an "auto" month is
// stale until re-marked whole (rollup/release.ts).
const MARK_DONE_SQL = `
  INSERT INTO rollup_days (site, day, status, cursor, events, started_at, updated_at, release_k, upto, written)
  VALUES (?1, ?2, 'done', ?3, ?4, ?5, ?6, ?7, ?3, 0)
  ON CONFLICT (site, day) DO UPDATE SET
    status = 'done', cursor = ?3, events = ?4, started_at = ?5, updated_at = ?6, release_k = ?7, upto = ?3, written = 0,
    release_period = NULL`;

/** Statement: a day is rolled up to rowid `cursor`; `events` raw events went in. */
export function markDone(db: D1Database, site: string, day: string, cursor: number, events: number, startedAt: number, now: number, releaseK: number): D1PreparedStatement {
  return db
    .prepare(MARK_DONE_SQL)
    .bind(site, day, cursor, events, startedAt, now, releaseK);
}

const MARK_RELEASED_SQL = `
  UPDATE rollup_days
  SET release_k = ?3, release_period = NULL
  WHERE site = ?1 AND day = ?2`;

/** Records that a site-day's atoms were (re-)marked for k at the day grain (written in the batch that rewrites them). */
export function markReleased(db: D1Database, site: string, day: string, k: number): D1PreparedStatement {
  return db.prepare(MARK_RELEASED_SQL).bind(site, day, k);
}

/** A rolled day of a month as a month re-mark sees it (rollup/release.ts remarkMonth). */
export interface MonthDay {
  day: string;
  status: string;
  cursor: number;
  written: number;
  updated_at: number;
  release_period: string | null;
}

const READ_MONTH_DAYS_SQL = `
  SELECT day, status, cursor, written, updated_at, release_period
  FROM rollup_days
  WHERE site = ?1 AND day BETWEEN ?2 AND ?3
  ORDER BY day`;

/** The rollup_days rows of one site over [from, to] (one month), by day. */
export async function readMonthDays(db: D1Database, site: string, from: string, to: string): Promise<MonthDay[]> {
  const { results } = await db.prepare(READ_MONTH_DAYS_SQL).bind(site, from, to).all<MonthDay>();
  return results;
}

/** ?1: JSON [[site, k, "auto" | null], …]; ?2 limit. */
const STALE_RELEASE_DAYS_SQL = `
  SELECT r.site AS site, r.day AS day
  FROM json_each(?1) AS p
  JOIN rollup_days r ON r.site = p.value ->> 0
  WHERE r.status = 'done' AND (r.release_k IS NOT p.value ->> 1 OR r.release_period IS NOT p.value ->> 2)
  ORDER BY r.day DESC
  LIMIT ?2`;

const MARK_REMARK_PROGRESS_SQL = `
  UPDATE rollup_days
  SET release_period = ?3
  WHERE site = ?1 AND day = ?2 AND updated_at = ?4`;

/**
 * Records how far a month re-mark has written one day's marks (`progress`, see rollup/release.ts
 * remarkMonth), unless the day was rolled again since it was read (updated_at moved on). Not "auto":
 * readers keep deciding the month in the Worker until every day is done.
 */
export function markRemarkProgress(db: D1Database, site: string, day: string, progress: string, updatedAt: number): D1PreparedStatement {
  return db.prepare(MARK_REMARK_PROGRESS_SQL).bind(site, day, progress, updatedAt);
}

// A day whose chunked write is under way (written > 0) holds a mix of old and new atoms: it stays
// unmarked, so readers decide its month in the Worker until its roll is done and re-marked.
const MARK_MONTH_RELEASED_SQL = `
  UPDATE rollup_days
  SET release_k = ?4, release_period = 'auto'
  WHERE site = ?1 AND day BETWEEN ?2 AND ?3 AND (status = 'done' OR written = 0)`;

/** Records that the rolled days of [from, to] (one month) carry marks for k made with privacy.period "auto". */
export function markMonthReleased(db: D1Database, site: string, from: string, to: string, k: number): D1PreparedStatement {
  return db.prepare(MARK_MONTH_RELEASED_SQL).bind(site, from, to, k);
}

/**
 * Rolled days whose atoms were marked for another k or privacy.period than their site's (k or the
 * period changed, rolled before marks existed, or — period "auto" — rolled since their month was
 * last marked: a roll marks its day alone, at the day grain), newest first, for up to
 * SITES_PER_SCAN sites per statement (one seek per site): the scheduled run re-marks them
 * (rollup/release.ts), an "auto" site's whole month at once.
 */
export async function staleReleaseDays(db: D1Database, sites: readonly { site: string; k: number; period: "auto" | "day" }[], limit: number): Promise<SiteDay[]> {
  const out: SiteDay[] = [];
  for (const chunk of chunks(sites, SITES_PER_SCAN)) {
    const { results } = await db
      .prepare(STALE_RELEASE_DAYS_SQL)
      .bind(JSON.stringify(chunk.map((s) => [s.site, s.k, s.period === "auto" ? "auto" : null])), limit)
      .all<SiteDay>();
    out.push(...results);
  }
  return out;
}

/**
 * Scratch keys carry the roll's id (its started_at), so a resume reads only the state of the roll
 * its rollup_days row names: one page's partial sums are `p:<roll>:<last rowid>:<part>`, clamp
 * counts `v:<roll>:<visitor>`.
 */
export function pageKey(roll: number, lastRowid: number, part: number): string {
  return `p:${rollTag(roll)}:${String(lastRowid).padStart(20, "0")}:${String(part).padStart(4, "0")}`;
}

function rollTag(roll: number): string {
  return String(roll).padStart(15, "0");
}

const CLEAR_SCRATCH_SQL = `
  DELETE FROM rollup_scratch
  WHERE site = ? AND day = ?`;

const PUT_SCRATCH_SQL = `
  INSERT INTO rollup_scratch (site, day, key, state)
  VALUES (?, ?, ?, ?)
  ON CONFLICT (site, day, key) DO UPDATE SET state = excluded.state`;

/** A roll's page parts: keys between `p:<roll>:` and `p:<roll>;` (the next character), in key order. */
const SCRATCH_PAGES_SQL = `
  SELECT state
  FROM rollup_scratch
  WHERE site = ? AND day = ? AND key > ? AND key < ?
  ORDER BY key`;

/** ?3 the key prefix, ?4 its length + 1, ?5 JSON visitors. */
const SCRATCH_CLAMP_COUNTS_SQL = `
  SELECT substr(key, ?4) AS visitor, state
  FROM rollup_scratch
  WHERE site = ?1 AND day = ?2 AND key IN (SELECT ?3 || value FROM json_each(?5))`;

/** ?3 the key prefix, ?4 JSON [[visitor, counts], …]. */
const PUT_SCRATCH_CLAMP_COUNTS_SQL = `
  INSERT INTO rollup_scratch (site, day, key, state)
  SELECT ?1, ?2, ?3 || (c.value ->> 0), c.value -> 1
  FROM json_each(?4) AS c
  WHERE true
  ON CONFLICT (site, day, key) DO UPDATE SET state = excluded.state`;

/** Statement: clears a day's scratch state (every roll's). */
export function clearScratch(db: D1Database, site: string, day: string): D1PreparedStatement {
  return db.prepare(CLEAR_SCRATCH_SQL).bind(site, day);
}

/** Statements (one per part): a page's partial sums. */
export function putScratchPage(db: D1Database, site: string, day: string, roll: number, lastRowid: number, parts: readonly string[]): D1PreparedStatement[] {
  return parts.map((state, i) =>
    db
      .prepare(PUT_SCRATCH_SQL)
      .bind(site, day, pageKey(roll, lastRowid, i), state),
  );
}

/** 1 query. Every stored page part of one roll of a day, in page order. */
export async function scratchPages(db: D1Database, site: string, day: string, roll: number): Promise<string[]> {
  const prefix = `p:${rollTag(roll)}:`;
  const { results } = await db
    .prepare(SCRATCH_PAGES_SQL)
    .bind(site, day, prefix, `p:${rollTag(roll)};`)
    .all<{ state: string }>();
  return results.map((r) => r.state);
}

/** Per-visitor clamp counts (epsilon sites) travel as JSON: [[visitor, {goal: count}], …]. */
const CLAMP_ROWS_PER_STATEMENT = 1000;

/** 1 query per 1,000 visitors. The stored clamp counts of these visitors in one roll. */
export async function scratchClampCounts(db: D1Database, site: string, day: string, roll: number, visitors: readonly string[]): Promise<Map<string, Record<string, number>>> {
  const prefix = `v:${rollTag(roll)}:`;
  const out = new Map<string, Record<string, number>>();
  for (const chunk of chunks(visitors, CLAMP_ROWS_PER_STATEMENT)) {
    const { results } = await db
      .prepare(SCRATCH_CLAMP_COUNTS_SQL)
      .bind(site, day, prefix, prefix.length + 1, JSON.stringify(chunk))
      .all<{ visitor: string; state: string }>();
    for (const r of results) out.set(r.visitor, JSON.parse(r.state) as Record<string, number>);
  }
  return out;
}

/** Statements: store clamp counts of one roll, 1,000 visitors per statement. */
export function putScratchClampCounts(db: D1Database, site: string, day: string, roll: number, counts: readonly [string, Record<string, number>][]): D1PreparedStatement[] {
  return chunks(counts, CLAMP_ROWS_PER_STATEMENT).map((chunk) =>
    db
      .prepare(PUT_SCRATCH_CLAMP_COUNTS_SQL)
      .bind(site, day, `v:${rollTag(roll)}:`, JSON.stringify(chunk)),
  );
}

/** Rows deleted per purge statement, so each stays far inside D1's 30 s query limit. */
export const PURGE_CHUNK = 10_000;

/** ?1: JSON [[site, before], …]; ?2 limit. Only days whose roll is done. */
const PURGE_EVENTS_SQL = `
  DELETE FROM events
  WHERE rowid IN (
    SELECT e.rowid
    FROM json_each(?1) AS b
    JOIN events e ON e.site = b.value ->> 0 AND e.day < b.value ->> 1
    WHERE EXISTS (SELECT 1 FROM rollup_days r WHERE r.site = e.site AND r.day = e.day AND r.status = 'done')
    LIMIT ?2
  )`;

const PURGE_SALTS_SQL = `
  DELETE FROM salts
  WHERE (site, day) IN (SELECT site, day FROM salts WHERE expires_at < ?1 LIMIT ?2)`;

const PURGE_DEDUP_SQL = `
  DELETE FROM dedup
  WHERE (site, event_id) IN (SELECT site, event_id FROM dedup WHERE first_seen < ?1 LIMIT ?2)`;

/**
 * 1 query. Deletes up to `limit` raw events of the given sites on days before each site's
 * `before` day — only days whose rollup is done, so an unrolled day is never lost. Returns the
 * rows deleted. At most 100 sites per call.
 */
export async function purgeEvents(db: D1Database, bounds: readonly { site: string; before: string }[], limit = PURGE_CHUNK): Promise<number> {
  const res = await db
    .prepare(PURGE_EVENTS_SQL)
    .bind(JSON.stringify(bounds.map((b) => [b.site, b.before])), limit)
    .run();
  return res.meta.changes;
}

/** Sites per purgeEvents call. */
export const PURGE_SITES = SITES_PER_SCAN;

/** 1 query. Deletes up to `limit` salts past their expires_at. */
export async function purgeSalts(db: D1Database, now: number, limit = PURGE_CHUNK): Promise<number> {
  const res = await db
    .prepare(PURGE_SALTS_SQL)
    .bind(now, limit)
    .run();
  return res.meta.changes;
}

/** 1 query. Deletes up to `limit` dedup rows first seen before `before`. */
export async function purgeDedup(db: D1Database, before: number, limit = PURGE_CHUNK): Promise<number> {
  const res = await db
    .prepare(PURGE_DEDUP_SQL)
    .bind(before, limit)
    .run();
  return res.meta.changes;
}
