import { writeEvents, type StoredEvent } from "../db/events";
import { recordWriteDuplicates } from "../live/record";
import type { QueueBody } from "./message";

/**
 * The edge side of the write path: hands accepted events to the queue (or, with no QUEUE bound,
 * straight to D1 — for the smallest deployments).
 *
 * Requests in one isolate share one `sendBatch`: events wait up to FLUSH_DELAY_MS after the
 * first of them (or until FLUSH_EVENTS events / FLUSH_BYTES are pending) and go out together, so a
 * busy pixel makes one queue call per burst instead of one per hit (requests arrive one event-loop
 * turn apart, so waiting only for the next macrotask caught one or two hits per call). The
 * request that opens a burst passes the flush's promise to `ctx.waitUntil`, which keeps it (and
 * so the isolate) alive until the send: the wait costs wall time, not CPU. Later requests of the
 * burst need not wait (see `enqueue`).
 *
 * A burst travels packed: one queue message carries up to PACK_BYTES of events (an array of
 * StoredEvents, each with its own id), so the queue and the consumer handle one message per
 * burst instead of one per hit (src/ingest/message.ts). A burst of fewer than PACK_MIN events
 * goes as single-event messages: a pack saves nothing there and would only coarsen retries.
 *
 * Nothing is dropped silently: if the queue refuses a batch, its events are written to D1
 * directly; if that fails too, the error is logged with the number of events lost and the
 * promise rejects (visible in `wrangler tail` as a failed waitUntil).
 *
 * NOTE: sendBatch takes at most 100 messages and 256 KB per call, and a message at most 128 KB.
 * https://developers.cloudflare.com/queues/platform/limits/
 */
export const FLUSH_EVENTS = 100;
export const FLUSH_BYTES = 200_000;
/** Largest pack (its events' JSON), well under a message's 128 KB. */
export const PACK_BYTES = 100_000;
/** Fewest events of a burst that travel as a pack. */
export const PACK_MIN = 3;
/** How long the first event of a burst waits for others before its flush. */
export const FLUSH_DELAY_MS = 50;

interface Pending {
  items: StoredEvent[];
  sizes: number[];
  bytes: number;
  done: Promise<void>;
  /** Closes the burst to new events; its flush still waits for the opener's timer. */
  seal: () => void;
}

/** What the producer needs of the Worker's env: D1, and the queue where one is bound. */
export interface Sink {
  DB: D1Database;
  QUEUE?: Queue<unknown>;
  /** forwards what a direct write stored (src/forward/enqueue.ts forwardWritten); absent in unit tests of the producer */
  forward?: (items: readonly StoredEvent[], duplicates: readonly number[]) => Promise<void>;
}

let pending: Pending | null = null;
const encoder = new TextEncoder();

/** Bytes of one event as it travels in a queue message (its JSON). */
export function messageBytes(item: StoredEvent): number {
  return encoder.encode(JSON.stringify(item)).byteLength;
}

/**
 * The queue messages of a burst, in order: packs of at most `maxBytes` of events (`sizes` are
 * their JSON bytes; a pack adds a comma per event and two brackets), or single events when the
 * burst has fewer than PACK_MIN.
 */
export function packMessages(items: readonly StoredEvent[], sizes: readonly number[], maxBytes = PACK_BYTES): QueueBody[] {
  if (items.length < PACK_MIN) return [...items];
  const packs: StoredEvent[][] = [];
  let pack: StoredEvent[] = [];
  let bytes = 2;
  items.forEach((item, i) => {
    const size = sizes[i]! + 1;
    if (pack.length > 0 && bytes + size > maxBytes) {
      packs.push(pack);
      pack = [];
      bytes = 2;
    }
    pack.push(item);
    bytes += size;
  });
  if (pack.length > 0) packs.push(pack);
  return packs;
}

/** Sends one burst of events: the queue if bound, else (or if it fails) D1 directly. */
export async function deliver(env: Sink, items: StoredEvent[], sizes: readonly number[] = items.map(messageBytes)): Promise<"queued" | "written"> {
  const queue = env.QUEUE;
  if (queue) {
    try {
      await queue.sendBatch(packMessages(items, sizes).map((body) => ({ body, contentType: "json" as const })));
      return "queued";
    } catch (err) {
      console.error(`edgetally: queue refused ${items.length} events; writing them to D1 directly`, err);
    }
  }
  try {
    const { duplicates } = await writeEvents(env.DB, items);
    if (duplicates.length > 0) await recordWriteDuplicates(env.DB, duplicates.map((i) => items[i]!.event));
    if (env.forward) await env.forward(items, duplicates).catch((err) => console.error("edgetally: forwarding stored events failed", err instanceof Error ? err.message : String(err)));
    return "written";
  } catch (err) {
    console.error(`edgetally: LOST ${items.length} events: neither the queue nor D1 took them`, err);
    throw err;
  }
}

function open(env: Sink): Pending {
  let fire!: () => void;
  const timer = new Promise<void>((resolve) => (fire = resolve));
  const p: Pending = {
    items: [],
    sizes: [],
    bytes: 0,
    seal: () => {
      if (pending === p) pending = null;
    },
    done: timer.then(() => {
      p.seal();
      return deliver(env, p.items, p.sizes).then(() => undefined);
    }),
  };
  // NOTE: only the opener's own timer starts the flush. A request that fills the burst seals it
  // but never resolves the opener's promise: resolving a promise created by another request is
  // cross-request I/O in workerd ("Cannot perform I/O on behalf of a different request",
  // https://developers.cloudflare.com/workers/runtime-apis/context/), seen in the fuzz tests.
  setTimeout(fire, FLUSH_DELAY_MS);
  return p;
}

/**
 * Queues events for the next flush of this isolate. Returns the promise of the flush(es) this
 * call opened — the opener's context owns the flush's timer and its send — so pass it to
 * `ctx.waitUntil`; a call whose events join a flush another request opened gets an already
 * settled promise: that request keeps the isolate alive until the flush, and every waiter would
 * otherwise be one more cross-request promise resolution at each flush.
 */
export function enqueue(env: Sink, items: readonly StoredEvent[]): Promise<void> {
  const opened: Promise<void>[] = [];
  for (const item of items) {
    const size = messageBytes(item);
    if (pending && pending.bytes + size > FLUSH_BYTES) pending.seal();
    if (!pending) {
      pending = open(env);
      opened.push(pending.done);
    }
    pending.items.push(item);
    pending.sizes.push(size);
    pending.bytes += size;
    if (pending.items.length >= FLUSH_EVENTS) pending.seal();
  }
  return opened.length === 0 ? Promise.resolve() : Promise.all(opened).then(() => undefined);
}
