import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../src/db/events";
import { handleQueue, retryDelay } from "../../src/ingest/consumer";
import { cleanEvent, eventsOf } from "./helpers";

const msg = (id: string, body: unknown, attempts = 1) => ({ id, timestamp: Date.now(), attempts, body });
const stored = (site: string, over: Parameters<typeof cleanEvent>[0] = {}): StoredEvent => ({ id: crypto.randomUUID(), event: cleanEvent({ site, ...over }) });

/**
 * Runs the consumer on a test batch. The test harness records acks and retries but not a retry's
 * delaySeconds, so each message is wrapped to record those too.
 */
async function run(queue: string, messages: ReturnType<typeof msg>[], e: Env = env) {
  const batch = createMessageBatch(queue, messages);
  const delays: { msgId: string; delaySeconds: number | undefined }[] = [];
  const recorded: MessageBatch<unknown> = {
    queue: batch.queue,
    messages: batch.messages.map((m) =>
      new Proxy(m, {
        get(target, prop) {
          if (prop === "retry") return (o?: QueueRetryOptions) => (delays.push({ msgId: target.id, delaySeconds: o?.delaySeconds }), target.retry(o));
          const v = Reflect.get(target, prop) as unknown;
          return typeof v === "function" ? v.bind(target) : v;
        },
      }),
    ),
    metadata: batch.metadata,
    ackAll: () => batch.ackAll(),
    retryAll: (o?: QueueRetryOptions) => batch.retryAll(o),
  };
  const ctx = createExecutionContext();
  await handleQueue(recorded, e, ctx);
  return { ...(await getQueueResult(batch, ctx)), delays };
}

describe("queue consumer", () => {
  it("writes a batch and acks every message", async () => {
    const bodies = [stored("c1"), stored("c1", { name: "purchase", event_id: "o1", value: 3 }), stored("c1")];
    const result = await run("edgetally-events", bodies.map((b, i) => msg(`m${i}`, b)));
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
    expect(result.retryMessages).toEqual([]);
    const rows = await eventsOf("c1");
    expect(rows.map((r) => r.msg_id).sort()).toEqual(bodies.map((b) => b.id).sort());
  });

  it("is idempotent when a batch is delivered again", async () => {
    const bodies = [stored("c2"), stored("c2", { event_id: "o2" })];
    await run("edgetally-events", bodies.map((b, i) => msg(`a${i}`, b)));
    const again = await run("edgetally-events", bodies.map((b, i) => msg(`a${i}`, b, 2)));
    expect(again.explicitAcks.sort()).toEqual(["a0", "a1"]);
    expect(await eventsOf("c2")).toHaveLength(2);
  });

  it("stores a poison message in dead_letters and acks it without losing the good ones", async () => {
    const good = stored("c3");
    const result = await run("edgetally-events", [msg("p1", { nonsense: true }), msg("g1", good), msg("p2", { id: "x", event: { ...good.event, ts: "soon" } })]);
    expect(result.explicitAcks.sort()).toEqual(["g1", "p1", "p2"]);
    expect(await eventsOf("c3")).toHaveLength(1);
    const { results } = await env.DB.prepare("SELECT body, error FROM dead_letters WHERE body LIKE '%nonsense%' OR body LIKE '%soon%'").all<{ body: string; error: string }>();
    expect(results).toHaveLength(2);
    expect(results.every((r) => r.error.startsWith("poison"))).toBe(true);
  });

  it("retries every message with a growing delay when D1 fails", async () => {
    const failing = { ...env, DB: new Proxy(env.DB, { get: (t, p) => (p === "batch" ? () => Promise.reject(new Error("D1 down")) : Reflect.get(t, p)) }) };
    const result = await run("edgetally-events", [msg("r1", stored("c4"), 1), msg("r2", stored("c4"), 3)], failing);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: "r1" }, { msgId: "r2" }]);
    expect(result.delays).toEqual([
      { msgId: "r1", delaySeconds: retryDelay(1) },
      { msgId: "r2", delaySeconds: retryDelay(3) },
    ]);
    expect(retryDelay(3)).toBeGreaterThan(retryDelay(1));
    expect(retryDelay(50)).toBe(900);
    expect(await eventsOf("c4")).toHaveLength(0);
  });

  it("stores dead-lettered messages from the DLQ", async () => {
    const body = stored("c5");
    const result = await run("edgetally-events-dlq", [msg("d1", body, 6)]);
    expect(result.explicitAcks).toEqual(["d1"]);
    const row = await env.DB.prepare("SELECT body, error FROM dead_letters WHERE body LIKE ?").bind(`%${body.id}%`).first<{ body: string; error: string }>();
    expect(JSON.parse(row!.body)).toEqual(body);
    expect(row!.error).toBe("dead-lettered from edgetally-events after 6 attempts");
    expect(await eventsOf("c5")).toHaveLength(0);
  });

  it("stores many dead letters in statements of at most 100 parameters", async () => {
    const bound: number[] = [];
    const recording = {
      ...env,
      DB: new Proxy(env.DB, {
        get(t, p) {
          if (p === "prepare") {
            return (sql: string) => {
              const s = t.prepare(sql);
              return { bind: (...a: unknown[]) => (bound.push(a.length), s.bind(...a)) };
            };
          }
          const v = Reflect.get(t, p) as unknown;
          return typeof v === "function" ? v.bind(t) : v;
        },
      }),
    };
    const result = await run("edgetally-events-dlq", Array.from({ length: 70 }, (_, i) => msg(`x${i}`, { bulk: i }, 6)), recording);
    expect(result.explicitAcks).toHaveLength(70);
    expect(bound).toEqual([99, 99, 12]);
  });
});
