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

  it("stores many dead letters in JSON-bound statements of 2 parameters each", async () => {
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
    expect(bound).toEqual([2]);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM dead_letters WHERE body LIKE '{\"bulk\":%'").first<{ n: number }>();
    expect(n!.n).toBe(70);
  });

  it("writes packed messages and single-event messages of one batch together, acking each message once", async () => {
    const pack = [stored("c6"), stored("c6", { event_id: "k1" }), stored("c6")];
    const single = stored("c6");
    const result = await run("edgetally-events", [msg("pk", pack), msg("s1", single)]);
    expect(result.explicitAcks.sort()).toEqual(["pk", "s1"]);
    expect(result.retryMessages).toEqual([]);
    expect((await eventsOf("c6")).map((r) => r.msg_id).sort()).toEqual([...pack, single].map((b) => b.id).sort());
  });

  it("sets a pack's poison entry aside in dead_letters and still writes the pack's valid entries", async () => {
    const good = [stored("c7"), stored("c7")];
    const result = await run("edgetally-events", [msg("pp", [good[0], { id: "", event: good[0]!.event, marker: "c7-bad-entry" }, good[1]]), msg("pe", [])]);
    expect(result.explicitAcks.sort()).toEqual(["pe", "pp"]);
    expect((await eventsOf("c7")).map((r) => r.msg_id).sort()).toEqual(good.map((b) => b.id).sort());
    const { results } = await env.DB.prepare("SELECT body, error FROM dead_letters WHERE body LIKE '%c7-bad-entry%' OR body = '[]'").all<{ body: string; error: string }>();
    expect(results.map((r) => r.body.includes("c7-bad-entry") ? "entry" : r.body).sort()).toEqual(["[]", "entry"]);
    expect(results.every((r) => r.error.startsWith("poison"))).toBe(true);
    // The entry alone, not the whole pack: its valid neighbours are not in dead_letters.
    expect(results.some((r) => r.body.includes(good[0]!.id))).toBe(false);
  });

  it("retries a pack whole when D1 fails, and stores its poison entry only on the delivery that writes it", async () => {
    const good = stored("c8");
    const body = [good, { poison: "c8-poison" }];
    const failing = { ...env, DB: new Proxy(env.DB, { get: (t, p) => (p === "batch" ? () => Promise.reject(new Error("D1 down")) : Reflect.get(t, p)) }) };
    const first = await run("edgetally-events", [msg("f1", body, 1)], failing);
    expect(first.explicitAcks).toEqual([]);
    expect(first.delays).toEqual([{ msgId: "f1", delaySeconds: retryDelay(1) }]);
    const second = await run("edgetally-events", [msg("f1", body, 2)]);
    expect(second.explicitAcks).toEqual(["f1"]);
    expect((await eventsOf("c8")).map((r) => r.msg_id)).toEqual([good.id]);
    const dead = await env.DB.prepare("SELECT COUNT(*) AS n FROM dead_letters WHERE body LIKE '%c8-poison%'").first<{ n: number }>();
    expect(dead).toEqual({ n: 1 });
  });

  it("stores a dead-lettered pack entry by entry", async () => {
    const pack = [stored("c9"), stored("c9"), stored("c9")];
    const result = await run("edgetally-events-dlq", [msg("dp", pack, 11)]);
    expect(result.explicitAcks).toEqual(["dp"]);
    const { results } = await env.DB.prepare("SELECT body, error FROM dead_letters WHERE body LIKE '%\"c9\"%' ORDER BY rowid").all<{ body: string; error: string }>();
    expect(results.map((r) => JSON.parse(r.body) as unknown)).toEqual(pack);
    expect(results.every((r) => r.error === "dead-lettered from edgetally-events after 11 attempts")).toBe(true);
    expect(await eventsOf("c9")).toHaveLength(0);
  });
});
