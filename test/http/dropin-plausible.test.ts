import { describe, expect, it } from "vitest";
import { PLAUSIBLE_MAX_BYTES, PLAUSIBLE_PROP_KEY_MAX, PLAUSIBLE_PROP_VALUE_MAX, PLAUSIBLE_PROPS_MAX, PLAUSIBLE_URL_MAX } from "../../src/dropin/plausible";
import { call, createSite, errorOf } from "../helpers/http";
import { BOT_UA, BROWSER_UA, eventsOf, waitForEvents, type EventRow } from "../ingest/helpers";

// POST /api/event: Plausible's Events API with only the endpoint changed (CONTRACT.md v1.1 "Drop-in endpoints").
const browser = { "user-agent": BROWSER_UA, "cf-connecting-ip": "198.51.100.30" };
const plausible = (body: unknown, headers: Record<string, string> = {}) =>
  call("/api/event", { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers: { ...browser, "content-type": "text/plain", ...headers } });
const beacon = (body: unknown, headers: Record<string, string> = {}) =>
  call("/e", { method: "POST", body: JSON.stringify(body), headers: { ...browser, "content-type": "text/plain", ...headers } });

/** A stored row without what differs between two copies of one hit (row ids, times, queue message). */
const comparable = ({ rowid: _r, ts: _t, received_at: _a, msg_id: _m, ...rest }: EventRow) => rest;

const SHOP = { domains: ["shop.example"], goals: [{ name: "purchase" }, { name: "signup", tier: "micro" }], aliases: { "Order Completed": "purchase" }, currency: "EUR" };

async function neverStored(site: string): Promise<void> {
  // Hits travel through the queue: wait past its batch timeout before saying none arrived.
  await new Promise((r) => setTimeout(r, 1500));
  expect(await eventsOf(site)).toEqual([]);
}

