import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LIVE_CACHE_MS } from "../../src/live/session";
import { handleScheduled } from "../../src/rollup/scheduled";
import { router } from "../../src/router";
import { ADMIN, call, createSite, errorOf, withJson, type CreatedSite } from "../helpers/http";
import { BOT_UA, BROWSER_UA, eventsOf, waitForEvents } from "../ingest/helpers";

interface LiveHitJson {
  at: string;
  via: string;
  name: string | null;
  outcome: string;
  reason: string | null;
  url: string | null;
  touch: { source: string | null; medium: string | null; campaign: string | null; content: string | null; term: string | null };
  value: number | null;
  currency: string | null;
  event_id: string | null;
  errors: { code: string; message: string; field?: string }[];
}
interface LiveJson {
  until: string | null;
  hits: LiveHitJson[];
}

const IP = "198.51.100.23";
const enc = encodeURIComponent;
const browser = (extra: Record<string, string> = {}): RequestInit => ({ headers: { "user-agent": BROWSER_UA, "cf-connecting-ip": IP, ...extra } });
const beaconInit = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "content-type": "text/plain;charset=UTF-8", "user-agent": BROWSER_UA, "cf-connecting-ip": IP, origin: "https://shop.example", ...headers },
});
const auth = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

const startLive = (site: CreatedSite) => call(`/v1/live?site=${site.id}`, { method: "POST", ...auth(site.read_key) });
async function getLive(site: CreatedSite): Promise<LiveJson> {
  const res = await call(`/v1/live?site=${site.id}`, auth(site.read_key));
  expect(res.status).toBe(200);
  return (await res.json()) as LiveJson;
}

