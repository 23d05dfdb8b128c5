// Click ids on the browser path (CONTRACT.md v1.1 "The tracker", "Forwarding"): a beacon
// conversion's `k` reaches the platforms through the events queue and the outbox, checked with the
// ServerEvent schema, never written to D1; plus Google's consent field and the status's pending count.
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CLICK_MAX_AGE_MS, decodeClicks } from "../../src/collect/clicks";
import { deliverJobs } from "../../src/forward/deliver";
import { clearTokens } from "../../src/forward/google-ads";
import type { ForwardJob } from "../../src/forward/types";
import { handleQueue } from "../../src/ingest/consumer";
import { FLUSH_DELAY_MS } from "../../src/ingest/producer";
import { router } from "../../src/router";
import { ADMIN, call, createSite, type CreatedSite } from "../helpers/http";
import { allRows, asJobs, captureQueue, fakePlatforms, GADS, messagesOf, META_TOKEN, PIXEL } from "./fakes";

const IP = "203.0.113.58";
const UA = "Mozilla/5.0 (X11; Linux x86_64) Clickids/1.0";
const GCLID = "Cj0KCQiA-gclid-from-the-tracker_42";
const FBCLID = "IwAR0-fbclid-from-the-tracker_17";

const gads = { id: "gads", type: "google_ads", ...GADS, login_customer_id: null, events: { purchase: "987654" } };
const meta = { id: "meta", type: "meta", pixel_id: PIXEL, access_token: META_TOKEN, test_event_code: null, events: { purchase: "Purchase" } };

const newSite = (id: string, destinations: unknown[] = [gads, meta]): Promise<CreatedSite> =>
  createSite({ id, domains: ["shop.example"], goals: [{ name: "purchase" }], destinations });

const nowS = () => Math.floor(Date.now() / 1000);

/** A beacon POST /e from a page of shop.example, as the tracker sends it (text/plain JSON). */
const beacon = (body: unknown, debug = false) =>
  new Request(`https://edge.test/e${debug ? "?debug=1" : ""}`, {
    method: "POST",
    headers: { "content-type": "text/plain;charset=UTF-8", origin: "https://shop.example", "user-agent": UA, "cf-connecting-ip": IP },
    body: JSON.stringify(body),
  });

/** Runs a request through the router with the events queue recorded; answers the response and the queue messages. */
async function send(request: Request) {
  const events = captureQueue();
  const ctx = createExecutionContext();
  const res = await router.fetch(request, { ...env, QUEUE: events, FORWARD: captureQueue() }, ctx);
  await waitOnExecutionContext(ctx);
  await new Promise((r) => setTimeout(r, 4 * FLUSH_DELAY_MS));
  return { res, events: events.bodies };
}

/** The events queue's consumer stores the messages and answers the forward jobs it enqueued. */
async function consume(bodies: unknown[]): Promise<ForwardJob[]> {
  const forward = captureQueue();
  const batch = createMessageBatch("edgetally-events", bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })));
  const ctx = createExecutionContext();
  await handleQueue(batch, { ...env, FORWARD: forward }, ctx);
  await getQueueResult(batch, ctx);
  return asJobs(forward.bodies);
}

