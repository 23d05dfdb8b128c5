import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deliverJobs, expireDeadJobs, forwardRetryDelay, FORWARD_DLQ, handleForwardQueue } from "../../src/forward/deliver";
import { sha256Hex } from "../../src/forward/http";
import { FORWARD_KEEP_MS, purgeForward } from "../../src/db/forward";
import type { ForwardJob } from "../../src/forward/types";
import { handleQueue } from "../../src/ingest/consumer";
import { FLUSH_DELAY_MS } from "../../src/ingest/producer";
import { router } from "../../src/router";
import { ADMIN, call, createSite, type CreatedSite } from "../helpers/http";
import { allRows, asJobs, captureQueue, fakePlatforms, messagesOf, META_TOKEN, PIXEL, WEBHOOK_SECRET, WEBHOOK_URL, type Answer } from "./fakes";

const EMAIL = "Jane.Doe+shop@Example.COM";
const PHONE = "+49 (0)30 1234-5678";
const IP = "203.0.113.77";
const UA = "Mozilla/5.0 (X11; Linux x86_64) Forwardtest/1.0";
const FBCLID = "IwAR2F4-fbclid-test";

const hook = { id: "hook", type: "webhook", url: WEBHOOK_URL, secret: WEBHOOK_SECRET, events: { purchase: "order_paid" } };
const meta = { id: "meta", type: "meta", pixel_id: PIXEL, access_token: META_TOKEN, test_event_code: "TEST123", events: { purchase: "Purchase" } };

async function newSite(id: string, destinations: unknown[]): Promise<CreatedSite> {
  return createSite({ id, domains: ["shop.example"], goals: [{ name: "purchase" }, { name: "signup" }], destinations });
}

/** Runs the Worker's router with the queues replaced by recorders; answers the forward jobs sent. */
async function send(request: Request, events = captureQueue()) {
  const forward = captureQueue();
  const e: Env = { ...env, QUEUE: events, FORWARD: forward };
  const ctx = createExecutionContext();
  const res = await router.fetch(request, e, ctx);
  await waitOnExecutionContext(ctx);
  await new Promise((r) => setTimeout(r, 4 * FLUSH_DELAY_MS));
  return { res, jobs: asJobs(forward.bodies), events: events.bodies, env: e, forward };
}

const serverEvents = (site: CreatedSite, events: unknown[]) =>
  new Request("https://edge.test/v1/events", { method: "POST", headers: { authorization: `Bearer ${site.ingest_key}`, "content-type": "application/json" }, body: JSON.stringify({ events }) });

const purchase = (extra: Record<string, unknown> = {}) => ({
  name: "purchase", event_id: "order-1001", url: "https://shop.example/thanks?email=jane%40example.com", value: 49.9, currency: "EUR",
  time: Math.floor(Date.now() / 1000) - 60,
  touches: [{ time: Math.floor(Date.now() / 1000) - 3600, source: "facebook", medium: "social", campaign: "spring" }],
  client: { ip: IP, user_agent: UA }, user: { email: EMAIL, phone: PHONE, external_id: "Cust-42" }, click_ids: { fbclid: FBCLID, fbp: "fb.1.1700000000000.123" },
  ...extra,
});

