import { claimOutbox, deliveredStatement, errorStatement, settleStatement } from "../db/forward";
import { getSite } from "../db/sites";
import type { Destination } from "../schemas/destinations";
import { platformOf } from "./platforms";
import { destinationsKey, openDestination } from "./secrets";
import type { ForwardJob, Outcome, SendContext } from "./types";

/**
 * The forward queue's consumer (edgetally-forward, wrangler.toml): delivers jobs to their
 * platforms in batches, and settles each event in the outbox — delivered, failed (the platform's
 * message kept in forward_status) or expired. Network errors, 408, 429 and 5xx are retried with
 * back-off (`forwardRetryDelay`: first retry after 1 minute, then doubling to an hour) for at least
 * 24 hours (max_retries = 100), never past the platform's age limit: a job whose next attempt
 * would come too late expires instead; the dead-letter queue's consumer expires what it gets.
 */

export const FORWARD_QUEUE = "edgetally-forward";
export const FORWARD_DLQ = "edgetally-forward-dlq";
/** A request without an answer this long is a network error (retried). */
export const FORWARD_TIMEOUT_MS = 10_000;

/** Seconds before retry `attempts` (1, 2, …): 60, 120, 240 … capped at an hour. */
export function forwardRetryDelay(attempts: number): number {
  return Math.min(60 * 2 ** Math.max(0, attempts - 1), 3600);
}

