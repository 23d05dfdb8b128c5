import type { CleanEvent } from "../collect/event";
import { DEDUP_WINDOW_MS } from "../time/windows";
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
 */

/** An event ready to store: the clean event plus its edge-assigned unique id. */
export interface StoredEvent {
  id: string;
  event: CleanEvent;
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
 * One multi-row insert: the rows arrive as a JSON array of arrays (EVENT_COLUMNS order), read
 * with json_each — the technique of the dedup claim — instead of a VALUES list that could bind
 * only 4 rows per statement (21 parameters each). A row with an event_id is inserted only if
 * this write's claim holds its dedup row. Built from the fixed column list, never from values.
 */
const col = (name: (typeof EVENT_COLUMNS)[number]) => `json_extract(r.value, '$[${EVENT_COLUMNS.indexOf(name)}]')`;
const INSERT_SQL =
  `INSERT INTO events (${EVENT_COLUMNS.join(", ")}) ` +
  `SELECT ${EVENT_COLUMNS.map(col).join(", ")} FROM json_each(?) AS r ` +
  `WHERE (${col("event_id")} IS NULL ` +
  `OR EXISTS (SELECT 1 FROM dedup AS d WHERE d.site = ${col("site")} AND d.event_id = ${col("event_id")} AND d.claim = ?)) ` +
  // An event of a site erased after it was received (still queued, or from a stale site cache) is refused.
  `AND ${writableSite(col("site"), col("received_at"))} ` +
  "ON CONFLICT DO NOTHING";

type Param = string | number | null;

/** A statement before it meets D1: its SQL and parameters (what tests count). */
export interface StatementSpec {
  kind: "claim" | "insert";
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
      sql: "INSERT INTO dedup (site, event_id, first_seen, claim) " +
        "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), ? " +
        `FROM json_each(?) WHERE ${writableSite("json_extract(value, '$[0]')", "json_extract(value, '$[2]')")} ` +
        "ON CONFLICT (site, event_id) DO UPDATE SET first_seen = excluded.first_seen, claim = excluded.claim " +
        "WHERE dedup.first_seen <= excluded.first_seen - ? " +
        "RETURNING site, event_id",
      params: [claim, JSON.stringify(part.map((m) => [m.event.site, m.event.event_id, m.event.received_at])), DEDUP_WINDOW_MS],
    });
  }
  for (const rows of splitJsonRows(items.map(eventRow), maxJsonBytes)) {
    specs.push({ kind: "insert", sql: INSERT_SQL, params: [rows, claim] });
  }
  return specs;
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
  items.forEach((m, i) => {
    if (m.event.event_id !== null) {
      const key = dedupKey(m.event);
      if (seen.has(key)) return void duplicates.push(i);
      seen.add(key);
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
  unique.forEach((m, j) => {
    if (m.event.event_id !== null && !claimed.has(dedupKey(m.event))) duplicates.push(uniqueIndex[j]!);
  });
  return { inserted, duplicates: duplicates.sort((a, b) => a - b) };
}

/** Bytes of dead letters (JSON) per insert statement, well under D1's 1 MB per value. */
const DEAD_LETTER_JSON_BYTES = 400_000;

/**
 * Stores queue bodies that could not be written (poison or dead-lettered), each with the site it
 * names (null when it names none), as JSON-bound multi-row inserts. A letter of a site erased
 * after the event was received is not stored: erasing a site erases its dead letters too.
 */
export async function insertDeadLetters(db: D1Database, letters: readonly { body: string; error: string | null; site?: string | null; received?: number | null }[], now: number): Promise<void> {
  if (letters.length === 0) return;
  const rows = letters.map((l) => [l.body, l.error, l.site ?? null, l.received ?? now]);
  const statements = splitJsonRows(rows, DEAD_LETTER_JSON_BYTES).map((json) =>
    db
      .prepare(
        "INSERT INTO dead_letters (received_at, body, error, site) " +
          "SELECT ?1, l.value ->> 0, l.value ->> 1, l.value ->> 2 FROM json_each(?2) AS l " +
          `WHERE l.value ->> 2 IS NULL OR ${writableSite("l.value ->> 2", "l.value ->> 3")}`,
      )
      .bind(now, json),
  );
  await db.batch(statements);
}

/** Dead letters are kept this long for inspection and replay, then purged by the hourly run. */
export const DEAD_LETTER_MS = 30 * 86_400_000;

/** 1 query. Deletes up to `limit` dead letters stored before `before`. */
export async function purgeDeadLetters(db: D1Database, before: number, limit = 10_000): Promise<number> {
  const res = await db
    .prepare("DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters WHERE received_at < ?1 LIMIT ?2)")
    .bind(before, limit)
    .run();
  return res.meta.changes;
}
