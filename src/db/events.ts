import type { ForwardContext } from "../forward/types";
import type { CleanEvent } from "../collect/event";
import { mergeCopies } from "../ingest/merge";
import { DAY_MS, DEDUP_WINDOW_MS } from "../time/windows";
import { chunk } from "./chunk";
import { writableSite } from "./sites";

/**
 * Writing events: the one place that inserts into `events` and `dedup`.
 *
 * Each accepted hit carries an edge-assigned `id` (stored as `events.msg_id`, unique), so a
 * redelivered queue batch inserts nothing twice. Events with an `event_id` are deduplicated
 * per (site, event_id) within DEDUP_WINDOW_MS across pixel, beacon and server: in one transaction
 * the batch first claims its ids in `dedup` (new ids, or ids whose first sighting is older than
 * the window), then inserts only the events whose dedup row carries this batch's claim.
 * A copy dropped as a duplicate still gives the stored copy what only it knew (ingest/merge.ts).
 */

/** An event ready to store: the clean event plus its edge-assigned unique id. */
export interface StoredEvent {
  id: string;
  event: CleanEvent;
  /** a browser conversion's identifiers for forwarding, in the queue message only: never written (src/forward/types.ts) */
  forward?: ForwardContext;
}

export { DEDUP_WINDOW_MS };

export const EVENT_COLUMNS = [
  "site", "day", "ts", "received_at", "name", "event_id", "via", "visitor", "url", "touch_kind", "source", "medium",
  "campaign", "content", "term", "value", "currency", "journey", "country", "device", "msg_id",
] as const;
/** Ids per dedup claim statement: one JSON parameter, kept well under D1's 1 MB value limit. */
const DEDUP_CHUNK = 500;
/**
 * Bytes of event rows (JSON) per insert statement. Each insert binds two parameters (the rows as
 * one JSON array, and the claim), so only the size of that JSON needs a bound.
 *
 * NOTE: D1 limits a string value to 1,000,000 bytes and an SQL statement to 100,000 bytes; the
 * rows travel as a parameter (the SQL stays ~1.5 KB), split so each parameter stays well under.
 * https://developers.cloudflare.com/d1/platform/limits/
 */
export const INSERT_JSON_BYTES = 400_000;

/**
 * The value of column `name` in a row of the JSON parameter (`r`: one json_each row). Rows are
 * arrays in EVENT_COLUMNS order (eventRow), so the statements below read them by that one list:
 * a column added there reaches every statement and every row together. Only fixed column names
 * and positions are written into the SQL, never values.
 */
const col = (name: (typeof EVENT_COLUMNS)[number]) => `json_extract(r.value, '$[${EVENT_COLUMNS.indexOf(name)}]')`;

/**
 * ? the claim, ? JSON [[site, event_id, received_at], …], ? DEDUP_WINDOW_MS. Claims each id that is
 * new, or whose first sighting is older than the window; RETURNING names the ids this write now
 * holds. No claim for a site erased after the event was received.
 */
const CLAIM_SQL = `
  INSERT INTO dedup (site, event_id, first_seen, claim)
  SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), ?
  FROM json_each(?)
  WHERE ${writableSite("json_extract(value, '$[0]')", "json_extract(value, '$[2]')")}
  ON CONFLICT (site, event_id) DO UPDATE SET first_seen = excluded.first_seen, claim = excluded.claim
  WHERE dedup.first_seen <= excluded.first_seen - ?
  RETURNING site, event_id`;

/**
 * ? JSON of eventRow arrays, ? the claim. One multi-row insert: the rows arrive as one JSON array
 * read with json_each — the technique of the dedup claim — instead of a VALUES list that could
 * bind only 4 rows per statement (21 parameters each). A row with an event_id is inserted only if
 * this write's claim holds its dedup row; a row of a site erased after it was received (still
 * queued, or from a stale site cache) is refused. A redelivered row (same msg_id) inserts nothing.
 */
const INSERT_SQL = `
  INSERT INTO events (${EVENT_COLUMNS.join(", ")})
  SELECT ${EVENT_COLUMNS.map(col).join(", ")}
  FROM json_each(?) AS r
  WHERE (${col("event_id")} IS NULL
         OR EXISTS (
           SELECT 1 FROM dedup AS d
           WHERE d.site = ${col("site")} AND d.event_id = ${col("event_id")} AND d.claim = ?
         ))
    AND ${writableSite(col("site"), col("received_at"))}
  ON CONFLICT DO NOTHING`;

type Param = string | number | null;

/**
 * ?1 JSON of eventRow arrays (the later copies). Merges later copies into the stored copy of their
 * event, by the rule of ingest/merge.ts mergeCopies: the stored copy takes the later copy's journey
 * and landing touch when it has none and the later copy has one, and the later copy's value and
 * currency when that copy is the server's and the stored one a browser's (or the stored copy has
 * no value). The stored copy is the one of the current dedup window: it was received exactly at
 * its dedup row's first_seen (the claim writes both), which the (site, received_at) index finds.
 * A changed row moves to a new, highest rowid: the rollup notices a day's new events by its
 * highest rowid (db/rollup.ts lastRowids), so a merged conversion is re-rolled like a late one.
 * A row that would not change is left alone, so a redelivered copy changes nothing twice.
 * The innermost SELECT names each row's values by their columns (`r.site`, `r.journey`, …).
 */