async function status(site: string) {
  const res = await call(`/v1/admin/sites/${site}/destinations`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return ((await res.json()) as { destinations: { id: string; delivered: number; pending: number; failed: number; expired: number }[] }).destinations;
}

afterEach(() => {
  vi.restoreAllMocks();
  clearTokens();
});

describe("click ids from the tracker (beacon `k`)", () => {
  it("a conversion's gclid and fbclid reach Google Ads and Meta (fbc in Meta's format, with the click's time); D1 never holds them", async () => {
    const site = await newSite("ck-forward");
    const clickedAt = nowS() - 3 * 86_400;
    const k = JSON.stringify([[clickedAt, "gclid", GCLID], [clickedAt + 60, "fbclid", FBCLID]]);
    const { res, events } = await send(beacon({ s: site.id, n: "purchase", u: "https://shop.example/thanks", v: 49.9, c: "EUR", i: "ck-order-1", k }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, dropped: 0 });
    // The click ids travel in the queue message's forward context only.
    expect(JSON.stringify(events)).toContain(GCLID);
    const jobs = await consume(events);
    expect(jobs.map((j) => j.destination).sort()).toEqual(["gads", "meta"]);
    const fake = fakePlatforms();
    await deliverJobs(env, messagesOf(jobs).messages, { fetch: fake.fetch });
    const upload = fake.requests.find((r) => r.url.includes("uploadClickConversions"))!;
    const capi = fake.requests.find((r) => r.url.startsWith("https://meta.test"))!;
    expect(upload.problems).toEqual([]);
    expect(capi.problems).toEqual([]);
    const conversion = (upload.body.conversions as Record<string, unknown>[])[0]!;
    expect(conversion).toMatchObject({ gclid: GCLID, orderId: "ck-order-1", conversionValue: 49.9 });
    const user = ((capi.body.data as Record<string, unknown>[])[0]!.user_data ?? {}) as Record<string, unknown>;
    // https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc/: fb.1.<ms>.<fbclid>
    expect(user.fbc).toBe(`fb.1.${(clickedAt + 60) * 1000}.${FBCLID}`);
    expect((await status(site.id)).map((d) => [d.id, d.delivered, d.pending])).toEqual([["gads", 1, 0], ["meta", 1, 0]]);
    const rows = await allRows();
    expect(rows).toContain("ck-forward"); // the scan reads the site's rows: it can find things
    for (const s of [GCLID, FBCLID, "fbclid-from-the-tracker"]) expect(rows, `D1 holds ${s}`).not.toContain(s);
  });

  it("the pixel carries them too (k as URL-encoded JSON text)", async () => {
    const site = await newSite("ck-pixel", [gads]);
    const k = JSON.stringify([[nowS() - 60, "gbraid", "GB-pixel-1"]]);
    const { events } = await send(new Request(`https://edge.test/p.gif?s=${site.id}&n=purchase&i=ck-px-1&k=${encodeURIComponent(k)}`, { headers: { "user-agent": UA, "cf-connecting-ip": IP } }));
    const jobs = await consume(events);
    expect(jobs.map((j) => j.event.click_ids)).toEqual([{ gbraid: "GB-pixel-1" }]);
  });

  it("a pageview's click ids are ignored: never in its queue message", async () => {
    const site = await newSite("ck-pageview");
    const { res, events } = await send(beacon({ s: site.id, n: "pageview", u: "https://shop.example/?utm_source=x", k: JSON.stringify([[nowS(), "gclid", GCLID]]) }));
    expect(await res.json()).toEqual({ accepted: 1, dropped: 0 });
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(GCLID);
    expect(await consume(events)).toEqual([]);
  });

  it("a bad click id is left out with a warning in the contract's shape; the conversion and its good click ids are kept", async () => {
    const site = await newSite("ck-bad");
    const k = JSON.stringify([[nowS(), "gclid", "x".repeat(513)], [nowS(), "fbclid", FBCLID]]);
    const hit = { s: site.id, n: "purchase", u: "https://shop.example/thanks", i: "ck-bad-1", k };
    const report = (await (await send(beacon(hit, true))).res.json()) as { ok: boolean; errors: unknown[]; warnings: { code: string; message: string; field: string }[] };
    expect(report.ok).toBe(true);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([{ code: "invalid_click_id", message: expect.stringMatching(/k\.gclid.*at most 512.*left out/), field: "k.gclid" }]);
    const { res, events } = await send(beacon(hit));
    expect(await res.json()).toEqual({ accepted: 1, dropped: 0 });
    const jobs = await consume(events);
    expect(jobs.map((j) => j.event.click_ids.gclid ?? null)).toEqual([null, null]);
    expect(jobs.find((j) => j.destination === "meta")!.event.click_ids).toMatchObject({ fbclid: FBCLID, fbc: expect.stringMatching(/^fb\.1\.\d{13}\./) });
    // Not JSON, or not rows: the whole `k` is left out, the conversion kept.
    for (const bad of ["{not json", JSON.stringify([[1, 2, 3]]), JSON.stringify("gclid"), JSON.stringify({ gclid: 5 }), JSON.stringify({ yclid: "x" })]) {
      const r = (await (await send(beacon({ ...hit, i: undefined, k: bad }, true))).res.json()) as { ok: boolean; warnings?: { code: string; field: string }[] };
      expect(r.ok, bad).toBe(true);
      expect(r.warnings?.[0]?.code, bad).toMatch(/^(invalid_click_ids?|unknown_field)$/);
      expect(r.warnings?.[0]?.field, bad).toMatch(/^k(\.|$)/);
    }
  });
});

describe("decodeClicks", () => {
  const now = Date.UTC(2026, 11, 1);
  const t = now / 1000;

  it("takes the tracker's rows and the ServerEvent object; the latest of a name wins; ids past 90 days are left out", () => {
    expect(decodeClicks([[t - 10, "gclid", "old"], [t - 5, "gclid", "new"], [t - 3, "ttclid", "tt"]], now)).toEqual({ click_ids: { gclid: "new", ttclid: "tt" }, fbclid_at: null, warnings: [] });
    expect(decodeClicks({ gclid: " g ", fbc: "fb.1.1.x" }, now).click_ids).toEqual({ gclid: "g", fbc: "fb.1.1.x" });
    expect(decodeClicks([[t - CLICK_MAX_AGE_MS / 1000 - 1, "gclid", "expired"]], now).click_ids).toBeNull();
    expect(decodeClicks([[t - CLICK_MAX_AGE_MS / 1000 + 60, "gclid", "kept"]], now).click_ids).toEqual({ gclid: "kept" });
    expect(decodeClicks(JSON.stringify([[t, "fbclid", "f"]]), now)).toMatchObject({ click_ids: { fbclid: "f" }, fbclid_at: t * 1000 });
    expect(decodeClicks([[t + 3600, "fbclid", "f"]], now).fbclid_at).toBe(now);
  });

  it("refuses more rows than there are click id names", () => {
    const rows = Array.from({ length: 11 }, (_, i) => [t, "gclid", `g${i}`]);
    expect(decodeClicks(rows, now)).toMatchObject({ click_ids: null, warnings: [{ code: "invalid_click_ids", field: "k" }] });
    expect(decodeClicks(rows.slice(0, 10), now).click_ids).toEqual({ gclid: "g9" });
  });
});

describe("Google Ads consent", () => {
  it("a server event's consent reaches Google as ClickConversion.consent.adUserData", async () => {
    const site = await newSite("ck-consent", [gads]);
    const events = [
      { name: "purchase", event_id: "cs-1", click_ids: { gclid: GCLID }, consent: { ad_user_data: true, ad_personalization: false } },
      { name: "purchase", event_id: "cs-2", click_ids: { gclid: GCLID } },
    ];
    const forward = captureQueue();
    const ctx = createExecutionContext();
    const res = await router.fetch(new Request("https://edge.test/v1/events", { method: "POST", headers: { authorization: `Bearer ${site.ingest_key}`, "content-type": "application/json" }, body: JSON.stringify({ events }) }), { ...env, FORWARD: forward }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    const fake = fakePlatforms();
    await deliverJobs(env, messagesOf(forward.bodies).messages, { fetch: fake.fetch });
    const upload = fake.requests.find((r) => r.url.includes("uploadClickConversions"))!;
    expect(upload.problems).toEqual([]);
    const conversions = upload.body.conversions as Record<string, unknown>[];
    expect(conversions.map((c) => [c.orderId, c.consent ?? null])).toEqual([["cs-1", { adUserData: "GRANTED" }], ["cs-2", null]]);
  });
});

describe("status: pending", () => {
  it("counts every event enqueued for a destination and not yet ended, before the forward queue's consumer has claimed it", async () => {
    const site = await newSite("ck-pending", [gads, meta]);
    const forward = captureQueue();
    const ctx = createExecutionContext();
    const user = { email: "ann@mail.example" };
    const body = { events: [{ name: "purchase", event_id: "pd-1", click_ids: { gclid: GCLID }, user }, { name: "purchase", event_id: "pd-2", user }] };
    await router.fetch(new Request("https://edge.test/v1/events", { method: "POST", headers: { authorization: `Bearer ${site.ingest_key}`, "content-type": "application/json" }, body: JSON.stringify(body) }), { ...env, FORWARD: forward }, ctx);
    await waitOnExecutionContext(ctx);
    const jobs = asJobs(forward.bodies);
    expect(jobs).toHaveLength(4);
    // In the queue, not delivered: pending.
    expect((await status(site.id)).map((d) => [d.id, d.pending, d.delivered])).toEqual([["gads", 2, 0], ["meta", 2, 0]]);
    // Meta's jobs delivered, one Google job fails for good: only what has not ended is pending.
    const fake = fakePlatforms([]);
    await deliverJobs(env, messagesOf(jobs.filter((j) => j.destination === "meta")).messages, { fetch: fake.fetch });
    const google = fakePlatforms([{ status: 200, body: { partialFailureError: { message: "refused", details: [{ errors: [{ message: "The click is too old.", location: { fieldPathElements: [{ fieldName: "conversions", index: 0 }] } }] }] } } }]);
    await deliverJobs(env, messagesOf(jobs.filter((j) => j.destination === "gads")).messages, { fetch: google.fetch });
    expect((await status(site.id)).map((d) => [d.id, d.pending, d.delivered, d.failed])).toEqual([["gads", 0, 1, 1], ["meta", 0, 2, 0]]);
    // The jobs redelivered by the queue are not sent again: the reservation made them each job's own once.
    const again = fakePlatforms();
    await deliverJobs(env, messagesOf(jobs).messages, { fetch: again.fetch });
    expect(again.requests.filter((r) => !r.url.startsWith("https://oauth.test"))).toEqual([]);
  });
});
