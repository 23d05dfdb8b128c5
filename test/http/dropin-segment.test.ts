import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SEGMENT_BATCH_MAX_BYTES, SEGMENT_EVENT_MAX_BYTES } from "../../src/dropin/segment";
import { call, createSite, errorOf, withJson } from "../helpers/http";
import { BOT_UA, BROWSER_UA, eventsOf, waitForEvents, type EventRow } from "../ingest/helpers";

// /v1/track, /v1/page, /v1/identify, /v1/batch: Segment's HTTP Tracking API with only the host changed (CONTRACT.md v1.1).
const basic = (key: string) => `Basic ${btoa(`${key}:`)}`;
const segment = (path: string, key: string | null, body: unknown) =>
  call(`/v1/${path}`, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json", ...(key !== null ? { authorization: basic(key) } : {}) },
  });
const server = (key: string, events: unknown[]) => call("/v1/events", withJson("POST", { events }, key));

const SHOP = { domains: ["shop.example"], goals: [{ name: "purchase" }, { name: "signup", tier: "micro" }], aliases: { "Order Completed": "purchase", "Signed Up": "signup" }, currency: "EUR" };
const comparable = ({ rowid: _r, received_at: _a, msg_id: _m, ...rest }: EventRow) => rest;
const iso = (ms: number) => new Date(ms).toISOString();

