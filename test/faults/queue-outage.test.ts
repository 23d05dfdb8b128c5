// The write path under D1 faults, end to end through the consumer as Cloudflare Queues drives it:
// deliveries, retries, max_retries, the dead-letter queue and its own consumer. Nothing accepted
// may vanish without a trace: every message ends in `events` or `dead_letters`, exactly once,
// unless D1 was down for every single delivery the queue configuration allows.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { parse as parseToml } from "smol-toml";
import { describe, expect, it, vi } from "vitest";
import type { CleanEvent } from "../../src/collect/event";
import { DLQ_SUFFIX, handleQueue, retryDelay } from "../../src/ingest/consumer";
import wranglerToml from "../../wrangler.toml?raw";
import { downDb } from "./faulty-db";

/** Cloudflare's default when a consumer sets no max_retries (https://developers.cloudflare.com/queues/configuration/dead-letter-queues/). */
const DEFAULT_MAX_RETRIES = 3;

interface ConsumerConfig {
  queue: string;
  maxRetries: number;
  deadLetterQueue: string | null;
}

interface QueuesToml {
  queues?: {
    producers?: { binding: string; queue: string }[];
    consumers?: { queue: string; max_retries?: number; dead_letter_queue?: string }[];
  };
}

/** The [[queues.consumers]] and [[queues.producers]] tables of wrangler.toml, read with a TOML parser. */
function queueConfig(): { producers: { binding: string; queue: string }[]; consumers: ConsumerConfig[] } {
  const { queues } = parseToml(wranglerToml) as QueuesToml;
  return {
    producers: (queues?.producers ?? []).map((p) => ({ binding: p.binding, queue: p.queue })),
    consumers: (queues?.consumers ?? []).map((c) => ({
      queue: c.queue,
      maxRetries: c.max_retries ?? DEFAULT_MAX_RETRIES,
      deadLetterQueue: c.dead_letter_queue ?? null,
    })),
  };
}

/** Seconds the queue keeps retrying one message (the delays the consumer asks for), over `retries` retries. */
function retrySpan(retries: number): number {
  let total = 0;
  for (let attempt = 1; attempt <= retries; attempt++) total += retryDelay(attempt);
  return total;
}

function cleanEvent(site: string, i: number): CleanEvent {
  const ts = Date.now() - i * 1000;
  return {
    site, day: new Date(ts).toISOString().slice(0, 10), ts, received_at: ts, name: "pageview", event_id: null, via: "pixel",
    visitor: `v${i % 3}`, url: `https://${site}.example/p/${i}`, touch_kind: "landing", source: "newsletter", medium: "email", campaign: "outage",
    content: null, term: null, value: null, currency: null, journey: null, country: null, device: "desktop",
  };
}

interface Pending {
  id: string;
  body: unknown;
  attempts: number;
}

/** Delivers `messages` once to the consumer of `queue` with D1 up or down; returns the acked and retried message ids. */
async function deliver(queue: string, messages: Pending[], d1Up: boolean): Promise<{ acked: Set<string>; retried: Set<string> }> {
  const batch = createMessageBatch(queue, messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts: m.attempts, body: m.body })));
  const ctx = createExecutionContext();
  await handleQueue(batch, d1Up ? env : { ...env, DB: downDb(env.DB) }, ctx);
  const result = await getQueueResult(batch, ctx);
  const retried = new Set([...result.retryMessages.map((r) => r.msgId), ...(result.retryBatch.retry ? messages.map((m) => m.id) : [])]);
  const acked = new Set([...result.explicitAcks, ...(result.ackAll ? messages.map((m) => m.id) : [])]);
  return { acked, retried };
}