export const MERGE_SQL = `
  UPDATE events AS e
  SET rowid = (SELECT MAX(rowid) FROM events) + 1 + m.n,
      journey = IIF(m.take_touch, m.journey, e.journey),
      touch_kind = IIF(m.take_touch, m.touch_kind, e.touch_kind),
      source = IIF(m.take_touch, m.source, e.source),
      medium = IIF(m.take_touch, m.medium, e.medium),
      campaign = IIF(m.take_touch, m.campaign, e.campaign),
      content = IIF(m.take_touch, m.content, e.content),
      term = IIF(m.take_touch, m.term, e.term),
      value = IIF(m.take_value, m.value, e.value),
      currency = IIF(m.take_value, m.currency, e.currency)
  FROM (
    SELECT s.rowid AS target, r.*,
           NOT ((s.journey IS NOT NULL AND json_array_length(s.journey) > 0) OR s.touch_kind IS 'landing')
             AND ((r.journey IS NOT NULL AND json_array_length(r.journey) > 0) OR r.touch_kind IS 'landing') AS take_touch,
           r.value IS NOT NULL AND ((r.via = 'server' AND s.via <> 'server') OR s.value IS NULL)
             AND (s.value IS NOT r.value OR s.currency IS NOT r.currency) AS take_value
    FROM (
      SELECT r.key AS n, ${EVENT_COLUMNS.map((c) => `${col(c)} AS ${c}`).join(", ")}
      FROM json_each(?1) AS r
    ) AS r
    JOIN dedup AS d ON d.site = r.site AND d.event_id = r.event_id
    JOIN events AS s ON s.site = r.site AND s.received_at = d.first_seen AND s.event_id = r.event_id AND s.msg_id IS NOT r.msg_id
  ) AS m
  WHERE e.rowid = m.target AND (m.take_touch OR m.take_value)`;

/** A statement before it meets D1: its SQL and parameters (what tests count). */
export interface StatementSpec {
  kind: "claim" | "insert" | "merge";
  sql: string;
  params: Param[];
}

/** One event as its row of EVENT_COLUMNS values. */
function eventRow({ id, event: e }: StoredEvent): Param[] {
  return [
    e.site, e.day, e.ts, e.received_at, e.name, e.event_id, e.via, e.visitor, e.url, e.touch_kind, e.source, e.medium,
    e.campaign, e.content, e.term, e.value, e.currency, e.journey ? JSON.stringify(e.journey) : null, e.country, e.device, id,
  ];
}

const dedupKey = (e: CleanEvent) => `${e.site}\u0000${e.event_id}`;

const encoder = new TextEncoder();

/**
 * `rows` as JSON arrays of at most `maxBytes` (UTF-8) each, in order. A single row larger than
 * `maxBytes` gets an array of its own (validation keeps rows far smaller: URLs ≤ 2 KB, ≤ 50 touches).
 */
export function splitJsonRows(rows: readonly Param[][], maxBytes: number): string[] {
  const out: string[] = [];
  let parts: string[] = [];
  let bytes = 2; // "[" and "]"
  for (const row of rows) {
    const json = JSON.stringify(row);
    const size = encoder.encode(json).byteLength + 1; // and its comma
    if (parts.length > 0 && bytes + size > maxBytes) {
      out.push(`[${parts.join(",")}]`);
      parts = [];
      bytes = 2;
    }
    parts.push(json);
    bytes += size;
  }
  if (parts.length > 0) out.push(`[${parts.join(",")}]`);
  return out;
}

/**
 * The statements that claim event ids and insert events, in order. Each binds at most 3
 * parameters; the JSON ones are split to at most `maxJsonBytes` (claims: 500 ids each).
 */
export function eventWriteStatements(items: readonly StoredEvent[], claim: string, maxJsonBytes = INSERT_JSON_BYTES): StatementSpec[] {
  const specs: StatementSpec[] = [];
  const withId = items.filter((m) => m.event.event_id !== null);
  for (const part of chunk(withId, DEDUP_CHUNK)) {
    specs.push({
      kind: "claim",
      sql: CLAIM_SQL,
      params: [claim, JSON.stringify(part.map((m) => [m.event.site, m.event.event_id, m.event.received_at])), DEDUP_WINDOW_MS],
    });
  }
  for (const rows of splitJsonRows(items.map(eventRow), maxJsonBytes)) {
    specs.push({ kind: "insert", sql: INSERT_SQL, params: [rows, claim] });
  }
  return specs;
}

