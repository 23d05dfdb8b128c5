import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createSite, errorOf, withJson } from "../helpers/http";
import { BOT_UA, BROWSER_UA, eventsOf, waitForEvents } from "../ingest/helpers";

const now = () => Math.floor(Date.now() / 1000);
const post = (key: string, body: unknown) => call("/v1/events", withJson("POST", body, key));
interface Answer {
  accepted: number;
  duplicates: number;
  rejected: { index: number; error: { code: string; message: string; field?: string } }[];
}

describe("POST /v1/events", () => {
  it("writes valid events before answering, with journey, money and touch", async () => {
    const site = await createSite({ id: "ev1", domains: ["shop.example"], currency: "EUR", goals: [{ name: "purchase" }] });
    const t = now() - 60;
    const res = await post(site.ingest_key, {
      events: [
        {
          name: "purchase", time: t, event_id: "order-1001", url: "https://shop.example/thanks?utm_source=newsletter&utm_campaign=Nov", value: 49.9,
          touches: [{ time: t - 86400, source: "Instagram", medium: "social", campaign: "spring", content: null, term: null, view: false }],
          client: { ip: "203.0.113.9", user_agent: BROWSER_UA },
        },
        { name: "pageview", time: new Date((t - 10) * 1000).toISOString() },
      ],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const rows = await eventsOf("ev1");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      name: "purchase", ts: t * 1000, via: "server", event_id: "order-1001", value: 49.9, currency: "EUR",
      touch_kind: "landing", source: "newsletter", campaign: "Nov", country: null, device: "desktop",
    });
    expect(rows[0]!.visitor).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(JSON.parse(rows[0]!.journey!)).toEqual([{ time: (t - 86400) * 1000, source: "instagram", medium: "social", campaign: "spring", content: null, term: null, view: false }]);
    expect(rows[1]).toMatchObject({ name: "pageview", visitor: null, touch_kind: null });
  });

  it("gives a server event the visitor hash the browser hit of the same person got that day", async () => {
    const { ingest_key } = await createSite({ id: "ev2", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    await call("/p.gif?s=ev2", { headers: { "user-agent": BROWSER_UA, "cf-connecting-ip": "192.0.2.44" } });
    const [pixel] = await waitForEvents("ev2", 1);
    await post(ingest_key, { events: [{ name: "purchase", client: { ip: "192.0.2.44", user_agent: BROWSER_UA } }, { name: "purchase", client: { ip: "192.0.2.45", user_agent: BROWSER_UA } }] });
    const rows = await eventsOf("ev2");
    expect(rows[1]!.visitor).toBe(pixel!.visitor);
    expect(rows[2]!.visitor).not.toBe(pixel!.visitor);
  });

  it("rejects bad events one by one, by index, and keeps the good ones", async () => {
    const site = await createSite({ id: "ev3", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    const t = now();
    const res = await post(site.ingest_key, {
      events: [
        { name: "purchase", time: t, value: 1 },
        { name: "refund", time: t },
        { name: "purchase", time: t - 8 * 86400 },
        { name: "purchase", time: t + 3600 },
        { name: "purchase", value: -1 },
        { name: "purchase", currency: "EURO", value: 2 },
        { name: "purchase", client: { ip: "1.2.3.4", user_agent: BOT_UA } },
        { name: "purchase", url: `https://shop.example/${"x".repeat(2048)}` },
        { name: "purchase", event_id: "y".repeat(129) },
        { name: "x".repeat(65) },
        { name: "purchase", touches: [{ source: "ig" }] },
        "purchase",
        { name: "pageview", time: t },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Answer;
    expect(body.accepted).toBe(2);
    expect(body.duplicates).toBe(0);
    expect(body.rejected.map((r) => [r.index, r.error.code, r.error.field])).toEqual([
      [1, "unknown_event", "events.1.name"],
      [2, "time_too_old", "events.2.time"],
      [3, "time_in_future", "events.3.time"],
      [4, "invalid_value", "events.4.value"],
      [5, "invalid_currency", "events.5.currency"],
      [6, "bot", "events.6.client.user_agent"],
      [7, "url_too_long", "events.7.url"],
      [8, "event_id_too_long", "events.8.event_id"],
      [9, "invalid_name", "events.9.name"],
      [10, "invalid_touch", "events.10.touches.0.time"],
      [11, "invalid_event", "events.11"],
    ]);
    expect(body.rejected.every((r) => r.error.message.length > 10)).toBe(true);
    expect(await eventsOf("ev3")).toHaveLength(2);
  });

  it("counts duplicates inside a batch and against earlier calls", async () => {
    const site = await createSite({ id: "ev4", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    const e = (id: string, value: number) => ({ name: "purchase", event_id: id, value });
    expect(await (await post(site.ingest_key, { events: [e("a", 1), e("b", 2), e("a", 3)] })).json()).toEqual({ accepted: 2, duplicates: 1, rejected: [] });
    expect(await (await post(site.ingest_key, { events: [e("a", 4), e("c", 5)] })).json()).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    expect((await eventsOf("ev4")).map((r) => r.value)).toEqual([1, 2, 5]);
  });

  it("stores an e-mail or phone event_id only as a keyed hash, and still deduplicates it", async () => {
    const site = await createSite({ id: "ev5", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    const first = await post(site.ingest_key, { events: [{ name: "purchase", event_id: "ann@mail.example" }, { name: "purchase", event_id: "+1 555 123 4567" }] });
    expect(await first.json()).toMatchObject({ accepted: 2 });
    const again = await post(site.ingest_key, { events: [{ name: "purchase", event_id: "ann@mail.example" }] });
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    const ids = (await eventsOf("ev5")).map((r) => r.event_id);
    expect(ids.every((id) => /^h:[A-Za-z0-9_-]{22}$/.test(id ?? ""))).toBe(true);
    const dedup = await env.DB.prepare("SELECT event_id FROM dedup WHERE site = 'ev5'").all<{ event_id: string }>();
    expect(JSON.stringify(dedup.results)).not.toContain("ann@");
  });

  it("needs the site's ingest key", async () => {
    const site = await createSite({ id: "ev6", domains: ["shop.example"] });
    expect((await call("/v1/events", withJson("POST", { events: [] }))).status).toBe(401);
    const wrong = await post(site.read_key, { events: [] });
    expect(wrong.status).toBe(403);
    expect((await errorOf(wrong)).code).toBe("forbidden");
  });

  it.each([
    ["{nope", 400, "malformed_json", undefined],
    [{ event: [] }, 400, "invalid_body", "events"],
    [[{ name: "pageview" }], 400, "invalid_body", "events"],
    [{ events: [], test: true }, 400, "unknown_field", "test"],
    [{ events: Array.from({ length: 501 }, () => ({ name: "pageview" })) }, 400, "too_many_events", "events"],
    [{ events: [{ name: "pageview", url: `https://shop.example/${"x".repeat(1_000_001)}` }] }, 413, "body_too_large", undefined],
  ])("answers a JSON error for a bad body %#", async (body, status, code, field) => {
    const site = await createSite({ id: `ev-bad-${crypto.randomUUID().slice(0, 8)}`, domains: ["shop.example"] });
    const res = await post(site.ingest_key, body);
    expect(res.status).toBe(status);
    const err = await errorOf(res);
    expect(err.code).toBe(code);
    expect(err.field).toBe(field);
  });

  it("takes 500 events in one call", async () => {
    const site = await createSite({ id: "ev7", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    const events = Array.from({ length: 500 }, (_, i) => ({ name: "purchase", event_id: `o-${i}`, value: i, client: { ip: `10.0.${i >> 8}.${i & 255}`, user_agent: BROWSER_UA } }));
    expect(await (await post(site.ingest_key, { events })).json()).toEqual({ accepted: 500, duplicates: 0, rejected: [] });
    expect(await eventsOf("ev7")).toHaveLength(500);
  });
});