describe("Segment drop-in endpoints", () => {
  it("a track call is stored exactly as the same ServerEvent on /v1/events would be, minus user ids, traits and other properties", async () => {
    const a = await createSite({ id: "sg1", ...SHOP });
    const b = await createSite({ id: "sg1n", ...SHOP });
    const time = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
    const res = await segment("track", a.ingest_key, {
      type: "track",
      event: "Order Completed",
      messageId: "order-1001",
      userId: "user-42@example.com",
      anonymousId: "anon-7",
      timestamp: iso(time),
      properties: { revenue: 49.9, currency: "EUR", total: 60, coupon: "SPRING", email: "buyer@example.com" },
      context: {
        ip: "203.0.113.9",
        userAgent: BROWSER_UA,
        page: { url: "https://shop.example/thanks", referrer: "https://shop.example/cart" },
        campaign: { source: "Instagram", medium: "Social", name: "Spring", content: "reel", term: null },
        traits: { email: "buyer@example.com", phone: "+49 170 1234567" },
      },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, accepted: 1, duplicates: 0, rejected: [] });
    const native = await server(b.ingest_key, [
      {
        name: "purchase",
        event_id: "order-1001",
        time: time / 1000,
        url: "https://shop.example/thanks",
        value: 49.9,
        currency: "EUR",
        touches: [{ time: Math.floor(time / 1000), source: "Instagram", medium: "Social", campaign: "Spring", content: "reel", term: null }],
        client: { ip: "203.0.113.9", user_agent: BROWSER_UA },
      },
    ]);
    expect(await native.json()).toMatchObject({ accepted: 1 });
    const [fromSegment] = await eventsOf("sg1");
    const [fromNative] = await eventsOf("sg1n");
    const { site: _s, visitor: v1, event_id: id1, ...seg } = comparable(fromSegment!);
    const { site: _n, visitor: v2, event_id: id2, ...nat } = comparable(fromNative!);
    expect(seg).toEqual(nat);
    expect([id1, id2]).toEqual(["order-1001", "order-1001"]);
    expect(v1).toMatch(/\S/);
    expect(v2).toMatch(/\S/);
    expect(fromSegment).toMatchObject({ via: "server", name: "purchase", value: 49.9, currency: "EUR", ts: time });
    expect(JSON.parse(fromSegment!.journey!)).toMatchObject([{ source: "instagram", medium: "social", campaign: "Spring", content: "reel" }]);
    // Nothing identifying reaches storage.
    const everything = JSON.stringify(await env.DB.prepare("SELECT * FROM events WHERE site = 'sg1'").all());
    for (const secret of ["user-42", "anon-7", "buyer@example.com", "1234567", "203.0.113.9", "SPRING", "Chrome"]) expect(everything).not.toContain(secret);
  });

  it("a page call is a pageview with its campaign or external referrer as landing touch; identify is accepted and ignored", async () => {
    const s = await createSite({ id: "sg2", ...SHOP });
    const ctx = { ip: "203.0.113.10", userAgent: BROWSER_UA };
    expect(await (await segment("page", s.ingest_key, { properties: { url: "https://shop.example/a", referrer: "https://www.google.com/" }, context: ctx })).json()).toMatchObject({ success: true, accepted: 1 });
    expect((await segment("page", s.ingest_key, { context: { ...ctx, page: { url: "https://shop.example/b" }, campaign: { source: "newsletter", medium: "email", name: "May" } } })).status).toBe(200);
    expect((await segment("page", s.ingest_key, { context: { ...ctx, page: { url: "https://shop.example/c", referrer: "https://shop.example/b" } } })).status).toBe(200);
    const identify = await segment("identify", s.ingest_key, { userId: "u1", traits: { email: "x@example.com" } });
    expect(await identify.json()).toEqual({ success: true, accepted: 0, duplicates: 0, rejected: [] });
    const rows = await eventsOf("sg2");
    expect(rows.map((r) => [r.name, r.url, r.touch_kind, r.source, r.medium, r.campaign])).toEqual([
      ["pageview", "https://shop.example/a", "landing", "google", "organic", "(none)"],
      ["pageview", "https://shop.example/b", "landing", "newsletter", "email", "May"],
      ["pageview", "https://shop.example/c", null, null, null, null],
    ]);
    expect(new Set(rows.map((r) => r.visitor)).size).toBe(1);
  });

  it("a batch: each bad message is rejected alone with a field in Segment's terms, the rest is stored", async () => {
    const s = await createSite({ id: "sg3", ...SHOP });
    const old = iso(Date.now() - 8 * 86_400_000);
    const res = await segment("batch", s.ingest_key, {
      batch: [
        { type: "track", event: "Signed Up", messageId: "m-1" },
        { type: "track", messageId: "m-2" },
        { type: "track", event: "Order Completed", timestamp: old },
        { type: "track", event: "Newsletter Opened" },
        { type: "identify", userId: "u", traits: { plan: "pro" } },
        { type: "track", event: "Order Completed", properties: { revenue: -5 } },
        { type: "track", event: "Order Completed", context: { userAgent: BOT_UA, ip: "1.2.3.4" } },
        { type: "track", event: "Order Completed", properties: { pad: "x".repeat(SEGMENT_EVENT_MAX_BYTES) } },
        { type: "page", properties: { url: "https://shop.example/" } },
        { type: "weird" },
        "not an object",
      ],
      writeKey: s.ingest_key,
      sentAt: iso(Date.now()),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { success: boolean; accepted: number; rejected: { index: number; error: { code: string; field?: string } }[] };
    expect(body.success).toBe(true);
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => [r.index, r.error.code, r.error.field])).toEqual([
      [1, "missing_name", "batch.1.event"],
      [2, "time_too_old", "batch.2.timestamp"],
      [3, "unknown_event", "batch.3.event"],
      [5, "invalid_value", "batch.5.properties.revenue"],
      [6, "bot", "batch.6.context.userAgent"],
      [7, "event_too_large", "batch.7"],
      [9, "invalid_type", "batch.9.type"],
      [10, "invalid_event", "batch.10"],
    ]);
    expect((await eventsOf("sg3")).map((r) => [r.name, r.event_id])).toEqual([
      ["signup", "m-1"],
      ["pageview", null],
    ]);
  });

  it("answers 400 for a malformed batch and 413 over 500 KB a batch or 32 KB a single call", async () => {
    const s = await createSite({ id: "sg4", ...SHOP });
    for (const body of [{ batch: "nope" }, { events: [] }, [], "{broken"]) {
      const res = await segment("batch", s.ingest_key, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await errorOf(await segment("batch", s.ingest_key, { batch: {} }))).field).toBe("batch");
    const filler = { type: "track", event: "Signed Up", properties: { pad: "x".repeat(30_000) } };
    const tooBig = { batch: Array.from({ length: Math.ceil(SEGMENT_BATCH_MAX_BYTES / 30_000) + 1 }, () => filler) };
    expect((await segment("batch", s.ingest_key, tooBig)).status).toBe(413);
    const fits = { batch: Array.from({ length: 16 }, () => filler) };
    expect(JSON.stringify(fits).length).toBeLessThan(SEGMENT_BATCH_MAX_BYTES);
    expect(await (await segment("batch", s.ingest_key, fits)).json()).toMatchObject({ success: true, accepted: 16 });
    expect((await segment("track", s.ingest_key, { event: "Signed Up", properties: { pad: "x".repeat(SEGMENT_EVENT_MAX_BYTES) } })).status).toBe(413);
  });

  it("authenticates with HTTP Basic, the ingest key as user and an empty password", async () => {
    const s = await createSite({ id: "sg5", ...SHOP });
    const body = { event: "Signed Up" };
    const none = await segment("track", null, body);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic/);
    expect((await segment("track", s.read_key, body)).status).toBe(403);
    expect((await segment("track", "eti_not-a-key", body)).status).toBe(403);
    const garbled = await call("/v1/track", { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", authorization: "Basic !!!" } });
    expect(garbled.status).toBe(401);
    expect((await segment("track", s.ingest_key, body)).status).toBe(200);
    expect((await eventsOf("sg5")).length).toBe(1);
  });

  it("messageId dedups against the native paths: a Segment copy of a server event, and a browser copy of a Segment event", async () => {
    const s = await createSite({ id: "sg6", ...SHOP });
    expect(await (await server(s.ingest_key, [{ name: "purchase", event_id: "order-1", value: 10 }])).json()).toMatchObject({ accepted: 1 });
    expect(await (await segment("track", s.ingest_key, { event: "Order Completed", messageId: "order-1", properties: { revenue: 10 } })).json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await (await segment("track", s.ingest_key, { event: "Order Completed", messageId: "order-2", properties: { total: 20, currency: "USD" } })).json()).toMatchObject({ accepted: 1 });
    // The tracker's browser copy of order-2 is dropped when written.
    const beacon = await call("/e", {
      method: "POST",
      body: JSON.stringify({ s: "sg6", n: "purchase", v: 20, i: "order-2" }),
      headers: { "content-type": "text/plain", "user-agent": BROWSER_UA, origin: "https://shop.example" },
    });
    expect(beacon.status).toBe(202);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await eventsOf("sg6")).map((r) => [r.via, r.event_id, r.value, r.currency])).toEqual([
      ["server", "order-1", 10, "EUR"],
      ["server", "order-2", 20, "USD"],
    ]);
  });

  it("a batch exactly as @segment/analytics-node sends it (writeKey and sentAt in the body) is accepted", async () => {
    const s = await createSite({ id: "sg7", ...SHOP });
    const now = iso(Date.now());
    const res = await segment("batch", s.ingest_key, {
      batch: [
        { type: "track", event: "Signed Up", userId: "u1", properties: {}, context: { library: { name: "@segment/analytics-node", version: "2" } }, timestamp: now, messageId: "node-next-1", integrations: {}, _metadata: { jsRuntime: "node" } },
      ],
      writeKey: s.ingest_key,
      sentAt: now,
    });
    expect(await res.json()).toMatchObject({ success: true, accepted: 1 });
    await waitForEvents("sg7", 1);
  });
});
