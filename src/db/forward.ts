import { DAY_MS } from "../time/windows";

/**
 * The forwarding outbox (migrations/0009_forward.sql): one row per (site, destination, event) —
 * its state, never an identifier — and each destination's last delivery and last error.
 * Keys travel as one bound JSON array (json_each), so a statement has a fixed few parameters.
 */

export type OutboxState = "pending" | "delivered" | "failed" | "expired";

export interface OutboxRow {
  event_key: string;
  job: string;
  state: OutboxState;
}

/**
 * ?1 site, ?2 destination, ?3 now, ?4 JSON [{key, job}, …]. `WHERE true` lets SQLite read the
 * ON CONFLICT of an INSERT … SELECT as the upsert's (https://sqlite.org/lang_upsert.html).
 */
const CLAIM_OUTBOX_SQL = `
  INSERT INTO forward_outbox (site, destination, event_key, job, state, created_at, updated_at)
  SELECT ?1, ?2, j.value ->> 'key', j.value ->> 'job', 'pending', ?3, ?3
  FROM json_each(?4) AS j
  WHERE true
  ON CONFLICT (site, destination, event_key) DO NOTHING`;

/** ?1 site, ?2 destination, ?3 the same JSON [{key, job}, …]: every key's row, whichever job claimed it. */
const OUTBOX_ROWS_SQL = `
  SELECT o.event_key, o.job, o.state
  FROM forward_outbox AS o
  WHERE o.site = ?1 AND o.destination = ?2
    AND o.event_key IN (SELECT j.value ->> 'key' FROM json_each(?3) AS j)`;

/**
 * Claims the outbox rows of `jobs` (first job wins a key) and answers every key's row, in one
 * round trip: a job whose key belongs to another job is a second copy of its event.
 */
export async function claimOutbox(db: D1Database, site: string, destination: string, jobs: readonly { key: string; job: string }[], now: number): Promise<OutboxRow[]> {
  const list = JSON.stringify(jobs);
  const [, rows] = await db.batch<OutboxRow>([
    db.prepare(CLAIM_OUTBOX_SQL).bind(site, destination, now, list),
    db.prepare(OUTBOX_ROWS_SQL).bind(site, destination, list),
  ]);
  return rows?.results ?? [];
}

/** ?1 now, ?2 JSON [{site, destination, key, job}, …]. */
const RESERVE_OUTBOX_SQL = `
  INSERT INTO forward_outbox (site, destination, event_key, job, state, created_at, updated_at)
  SELECT j.value ->> 'site', j.value ->> 'destination', j.value ->> 'key', j.value ->> 'job', 'pending', ?1, ?1
  FROM json_each(?2) AS j
  WHERE true
  ON CONFLICT (site, destination, event_key) DO NOTHING`;

/**
 * Reserves the outbox rows of jobs as they are enqueued, so the status counts them as pending
 * from then on, not only once the forward queue's consumer claims them. Each row names its job,
 * so the consumer's claim (claimOutbox) finds it its own; a key that already has a row (a second
 * copy of the event) is left as it is, and that copy is acknowledged unsent at delivery.
 */
export async function reserveOutbox(db: D1Database, jobs: readonly { site: string; destination: string; key: string; job: string }[], now: number): Promise<void> {
  if (jobs.length === 0) return;
  await db
    .prepare(RESERVE_OUTBOX_SQL)
    .bind(now, JSON.stringify(jobs.map((j) => ({ site: j.site, destination: j.destination, key: j.key, job: j.job }))))
    .run();
}

/** ?1 site, ?2 destination, ?3 the new state, ?4 now, ?5 JSON [key, …]. Only pending rows move. */
const SETTLE_SQL = `
  UPDATE forward_outbox
  SET state = ?3, updated_at = ?4
  WHERE site = ?1 AND destination = ?2 AND state = 'pending'
    AND event_key IN (SELECT value FROM json_each(?5))`;

/** Moves pending rows of `keys` to `state`. */
export function settleStatement(db: D1Database, site: string, destination: string, keys: readonly string[], state: Exclude<OutboxState, "pending">, now: number): D1PreparedStatement {
  return db.prepare(SETTLE_SQL).bind(site, destination, state, now, JSON.stringify(keys));
}

/** ?1 site, ?2 destination, ?3 delivered at (the latest delivery is kept). */
const DELIVERED_SQL = `
  INSERT INTO forward_status (site, destination, last_delivered_at)
  VALUES (?1, ?2, ?3)
  ON CONFLICT (site, destination) DO UPDATE SET last_delivered_at = MAX(COALESCE(last_delivered_at, 0), excluded.last_delivered_at)`;

