import type { CleanEvent } from "../collect/event";
import type { StoredEvent } from "../db/events";
import type { SiteRecord } from "../db/sites";
import { reserveOutbox } from "../db/forward";
import { getSiteCached } from "../sites/cache";
import { CLICK_ID_KEYS } from "../schemas/server-event";
import type { Destination } from "../schemas/destinations";
import { deliverJobs } from "./deliver";
import { platformOf } from "./platforms";
import type { ClickIds, ForwardContext, ForwardJob, ForwardTouch } from "./types";

/**
 * The outbox's entry (CONTRACT.md "Forwarding"): a stored conversion becomes one forward job per
 * destination that maps its goal, sent to the FORWARD queue (edgetally-forward). Called only
 * where the event is known to be stored and not a duplicate (the server path after its write, the
 * events queue's consumer after its write, the producer's direct write), so each event is
 * forwarded once however many copies arrive; the consumer's outbox claim makes a redelivered job
 * count once too. User fields are hashed here, per destination, before the job leaves the Worker.
 */

/** NOTE: sendBatch takes at most 100 messages (and 256 KB) per call. https://developers.cloudflare.com/queues/platform/limits/ */
const SEND_MAX = 100;
/** Bytes of one sendBatch's bodies (JSON), under its 256 KB. A job is at most a few KB (URL ≤ 2 KB, user agent ≤ 1 KB). */
const SEND_BYTES = 200_000;

/** Jobs in sendBatch-sized chunks: at most SEND_MAX of them and SEND_BYTES of JSON each. */
export function sendChunks(jobs: readonly ForwardJob[], maxBytes = SEND_BYTES): ForwardJob[][] {
  const chunks: ForwardJob[][] = [];
  let chunk: ForwardJob[] = [];
  let bytes = 0;
  for (const job of jobs) {
    const size = new TextEncoder().encode(JSON.stringify(job)).byteLength;
    if (chunk.length > 0 && (chunk.length >= SEND_MAX || bytes + size > maxBytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(job);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** The destinations of `site` that forward `goal`. */
export function destinationsFor(site: SiteRecord, goal: string): Destination[] {
  return (site.config.destinations ?? []).filter((d) => Object.hasOwn(d.events, goal));
}

function touchOf(e: CleanEvent): ForwardTouch | null {
  const last = e.journey && e.journey.length > 0 ? [...e.journey].sort((a, b) => a.time - b.time).at(-1)! : null;
  if (last) return { source: last.source, medium: last.medium, campaign: last.campaign, content: last.content, term: last.term };
  if (e.source !== null) return { source: e.source, medium: e.medium, campaign: e.campaign, content: e.content, term: e.term };
  return null;
}

function clickIdsOf(c: ClickIds | null | undefined): ClickIds {
  const out: ClickIds = {};
  for (const k of CLICK_ID_KEYS) {
    const v = c?.[k];
    if (typeof v === "string" && v.trim() !== "") out[k] = v.trim();
  }
  return out;
}

/** The jobs of one conversion: one per destination that maps its goal. `test`: a test event (only destinations with a test code). */
export async function jobsFor(site: SiteRecord, key: string, event: CleanEvent, ctx: ForwardContext, test: boolean): Promise<ForwardJob[]> {
  const jobs: ForwardJob[] = [];
  for (const d of destinationsFor(site, event.name)) {
    const code = "test_event_code" in d ? d.test_event_code : null;
    if (test && !code) continue;
    jobs.push({
      v: 1,
      job: crypto.randomUUID(),
      site: site.config.id,
      destination: d.id,
      key: test ? `test:${crypto.randomUUID()}` : key,
      test: test ? code : null,
      event: {
        event_id: ctx.event_id,
        goal: event.name,
        name: d.events[event.name]!,
        time: Math.floor(event.ts / 1000),
        value: event.value,
        currency: event.currency,
        url: event.url,
        touch: touchOf(event),
        ip: ctx.ip,
        user_agent: ctx.user_agent,
        user: await platformOf(d).hashUser(ctx.user ?? {}),
        click_ids: clickIdsOf(ctx.click_ids),
        ...(ctx.consent ? { consent: { ad_user_data: ctx.consent.ad_user_data ?? null, ad_personalization: ctx.consent.ad_personalization ?? null } } : {}),
      },
    });
  }
  return jobs;
}

/**
 * Sends jobs to the forward queue. If the queue refuses them (an outage), they are delivered
 * at once instead (deliverJobs without the queue's retries), so an outage of Queues costs retries,
 * never a conversion; every outcome lands in the outbox.
 */
export async function sendJobs(env: Env, jobs: readonly ForwardJob[]): Promise<void> {
  if (jobs.length === 0) return;
  // Pending from now on in the status (test events are never in the outbox). A failure here only
  // delays the count until the consumer's claim, so it never stops the jobs.
  try {
    await reserveOutbox(env.DB, jobs.filter((j) => j.test === null), Date.now());
  } catch (err) {
    console.error("edgetally: reserving outbox rows failed; the jobs go on", err instanceof Error ? err.message : String(err));
  }
  const refused: ForwardJob[] = [];
  for (const chunk of sendChunks(jobs)) {
    try {
      if (!env.FORWARD) throw new Error("no FORWARD queue bound");
      await env.FORWARD.sendBatch(chunk.map((body) => ({ body, contentType: "json" as const })));
    } catch (err) {
      console.error(`edgetally: the forward queue refused ${chunk.length} jobs; delivering them directly`, err instanceof Error ? err.message : String(err));
      refused.push(...chunk);
    }
  }
  if (refused.length > 0) await deliverJobs(env, refused.map((body) => ({ body, attempts: 1, ack() {}, retry() {} })), { direct: true });
}

/** A stored conversion and what forwarding needs of it. */
export interface Stored {
  site: SiteRecord;
  /** outbox key: the event_id as stored, else the message id */
  key: string;
  event: CleanEvent;
  forward: ForwardContext;
}

/** Forwards stored conversions (never duplicates: the callers pass only what their write stored). */
export async function forwardStored(env: Env, stored: readonly Stored[]): Promise<void> {
  const jobs = (await Promise.all(stored.map((s) => jobsFor(s.site, s.key, s.event, s.forward, false)))).flat();
  await sendJobs(env, jobs);
}

/** Forwards test events to the destinations with a test code (CONTRACT.md: never stored or counted). */
export async function forwardTests(env: Env, site: SiteRecord, tests: readonly { event: CleanEvent; forward: ForwardContext }[]): Promise<void> {
  const jobs = (await Promise.all(tests.map((t) => jobsFor(site, "", t.event, t.forward, true)))).flat();
  await sendJobs(env, jobs);
}

/**
 * Forwards the events of one write that were stored (not `duplicates`, indexes into `items`) and
 * carry a forward context (browser conversions of sites with destinations: src/ingest/browser.ts).
 */
export async function forwardWritten(env: Env, items: readonly StoredEvent[], duplicates: readonly number[]): Promise<void> {
  const dup = new Set(duplicates);
  const stored: Stored[] = [];
  for (const [i, item] of items.entries()) {
    if (dup.has(i) || !item.forward) continue;
    const site = await getSiteCached(env.DB, item.event.site);
    if (site) stored.push({ site, key: item.event.event_id ?? item.id, event: item.event, forward: item.forward });
  }
  await forwardStored(env, stored);
}