async function status(site: string) {
  return (await (await call(`/v1/admin/sites/${site}/destinations`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as {
    destinations: { id: string; type: string; delivered: number; failed: number; pending: number; expired: number; last_delivered_at: string | null; last_error: { at: string; status: number; message: string } | null }[];
  };
}

async function deliver(jobs: readonly unknown[], answers: Answer[] = [], attempts = 1, opts: { timeoutMs?: number; now?: () => number } = {}) {
  const fake = fakePlatforms(answers);
  const m = messagesOf(jobs, attempts);
  await deliverJobs(env, m.messages, { fetch: fake.fetch, ...opts });
  return { ...fake, ...m };
}

afterEach(() => vi.restoreAllMocks());

describe("forwarding: the outbox", () => {
  it("a server purchase reaches the webhook once, signed, in the contract's body, and the status shows it", async () => {
    const site = await newSite("fw-hook", [hook]);
    const { res, jobs } = await send(serverEvents(site, [purchase()]));
    expect(res.status).toBe(200);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ site: "fw-hook", destination: "hook", test: null, event: { event_id: "order-1001", goal: "purchase", name: "order_paid", value: 49.9, currency: "EUR" } });
    const d = await deliver(jobs);
    expect(d.requests).toHaveLength(1);
    expect(d.requests[0]!.problems).toEqual([]);
    const body = d.requests[0]!.body as { site: string; destination: string; events: Record<string, unknown>[] };
    expect(body).toMatchObject({ site: "fw-hook", destination: "hook" });
    expect(body.events[0]).toEqual({
      event_id: "order-1001", name: "order_paid", goal: "purchase", time: new Date(jobs[0]!.event.time * 1000).toISOString(), value: 49.9, currency: "EUR",
      url: "https://shop.example/thanks", touch: { source: "facebook", medium: "social", campaign: "spring", content: null, term: null },
    });
    expect(d.acked).toEqual([0]);
    // A redelivery of the same job (the queue's at-least-once) is not sent again.
    const again = await deliver(jobs);
    expect(again.requests).toHaveLength(0);
    expect(again.acked).toEqual([0]);
    const s = await status("fw-hook");
    expect(s.destinations).toEqual([{ id: "hook", type: "webhook", delivered: 1, failed: 0, pending: 0, expired: 0, last_delivered_at: expect.any(String), last_error: null }]);
    // A second copy (same event_id) is a duplicate: no job at all.
    expect((await send(serverEvents(site, [purchase()]))).jobs).toHaveLength(0);
  });

  it("the drop-in endpoints forward too: a Segment track and a Plausible revenue event reach the webhook, once", async () => {
    const site = await newSite("fw-dropin", [hook]);
    const basic = `Basic ${btoa(`${site.ingest_key}:`)}`;
    const track = {
      type: "track", event: "purchase", messageId: "seg-order-7", timestamp: new Date(Date.now() - 60_000).toISOString(),
      properties: { revenue: 19.5, currency: "EUR" }, context: { ip: IP, userAgent: UA, page: { url: "https://shop.example/thanks" } },
    };
    const segment = await send(new Request("https://edge.test/v1/track", { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify(track) }));
    expect(segment.res.status).toBe(200);
    expect(segment.jobs).toHaveLength(1);
    expect(segment.jobs[0]).toMatchObject({ site: "fw-dropin", destination: "hook", event: { event_id: "seg-order-7", goal: "purchase", name: "order_paid", value: 19.5, currency: "EUR" } });
    // The same messageId again (Segment's retry) is a duplicate: no second job.
    expect((await send(new Request("https://edge.test/v1/track", { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify(track) }))).jobs).toHaveLength(0);

    // Plausible's browser client: the event is stored through the beacon's queue, and forwarded when written.
    const plausible = await send(
      new Request("https://edge.test/api/event", {
        method: "POST",
        headers: { "content-type": "text/plain", "user-agent": UA, "cf-connecting-ip": IP, origin: "https://shop.example" },
        body: JSON.stringify({ n: "purchase", u: "https://shop.example/thanks", d: "fw-dropin", $: { amount: "12.00", currency: "EUR" } }),
      }),
    );
    expect(plausible.res.status).toBe(202);
    expect(plausible.events).toHaveLength(1);
    const batch = createMessageBatch("edgetally-events", plausible.events.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })));
    const forward = captureQueue();
    const ctx = createExecutionContext();
    await handleQueue(batch, { ...env, FORWARD: forward }, ctx);
    await getQueueResult(batch, ctx);
    expect(asJobs(forward.bodies)).toEqual([expect.objectContaining({ site: "fw-dropin", destination: "hook", event: expect.objectContaining({ goal: "purchase", value: 12, currency: "EUR" }) })]);
  });

  it("a browser conversion and its server copy are forwarded once; the browser copy carries the hit's IP and user agent in the queue only", async () => {
    const site = await newSite("fw-both", [hook, meta]);
    const pixel = new Request(`https://edge.test/p.gif?s=fw-both&n=purchase&i=order-7&v=10&c=EUR&u=${encodeURIComponent("https://shop.example/thanks")}`, { headers: { "user-agent": UA, "cf-connecting-ip": IP } });
    const browser = await send(pixel);
    expect(browser.jobs).toHaveLength(0);
    expect(browser.events).toHaveLength(1);
    expect(JSON.stringify(browser.events)).toContain(IP);
    // The events queue's consumer stores it, then forwards it (one job per destination).
    const forward = captureQueue();
    const batch = createMessageBatch("edgetally-events", browser.events.map((body, i) => ({ id: `b${i}`, timestamp: new Date(), attempts: 1, body })));
    const ctx = createExecutionContext();
    await handleQueue(batch, { ...env, FORWARD: forward }, ctx);
    await getQueueResult(batch, ctx);
    const jobs = asJobs(forward.bodies);
    expect(jobs.map((j) => j.destination).sort()).toEqual(["hook", "meta"]);
    expect(jobs.find((j) => j.destination === "meta")!.event).toMatchObject({ event_id: "order-7", ip: IP, user_agent: UA, name: "Purchase", value: 10 });
    // The server copy of the same order is a duplicate: nothing more is forwarded.
    const server = await send(serverEvents(site, [purchase({ event_id: "order-7" })]));
    expect(((await server.res.json()) as { duplicates: number }).duplicates).toBe(1);
    expect(server.jobs).toHaveLength(0);
    // And the same browser copy redelivered by the events queue is a duplicate too.
    const again = captureQueue();
    const batch2 = createMessageBatch("edgetally-events", browser.events.map((body, i) => ({ id: `c${i}`, timestamp: new Date(), attempts: 2, body })));
    const ctx2 = createExecutionContext();
    await handleQueue(batch2, { ...env, FORWARD: again }, ctx2);
    await getQueueResult(batch2, ctx2);
    expect(again.bodies).toHaveLength(0);
    const d = await deliver(jobs);
    expect(d.requests.map((r) => r.problems)).toEqual([[], []]);
  });

  it("consent.ad_user_data false, pageviews and unmapped goals are not forwarded; test events only to destinations with a test code, with it", async () => {
    const site = await newSite("fw-consent", [hook, meta]);
    const { jobs } = await send(serverEvents(site, [
      purchase({ event_id: "c-1", consent: { ad_user_data: false, ad_personalization: true } }),
      { name: "signup", event_id: "c-2" },
      { name: "", url: "https://shop.example/" },
      purchase({ event_id: "c-3", test: true }),
    ]));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ destination: "meta", test: "TEST123", event: { event_id: "c-3" } });
    const d = await deliver(jobs);
    expect(d.requests[0]!.body.test_event_code).toBe("TEST123");
    expect(d.requests[0]!.problems).toEqual([]);
    // Test events are never counted in the outbox.
    const s = await status("fw-consent");
    expect(s.destinations.map((x) => x.delivered + x.pending + x.failed)).toEqual([0, 0]);
    // A test pixel hit goes the same way.
    const pixel = await send(new Request("https://edge.test/p.gif?s=fw-consent&n=purchase&t=1&i=t-9", { headers: { "user-agent": UA, "cf-connecting-ip": IP } }));
    expect(pixel.jobs.map((j) => [j.destination, j.test, j.event.ip])).toEqual([["meta", "TEST123", IP]]);
  });

  it("retries 429, 5xx, network errors and timeouts with back-off (first within 2 minutes); other 4xx fail with the platform's message", async () => {
    const site = await newSite("fw-retry", [hook]);
    const { jobs } = await send(serverEvents(site, [purchase({ event_id: "r-1" })]));
    for (const [answer, code] of [[{ status: 500 }, 500], [{ status: 429 }, 429], ["network", 0], ["timeout", 0]] as const) {
      const d = await deliver(jobs, [answer], 1, { timeoutMs: 50 });
      expect(d.retried, JSON.stringify(answer)).toEqual([{ index: 0, delaySeconds: forwardRetryDelay(1) }]);
      expect((await status("fw-retry")).destinations[0]).toMatchObject({ pending: 1, delivered: 0, last_error: { status: code } });
    }
    expect(forwardRetryDelay(1)).toBeLessThanOrEqual(120);
    // Back-off grows, and the queue's 100 retries span at least 24 hours.
    let span = 0;
    for (let a = 1; a <= 100; a++) span += forwardRetryDelay(a);
    expect(span).toBeGreaterThanOrEqual(86_400);
    const ok = await deliver(jobs, [{ status: 200 }], 2);
    expect(ok.acked).toEqual([0]);
    expect((await status("fw-retry")).destinations[0]).toMatchObject({ pending: 0, delivered: 1 });

    const { jobs: bad } = await send(serverEvents(site, [purchase({ event_id: "r-2" })]));
    const d = await deliver(bad, [{ status: 400, body: { error: "unknown conversion type" } }]);
    expect(d.retried).toEqual([]);
    expect(d.acked).toEqual([0]);
    expect((await status("fw-retry")).destinations[0]).toMatchObject({ failed: 1, last_error: { status: 400, message: "unknown conversion type" } });
  });

  it("expires what is past the platform's age limit (Meta: 7 days) instead of sending or retrying it, and what the dead-letter queue gets", async () => {
    const site = await newSite("fw-expire", [meta]);
    const { jobs } = await send(serverEvents(site, [purchase({ event_id: "e-1", time: Math.floor(Date.now() / 1000) - 7 * 86_400 + 30 })]));
    // Sent now it would still be accepted, but the next retry would come too late: expired, not retried.
    const d = await deliver(jobs, [{ status: 503 }]);
    expect(d.requests).toHaveLength(1);
    expect(d.retried).toEqual([]);
    expect((await status("fw-expire")).destinations[0]).toMatchObject({ expired: 1, pending: 0 });
    // Past the limit already: never sent.
    const { jobs: later } = await send(serverEvents(site, [purchase({ event_id: "e-2", time: Math.floor(Date.now() / 1000) - 3 * 86_400 })]));
    const eightDays = Date.now() + 5 * 86_400_000;
    const d2 = await deliver(later, [], 1, { now: () => eightDays });
    expect(d2.requests).toHaveLength(0);
    expect((await status("fw-expire")).destinations[0]).toMatchObject({ expired: 2 });
    // The dead-letter queue expires what used up its retries.
    const { jobs: dead } = await send(serverEvents(site, [purchase({ event_id: "e-3" })]));
    await deliver(dead, [{ status: 500 }]);
    const m = messagesOf(dead, 101);
    await expireDeadJobs(env, m.messages);
    expect(m.acked).toEqual([0]);
    expect((await status("fw-expire")).destinations[0]).toMatchObject({ expired: 3, pending: 0, last_error: { status: 0, message: "1 events expired after every retry" } });
  });

  it("rides out a Queue outage: jobs the forward queue refuses are delivered directly", async () => {
    const site = await newSite("fw-qdown", [hook]);
    const fake = fakePlatforms();
    vi.spyOn(globalThis, "fetch").mockImplementation(fake.fetch);
    const down = { ...captureQueue(), sendBatch: async () => { throw new Error("Queue send failed: service unavailable"); } } as unknown as Queue<unknown>;
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const e: Env = { ...env, FORWARD: down };
    const ctx = createExecutionContext();
    await router.fetch(serverEvents(site, [purchase({ event_id: "q-1" })]), e, ctx);
    await waitOnExecutionContext(ctx);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.problems).toEqual([]);
    expect(errors).toHaveBeenCalled();
    expect((await status("fw-qdown")).destinations[0]).toMatchObject({ delivered: 1 });
  });

  it("runs as the Worker's queue handler for edgetally-forward, through its outbound fetch", async () => {
    const site = await newSite("fw-handler", [hook]);
    const { jobs } = await send(serverEvents(site, [purchase({ event_id: "h-1" })]));
    const fake = fakePlatforms();
    vi.spyOn(globalThis, "fetch").mockImplementation(fake.fetch);
    const batch = createMessageBatch("edgetally-forward", jobs.map((body, i) => ({ id: `f${i}`, timestamp: new Date(), attempts: 1, body })));
    const ctx = createExecutionContext();
    const { default: worker } = await import("../../src/index");
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["f0"]);
    expect(fake.requests).toHaveLength(1);
    // The DLQ is the forward DLQ's consumer, never dead_letters (its bodies hold identifiers).
    const dlq = createMessageBatch(FORWARD_DLQ, jobs.map((body, i) => ({ id: `d${i}`, timestamp: new Date(), attempts: 101, body })));
    const ctx2 = createExecutionContext();
    await handleForwardQueue(dlq, env);
    await getQueueResult(dlq, ctx2).catch(() => null);
    const letters = await env.DB.prepare("SELECT COUNT(*) AS n FROM dead_letters WHERE body LIKE ?").bind(`%${IP}%`).first<{ n: number }>();
    expect(letters!.n).toBe(0);
  });

  it("leaves no identifier at rest: D1 and the logs hold neither the e-mail, its hashes, the phone, the IP nor the user agent", async () => {
    const logs: string[] = [];
    for (const k of ["log", "info", "warn", "error", "debug"] as const) vi.spyOn(console, k).mockImplementation((...a: unknown[]) => void logs.push(a.map(String).join(" ")));
    const site = await newSite("fw-pii", [hook, meta]);
    const { jobs } = await send(serverEvents(site, [purchase({ event_id: "p-1" }), purchase({ event_id: "p-2", test: true })]));
    await deliver(jobs, [{ status: 500 }]);
    await deliver(jobs, [{ status: 400, body: { error: { message: "Invalid parameter" } } }], 2);
    const pixel = await send(new Request(`https://edge.test/p.gif?s=fw-pii&n=purchase&i=p-3`, { headers: { "user-agent": UA, "cf-connecting-ip": IP } }));
    const batch = createMessageBatch("edgetally-events", pixel.events.map((body, i) => ({ id: `p${i}`, timestamp: new Date(), attempts: 1, body })));
    const fwd = captureQueue();
    const ctx = createExecutionContext();
    await handleQueue(batch, { ...env, FORWARD: fwd }, ctx);
    await deliver(fwd.bodies);
    const hashes = await Promise.all([EMAIL.trim().toLowerCase(), "jane.doe+shop@example.com", "493012345678", "cust-42"].map(sha256Hex));
    const rows = await allRows();
    const logText = logs.join("\n");
    for (const s of [EMAIL, EMAIL.toLowerCase(), "493012345678", IP, UA, FBCLID, ...hashes]) {
      expect(rows, `D1 holds ${s}`).not.toContain(s);
      expect(logText, `the logs hold ${s}`).not.toContain(s);
    }
    // It did travel, hashed, to the platform: the check above is not vacuous.
    expect(JSON.stringify(jobs)).toContain(hashes[0]!);
  });
});