describe("queue configuration", () => {
  it("routes failed messages to a dead-letter queue this Worker consumes, and rides out a 12-hour D1 outage", () => {
    const { producers, consumers } = queueConfig();
    const producer = producers.find((p) => p.binding === "QUEUE");
    expect(producer, "a QUEUE producer binding").toBeDefined();
    const main = consumers.find((c) => c.queue === producer!.queue);
    expect(main, "a consumer for the producer's queue").toBeDefined();
    // The consumer tells the DLQ from the main queue by its name (DLQ_SUFFIX).
    expect(main!.deadLetterQueue).toBe(`${main!.queue}${DLQ_SUFFIX}`);
    const dlq = consumers.find((c) => c.queue === main!.deadLetterQueue);
    expect(dlq, "a consumer for the dead-letter queue").toBeDefined();
    expect(main!.maxRetries).toBeLessThanOrEqual(100);
    expect(dlq!.maxRetries).toBeLessThanOrEqual(100);

    // NOTE: a message that fails its last retry in a queue without a DLQ of its own is deleted
    // (https://developers.cloudflare.com/queues/configuration/dead-letter-queues/). The DLQ consumer
    // has no DLQ, so its retries are the last line: together with the main queue's they bound how
    // long D1 may be down before accepted hits are lost. Counted conservatively: attempts restart
    // at 1 in the DLQ.
    const span = retrySpan(main!.maxRetries) + retrySpan(dlq!.maxRetries);
    expect(dlq!.deadLetterQueue).toBeNull();
    expect(
      span,
      `D1 may be down only ${(span / 60).toFixed(1)} minutes before hits are lost (main queue ${main!.maxRetries} retries, DLQ ${dlq!.maxRetries}); set max_retries = 100 on the DLQ consumer`,
    ).toBeGreaterThanOrEqual(12 * 3600);
  });
});

