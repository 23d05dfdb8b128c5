import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { router } from "../../src/router";
import { call, createSite, errorOf } from "../helpers/http";
import { BOT_UA, BROWSER_UA, eventsOf, IPHONE_UA, waitForEvents } from "../ingest/helpers";

const IP = "198.51.100.7";
const browser = (extra: Record<string, string> = {}): RequestInit => ({ headers: { "user-agent": BROWSER_UA, "cf-connecting-ip": IP, ...extra } });
const beaconInit = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body: typeof body === "string" ? body : JSON.stringify(body),
  headers: { "content-type": "text/plain;charset=UTF-8", "user-agent": BROWSER_UA, "cf-connecting-ip": IP, origin: "https://shop.example", ...headers },
});
const enc = encodeURIComponent;

async function expectGif(res: Response): Promise<void> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("image/gif");
  expect(res.headers.get("cache-control")).toContain("no-store");
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(String.fromCharCode(...bytes.slice(0, 6))).toBe("GIF89a");
}

/** The env of a deployment without a QUEUE binding (wrangler.toml with no [[queues.producers]]). */
function withoutQueue(e: Env): Env {
  const copy: Env = { ...e };
  Reflect.deleteProperty(copy, "QUEUE");
  return copy;
}

/** Calls the router with a modified env (no queue, a limiter that says no) and waits for its waitUntil work. */
async function callWith(e: Env, path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await router.fetch(new Request(`https://edge.test${path}`, init), e, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("GET /p.gif", () => {
  it("answers the GIF and stores the pageview through the queue, with touch, visitor and coarse context", async () => {
    await createSite({ id: "px1", domains: ["shop.example"], timezone: "Europe/Berlin" });
    const u = enc("https://shop.example/spring?utm_source=Instagram&utm_medium=Social&utm_campaign=Spring&email=ann%40mail.example");
    await expectGif(await call(`/p.gif?s=px1&u=${u}`, browser({ referer: "https://shop.example/spring" })));
    const [row] = await waitForEvents("px1", 1);
    expect(row).toMatchObject({
      name: "pageview", via: "pixel", touch_kind: "landing", source: "instagram", medium: "social", campaign: "Spring",
      url: "https://shop.example/spring?utm_source=Instagram&utm_medium=Social&utm_campaign=Spring", device: "desktop", event_id: null,
    });
    expect(row!.visitor).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(row!.msg_id).toBeTruthy();
  });

  it("always answers the GIF, and stores nothing for bad input, bots, foreign origins and GPC", async () => {
    await createSite({ id: "px2", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    const bad = [
      ["/p.gif", browser()],
      ["/p.gif?s=nope", browser()],
      ["/p.gif?s=px2&n=refund", browser()],
      ["/p.gif?s=px2&n=purchase&v=-5", browser()],
      ["/p.gif?s=px2&n=purchase&c=EURO", browser()],
      [`/p.gif?s=px2&u=${enc(`https://shop.example/${"x".repeat(2100)}`)}`, browser()],
      ["/p.gif?s=px2&n=purchase&j=%5B%5Bnope", browser()],
      ["/p.gif?s=px2", { headers: { "user-agent": BOT_UA } }],
      ["/p.gif?s=px2", { headers: { "user-agent": BROWSER_UA, referer: "https://evil.example/" } }],
      ["/p.gif?s=px2", browser({ "sec-gpc": "1" })],
      ["/p.gif?s=px2", browser({ dnt: "1" })],
    ] as const;
    for (const [path, init] of bad) await expectGif(await call(path, init));
    // A good hit afterwards is the only one that arrives.
    await expectGif(await call(`/p.gif?s=px2&n=purchase&v=12.5&i=o-1&u=${enc("https://shop.example/thanks")}`, browser({ referer: "https://shop.example/thanks" })));
    await waitForEvents("px2", 1);
    await new Promise((r) => setTimeout(r, 2500)); // one more consumer round for any straggler
    const rows = await eventsOf("px2");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: "purchase", value: 12.5, currency: "USD", event_id: "o-1" });
  });

  it("counts an e-mail pixel (no Origin, Referer or u) and a GPC hit where the site does not honour it", async () => {
    await createSite({ id: "px3", domains: ["shop.example"], collect: { honor_gpc: false } });
    await expectGif(await call("/p.gif?s=px3", browser()));
    await expectGif(await call("/p.gif?s=px3", browser({ "sec-gpc": "1", referer: "https://www.shop.example/" })));
    const rows = await waitForEvents("px3", 2);
    expect(rows.every((r) => r.touch_kind === "direct" && r.source === "direct")).toBe(true);
  });

  it("debug=1 answers the validation report and stores nothing", async () => {
    await createSite({ id: "px4", domains: ["shop.example"], currency: "EUR", goals: [{ name: "signup", value: 5 }] });
    const ok = await call(`/p.gif?s=px4&n=signup&debug=1&u=${enc("https://shop.example/?gclid=abc&phone=5551234567")}`, browser({ referer: "https://shop.example/" }));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toContain("application/json");
    expect(await ok.json()).toEqual({
      ok: true,
      errors: [],
      event: expect.objectContaining({ site: "px4", name: "signup", value: 5, currency: "EUR", url: "https://shop.example/", touch_kind: "landing", source: "google", medium: "cpc", visitor: null, via: "pixel" }),
    });
    const bad = await call("/p.gif?s=px4&n=nope&v=x&debug=1", { headers: { "user-agent": BOT_UA } });
    const report = (await bad.json()) as { ok: boolean; errors: { code: string; field?: string }[] };
    expect(report.ok).toBe(false);
    expect(report.errors.map((e) => e.code).sort()).toEqual(["bot", "invalid_value", "unknown_event"]);
    const unknown = (await (await call("/p.gif?s=ghost&debug=1", browser())).json()) as { event: unknown; errors: { code: string }[] };
    expect(unknown).toMatchObject({ event: null, errors: [{ code: "unknown_site" }] });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await eventsOf("px4")).toHaveLength(0);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM salts WHERE site = 'px4'").first<{ n: number }>()).toEqual({ n: 0 });
  });

  it("writes directly to D1 when no QUEUE is bound", async () => {
    await createSite({ id: "px5", domains: ["shop.example"] });
    const noQueue = withoutQueue(env);
    await expectGif(await callWith(noQueue, "/p.gif?s=px5", browser()));
    expect(await eventsOf("px5")).toHaveLength(1);
  });

  it("is rate limited by default (600 a minute per address and site): a limited pixel still answers the GIF but stores nothing", async () => {
    await createSite({ id: "px6", domains: ["shop.example"] });
    const keys: string[] = [];
    const limited: Env = { ...withoutQueue(env), COLLECT_LIMIT_600: { limit: async (o: RateLimitOptions) => (keys.push(o.key), { success: false }) } };
    await expectGif(await callWith(limited, "/p.gif?s=px6", browser()));
    expect(keys).toEqual([`px6:${IP}`]);
    expect(await eventsOf("px6")).toHaveLength(0);
    const open: Env = { ...limited, COLLECT_LIMIT_600: { limit: async () => ({ success: true }) } };
    await expectGif(await callWith(open, "/p.gif?s=px6", browser()));
    expect(await eventsOf("px6")).toHaveLength(1);
  });

  it("uses the tightest tier at or above the site's limits.collect_per_minute, and none at 0", async () => {
    const used: string[] = [];
    const tier = (name: string): RateLimit => ({ limit: async () => (used.push(name), { success: true }) });
    const tiers: Env = {
      ...withoutQueue(env),
      COLLECT_LIMIT_60: tier("60"),
      COLLECT_LIMIT_300: tier("300"),
      COLLECT_LIMIT_600: tier("600"),
      COLLECT_LIMIT_1500: tier("1500"),
      COLLECT_LIMIT_3000: tier("3000"),
      COLLECT_LIMIT_10000: tier("10000"),
      COLLECT_LIMIT_30000: tier("30000"),
    };
    const cases: [number, string | null][] = [[1, "60"], [60, "60"], [61, "300"], [1000, "1500"], [30_000, "30000"], [0, null]];
    for (const [perMinute, want] of cases) {
      const id = `px7-${perMinute}`;
      await createSite({ id, domains: ["shop.example"], limits: { collect_per_minute: perMinute } });
      used.length = 0;
      await expectGif(await callWith(tiers, `/p.gif?s=${id}`, browser()));
      await new Promise((r) => setTimeout(r, 50));
      expect(used).toEqual(want === null ? [] : [want]);
    }
  });
});

describe("POST /e", () => {
  it("takes a text/plain beacon, answers 202 and stores it with the CORS origin echoed", async () => {
    await createSite({ id: "be1", domains: ["shop.example"] });
    const res = await call("/e", beaconInit({ s: "be1", u: "https://shop.example/a", r: "https://l.facebook.com/" }, { "user-agent": IPHONE_UA }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, dropped: 0 });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    const [row] = await waitForEvents("be1", 1);
    expect(row).toMatchObject({ via: "beacon", touch_kind: "landing", source: "facebook", medium: "social", device: "mobile" });
  });

  it("takes an application/json array and counts invalid objects, unknown sites and repeated event ids as dropped", async () => {
    await createSite({ id: "be2", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    const body = [
      { s: "be2", n: "purchase", v: 10, c: "eur", i: "o1", j: [[Math.floor(Date.now() / 1000) - 3600, "ig", "social", "spring"]] },
      { s: "be2", n: "purchase", v: 10, i: "o1" },
      { s: "be2", n: "purchase", v: "lots" },
      { s: "ghost" },
      "not an object",
      { s: "be2", u: "https://shop.example/b", r: "https://shop.example/a" },
    ];
    const res = await call("/e", beaconInit(body, { "content-type": "application/json" }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2, dropped: 4 });
    const rows = await waitForEvents("be2", 2);
    expect(rows.map((r) => [r.name, r.event_id, r.value, r.currency, r.touch_kind])).toEqual([
      ["purchase", "o1", 10, "EUR", "direct"],
      ["pageview", null, null, null, null],
    ]);
    expect(JSON.parse(rows[0]!.journey!)).toEqual([expect.objectContaining({ source: "ig", medium: "social", campaign: "spring" })]);
  });

  it("drops everything from a bot or a foreign origin (no CORS for the foreign one)", async () => {
    await createSite({ id: "be3", domains: ["shop.example"] });
    const bot = await call("/e", beaconInit([{ s: "be3" }, { s: "be3" }], { "user-agent": BOT_UA }));
    expect(await bot.json()).toEqual({ accepted: 0, dropped: 2 });
    const foreign = await call("/e", beaconInit({ s: "be3" }, { origin: "https://evil.example" }));
    expect(foreign.status).toBe(202);
    expect(await foreign.json()).toEqual({ accepted: 0, dropped: 1 });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const gpc = await call("/e", beaconInit({ s: "be3" }, { "sec-gpc": "1" }));
    expect(await gpc.json()).toEqual({ accepted: 0, dropped: 1 });
  });

  it.each([
    ["{nope", {}, 400, "malformed_json"],
    ["", {}, 400, "empty_body"],
    [JSON.stringify(Array.from({ length: 21 }, () => ({ s: "be4" }))), {}, 400, "too_many_hits"],
    [JSON.stringify([]), {}, 400, "invalid_body"],
    [JSON.stringify({ s: "be4", u: "x".repeat(17 * 1024) }), {}, 413, "body_too_large"],
    [JSON.stringify({ s: "be4" }), { "content-type": "application/xml" }, 415, "unsupported_media_type"],
  ])("answers a JSON error for a bad body %#", async (body, headers, status, code) => {
    const res = await call("/e", beaconInit(body, headers));
    expect(res.status).toBe(status);
    expect((await errorOf(res)).code).toBe(code);
  });

  it("debug=1 reports one object as the contract's report, an array as one report per object", async () => {
    await createSite({ id: "be5", domains: ["shop.example"] });
    const one = await call("/e?debug=1", beaconInit({ s: "be5", u: "https://shop.example/" }));
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ ok: true, errors: [], event: { site: "be5", via: "beacon" } });
    const many = await call("/e?debug=1", beaconInit([{ s: "be5" }, { s: "be5", v: -1 }]));
    expect(await many.json()).toMatchObject({
      ok: false,
      errors: [{ code: "invalid_value", field: "1.v" }],
      reports: [{ ok: true, errors: [] }, { ok: false, errors: [{ code: "invalid_value", field: "v" }] }],
    });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await eventsOf("be5")).toHaveLength(0);
  });

  it("answers the CORS preflight for application/json", async () => {
    const res = await call("/e", { method: "OPTIONS", headers: { origin: "https://shop.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toContain("content-type");
  });

  it("answers 429 with Retry-After once the caller is over the site's limit (on by default); a site with 0 is never limited", async () => {
    await createSite({ id: "be6", domains: ["shop.example"] });
    const limited: Env = { ...env, COLLECT_LIMIT_600: { limit: async () => ({ success: false }) } };
    const res = await callWith(limited, "/e", beaconInit({ s: "be6" }));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
    expect((await errorOf(res)).code).toBe("rate_limited");
    // A site that disabled it is never limited.
    await createSite({ id: "be7", domains: ["shop.example"], limits: { collect_per_minute: 0 } });
    expect((await callWith(limited, "/e", beaconInit({ s: "be7" }))).status).toBe(202);
  });

  it("really limits through the wrangler.toml binding: the 61st hit of a minute from one address is refused at 60", async () => {
    await createSite({ id: "be8", domains: ["shop.example"], limits: { collect_per_minute: 60 } });
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await call("/e", beaconInit({ s: "be8" }))).status);
    expect(statuses.slice(0, 60).every((s) => s === 202)).toBe(true);
    expect(statuses[60]).toBe(429);
  });
});
