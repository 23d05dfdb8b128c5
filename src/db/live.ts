import type { Problem } from "../http/errors";
import type { LiveHit, LiveOutcome, LiveReason, LiveVia } from "../live/hit";
import { splitJsonRows } from "./events";

/**
 * The live test view's tables (migration 0007): `live_sessions` (one row a site: when its test
 * session started and ends) and `live_hits` (the hits received while it lasts, at most
 * LIVE_MAX_HITS a site). Every write is guarded by the session in SQL, so a hit path that
 * believes a session is on (its per-isolate cache) never writes outside one.
 */

/** Most hits kept, and shown, per site. */
export const LIVE_MAX_HITS = 200;
/** Largest JSON parameter of one insert (D1 caps a statement's size; rows are ≤ ~3 KB). */
const INSERT_JSON_BYTES = 400_000;

/** A live hit as written: `event_id` already in its stored form. */
export type LiveRow = LiveHit;

interface LiveHitRow {
  at: number;
  via: LiveVia;
  name: string | null;
  outcome: LiveOutcome;
  reason: LiveReason;
  url: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
  value: number | null;
  currency: string | null;
  event_id: string | null;
  errors: string;
}

/** ?1 site, ?2 now, ?3 until. A session still running keeps its start and may only grow longer. */
const START_SESSION_SQL = `
  INSERT INTO live_sessions (site, started, until)
  VALUES (?1, ?2, ?3)
  ON CONFLICT (site) DO UPDATE SET
    started = CASE WHEN live_sessions.until > ?2 THEN live_sessions.started ELSE ?2 END,
    until   = MAX(live_sessions.until, ?3)
  RETURNING until`;

/** ?1 site: the hits of an earlier session (older than the running one's start). */
const DELETE_EARLIER_HITS_SQL = `
  DELETE FROM live_hits
  WHERE site = ?1
    AND at < (SELECT started FROM live_sessions WHERE site = ?1)`;

/**
 * Starts a session ending at `until`, or extends the one running (never shortens it). A session
 * that was over starts afresh: the hits of the earlier one are deleted in the same batch.
 */
export async function startLiveSession(db: D1Database, site: string, now: number, until: number): Promise<number> {
  const [session] = await db.batch<{ until: number }>([
    db.prepare(START_SESSION_SQL).bind(site, now, until),
    db.prepare(DELETE_EARLIER_HITS_SQL).bind(site),
  ]);
  return session!.results[0]!.until;
}

/** ?: now. */
const ACTIVE_SESSIONS_SQL = `
  SELECT site, until
  FROM live_sessions
  WHERE until > ?`;

/** Sites whose session lasts past `now`, with its end: what the hit path's cache holds. */
export async function activeLiveSessions(db: D1Database, now: number): Promise<Map<string, number>> {
  const { results } = await db
    .prepare(ACTIVE_SESSIONS_SQL)
    .bind(now)
    .all<{ site: string; until: number }>();
  return new Map(results.map((r) => [r.site, r.until]));
}

function hitParams(h: LiveRow): (string | number | null)[] {
  const t = h.touch;
  return [h.at, h.via, h.name, h.outcome, h.reason, h.url, t.source, t.medium, t.campaign, t.content, t.term, h.value, h.currency, h.event_id, JSON.stringify(h.errors)];
}

/**
 * ?1 site, ?2 JSON of hitParams rows. The join with the site's session keeps only hits received
 * while it runs; ORDER BY h.key keeps the rows' order in their ids.
 */
const INSERT_HITS_SQL = `
  INSERT INTO live_hits (site, at, via, name, outcome, reason, url, source, medium, campaign, content, term, value, currency, event_id, errors)
  SELECT ?1, json_extract(h.value, '$[0]'), json_extract(h.value, '$[1]'), json_extract(h.value, '$[2]'),
         json_extract(h.value, '$[3]'), json_extract(h.value, '$[4]'), json_extract(h.value, '$[5]'),
         json_extract(h.value, '$[6]'), json_extract(h.value, '$[7]'), json_extract(h.value, '$[8]'),
         json_extract(h.value, '$[9]'), json_extract(h.value, '$[10]'), json_extract(h.value, '$[11]'),
         json_extract(h.value, '$[12]'), json_extract(h.value, '$[13]'), json_extract(h.value, '$[14]')
  FROM json_each(?2) AS h
  JOIN live_sessions AS s
    ON s.site = ?1
   AND json_extract(h.value, '$[0]') >= s.started
   AND json_extract(h.value, '$[0]') < s.until
  ORDER BY h.key`;

/** ?1 site, ?2 LIVE_MAX_HITS: keeps the newest of the site, so it is bounded on every write, whatever the traffic. */
const TRIM_HITS_SQL = `
  DELETE FROM live_hits
  WHERE site = ?1
    AND id IN (
      SELECT id FROM live_hits
      WHERE site = ?1
      ORDER BY at DESC, id DESC
      LIMIT -1 OFFSET ?2
    )`;