describe("D1 outages while the queue delivers", () => {
  it("ends every message in events or dead_letters exactly once, whatever the pattern of D1 failures", async () => {
    const { producers, consumers } = queueConfig();
    const mainQueue = producers.find((p) => p.binding === "QUEUE")!.queue;
    const main = consumers.find((c) => c.queue === mainQueue)!;
    const dlq = consumers.find((c) => c.queue === main.deadLetterQueue)!;
    const mainDeliveries = main.maxRetries + 1;
    const dlqDeliveries = dlq.maxRetries + 1;
    let run = 0;
    const fates = new Set<string>();
    // The consumer logs every failed write; thousands of injected failures would bury the report.
    const quiet = vi.spyOn(console, "error").mockImplementation(() => undefined);

    await fc.assert(
      fc.asyncProperty(
        // An outage of any length (down for the first `k` deliveries), then D1 flapping.
        fc
          .tuple(fc.integer({ min: 0, max: mainDeliveries + dlqDeliveries }), fc.array(fc.boolean(), { minLength: mainDeliveries + dlqDeliveries, maxLength: mainDeliveries + dlqDeliveries }))
          .map(([k, flaps]) => flaps.map((up, i) => i >= k && up)),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 }),
        async (upAt, goodCount, poisonCount) => {
          run++;
          const site = `outage-${run}`;
          const messages: Pending[] = [
            // Both shapes the producer sends: packs (odd) and single events (even).
            ...Array.from({ length: goodCount }, (_, i) => {
              const one = (k: number) => ({ id: crypto.randomUUID(), event: cleanEvent(site, 10 * i + k) });
              return { id: `${site}-m${i}`, body: i % 2 ? [one(0), one(1), one(2)] : one(0), attempts: 1 };
            }),
            ...Array.from({ length: poisonCount }, (_, i) => ({ id: `${site}-p${i}`, body: { poison: `${site}-poison-${i}` }, attempts: 1 })),
          ];
          let inMain = messages;
          let inDlq: Pending[] = [];
          const lost: Pending[] = [];
          // One delivery round per step: each queue hands every waiting message to its consumer.
          // A message failing its last main delivery moves to the DLQ, delivered from the next round.
          for (let round = 0; inMain.length + inDlq.length > 0; round++) {
            const up = upAt[round] ?? true;
            const nextMain: Pending[] = [];
            const nextDlq: Pending[] = [];
            for (const [queue, batch, deliveries] of [[mainQueue, inMain, mainDeliveries], [main.deadLetterQueue!, inDlq, dlqDeliveries]] as const) {
              if (batch.length === 0) continue;
              const r = await deliver(queue, batch, up);
              for (const m of batch) {
                if (r.acked.has(m.id) && !r.retried.has(m.id)) continue;
                if (!r.retried.has(m.id)) throw new Error(`message ${m.id} was neither acked nor retried by ${queue}`);
                if (m.attempts < deliveries) (queue === mainQueue ? nextMain : nextDlq).push({ ...m, attempts: m.attempts + 1 });
                else if (queue === mainQueue) nextDlq.push({ ...m, attempts: 1 });
                else lost.push(m);
              }
            }
            inMain = nextMain;
            inDlq = nextDlq;
          }

          // Where each message must be: the first delivery with D1 up decides.
          const firstUp = upAt.findIndex((u) => u);
          const fate = firstUp === -1 ? "lost" : firstUp < mainDeliveries ? "main" : firstUp < mainDeliveries + dlqDeliveries ? "dlq" : "lost";
          fates.add(fate);
          const { results: events } = await env.DB.prepare("SELECT msg_id FROM events WHERE site = ?").bind(site).all<{ msg_id: string }>();
          const { results: dead } = await env.DB.prepare("SELECT body FROM dead_letters WHERE body LIKE ?").bind(`%${site}%`).all<{ body: string }>();
          for (const m of messages) {
            // Each event of a message (a pack's entries one by one) must end in exactly one place.
            for (const entry of Array.isArray(m.body) ? (m.body as unknown[]) : [m.body]) {
              const msgId = (entry as { id?: string }).id;
              const poison = msgId === undefined;
              const inEvents = events.filter((e) => e.msg_id === msgId).length;
              const inDead = dead.filter((d) => d.body.includes(poison ? (entry as { poison: string }).poison : msgId!)).length;
              const isLost = lost.some((l) => l.id === m.id);
              const where = isLost ? "lost" : inEvents === 1 && inDead === 0 ? "events" : inDead === 1 && inEvents === 0 ? "dead_letters" : `events ${inEvents}, dead_letters ${inDead}`;
              const want = fate === "lost" ? "lost" : fate === "main" && !poison ? "events" : "dead_letters";
              if (where !== want) throw new Error(`${m.id} (${poison ? "poison" : "event"}) ended in ${where}, expected ${want}; D1 first up at delivery ${firstUp} (main ${mainDeliveries}, DLQ ${dlqDeliveries})`);
            }
          }
        },
      ),
      { numRuns: 30 },
    );
    quiet.mockRestore();
    // Both ways to safety were exercised: written at once, and dead-lettered after a long outage.
    expect(fates.has("main") && fates.has("dlq")).toBe(true);
  });

  it("writes a batch delivered twice at the same time only once", async () => {
    const site = "outage-concurrent";
    const bodies = Array.from({ length: 8 }, (_, i) => ({ id: crypto.randomUUID(), event: { ...cleanEvent(site, i), event_id: i % 2 ? `order-${i}` : null } }));
    const once = (tag: string) => {
      const batch = createMessageBatch("edgetally-events", bodies.map((body, i) => ({ id: `${tag}${i}`, timestamp: new Date(), attempts: 1, body })));
      const ctx = createExecutionContext();
      return handleQueue(batch, env, ctx).then(() => getQueueResult(batch, ctx));
    };
    const [a, b] = await Promise.all([once("a"), once("b")]);
    expect(a.explicitAcks).toHaveLength(8);
    expect(b.explicitAcks).toHaveLength(8);
    const { results } = await env.DB.prepare("SELECT msg_id, COUNT(*) AS n FROM events WHERE site = ? GROUP BY msg_id").bind(site).all<{ msg_id: string; n: number }>();
    expect(results).toHaveLength(8);
    expect(results.every((r) => r.n === 1)).toBe(true);
  });
});