describe("POST /api/event (Plausible)", () => {
  it("a pageview as the tracker sends it (short keys) is stored exactly as the native beacon stores it", async () => {
    await createSite({ id: "pl1", ...SHOP });
    const url = "https://shop.example/landing?utm_source=Newsletter&utm_medium=email&utm_campaign=Spring&email=a@b.example";
    const res = await plausible({ n: "pageview", u: url, d: "pl1", r: "https://news.example/", v: 36 }, { origin: "https://shop.example" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({});
    expect(res.headers.get("x-plausible-dropped")).toBeNull();
    expect(res.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(res.headers.get("access-control-expose-headers")).toBe("x-plausible-dropped");
    await waitForEvents("pl1", 1);
    expect((await beacon({ s: "pl1", n: "pageview", u: url, r: "https://news.example/" }, { origin: "https://shop.example" })).status).toBe(202);
    const [fromPlausible, fromBeacon] = await waitForEvents("pl1", 2);
    expect(comparable(fromPlausible!)).toEqual(comparable(fromBeacon!));
    expect(fromPlausible).toMatchObject({ via: "beacon", name: "pageview", touch_kind: "landing", source: "newsletter", medium: "email", campaign: "Spring" });
    // Scrubbed as every path scrubs: the e-mail in the query string is not stored.
    expect(fromPlausible!.url).not.toContain("a@b.example");
    expect(fromPlausible!.visitor).toMatch(/\S/);
  });

  it("the Events API's long keys: domain finds the site by its domains, revenue becomes value and currency, an alias names the goal", async () => {
    await createSite({ id: "pl2", ...SHOP, domains: ["pl2shop.example"] });
    const res = await plausible(
      {
        name: "Order Completed",
        url: "https://pl2shop.example/thanks",
        domain: "www.pl2shop.example",
        referrer: null,
        props: { plan: "pro", coupon: "SPRING" },
        revenue: { amount: "49.90", currency: "USD" },
        interactive: true,
      },
      { "content-type": "application/json" },
    );
    expect(res.status).toBe(202);
    expect(res.headers.get("x-plausible-dropped")).toBeNull();
    const [row] = await waitForEvents("pl2", 1);
    expect(row).toMatchObject({ name: "purchase", value: 49.9, currency: "USD", url: "https://pl2shop.example/thanks", via: "beacon" });
    // Props are not kept anywhere in the row.
    expect(JSON.stringify(row)).not.toMatch(/pro|SPRING/);
  });

  it("a goal without revenue takes the site's default money rules; `$` is the short revenue key", async () => {
    await createSite({ id: "pl3", ...SHOP });
    expect((await plausible({ n: "signup", u: "https://shop.example/", d: "pl3" })).status).toBe(202);
    expect((await plausible({ n: "purchase", u: "https://shop.example/t", d: "pl3", $: { amount: 10, currency: "eur" } })).status).toBe(202);
    const rows = await waitForEvents("pl3", 2);
    expect(rows.map((r) => [r.name, r.value, r.currency])).toEqual([
      ["signup", null, null],
      ["purchase", 10, "EUR"],
    ]);
  });

  it("answers 202 with x-plausible-dropped: 1 and stores nothing for an unknown event, an unknown domain, a bot, a foreign origin and the tracker's engagement events", async () => {
    await createSite({ id: "pl4", ...SHOP });
    const cases = [
      plausible({ n: "Newsletter Click", u: "https://shop.example/", d: "pl4" }),
      plausible({ n: "pageview", u: "https://shop.example/", d: "nobody.example" }),
      plausible({ n: "pageview", u: "https://shop.example/", d: "pl4" }, { "user-agent": BOT_UA }),
      plausible({ n: "pageview", u: "https://shop.example/", d: "pl4" }, { origin: "https://evil.example" }),
      plausible({ n: "engagement", u: "https://shop.example/", d: "pl4", sd: 50, e: 3000 }),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status).toBe(202);
      expect(res.headers.get("x-plausible-dropped")).toBe("1");
      expect(await res.json()).toEqual({});
    }
    const foreign = await cases[3]!;
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    expect(foreign.headers.get("access-control-expose-headers")).toBeNull();
    await neverStored("pl4");
  });

  it("a server relaying its visitors: X-Forwarded-For's first entry is the visitor's address, not the connecting one", async () => {
    await createSite({ id: "pl5", ...SHOP });
    await plausible({ n: "pageview", u: "https://shop.example/a", d: "pl5" }, { "x-forwarded-for": "203.0.113.7, 10.0.0.1", "cf-connecting-ip": "192.0.2.1" });
    await waitForEvents("pl5", 1);
    // The same visitor through the beacon, from its own address.
    await beacon({ s: "pl5", u: "https://shop.example/b" }, { "cf-connecting-ip": "203.0.113.7" });
    await beacon({ s: "pl5", u: "https://shop.example/c" }, { "cf-connecting-ip": "192.0.2.1" });
    const rows = await waitForEvents("pl5", 3);
    const visitor = (path: string) => rows.find((r) => r.url!.endsWith(path))!.visitor;
    expect(visitor("/a")).toBe(visitor("/b"));
    expect(visitor("/a")).not.toBe(visitor("/c"));
  });

  it("a domain list records the event on each site it names", async () => {
    await createSite({ id: "pl6a", ...SHOP });
    await createSite({ id: "pl6b", ...SHOP });
    expect((await plausible({ n: "pageview", u: "https://shop.example/", d: "pl6a, pl6b,unknown.example" })).status).toBe(202);
    expect((await waitForEvents("pl6a", 1)).length).toBe(1);
    expect((await waitForEvents("pl6b", 1)).length).toBe(1);
  });

  it("enforces Plausible's limits: URL and referrer 2,000 characters, 30 props, keys 300 and values 2,000 characters", async () => {
    await createSite({ id: "pl7", ...SHOP });
    const base = { n: "pageview", d: "pl7" };
    const page = "https://shop.example/";
    const long = (n: number) => page + "a".repeat(n - page.length);
    const props = (n: number, key = 1, value = 1) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${i}`.padEnd(key, "k"), "v".repeat(value)]));
    const refused: [unknown, string, string][] = [
      [{ ...base, u: long(PLAUSIBLE_URL_MAX + 1) }, "url_too_long", "url"],
      [{ ...base, u: page, r: long(PLAUSIBLE_URL_MAX + 1) }, "url_too_long", "referrer"],
      [{ ...base, u: page, p: props(PLAUSIBLE_PROPS_MAX + 1) }, "too_many_props", "props"],
      [{ ...base, u: page, p: props(1, PLAUSIBLE_PROP_KEY_MAX + 1) }, "prop_too_long", "props"],
      [{ ...base, u: page, p: props(1, 1, PLAUSIBLE_PROP_VALUE_MAX + 1) }, "prop_too_long", "props.0"],
      [{ ...base, u: page, p: { nested: { a: 1 } } }, "invalid_props", "props.nested"],
      [{ ...base, u: page, p: "not json" }, "invalid_props", "props"],
      [{ ...base, u: page, $: { amount: 5 } }, "invalid_revenue", "revenue"],
      [{ d: "pl7", u: page }, "missing_name", "name"],
      [{ n: "pageview", d: "pl7" }, "missing_url", "url"],
      [[{ ...base, u: page }], "invalid_body", undefined as unknown as string],
    ];
    for (const [body, code, field] of refused) {
      const res = await plausible(body);
      expect(res.status, code).toBe(400);
      const err = await errorOf(res);
      expect([err.code, err.field], JSON.stringify(body).slice(0, 80)).toEqual([code, field]);
    }
    expect((await plausible("{not json")).status).toBe(400);
    expect((await plausible("x".repeat(PLAUSIBLE_MAX_BYTES + 1))).status).toBe(413);
    await neverStored("pl7");
    // At the limits exactly, the event is stored (props as their JSON text, as Plausible also takes them).
    const atLimits = { ...base, u: long(PLAUSIBLE_URL_MAX), r: "https://r.example/" + "b".repeat(PLAUSIBLE_URL_MAX - 19), p: JSON.stringify(props(PLAUSIBLE_PROPS_MAX, 10, 100)) };
    const ok = await plausible(atLimits);
    expect(ok.status).toBe(202);
    expect(ok.headers.get("x-plausible-dropped")).toBeNull();
    await waitForEvents("pl7", 1);
    const big = await plausible({ ...base, u: page, p: props(1, PLAUSIBLE_PROP_KEY_MAX, PLAUSIBLE_PROP_VALUE_MAX) });
    expect(big.status).toBe(202);
    await waitForEvents("pl7", 2);
  });

  it("answers the CORS preflight of application/json events", async () => {
    const res = await call("/api/event", { method: "OPTIONS", headers: { origin: "https://shop.example", "access-control-request-method": "POST" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
  });
});