/** The statements that merge later copies into their stored copies (MERGE_SQL), split like the inserts. */
export function mergeStatements(later: readonly StoredEvent[], maxJsonBytes = INSERT_JSON_BYTES): StatementSpec[] {
  return splitJsonRows(later.map(eventRow), maxJsonBytes).map((rows) => ({ kind: "merge" as const, sql: MERGE_SQL, params: [rows] }));
}

export interface WriteResult {
  /** rows inserted into `events` */
  inserted: number;
  /** indexes (into the input) of events dropped as duplicates of an earlier copy */
  duplicates: number[];
}

/** A fresh random claim token for one write. */
export function newClaim(): string {
  return crypto.randomUUID();
}

/**
 * Writes events in one D1 batch (one round trip, one transaction). Duplicates inside `items`
 * are resolved first (the first copy wins); then the claim decides against earlier writes.
 */
export async function writeEvents(db: D1Database, items: readonly StoredEvent[], claim = newClaim()): Promise<WriteResult> {
  const seen = new Set<string>();
  const unique: StoredEvent[] = [];
  const uniqueIndex: number[] = [];
  const duplicates: number[] = [];
  const firstOf = new Map<string, number>();
  items.forEach((m, i) => {
    if (m.event.event_id !== null) {
      const key = dedupKey(m.event);
      const first = firstOf.get(key);
      if (first !== undefined) {
        // The first copy of the write wins and keeps what this one knew (ingest/merge.ts).
        unique[first] = { id: unique[first]!.id, event: mergeCopies(unique[first]!.event, m.event) };
        return void duplicates.push(i);
      }
      firstOf.set(key, unique.length);
    }
    unique.push(m);
    uniqueIndex.push(i);
  });
  if (unique.length === 0) return { inserted: 0, duplicates };

  const specs = eventWriteStatements(unique, claim);
  const results = await db.batch<{ site: string; event_id: string }>(specs.map((s) => db.prepare(s.sql).bind(...s.params)));
  const claimed = new Set<string>();
  let inserted = 0;
  specs.forEach((s, k) => {
    const r = results[k];
    if (!r) return;
    if (s.kind === "claim") for (const row of r.results) claimed.add(`${row.site}\u0000${row.event_id}`);
    else inserted += r.meta.changes;
  });
  const later: StoredEvent[] = [];
  unique.forEach((m, j) => {
    if (m.event.event_id !== null && !claimed.has(dedupKey(m.event))) {
      duplicates.push(uniqueIndex[j]!);
      later.push(m);
    }
  });
  // Copies of events stored by an earlier write: rare, so a second round trip only then keeps the
  // common write at one. If it fails the write throws and is retried (the queue redelivers, a
  // server caller sends again); the retried copy is again a duplicate and merges then.
  if (later.length > 0) await db.batch(mergeStatements(later).map((s) => db.prepare(s.sql).bind(...s.params)));
  return { inserted, duplicates: duplicates.sort((a, b) => a - b) };
}

/** Bytes of dead letters (JSON) per insert statement, well under D1's 1 MB per value. */
const DEAD_LETTER_JSON_BYTES = 400_000;

/**
 * ?1 now, ?2 JSON [[body, error, site, received_at], …]. A letter naming a site erased after its
 * event was received is left out.
 */
const INSERT_DEAD_LETTERS_SQL = `
  INSERT INTO dead_letters (received_at, body, error, site)
  SELECT ?1, l.value ->> 0, l.value ->> 1, l.value ->> 2
  FROM json_each(?2) AS l
  WHERE l.value ->> 2 IS NULL OR ${writableSite("l.value ->> 2", "l.value ->> 3")}`;

/**
 * Stores queue bodies that could not be written (poison or dead-lettered), each with the site it
 * names (null when it names none), as JSON-bound multi-row inserts. A letter of a site erased
 * after the event was received is not stored: erasing a site erases its dead letters too.
 */
export async function insertDeadLetters(db: D1Database, letters: readonly { body: string; error: string | null; site?: string | null; received?: number | null }[], now: number): Promise<void> {
  if (letters.length === 0) return;
  const rows = letters.map((l) => [l.body, l.error, l.site ?? null, l.received ?? now]);
  const statements = splitJsonRows(rows, DEAD_LETTER_JSON_BYTES).map((json) => db.prepare(INSERT_DEAD_LETTERS_SQL).bind(now, json));
  await db.batch(statements);
}

/** Dead letters are kept this long for inspection and replay, then purged by the hourly run. */
export const DEAD_LETTER_MS = 30 * DAY_MS;

/** ?1 before (unix ms), ?2 limit. */
const PURGE_DEAD_LETTERS_SQL = `
  DELETE FROM dead_letters
  WHERE id IN (
    SELECT id
    FROM dead_letters
    WHERE received_at < ?1
    LIMIT ?2
  )`;

/** 1 query. Deletes up to `limit` dead letters stored before `before`. */
export async function purgeDeadLetters(db: D1Database, before: number, limit = 10_000): Promise<number> {
  const res = await db
    .prepare(PURGE_DEAD_LETTERS_SQL)
    .bind(before, limit)
    .run();
  return res.meta.changes;
}