/**
 * Writes the hits of one site that were received inside its session (others are left out by the
 * join), in order, then trims the site to its LIVE_MAX_HITS newest: one round trip. Returns the
 * number written.
 */
export async function insertLiveHits(db: D1Database, site: string, hits: readonly LiveRow[]): Promise<number> {
  if (hits.length === 0) return 0;
  const inserts = splitJsonRows(hits.map(hitParams), INSERT_JSON_BYTES).map((rows) => db.prepare(INSERT_HITS_SQL).bind(site, rows));
  const results = await db.batch([...inserts, db.prepare(TRIM_HITS_SQL).bind(site, LIVE_MAX_HITS)]);
  return results.slice(0, inserts.length).reduce((n, r) => n + r.meta.changes, 0);
}

/** ?1 JSON [[site, event_id, at], …], ?2 the problem (JSON) each hit now carries. */
const MARK_DUPLICATES_SQL = `
  UPDATE live_hits
  SET outcome = 'duplicate', errors = json_array(json(?2))
  WHERE outcome = 'accepted'
    AND (site, event_id, at) IN (
      SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]')
      FROM json_each(?1)
    )`;

/**
 * Marks as duplicates the accepted live hits of events the write found to be copies of an earlier
 * event_id (browser hits are judged at the edge before that is known). Keyed by site, stored
 * event_id and receive time, which identify a hit.
 */
export async function markLiveDuplicates(db: D1Database, events: readonly { site: string; event_id: string; at: number }[], problem: Problem): Promise<number> {
  if (events.length === 0) return 0;
  const res = await db
    .prepare(MARK_DUPLICATES_SQL)
    .bind(JSON.stringify(events.map((e) => [e.site, e.event_id, e.at])), JSON.stringify(problem))
    .run();
  return res.meta.changes;
}

/** ?1 site, ?2 now. */
const RUNNING_SESSION_SQL = `
  SELECT until
  FROM live_sessions
  WHERE site = ?1 AND until > ?2`;

/** ?1 site, ?2 now, ?3 limit: the running session's hits, newest first. */
const SESSION_HITS_SQL = `
  SELECT h.at, h.via, h.name, h.outcome, h.reason, h.url, h.source, h.medium, h.campaign, h.content, h.term,
         h.value, h.currency, h.event_id, h.errors
  FROM live_sessions AS s
  JOIN live_hits AS h ON h.site = s.site AND h.at >= s.started
  WHERE s.site = ?1 AND s.until > ?2
  ORDER BY h.at DESC, h.id DESC
  LIMIT ?3`;

/** A site's running session and its hits, newest first — or null when none is running. */
export async function readLive(db: D1Database, site: string, now: number): Promise<{ until: number; hits: LiveHit[] } | null> {
  const [session, hits] = await db.batch([
    db.prepare(RUNNING_SESSION_SQL).bind(site, now),
    db.prepare(SESSION_HITS_SQL).bind(site, now, LIVE_MAX_HITS),
  ]);
  const until = (session!.results[0] as { until: number } | undefined)?.until;
  if (until === undefined) return null;
  return {
    until,
    hits: (hits!.results as LiveHitRow[]).map((r) => ({
      at: r.at,
      via: r.via,
      name: r.name,
      outcome: r.outcome,
      reason: r.reason,
      url: r.url,
      touch: { source: r.source, medium: r.medium, campaign: r.campaign, content: r.content, term: r.term },
      value: r.value,
      currency: r.currency,
      event_id: r.event_id,
      errors: JSON.parse(r.errors) as Problem[],
    })),
  };
}

/** ?1 now: every hit outside a running session. */
const PURGE_HITS_SQL = `
  DELETE FROM live_hits
  WHERE NOT EXISTS (
    SELECT 1 FROM live_sessions AS s
    WHERE s.site = live_hits.site AND s.until > ?1 AND live_hits.at >= s.started
  )`;

/** ?1 now: ended sessions. */
const PURGE_SESSIONS_SQL = `
  DELETE FROM live_sessions
  WHERE until <= ?1`;

/**
 * Deletes ended sessions and every hit outside a running session (the cron's hourly purge): a
 * test session leaves nothing behind for longer than an hour after it ends.
 */
export async function purgeLive(db: D1Database, now: number): Promise<{ sessions: number; hits: number }> {
  const [hits, sessions] = await db.batch([
    db.prepare(PURGE_HITS_SQL).bind(now),
    db.prepare(PURGE_SESSIONS_SQL).bind(now),
  ]);
  return { hits: hits!.meta.changes, sessions: sessions!.meta.changes };
}
