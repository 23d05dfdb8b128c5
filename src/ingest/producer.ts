import { writeEvents, type StoredEvent } from "../db/events";

/**
 * The edge side of the write path: hands accepted events to the queue (or, with no QUEUE bound,
 * straight to D1 — for the smallest deployments).
 *
 * Requests in one isolate share one `sendBatch`: events wait up to FLUSH_DELAY_MS after the
 * first of them (or until 100 messages / ~200 KB are pending) and go out together, so a busy
 * pixel makes one queue call per burst instead of one per hit (requests arrive one event-loop
 * turn apart, so waiting only for the next macrotask caught one or two hits per call). Every
 * caller gets a promise for the flush that carries its events and passes it to `ctx.waitUntil`,
 * which keeps the request alive until then: the wait costs wall time, not CPU.
 *
 * Nothing is dropped silently: if the queue refuses a batch, its events are written to D1
 * directly; if that fails too, the error is logged with the number of events lost and the
 * promise rejects (visible in `wrangler tail` as a failed waitUntil).
 *
 * NOTE: sendBatch takes at most 100 messages and 256 KB per call.
 * https://developers.cloudflare.com/queues/platform/limits/
 */
export const FLUSH_MESSAGES = 100;
export const FLUSH_BYTES = 200_000;
/** How long the first event of a burst waits for others before its flush. */
export const FLUSH_DELAY_MS = 50;

interface Pending {
  items: StoredEvent[];
  bytes: number;
  flushed: boolean;
  done: Promise<void>;
  start: () => void;
}

/** What the producer needs of the Worker's env: D1, and the queue where one is bound. */
export interface Sink {
  DB: D1Database;
  QUEUE?: Queue<unknown>;
}

let pending: Pending | null = null;
const encoder = new TextEncoder();

/** Sends one group of events: the queue if bound, else (or if it fails) D1 directly. */
export async function deliver(env: Sink, items: StoredEvent[]): Promise<"queued" | "written"> {
  const queue = env.QUEUE;
  if (queue) {
    try {
      await queue.sendBatch(items.map((body) => ({ body, contentType: "json" as const })));
      return "queued";
    } catch (err) {
      console.error(`edgetally: queue refused ${items.length} events; writing them to D1 directly`, err);
    }
  }
  try {
    await writeEvents(env.DB, items);
    return "written";
  } catch (err) {
    console.error(`edgetally: LOST ${items.length} events: neither the queue nor D1 took them`, err);
    throw err;
  }
}

function open(env: Sink): Pending {
  let start!: () => void;
  const gate = new Promise<void>((resolve) => (start = resolve));
  const p: Pending = {
    items: [],
    bytes: 0,
    flushed: false,
    start: () => {
      if (p.flushed) return;
      p.flushed = true;
      if (pending === p) pending = null;
      start();
    },
    done: gate.then(() => deliver(env, p.items).then(() => undefined)),
  };
  setTimeout(p.start, FLUSH_DELAY_MS);
  return p;
}

/**
 * Queues events for the next flush of this isolate and returns the promise of the flush(es) that
 * carry them. Pass it to `ctx.waitUntil`.
 */
export function enqueue(env: Sink, items: readonly StoredEvent[]): Promise<void> {
  const flushes = new Set<Promise<void>>();
  for (const item of items) {
    const size = encoder.encode(JSON.stringify(item)).byteLength;
    if (pending && pending.bytes + size > FLUSH_BYTES) pending.start();
    if (!pending) pending = open(env);
    pending.items.push(item);
    pending.bytes += size;
    flushes.add(pending.done);
    if (pending.items.length >= FLUSH_MESSAGES) pending.start();
  }
  return Promise.all(flushes).then(() => undefined);
}