/** Polls the live view until it shows `n` hits; fails after `timeoutMs`. */
async function waitForLive(site: CreatedSite, n: number, timeoutMs = 3_000): Promise<LiveJson> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const live = await getLive(site);
    if (live.hits.length >= n) return live;
    if (Date.now() > end) throw new Error(`expected ${n} live hits for ${site.id}, found ${live.hits.length} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Calls the router with `e` and waits for everything it left to waitUntil. */
async function callWith(e: Env, path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await router.fetch(new Request(`https://edge.test${path}`, init), e, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** The env of a deployment without a queue: accepted hits are written before waitUntil ends. */
function withoutQueue(e: Env): Env {
  const copy: Env = { ...e };
  Reflect.deleteProperty(copy, "QUEUE");
  return copy;
}

async function liveRows(site: string): Promise<Record<string, unknown>[]> {
  return (await env.DB.prepare("SELECT * FROM live_hits WHERE site = ? ORDER BY id").bind(site).all()).results;
}

describe("POST/GET /v1/live", () => {
  it("starts a 30-minute session with the read key; POST again extends it; without one the list is empty", async () => {
    const site = await createSite({ id: "lv-sess", domains: ["shop.example"] });
    expect(await getLive(site)).toEqual({ until: null, hits: [] });
    const t0 = Date.now();
    const res = await startLive(site);
    expect(res.status).toBe(200);
    const { until } = (await res.json()) as { until: string };
    const ms = Date.parse(until);
    expect(until).toBe(new Date(ms).toISOString());
    expect(ms - t0).toBeGreaterThanOrEqual(30 * 60_000 - 1_000);
    expect(ms - t0).toBeLessThanOrEqual(30 * 60_000 + 1_000);
    expect(await getLive(site)).toEqual({ until, hits: [] });

    await new Promise((r) => setTimeout(r, 20));
    const again = (await (await startLive(site)).json()) as { until: string };
    expect(Date.parse(again.until)).toBeGreaterThan(ms);
    expect((await getLive(site)).until).toBe(again.until);
  });

  it("answers JSON errors: 401 without a key, 403 for another site's key, the ingest key or an unknown site, 422 without site", async () => {
    const a = await createSite({ id: "lv-auth-a", domains: ["a.example"] });
    const b = await createSite({ id: "lv-auth-b", domains: ["b.example"] });
    for (const method of ["GET", "POST"]) {
      const none = await call("/v1/live?site=lv-auth-a", { method });
      expect(none.status).toBe(401);
      expect((await errorOf(none)).code).toBe("unauthorized");
      for (const key of [b.read_key, a.ingest_key]) {
        const res = await call("/v1/live?site=lv-auth-a", { method, ...auth(key) });
        expect(res.status, method).toBe(403);
        expect((await errorOf(res)).code).toBe("forbidden");
      }
      // As on /v1/stats: an unknown site answers like a wrong key, so keys cannot probe which sites exist.
      expect((await call("/v1/live?site=nope", { method, ...auth(a.read_key) })).status).toBe(403);
      const missing = await call("/v1/live", { method, ...auth(a.read_key) });
      expect(missing.status).toBe(422);
      expect(await errorOf(missing)).toMatchObject({ code: "required", field: "site" });
    }
    expect((await getLive(a)).until).toBeNull();
  });

  it("shows an accepted pixel hit within 3 seconds, with its scrubbed URL and landing touch", async () => {
    const site = await createSite({ id: "lv-ok", domains: ["shop.example"] });
    await startLive(site);
    const u = "https://shop.example/spring?utm_source=Insta&utm_medium=social&utm_campaign=Spring&email=ann%40mail.example";
    const sent = Date.now();
    await call(`/p.gif?s=lv-ok&u=${enc(u)}`, browser({ referer: "https://shop.example/" }));
    const { hits } = await waitForLive(site, 1, 3_000);
    expect(Date.now() - sent).toBeLessThan(3_000);
    expect(hits[0]).toEqual({
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      via: "pixel",
      name: "pageview",
      outcome: "accepted",
      reason: null,
      url: "https://shop.example/spring?utm_source=Insta&utm_medium=social&utm_campaign=Spring",
      touch: { source: "insta", medium: "social", campaign: "Spring", content: null, term: null },
      value: null,
      currency: null,
      event_id: null,
      errors: [],
    });
    expect(Math.abs(Date.parse(hits[0]!.at) - sent)).toBeLessThan(3_000);
    await waitForEvents("lv-ok", 1);
  });

  it("shows dropped hits with their reason: bot, foreign origin, unknown event, invalid (with its errors), consent", async () => {
    const site = await createSite({ id: "lv-drop", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    await startLive(site);
    await callWith(env, "/p.gif?s=lv-drop&u=https%3A%2F%2Fshop.example%2F", { headers: { "user-agent": BOT_UA } });
    await callWith(env, "/e", beaconInit({ s: "lv-drop", u: "https://evil.example/" }, { origin: "https://evil.example" }));
    await callWith(env, "/e", beaconInit({ s: "lv-drop", n: "Purchase", v: 3 }));
    await callWith(env, "/e", beaconInit({ s: "lv-drop", n: "purchase", v: -5, c: "euros", u: "https://shop.example/thanks" }));
    await callWith(env, "/e", beaconInit({ s: "lv-drop", u: "https://shop.example/" }, { "sec-gpc": "1" }));
    const { hits } = await waitForLive(site, 5);
    expect(hits.map((h) => [h.via, h.outcome, h.reason])).toEqual([
      ["beacon", "dropped", "consent"],
      ["beacon", "dropped", "invalid"],
      ["beacon", "dropped", "unknown_event"],
      ["beacon", "dropped", "foreign_origin"],
      ["pixel", "dropped", "bot"],
    ]);
    const [gpc, invalid, unknown, foreign, bot] = hits;
    expect(bot!.errors).toEqual([{ code: "bot", message: expect.any(String) }]);
    expect(foreign!.errors.map((e) => e.code)).toEqual(["foreign_origin"]);
    expect(unknown).toMatchObject({ name: "Purchase", errors: [{ code: "unknown_event", field: "n" }] });
    expect(invalid).toMatchObject({ name: "purchase", url: "https://shop.example/thanks", value: null });
    expect(invalid!.errors.map((e) => [e.code, e.field])).toEqual([["invalid_value", "v"], ["invalid_currency", "c"]]);
    expect(invalid!.errors[0]!.message).toMatch(/finite number/);
    expect(gpc!.errors.map((e) => e.code)).toEqual(["gpc"]);
    // None of them was stored.
    expect(await eventsOf("lv-drop")).toEqual([]);
  });

  it("shows hits over the collection rate limit as dropped/rate_limited", async () => {
    const site = await createSite({ id: "lv-rate", domains: ["shop.example"] });
    await startLive(site);
    const limited: Env = { ...env, COLLECT_LIMIT_600: { limit: async () => ({ success: false }) } };
    expect((await callWith(limited, "/e", beaconInit({ s: "lv-rate", u: "https://shop.example/" }))).status).toBe(429);
    await callWith(limited, "/p.gif?s=lv-rate&u=https%3A%2F%2Fshop.example%2F", browser());
    const { hits } = await waitForLive(site, 2);
    expect(hits.map((h) => [h.via, h.outcome, h.reason])).toEqual([
      ["pixel", "dropped", "rate_limited"],
      ["beacon", "dropped", "rate_limited"],
    ]);
  });

  it("shows server events: accepted, duplicate (known at answer time), rejected as invalid or bot", async () => {
    const site = await createSite({ id: "lv-srv", domains: ["shop.example"], goals: [{ name: "purchase" }], currency: "EUR" });
    await startLive(site);
    const res = await call(
      "/v1/events",
      withJson("POST", {
        events: [
          { name: "purchase", event_id: "o-1", value: 49.9, url: "https://shop.example/thanks?utm_source=news" },
          { name: "purchase", event_id: "o-1", value: 49.9 },
          { name: "purchase", value: "lots" },
          { name: "purchase", client: { ip: "203.0.113.1", user_agent: BOT_UA } },
          { name: "signup" },
        ],
      }, site.ingest_key),
    );
    expect(await res.json()).toMatchObject({ accepted: 1, duplicates: 1 });
    const { hits } = await waitForLive(site, 5);
    expect(hits.map((h) => [h.via, h.name, h.outcome, h.reason])).toEqual([
      ["server", "signup", "dropped", "unknown_event"],
      ["server", "purchase", "dropped", "bot"],
      ["server", "purchase", "dropped", "invalid"],
      ["server", "purchase", "duplicate", null],
      ["server", "purchase", "accepted", null],
    ]);
    expect(hits[4]).toMatchObject({ value: 49.9, currency: "EUR", event_id: "o-1", url: "https://shop.example/thanks?utm_source=news", touch: { source: "news" } });
    expect(hits[2]!.errors).toEqual([{ code: "invalid_value", message: expect.any(String), field: "events.2.value" }]);
  });

  it("marks a browser copy found to be a duplicate when it is written", async () => {
    const site = await createSite({ id: "lv-dup", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    await startLive(site);
    await call("/v1/events", withJson("POST", { events: [{ name: "purchase", event_id: "o-9" }] }, site.ingest_key));
    const direct = withoutQueue(env);
    expect(await (await callWith(direct, "/e", beaconInit({ s: "lv-dup", n: "purchase", i: "o-9" }))).json()).toEqual({ accepted: 1, dropped: 0 });
    const { hits } = await waitForLive(site, 2);
    expect(hits[0]).toMatchObject({ via: "beacon", outcome: "duplicate", reason: null, event_id: "o-9", errors: [{ code: "duplicate", field: "event_id" }] });
    expect(hits[1]).toMatchObject({ via: "server", outcome: "accepted" });
    // Through the queue, the consumer marks it when it writes the batch.
    await call("/e", beaconInit({ s: "lv-dup", n: "purchase", i: "o-9", u: "https://shop.example/queued" }));
    const end = Date.now() + 10_000;
    let queued = (await waitForLive(site, 3)).hits[0]!;
    while (queued.outcome !== "duplicate" && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      queued = (await getLive(site)).hits[0]!;
    }
    expect(queued).toMatchObject({ url: "https://shop.example/queued", outcome: "duplicate", errors: [{ code: "duplicate" }] });
    // A copy repeated inside one beacon is known at once.
    await callWith(direct, "/e", beaconInit([{ s: "lv-dup", n: "purchase", i: "o-10" }, { s: "lv-dup", n: "purchase", i: "o-10" }]));
    const after = await waitForLive(site, 5);
    expect(after.hits.slice(0, 2).map((h) => h.outcome)).toEqual(["duplicate", "accepted"]);
  });

  it("shows a tracked link click as accepted, and a bot's as dropped/bot", async () => {
    const site = await createSite({ id: "lv-link", domains: ["shop.example"] });
    const made = await call("/v1/links", withJson("POST", { destination: "https://shop.example/sale", source: "Newsletter", medium: "email", campaign: "Dec" }, site.ingest_key));
    const { code } = (await made.json()) as { code: string };
    await startLive(site);
    expect((await callWith(env, `/l/${code}`, browser())).status).toBe(302);
    await callWith(env, `/l/${code}`, { headers: { "user-agent": BOT_UA } });
    const { hits } = await waitForLive(site, 2);
    expect(hits.map((h) => [h.via, h.name, h.outcome, h.reason])).toEqual([
      ["link", null, "dropped", "bot"],
      ["link", null, "accepted", null],
    ]);
    expect(hits[1]!.url).toMatch(/^https:\/\/shop\.example\/sale\?utm_source=/);
    expect(hits[1]!.touch).toMatchObject({ campaign: "Dec", medium: "email" });
  });
});

describe("test events", () => {
  it("shows t=1 pixel, \"t\": 1 beacon and \"test\": true server events as test, answers them as accepted, and stores none", async () => {
    const site = await createSite({ id: "lv-test", domains: ["shop.example"], goals: [{ name: "purchase" }] });
    await startLive(site);
    const direct = withoutQueue(env);
    await callWith(direct, `/p.gif?s=lv-test&t=1&n=purchase&v=5&i=t-1&u=${enc("https://shop.example/thanks")}`, browser());
    const beacon = await callWith(direct, "/e", beaconInit([{ s: "lv-test", t: 1, u: "https://shop.example/" }, { s: "lv-test", u: "https://shop.example/real" }]));
    expect(await beacon.json()).toEqual({ accepted: 2, dropped: 0 });
    const server = await call("/v1/events", withJson("POST", { events: [{ name: "purchase", event_id: "t-2", value: 9, test: true }] }, site.ingest_key));
    expect(await server.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const { hits } = await waitForLive(site, 4);
    expect(hits.map((h) => [h.via, h.outcome])).toEqual([
      ["server", "test"],
      ["beacon", "accepted"],
      ["beacon", "test"],
      ["pixel", "test"],
    ]);
    expect(hits[3]).toMatchObject({ name: "purchase", value: 5, event_id: "t-1", reason: null, errors: [] });
    // Only the real beacon hit was stored; the test event ids were not even claimed for dedup.
    const rows = await eventsOf("lv-test");
    expect(rows.map((r) => r.url)).toEqual(["https://shop.example/real"]);
    const claims = await env.DB.prepare("SELECT COUNT(*) AS n FROM dedup WHERE site = 'lv-test'").first<{ n: number }>();
    expect(claims!.n).toBe(0);
    // A test event may be sent again as the real one.
    const real = await call("/v1/events", withJson("POST", { events: [{ name: "purchase", event_id: "t-2", value: 9 }] }, site.ingest_key));
    expect(await real.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });

  it("refuses a bad test flag as invalid", async () => {
    const site = await createSite({ id: "lv-badt", domains: ["shop.example"] });
    await startLive(site);
    const res = await call("/v1/events", withJson("POST", { events: [{ name: "pageview", test: "yes" }] }, site.ingest_key));
    expect(await res.json()).toMatchObject({ accepted: 0, rejected: [{ index: 0, error: { code: "invalid_test", field: "events.0.test" } }] });
    await callWith(env, "/p.gif?s=lv-badt&t=2", browser());
    const { hits } = await waitForLive(site, 2);
    expect(hits.map((h) => [h.outcome, h.reason, h.errors[0]?.field])).toEqual([
      ["dropped", "invalid", "t"],
      ["dropped", "invalid", "events.0.test"],
    ]);
  });
});

describe("the live view's bounds", () => {
  it("keeps at most the 200 newest hits, newest first", async () => {
    const site = await createSite({ id: "lv-max", domains: ["shop.example"] });
    await startLive(site);
    // 230 server events in one call, then 3 more calls: every write trims the site to 200.
    const events = Array.from({ length: 230 }, (_, i) => ({ name: "pageview", url: `https://shop.example/p${i}` }));
    await call("/v1/events", withJson("POST", { events }, site.ingest_key));
    for (const i of [230, 231, 232]) {
      await call("/v1/events", withJson("POST", { events: [{ name: "pageview", url: `https://shop.example/p${i}` }] }, site.ingest_key));
      await new Promise((r) => setTimeout(r, 5));
    }
    const end = Date.now() + 3_000;
    let live = await getLive(site);
    while (live.hits[0]?.url !== "https://shop.example/p232" && Date.now() < end) live = await getLive(site);
    expect(live.hits).toHaveLength(200);
    expect(live.hits.map((h) => h.url)).toEqual(Array.from({ length: 200 }, (_, i) => `https://shop.example/p${232 - i}`));
    expect(await liveRows("lv-max")).toHaveLength(200);
  });

  it("records nothing without a session, and an expired session answers an empty list and records nothing", async () => {
    const site = await createSite({ id: "lv-exp", domains: ["shop.example"] });
    await callWith(env, "/p.gif?s=lv-exp&u=https%3A%2F%2Fshop.example%2Fbefore", browser());
    expect(await liveRows("lv-exp")).toEqual([]);
    await startLive(site);
    await callWith(env, "/p.gif?s=lv-exp&u=https%3A%2F%2Fshop.example%2Fduring", browser());
    expect((await waitForLive(site, 1)).hits[0]!.url).toBe("https://shop.example/during");
    // The session ends (as if 30 minutes had passed).
    await env.DB.prepare("UPDATE live_sessions SET until = ? WHERE site = 'lv-exp'").bind(Date.now() - 1).run();
    expect(await getLive(site)).toEqual({ until: null, hits: [] });
    await callWith(env, "/p.gif?s=lv-exp&u=https%3A%2F%2Fshop.example%2Fafter", browser());
    expect((await liveRows("lv-exp")).map((r) => r.url)).toEqual(["https://shop.example/during"]);
    // A new session starts empty.
    await startLive(site);
    expect((await getLive(site)).hits).toEqual([]);
    expect(await liveRows("lv-exp")).toEqual([]);
  });

  it("costs a site without a session at most one read of the session list per LIVE_CACHE_MS, and no write", async () => {
    await createSite({ id: "lv-cost", domains: ["shop.example"] });
    const sql: string[] = [];
    const db = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare") return (q: string) => (sql.push(q), target.prepare(q));
        const v: unknown = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const counted: Env = { ...env, DB: db };
    const ctx = createExecutionContext();
    const t0 = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => router.fetch(new Request(`https://edge.test/p.gif?s=lv-cost&u=https%3A%2F%2Fshop.example%2F${i}`, browser()), counted, ctx)),
    );
    await waitOnExecutionContext(ctx);
    const elapsed = Date.now() - t0;
    expect(answers.every((r) => r.status === 200)).toBe(true);
    await waitForEvents("lv-cost", 100);
    const live = sql.filter((q) => /live_/.test(q));
    expect(live.every((q) => /SELECT site, until\s+FROM live_sessions/.test(q))).toBe(true);
    expect(live.length).toBeLessThanOrEqual(1 + Math.floor(elapsed / LIVE_CACHE_MS));
  });

  it("sees a session started through another isolate within LIVE_CACHE_MS", async () => {
    const site = await createSite({ id: "lv-iso", domains: ["shop.example"] });
    // Warm this isolate's copy of the session list, then start the session behind its back.
    await callWith(env, "/p.gif?s=lv-iso&u=https%3A%2F%2Fshop.example%2F", browser());
    const now = Date.now();
    await env.DB.prepare("INSERT INTO live_sessions (site, started, until) VALUES ('lv-iso', ?, ?)").bind(now, now + 60_000).run();
    await new Promise((r) => setTimeout(r, LIVE_CACHE_MS + 50));
    await callWith(env, "/p.gif?s=lv-iso&u=https%3A%2F%2Fshop.example%2Fseen", browser());
    const { hits } = await waitForLive(site, 1);
    expect(hits.map((h) => h.url)).toEqual(["https://shop.example/seen"]);
  });

  it("the cron purges ended sessions and their hits; deleting the site erases its live rows", async () => {
    const a = await createSite({ id: "lv-purge-a", domains: ["shop.example"] });
    const b = await createSite({ id: "lv-purge-b", domains: ["shop.example"] });
    await startLive(a);
    await startLive(b);
    await callWith(env, "/p.gif?s=lv-purge-a&u=https%3A%2F%2Fshop.example%2F", browser());
    await callWith(env, "/p.gif?s=lv-purge-b&u=https%3A%2F%2Fshop.example%2F", browser());
    await env.DB.prepare("UPDATE live_sessions SET until = ? WHERE site = 'lv-purge-a'").bind(Date.now() - 1).run();
    const ctx = createExecutionContext();
    await handleScheduled(createScheduledController({ scheduledTime: Date.now(), cron: "7 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const left = await env.DB.prepare("SELECT site FROM live_sessions WHERE site LIKE 'lv-purge-%'").all<{ site: string }>();
    expect(left.results).toEqual([{ site: "lv-purge-b" }]);
    expect(await liveRows("lv-purge-a")).toEqual([]);
    expect(await liveRows("lv-purge-b")).toHaveLength(1);
    const del = await call("/v1/admin/sites/lv-purge-b", { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}` } });
    expect(del.status).toBe(204);
    expect(await liveRows("lv-purge-b")).toEqual([]);
    const sessions = await env.DB.prepare("SELECT COUNT(*) AS n FROM live_sessions WHERE site LIKE 'lv-purge-%'").first<{ n: number }>();
    expect(sessions!.n).toBe(0);
  });
});
