import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../src/db/events";
import type { QueueBody } from "../../src/ingest/message";
import { enqueue, FLUSH_DELAY_MS, FLUSH_EVENTS, PACK_BYTES, PACK_MIN } from "../../src/ingest/producer";
import { cleanEvent, eventsOf } from "./helpers";

const stored = (site: string, over: Parameters<typeof cleanEvent>[0] = {}): StoredEvent => ({ id: crypto.randomUUID(), event: cleanEvent({ site, ...over }) });

/** The events of one message, whichever shape it has. */
const eventsIn = (body: QueueBody): StoredEvent[] => (Array.isArray(body) ? body : [body]);
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).byteLength;

/**
 * A queue binding that records each sendBatch call (or refuses every one): `messages` holds each
 * call's message bodies, `calls` the events each call carried.
 */
function fakeQueue(fail = false): { queue: Queue<QueueBody>; calls: StoredEvent[][]; messages: QueueBody[][] } {
  const calls: StoredEvent[][] = [];
  const messages: QueueBody[][] = [];
  const queue: Queue<QueueBody> = {
    metrics: async () => ({ backlogCount: 0, backlogBytes: 0 }),
    send: async () => {
      throw new Error("the producer only uses sendBatch");
    },
    sendBatch: async (sent) => {
      if (fail) throw new Error("Queue send failed: Too Many Requests");
      const bodies = [...sent].map((m) => m.body);
      messages.push(bodies);
      calls.push(bodies.flatMap(eventsIn));
      return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
    },
  };
  return { queue, calls, messages };
}

describe("producer", () => {
  it("coalesces the sends of concurrent requests into one sendBatch of one packed message", async () => {
    const { queue, calls, messages } = fakeQueue();
    const e = { ...env, QUEUE: queue };
    const items = Array.from({ length: 7 }, () => stored("p1"));
    // Seven "requests" in the same tick, each with its own promise for waitUntil.
    await Promise.all(items.map((it) => enqueue(e, [it])));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map((m) => m.id)).toEqual(items.map((m) => m.id));
    expect(messages).toEqual([[items]]);
  });

  it("lets only the request that opened a burst wait for its flush; later ones return at once", async () => {
    const { queue, calls } = fakeQueue();
    const e = { ...env, QUEUE: queue };
    const [a, b] = [stored("p9"), stored("p9")];
    const opener = enqueue(e, [a]);
    let joinedDone = false;
    await enqueue(e, [b]).then(() => (joinedDone = true));
    expect(joinedDone).toBe(true);
    expect(calls).toHaveLength(0);
    await opener;
    expect(calls.flat().map((m) => m.id)).toEqual([a.id, b.id]);
  });

  it("sends a burst smaller than PACK_MIN as single-event messages", async () => {
    const { queue, messages } = fakeQueue();
    const items = Array.from({ length: PACK_MIN - 1 }, () => stored("p8"));
    await Promise.all(items.map((it) => enqueue({ ...env, QUEUE: queue }, [it])));
    expect(messages).toEqual([items]);
  });

  it("coalesces requests that arrive a few event-loop turns apart, within FLUSH_DELAY_MS of the first", async () => {
    const { queue, calls } = fakeQueue();
    const e = { ...env, QUEUE: queue };
    const items = Array.from({ length: 3 }, () => stored("p7"));
    // Requests one macrotask apart (how a busy isolate sees them): each waits for a timer before enqueueing.
    const sends: Promise<void>[] = [];
    for (const it of items) {
      sends.push(enqueue(e, [it]));
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(FLUSH_DELAY_MS).toBeGreaterThan(5);
    await Promise.all(sends);
    expect(calls.map((c) => c.map((m) => m.id))).toEqual([items.map((m) => m.id)]);
  });

  it("flushes at FLUSH_EVENTS events and sends the rest in the next batch", async () => {
    const { queue, calls, messages } = fakeQueue();
    const e = { ...env, QUEUE: queue };
    const items = Array.from({ length: 250 }, () => stored("p2"));
    await Promise.all(items.map((it) => enqueue(e, [it])));
    expect(calls.map((c) => c.length)).toEqual([FLUSH_EVENTS, FLUSH_EVENTS, 50]);
    expect(calls.flat().map((m) => m.id)).toEqual(items.map((m) => m.id));
    // Small events: each flush is one pack.
    expect(messages.map((m) => m.length)).toEqual([1, 1, 1]);
  });

  it("keeps each message under the 128 KB limit and each sendBatch under 256 KB, splitting packs by bytes", async () => {
    const { queue, calls, messages } = fakeQueue();
    const e = { ...env, QUEUE: queue };
    const big = Array.from({ length: 60 }, () => stored("p3", { url: `https://shop.example/${"x".repeat(2000)}`, journey: Array.from({ length: 10 }, (_, i) => ({ time: i, source: "s".repeat(200), medium: "m".repeat(200), campaign: "c".repeat(200), content: null, term: null, view: false })) }));
    await Promise.all(big.map((it) => enqueue(e, [it])));
    expect(calls.length).toBeGreaterThan(1);
    for (const m of messages) expect(bytes(m)).toBeLessThan(256_000);
    const bodies = messages.flat();
    expect(bodies.some((b) => Array.isArray(b) && b.length > 1)).toBe(true);
    for (const b of bodies) expect(bytes(b)).toBeLessThanOrEqual(PACK_BYTES);
    expect(PACK_BYTES).toBeLessThan(128_000);
    expect(bodies.flatMap(eventsIn).map((m) => m.id)).toEqual(big.map((m) => m.id));
  });

  it("writes to D1 directly when the queue refuses the batch: nothing is lost", async () => {
    const { queue } = fakeQueue(true);
    const items = [stored("p4"), stored("p4")];
    await Promise.all(items.map((it) => enqueue({ ...env, QUEUE: queue }, [it])));
    expect((await eventsOf("p4")).map((r) => r.msg_id).sort()).toEqual(items.map((m) => m.id).sort());
  });

  it("writes to D1 directly when no QUEUE is bound (the smallest deployments)", async () => {
    const items = [stored("p5"), stored("p5", { event_id: "e1" })];
    await enqueue({ DB: env.DB }, items);
    expect(await eventsOf("p5")).toHaveLength(2);
  });

  it("rejects (so the failure shows in the logs) when neither the queue nor D1 takes the events", async () => {
    const { queue } = fakeQueue(true);
    const broken = { ...env, QUEUE: queue, DB: new Proxy(env.DB, { get: (t, p) => (p === "batch" ? () => Promise.reject(new Error("D1 down")) : Reflect.get(t, p)) }) };
    await expect(enqueue(broken, [stored("p6")])).rejects.toThrow("D1 down");
  });
});