/** Records a delivery at `at`. */
export function deliveredStatement(db: D1Database, site: string, destination: string, at: number): D1PreparedStatement {
  return db.prepare(DELIVERED_SQL).bind(site, destination, at);
}

/** ?1 site, ?2 destination, ?3 at, ?4 HTTP status, ?5 message. */
const ERROR_SQL = `
  INSERT INTO forward_status (site, destination, last_error_at, last_error_status, last_error_message)
  VALUES (?1, ?2, ?3, ?4, ?5)
  ON CONFLICT (site, destination) DO UPDATE SET
    last_error_at = excluded.last_error_at,
    last_error_status = excluded.last_error_status,
    last_error_message = excluded.last_error_message`;

/** Records the platform's answer to a failed attempt (retried or not). */
export function errorStatement(db: D1Database, site: string, destination: string, at: number, status: number, message: string): D1PreparedStatement {
  return db.prepare(ERROR_SQL).bind(site, destination, at, status, message);
}

export interface DestinationCounts {
  destination: string;
  delivered: number;
  failed: number;
  pending: number;
  expired: number;
  last_delivered_at: number | null;
  last_error_at: number | null;
  last_error_status: number | null;
  last_error_message: string | null;
}

/**
 * ?1 site. Live outbox rows counted by state, plus the counters purged rows were folded into
 * (forward_status), for every destination that has either.
 */
const DESTINATION_COUNTS_SQL = `
  WITH counts AS (
    SELECT destination,
           SUM(state = 'delivered') AS delivered,
           SUM(state = 'failed') AS failed,
           SUM(state = 'pending') AS pending,
           SUM(state = 'expired') AS expired
    FROM forward_outbox
    WHERE site = ?1
    GROUP BY destination
  ),
  names AS (
    SELECT destination FROM counts
    UNION
    SELECT destination FROM forward_status WHERE site = ?1
  )
  SELECT n.destination,
         COALESCE(c.delivered, 0) + COALESCE(s.delivered, 0) AS delivered,
         COALESCE(c.failed, 0) + COALESCE(s.failed, 0) AS failed,
         COALESCE(c.pending, 0) AS pending,
         COALESCE(c.expired, 0) + COALESCE(s.expired, 0) AS expired,
         s.last_delivered_at, s.last_error_at, s.last_error_status, s.last_error_message
  FROM names AS n
  LEFT JOIN counts AS c ON c.destination = n.destination
  LEFT JOIN forward_status AS s ON s.site = ?1 AND s.destination = n.destination`;

/** Counters and last outcomes of every destination of `site` that has any. */
export async function destinationCounts(db: D1Database, site: string): Promise<DestinationCounts[]> {
  const { results } = await db
    .prepare(DESTINATION_COUNTS_SQL)
    .bind(site)
    .all<DestinationCounts>();
  return results;
}

/**
 * How long an outbox row is kept: longer than a second copy of an event can arrive (DEDUP_WINDOW_MS, 48 h) plus
 * the forward queue's retries (about 4 days), so "once per (destination, event)" holds.
 */
export const FORWARD_KEEP_MS = 14 * DAY_MS;

/** ?1 before (unix ms): counts the rows about to be purged into forward_status, pending ones as expired. */
const FOLD_OUTBOX_SQL = `
  INSERT INTO forward_status (site, destination, delivered, failed, expired)
  SELECT site, destination, SUM(state = 'delivered'), SUM(state = 'failed'), SUM(state IN ('expired', 'pending'))
  FROM forward_outbox
  WHERE updated_at < ?1
  GROUP BY site, destination
  ON CONFLICT (site, destination) DO UPDATE SET
    delivered = delivered + excluded.delivered,
    failed = failed + excluded.failed,
    expired = expired + excluded.expired`;

/** ?1 before (unix ms). */
const PURGE_OUTBOX_SQL = `
  DELETE FROM forward_outbox
  WHERE updated_at < ?1`;

/**
 * 1 batch. Folds outbox rows last changed before `now - FORWARD_KEEP_MS` into their destination's
 * counters and deletes them. A row still pending by then lost its job (a queue outage with D1
 * trouble): it is counted as expired, never dropped silently. Returns the rows purged.
 */
export async function purgeForward(db: D1Database, now: number): Promise<number> {
  const before = now - FORWARD_KEEP_MS;
  const [, deleted] = await db.batch([
    db.prepare(FOLD_OUTBOX_SQL).bind(before),
    db.prepare(PURGE_OUTBOX_SQL).bind(before),
  ]);
  return deleted?.meta.changes ?? 0;
}