describe("forwarding: credentials at delivery", () => {
  it("a DESTINATIONS_KEY that no longer opens the credentials fails the events with a clear message, never retries them", async () => {
    const site = await newSite("fw-rekey", [hook]);
    const { jobs } = await send(serverEvents(site, [purchase({ event_id: "k-1" })]));
    const fake = fakePlatforms();
    const m = messagesOf(jobs);
    await deliverJobs({ ...env, DESTINATIONS_KEY: "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzI=" }, m.messages, { fetch: fake.fetch });
    expect(fake.requests).toHaveLength(0);
    expect(m.acked).toEqual([0]);
    expect((await status("fw-rekey")).destinations[0]).toMatchObject({ failed: 1, last_error: { status: 0, message: expect.stringContaining("DESTINATIONS_KEY") } });
  });
});

describe("forwarding: the outbox stays small", () => {
  it("the hourly purge folds settled rows past 14 days into the counters (a stale pending row counts as expired) and keeps newer ones", async () => {
    await newSite("fw-purge", [hook]);
    const old = Date.now() - FORWARD_KEEP_MS - 1000;
    const rows: [string, string, number][] = [["a", "delivered", old], ["b", "failed", old], ["c", "pending", old], ["d", "delivered", Date.now()], ["e", "pending", Date.now()]];
    for (const [key, state, at] of rows) {
      await env.DB.prepare("INSERT INTO forward_outbox (site, destination, event_key, job, state, created_at, updated_at) VALUES ('fw-purge', 'hook', ?, 'j', ?, ?, ?)").bind(key, state, at, at).run();
    }
    const before = (await status("fw-purge")).destinations[0];
    expect(before).toMatchObject({ delivered: 2, failed: 1, pending: 2, expired: 0 });
    expect(await purgeForward(env.DB, Date.now())).toBe(3);
    expect((await status("fw-purge")).destinations[0]).toMatchObject({ delivered: 2, failed: 1, pending: 1, expired: 1 });
    const left = await env.DB.prepare("SELECT event_key FROM forward_outbox WHERE site = 'fw-purge' ORDER BY event_key").all<{ event_key: string }>();
    expect(left.results.map((r) => r.event_key)).toEqual(["d", "e"]);
    // Erasing the site erases its outbox and counters.
    expect((await call("/v1/admin/sites/fw-purge", { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(204);
    const n = await env.DB.prepare("SELECT (SELECT COUNT(*) FROM forward_outbox WHERE site = 'fw-purge') + (SELECT COUNT(*) FROM forward_status WHERE site = 'fw-purge') AS n").first<{ n: number }>();
    expect(n!.n).toBe(0);
  });
});

describe("forwarding: sending jobs to the queue", () => {
  it("chunks them to sendBatch's limits: at most 100 messages and 200 KB each", async () => {
    const { sendChunks } = await import("../../src/forward/enqueue");
    const job = (i: number, pad = 0) => ({ v: 1, job: `j${i}`, site: "s", destination: "d", key: `k${i}`, test: null, event: { url: "x".repeat(pad) } }) as unknown as ForwardJob;
    expect(sendChunks(Array.from({ length: 250 }, (_, i) => job(i))).map((c) => c.length)).toEqual([100, 100, 50]);
    const big = sendChunks(Array.from({ length: 100 }, (_, i) => job(i, 3000)));
    expect(big.length).toBeGreaterThan(1);
    for (const c of big) expect(new TextEncoder().encode(JSON.stringify(c)).byteLength).toBeLessThanOrEqual(200_000 + 2 + c.length);
  });
});