/** What deliverJobs needs of a queue message (a real one, or a stand-in when the queue is down). */
export interface JobMessage {
  body: unknown;
  attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export interface DeliverOptions {
  /** no queue behind these jobs (it refused them): a retryable answer fails the event instead */
  direct?: boolean;
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => number;
}

function isJob(b: unknown): b is ForwardJob {
  if (typeof b !== "object" || b === null) return false;
  const j = b as Partial<ForwardJob>;
  return j.v === 1 && typeof j.job === "string" && typeof j.site === "string" && typeof j.destination === "string" && typeof j.key === "string" && typeof j.event === "object" && j.event !== null;
}

type Item = { msg: JobMessage; job: ForwardJob };

/** Sends `items` in batches of the platform's size; a batch refused as a whole (4xx) is retried event by event, so one bad event never fails the others. */
async function sendAll(dest: Destination, items: readonly Item[], ctx: SendContext): Promise<Outcome[]> {
  const platform = platformOf(dest);
  const out: Outcome[] = [];
  for (let i = 0; i < items.length; i += platform.batchMax) {
    const chunk = items.slice(i, i + platform.batchMax).map((x) => x.job);
    const outcomes = await platform.send(dest, chunk, ctx);
    if (chunk.length > 1 && outcomes.every((o) => o.kind === "failed")) {
      for (const job of chunk) out.push(...(await platform.send(dest, [job], ctx)));
    } else out.push(...outcomes);
  }
  return out;
}

export async function deliverJobs(env: Env, messages: readonly JobMessage[], opts: DeliverOptions = {}): Promise<void> {
  const now = opts.now ?? Date.now;
  const ctx: SendContext = { env, fetch: opts.fetch ?? ((...a) => fetch(...a)), timeoutMs: opts.timeoutMs ?? FORWARD_TIMEOUT_MS };
  const groups = new Map<string, Item[]>();
  for (const msg of messages) {
    if (!isJob(msg.body)) {
      // Not ours to keep (and it may hold identifiers): reported without its body, and dropped.
      console.error("edgetally: a forward queue message is not a forward job; dropped");
      msg.ack();
      continue;
    }
    const job = msg.body;
    const k = `${job.site}\u0000${job.destination}\u0000${job.test ?? ""}`;
    const list = groups.get(k) ?? [];
    list.push({ msg, job });
    groups.set(k, list);
  }
  for (const items of groups.values()) {
    try {
      await deliverGroup(env, items, ctx, opts.direct === true, now);
    } catch (err) {
      // D1 (or the key) failed: the whole group is tried again later; the outbox claim keeps it once.
      console.error(`edgetally: forwarding ${items.length} jobs failed before delivery; retrying`, err instanceof Error ? err.message : String(err));
      for (const x of items) x.msg.retry({ delaySeconds: forwardRetryDelay(x.msg.attempts) });
    }
  }
}

async function deliverGroup(env: Env, items: Item[], ctx: SendContext, direct: boolean, now: () => number): Promise<void> {
  const { site: siteId, destination: destId, test } = items[0]!.job;
  const site = await getSite(env.DB, siteId);
  const stored = site?.config.destinations?.find((d) => d.id === destId);
  const isTest = test !== null;
  const db = env.DB;
  if (!stored) {
    // The site was erased, or the destination removed: nothing is owed to it any more.
    for (const x of items) x.msg.ack();
    if (site && !isTest) await db.batch([settleStatement(db, siteId, destId, items.map((x) => x.job.key), "failed", now()), errorStatement(db, siteId, destId, now(), 0, "the destination was removed before delivery")]);
    return;
  }
  let live = items;
  if (!isTest) {
    const rows = await claimOutbox(db, siteId, destId, items.map((x) => ({ key: x.job.key, job: x.job.job })), now());
    const byKey = new Map(rows.map((r) => [r.event_key, r]));
    const seen = new Set<string>();
    live = [];
    for (const x of items) {
      const r = byKey.get(x.job.key);
      // Another job's key (a second copy), an event already settled, or a repeat inside this batch: done.
      if (!r || r.job !== x.job.job || r.state !== "pending" || seen.has(x.job.key)) x.msg.ack();
      else {
        seen.add(x.job.key);
        live.push(x);
      }
    }
  }
  const platform = platformOf(stored);
  const t = now();
  const expired = live.filter((x) => t - x.job.event.time * 1000 > platform.maxAgeMs);
  const fresh = live.filter((x) => t - x.job.event.time * 1000 <= platform.maxAgeMs);
  let dest: Destination;
  try {
    dest = await openDestination(stored, await destinationsKey(env.DESTINATIONS_KEY));
  } catch {
    // The key is missing or was changed since the credentials were stored: no retry can help.
    const message = "The destination's credentials cannot be decrypted with DESTINATIONS_KEY (missing or changed); send them again with a PATCH.";
    if (!isTest) await db.batch([settleStatement(db, siteId, destId, live.map((x) => x.job.key), "failed", now()), errorStatement(db, siteId, destId, now(), 0, message)]);
    for (const x of live) x.msg.ack();
    return;
  }
  const outcomes = fresh.length > 0 ? await sendAll(dest, fresh, ctx) : [];

  const after = now();
  const settle: Record<"delivered" | "failed" | "expired", string[]> = { delivered: [], failed: [], expired: expired.map((x) => x.job.key) };
  const retry: Item[] = [];
  let lastError: { status: number; message: string } | null = null;
  fresh.forEach((x, i) => {
    const o = outcomes[i]!;
    if (o.kind === "delivered") return void settle.delivered.push(x.job.key);
    lastError = { status: o.status, message: o.message };
    if (o.kind === "failed" || direct) return void settle.failed.push(x.job.key);
    // The next attempt must still be inside the platform's age limit.
    const next = after + forwardRetryDelay(x.msg.attempts) * 1000;
    if (next - x.job.event.time * 1000 > platform.maxAgeMs) settle.expired.push(x.job.key);
    else retry.push(x);
  });
  if (isTest) {
    console.log(`edgetally: test events to ${siteId}/${destId}: ${settle.delivered.length} delivered, ${settle.failed.length + settle.expired.length} not${lastError ? ` (${(lastError as { status: number }).status})` : ""}`);
  } else {
    const statements: D1PreparedStatement[] = [];
    for (const state of ["delivered", "failed", "expired"] as const) if (settle[state].length > 0) statements.push(settleStatement(db, siteId, destId, settle[state], state, after));
    if (settle.delivered.length > 0) statements.push(deliveredStatement(db, siteId, destId, after));
    const e = lastError as { status: number; message: string } | null;
    if (e) statements.push(errorStatement(db, siteId, destId, after, e.status, e.message));
    if (statements.length > 0) await db.batch(statements);
  }
  const retrying = new Set(retry);
  for (const x of live) if (!retrying.has(x)) x.msg.ack();
  for (const x of retry) x.msg.retry({ delaySeconds: forwardRetryDelay(x.msg.attempts) });
}

/** The forward dead-letter queue: jobs that used up every retry expire (never silently). */
export async function expireDeadJobs(env: Env, messages: readonly JobMessage[], now = Date.now()): Promise<void> {
  const byDest = new Map<string, ForwardJob[]>();
  for (const m of messages) {
    if (isJob(m.body) && m.body.test === null) {
      const k = `${m.body.site}\u0000${m.body.destination}`;
      byDest.set(k, [...(byDest.get(k) ?? []), m.body]);
    }
  }
  const db = env.DB;
  const statements: D1PreparedStatement[] = [];
  for (const jobs of byDest.values()) {
    const { site, destination } = jobs[0]!;
    statements.push(settleStatement(db, site, destination, jobs.map((j) => j.key), "expired", now));
    statements.push(errorStatement(db, site, destination, now, 0, `${jobs.length} events expired after every retry`));
  }
  try {
    if (statements.length > 0) await db.batch(statements);
    for (const m of messages) m.ack();
  } catch (err) {
    console.error("edgetally: could not expire dead forward jobs; retrying", err instanceof Error ? err.message : String(err));
    for (const m of messages) m.retry({ delaySeconds: forwardRetryDelay(m.attempts) });
  }
}

/** The Worker's queue handler for the two forward queues. */
export async function handleForwardQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue === FORWARD_DLQ) return expireDeadJobs(env, batch.messages);
  return deliverJobs(env, batch.messages);
}
