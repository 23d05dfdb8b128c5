import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { encodeJournal } from "../../src/collect/journal";
import { dayOf } from "../../src/time/day";
import { ADMIN, call, createSite, withJson } from "../helpers/http";
import { BROWSER_UA, eventsOf, waitForEvents } from "../ingest/helpers";

// One (site, event_id) is one event across pixel, beacon and server within 48 hours (CONTRACT.md).
const browser = { "user-agent": BROWSER_UA, "cf-connecting-ip": "198.51.100.20" };
const server = (key: string, events: unknown[]) => call("/v1/events", withJson("POST", { events }, key));
const beacon = (body: unknown) =>
  call("/e", { method: "POST", body: JSON.stringify(body), headers: { ...browser, "content-type": "text/plain", origin: "https://shop.example" } });

describe("dedup across collection paths", () => {
  it("pixel first, then server: the server copy is a duplicate", async () => {
    const site = await createSite({ id: "dd1", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    await call("/p.gif?s=dd1&n=purchase&v=10&i=order-1", { headers: browser });
    await waitForEvents("dd1", 1);
    const res = await server(site.ingest_key, [{ name: "purchase", event_id: "order-1", value: 10 }]);
    expect(await res.json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    expect((await eventsOf("dd1")).map((r) => r.via)).toEqual(["pixel"]);
  });

  it("server first, then beacon: the queued browser copy is dropped at write time", async () => {
    const site = await createSite({ id: "dd2", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    expect(await (await server(site.ingest_key, [{ name: "purchase", event_id: "order-2", value: 20 }])).json()).toMatchObject({ accepted: 1 });
    // The beacon cannot see D1 when it answers ("accepted" = not a duplicate when answered)…
    const res = await beacon([{ s: "dd2", n: "purchase", v: 20, i: "order-2" }, { s: "dd2", u: "https://shop.example/next" }]);
    expect(await res.json()).toEqual({ accepted: 2, dropped: 0 });
    // …but the consumer, writing both in one batch, keeps only the pageview.
    const rows = await waitForEvents("dd2", 2);
    expect(rows.map((r) => [r.via, r.name])).toEqual([["server", "purchase"], ["beacon", "pageview"]]);
  });

  it("a copy after 48 hours is a new event; within 48 hours it is not", async () => {
    const site = await createSite({ id: "dd3", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    const e = [{ name: "purchase", event_id: "order-3", value: 30 }];
    expect(await (await server(site.ingest_key, e)).json()).toMatchObject({ accepted: 1, duplicates: 0 });
    // 47 hours later (the first sighting moved back in time) it is still a duplicate…
    await env.DB.prepare("UPDATE dedup SET first_seen = first_seen - ? WHERE site = 'dd3'").bind(47 * 3_600_000).run();
    expect(await (await server(site.ingest_key, e)).json()).toMatchObject({ accepted: 0, duplicates: 1 });
    // …49 hours later it is a new event, for the browser path too.
    await env.DB.prepare("UPDATE dedup SET first_seen = first_seen - ? WHERE site = 'dd3'").bind(2 * 3_600_000).run();
    await call("/p.gif?s=dd3&n=purchase&v=30&i=order-3", { headers: browser });
    const rows = await waitForEvents("dd3", 2);
    expect(rows.map((r) => r.via)).toEqual(["server", "pixel"]);
  });

  it("the same event_id on two sites is two events", async () => {
    const a = await createSite({ id: "dd4a", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    const b = await createSite({ id: "dd4b", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    expect(await (await server(a.ingest_key, [{ name: "purchase", event_id: "x" }])).json()).toMatchObject({ accepted: 1 });
    expect(await (await server(b.ingest_key, [{ name: "purchase", event_id: "x" }])).json()).toMatchObject({ accepted: 1 });
  });

  it("README step 4: the beacon's journey survives a server copy without touches (v1.1)", async () => {
    const site = await createSite({ id: "dd5", domains: ["shop.example"], goals: [{ name: "purchase" }], privacy: { k: 1 } });
    const now = Date.now();
    const j = encodeJournal([{ time: now - 3_600_000, source: "google", medium: "cpc", campaign: "brand", content: null, term: null, view: false }]);
    expect(await (await beacon([{ s: "dd5", n: "purchase", v: 49.9, i: "order-1", j }])).json()).toEqual({ accepted: 1, dropped: 0 });
    await waitForEvents("dd5", 1);
    const res = await server(site.ingest_key, [{ name: "purchase", event_id: "order-1", value: 59, currency: "USD" }]);
    expect(await res.json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    const [stored] = await eventsOf("dd5");
    expect(stored).toMatchObject({ via: "beacon", value: 59, currency: "USD" });
    const day = dayOf(now, "UTC");
    expect((await call("/v1/admin/rollup", withJson("POST", { site: "dd5", from: day, to: day }, ADMIN))).status).toBe(200);
    const stats = await call(`/v1/stats?site=dd5&from=${day}&to=${day}&group=campaign`, { headers: { authorization: `Bearer ${site.read_key}` } });
    const body = (await stats.json()) as { rows: { source: string; campaign: string; conversions: number; revenue_by_currency: Record<string, number> }[] };
    expect(body.rows).toMatchObject([{ source: "google", campaign: "brand", conversions: 1, revenue_by_currency: { USD: 59 } }]);
  });

  it("server first without touches, then the queued beacon with a journey: attributed, the server's value kept", async () => {
    const site = await createSite({ id: "dd6", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    expect(await (await server(site.ingest_key, [{ name: "purchase", event_id: "order-6", value: 20, currency: "USD" }])).json()).toMatchObject({ accepted: 1 });
    const j = encodeJournal([{ time: Date.now() - 60_000, source: "meta", medium: "social", campaign: "spring", content: null, term: null, view: false }]);
    expect(await (await beacon([{ s: "dd6", n: "purchase", v: 19, c: "EUR", i: "order-6", j }, { s: "dd6", u: "https://shop.example/next" }])).json()).toEqual({ accepted: 2, dropped: 0 });
    const rows = await waitForEvents("dd6", 2);
    const purchase = rows.find((r) => r.name === "purchase")!;
    expect(purchase).toMatchObject({ via: "server", value: 20, currency: "USD" });
    expect(JSON.parse(purchase.journey!)).toMatchObject([{ source: "meta", medium: "social", campaign: "spring" }]);
  });
});
