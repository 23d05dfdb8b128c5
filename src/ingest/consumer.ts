import { insertDeadLetters, writeEvents } from "../db/events";
import { parseMessage } from "./message";

/**
 * Queue consumer: writes queued browser hits to D1 in batches, and stores dead-lettered
 * messages. Wired as the Worker's `queue` handler for both queues (branch on `batch.queue`).
 *
 * - A batch is written in one D1 transaction (src/db/events.ts); each message is acked after it.
 * - On a D1 failure every message is retried with exponential backoff (`retryDelay`); after
 *   `max_retries` (wrangler.toml) the queue moves it to the dead-letter queue.
 * - A poison message (not a valid event) is stored in `dead_letters` and acked: it never crashes
 *   or blocks the batch.
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

function bodyText(body: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(body) ?? String(body);
  } catch {
    text = String(body);
  }
  return text.length > DEAD_BODY_MAX ? text.slice(0, DEAD_BODY_MAX) : text;
}

/** Stores messages in dead_letters and acks them; if that fails they are retried, never lost. */
async function setAside(db: D1Database, messages: readonly Message<unknown>[], error: (m: Message<unknown>) => string): Promise<void> {
  if (messages.length === 0) return;
  try {
    await insertDeadLetters(db, messages.map((m) => ({ body: bodyText(m.body), error: error(m) })), Date.now());
    for (const m of messages) m.ack();
  } catch (err) {
    console.error(`edgetally: could not store ${messages.length} dead letters; retrying them`, err);
    for (const m of messages) m.retry({ delaySeconds: retryDelay(m.attempts) });
  }
}

export async function handleQueue(batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext): Promise<void> {
  if (batch.queue.endsWith(DLQ_SUFFIX)) {
    const from = batch.queue.slice(0, -DLQ_SUFFIX.length);
    return setAside(env.DB, batch.messages, (m) => `dead-lettered from ${from} after ${m.attempts} attempts`);
  }
  const good: { msg: Message<unknown>; item: NonNullable<ReturnType<typeof parseMessage>> }[] = [];
  const poison: Message<unknown>[] = [];
  for (const msg of batch.messages) {
    const item = parseMessage(msg.body);
    if (item) good.push({ msg, item });
    else poison.push(msg);
  }
  await setAside(env.DB, poison, () => "poison: the body is not a valid event message");
  if (good.length === 0) return;
  try {
    await writeEvents(env.DB, good.map((g) => g.item));
    for (const g of good) g.msg.ack();
  } catch (err) {
    console.error(`edgetally: writing ${good.length} queued events failed; retrying with backoff`, err);
    for (const g of good) g.msg.retry({ delaySeconds: retryDelay(g.msg.attempts) });
  }
}
