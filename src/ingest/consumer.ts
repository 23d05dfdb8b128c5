import { insertDeadLetters, writeEvents } from "../db/events";
import { recordWriteDuplicates } from "../live/record";
import { unpack } from "./message";
import { forwardWritten } from "../forward/enqueue";

/**
 * Queue consumer: writes queued browser hits to D1 in batches, and stores dead-lettered
 * messages. Wired as the Worker's `queue` handler for both queues (branch on `batch.queue`).
 *
 * - A message is a pack of events or a single event (src/ingest/message.ts). The events of the
 *   whole batch are written in one D1 transaction (src/db/events.ts); each message is acked after it.
 * - On a D1 failure every message is retried with exponential backoff (`retryDelay`); after
 *   `max_retries` (wrangler.toml) the queue moves it to the dead-letter queue, whose consumer
 *   stores a pack entry by entry.
 * - A poison message (not a valid event), or a poison entry of a pack, is stored in
 *   `dead_letters` and acked: it never crashes or blocks the batch, nor the pack's valid entries.
 * - Redelivery is idempotent: the edge-assigned id (`events.msg_id`) and the event_id claim
 *   make a second write of the same message insert nothing.
 */

/** Queues whose name ends with this are dead-letter queues (edgetally-events-dlq). */
export const DLQ_SUFFIX = "-dlq";
/** Longest body kept in dead_letters. */
const DEAD_BODY_MAX = 64_000;

/** Seconds before retry `attempts` (1, 2, 3…): 10, 20, 40 … capped at 15 minutes. */
export function retryDelay(attempts: number): number {
  return Math.min(10 * 2 ** Math.max(0, attempts - 1), 900);
}

/** A body without its forward context (IP address, user agent, click ids): never written to D1. */
function withoutIdentifiers(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(withoutIdentifiers);
  if (typeof body === "object" && body !== null && "forward" in body) {
    const { forward: _forward, ...rest } = body as Record<string, unknown>;
    return rest;
  }
  return body;
}

function bodyText(body: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(withoutIdentifiers(body)) ?? String(body);
  } catch {
    text = String(body);
  }
  return text.length > DEAD_BODY_MAX ? text.slice(0, DEAD_BODY_MAX) : text;
}

interface Letter {
  body: string;
  error: string;
  /** the site the body names (null: none), so erasing a site erases its dead letters */
  site: string | null;
  /** when its event was received (an erased site's letters received before the erase are refused) */
  received: number | null;
}

/** The site and receive time a dead body names, if it is (or looks like) a queued event. */
function letterOf(body: unknown, error: string): Letter {
  const event = typeof body === "object" && body !== null ? (body as { event?: unknown }).event : undefined;
  const e = typeof event === "object" && event !== null ? (event as { site?: unknown; received_at?: unknown }) : {};
  return {
    body: bodyText(body),
    error,
    site: typeof e.site === "string" ? e.site : null,
    received: typeof e.received_at === "number" && Number.isFinite(e.received_at) ? e.received_at : null,
  };
}

/** Stores the letters of `messages` in dead_letters and acks them; if that fails they are retried, never lost. */
async function setAside(db: D1Database, messages: readonly { msg: Message<unknown>; letters: Letter[] }[]): Promise<void> {
  if (messages.length === 0) return;
  try {
    await insertDeadLetters(db, messages.flatMap((m) => m.letters), Date.now());
    for (const m of messages) m.msg.ack();
  } catch (err) {
    console.error(`edgetally: could not store the dead letters of ${messages.length} messages; retrying them`, err);
    for (const m of messages) m.msg.retry({ delaySeconds: retryDelay(m.msg.attempts) });
  }
}

/** A dead-lettered body as rows of dead_letters: a pack entry by entry, anything else whole. */
function deadBodies(body: unknown): unknown[] {
  return Array.isArray(body) && body.length > 0 ? body : [body];
}

const POISON = "poison: the body is not a valid event message";

export async function handleQueue(batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext): Promise<void> {
  if (batch.queue.endsWith(DLQ_SUFFIX)) {
    const from = batch.queue.slice(0, -DLQ_SUFFIX.length);
    return setAside(
      env.DB,
      batch.messages.map((msg) => {
        const error = `dead-lettered from ${from} after ${msg.attempts} attempts`;
        return { msg, letters: deadBodies(msg.body).map((b) => letterOf(b, error)) };
      }),
    );
  }
  const messages = batch.messages.map((msg) => ({ msg, ...unpack(msg.body) }));
  const items = messages.flatMap((m) => m.items);
  let written = true;
  if (items.length > 0) {
    try {
      const { duplicates } = await writeEvents(env.DB, items);
      if (duplicates.length > 0) await recordWriteDuplicates(env.DB, duplicates.map((i) => items[i]!.event));
      // Stored: forwarded now (a failure here is logged, never a reason to write the events again).
      await forwardWritten(env, items, duplicates).catch((err) => console.error("edgetally: forwarding stored events failed", err instanceof Error ? err.message : String(err)));
    } catch (err) {
      written = false;
      console.error(`edgetally: writing ${items.length} queued events failed; retrying with backoff`, err);
    }
  }
  const done: typeof messages = [];
  for (const m of messages) {
    // A message whose events were not written is retried whole; its poison entries (if any) are
    // set aside on the delivery that writes the events, so each is stored exactly once.
    if (!written && m.items.length > 0) m.msg.retry({ delaySeconds: retryDelay(m.msg.attempts) });
    else if (m.poison.length === 0) m.msg.ack();
    else done.push(m);
  }
  await setAside(env.DB, done.map((m) => ({ msg: m.msg, letters: m.poison.map((p) => letterOf(p, POISON)) })));
}
