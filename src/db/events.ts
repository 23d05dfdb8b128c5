import type { CleanEvent } from "../collect/event";
import { chunk, chunkForParams, placeholders } from "./chunk";

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

export const DEDUP_WINDOW_MS = 48 * 3_600_000;

export const EVENT_COLUMNS = [
  "site", "day", "ts", "received_at", "name", "event_id", "via", "visitor", "url", "touch_kind", "source", "medium",
  "campaign", "content", "term", "value", "currency", "journey", "country", "device", "msg_id",
] as const;
const EVENT_ID_COLUMN = EVENT_COLUMNS.indexOf("event_id") + 1;
const SITE_COLUMN = EVENT_COLUMNS.indexOf("site") + 1;
/** Ids per dedup claim statement: one JSON parameter, kept well under D1's 1 MB value limit. */
const DEDUP_CHUNK = 500;

type Param = string | number | null;

/** A statement before it meets D1: its SQL and parameters (what tests count). */
export interface StatementSpec {
  kind: "claim" | "insert";
  sql: string;
  params: Param[];
}

function eventParams({ id, event: e }: StoredEvent): Param[] {
  return [
    e.site, e.day, e.ts, e.received_at, e.name, e.event_id, e.via, e.visitor, e.url, e.touch_kind, e.source, e.medium,
    e.campaign, e.content, e.term, e.value, e.currency, e.journey ? JSON.stringify(e.journey) : null, e.country, e.device, id,
  ];
}

const dedupKey = (e: CleanEvent) => `${e.site}\u0000${e.event_id}`;

/** The statements that claim event ids and insert events, in order; each binds ≤ 100 parameters. */
export function eventWriteStatements(items: readonly StoredEvent[], claim: string): StatementSpec[] {
  const specs: StatementSpec[] = [];
  const withId = items.filter((m) => m.event.event_id !== null);
  for (const part of chunk(withId, DEDUP_CHUNK)) {
    specs.push({
      kind: "claim",
      sql: "INSERT INTO dedup (site, event_id, first_seen, claim) " +
        "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), ? " +
        "FROM json_each(?) WHERE true " +
        "ON CONFLICT (site, event_id) DO UPDATE SET first_seen = excluded.first_seen, claim = excluded.claim " +
        "WHERE dedup.first_seen <= excluded.first_seen - ? " +
        "RETURNING site, event_id",
      params: [claim, JSON.stringify(part.map((m) => [m.event.site, m.event.event_id, m.event.received_at])), DEDUP_WINDOW_MS],
    });
  }
  // One fixed parameter (the claim) next to the rows.
  for (const rows of chunkForParams(items, EVENT_COLUMNS.length, 1)) {
    specs.push({
      kind: "insert",
      sql: `INSERT INTO events (${EVENT_COLUMNS.join(", ")})
            SELECT * FROM (VALUES ${placeholders(rows.length, EVENT_COLUMNS.length)}) AS v
            WHERE v.column${EVENT_ID_COLUMN} IS NULL
               OR EXISTS (SELECT 1 FROM dedup AS d WHERE d.site = v.column${SITE_COLUMN} AND d.event_id = v.column${EVENT_ID_COLUMN} AND d.claim = ?)
            ON CONFLICT DO NOTHING`,
      params: [...rows.flatMap(eventParams), claim],
    });
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

/** Stores queue bodies that could not be written (poison or dead-lettered), chunked to ≤ 100 parameters. */
export async function insertDeadLetters(db: D1Database, letters: readonly { body: string; error: string | null }[], now: number): Promise<void> {
  if (letters.length === 0) return;
  const statements = chunkForParams(letters, 3).map((rows) =>
    db
      .prepare(`INSERT INTO dead_letters (received_at, body, error) VALUES ${placeholders(rows.length, 3)}`)
      .bind(...rows.flatMap((l) => [now, l.body, l.error])),
  );
  await db.batch(statements);
}
