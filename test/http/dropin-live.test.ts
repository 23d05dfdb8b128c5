import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { router } from "../../src/router";
import { call, createSite, errorOf, type CreatedSite } from "../helpers/http";
import { BOT_UA, BROWSER_UA } from "../ingest/helpers";

// The drop-in endpoints in the live test view (via plausible / segment) and under the collection rate limit.
interface LiveHitJson {
  via: string;
  name: string | null;
  outcome: string;
  reason: string | null;
  value: number | null;
  event_id: string | null;
}

async function callWith(e: Env, path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await router.fetch(new Request(`https://edge.test${path}`, init), e, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
const plausibleInit = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "content-type": "text/plain", "user-agent": BROWSER_UA, "cf-connecting-ip": "198.51.100.60", origin: "https://shop.example", ...headers },
});
const segmentInit = (key: string, body: unknown): RequestInit => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", authorization: `Basic ${btoa(`${key}:`)}` },
});
const auth = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

async function waitForLive(site: CreatedSite, n: number): Promise<LiveHitJson[]> {
  const end = Date.now() + 3000;
  for (;;) {
    const { hits } = (await (await call(`/v1/live?site=${site.id}`, auth(site.read_key))).json()) as { hits: LiveHitJson[] };
    if (hits.length >= n || Date.now() > end) return hits;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const SITE = { domains: ["shop.example"], goals: [{ name: "purchase" }], aliases: { "Order Completed": "purchase" }, currency: "EUR" };

describe("drop-in endpoints in the live view", () => {
  it("records Plausible hits as via plausible: accepted, unknown event, bot", async () => {
    const site = await createSite({ id: "dl1", ...SITE });
    expect((await call(`/v1/live?site=dl1`, { method: "POST", ...auth(site.read_key) })).status).toBe(200);
    await callWith(env, "/api/event", plausibleInit({ n: "Order Completed", u: "https://shop.example/t", d: "dl1", $: { amount: 12, currency: "EUR" } }));
    await callWith(env, "/api/event", plausibleInit({ n: "Newsletter", u: "https://shop.example/", d: "dl1" }));
    await callWith(env, "/api/event", plausibleInit({ n: "pageview", u: "https://shop.example/", d: "dl1" }, { "user-agent": BOT_UA }));
    const hits = await waitForLive(site, 3);
    expect(hits.map((h) => [h.via, h.name, h.outcome, h.reason, h.value])).toEqual([
      ["plausible", "pageview", "dropped", "bot", null],
      ["plausible", "Newsletter", "dropped", "unknown_event", null],
      ["plausible", "purchase", "accepted", null, 12],
    ]);
  });

  it("records Segment messages as via segment: accepted, duplicate, rejected", async () => {
    const site = await createSite({ id: "dl2", ...SITE });
    await call(`/v1/live?site=dl2`, { method: "POST", ...auth(site.read_key) });
    const batch = { batch: [{ type: "track", event: "Order Completed", messageId: "o-1" }, { type: "track", event: "Order Completed", messageId: "o-1" }, { type: "track", event: "Refund" }] };
    const res = await callWith(env, "/v1/batch", segmentInit(site.ingest_key, batch));
    expect(await res.json()).toMatchObject({ success: true, accepted: 1, duplicates: 1 });
    const hits = await waitForLive(site, 3);
    expect(hits.map((h) => [h.via, h.name, h.outcome, h.reason, h.event_id])).toEqual(
      expect.arrayContaining([
        ["segment", "purchase", "accepted", null, "o-1"],
        ["segment", "purchase", "duplicate", null, "o-1"],
        ["segment", "Refund", "dropped", "unknown_event", null],
      ]),
    );
  });

  it("Plausible events count against the collection rate limit of the connecting address: 429 with Retry-After", async () => {
    await createSite({ id: "dl3", ...SITE });
    const keys: string[] = [];
    const limited: Env = {
      ...env,
      COLLECT_LIMIT_600: {
        limit: async ({ key }: { key: string }) => {
          keys.push(key);
          return { success: false };
        },
      } as RateLimit,
    };
    const res = await callWith(limited, "/api/event", plausibleInit({ n: "pageview", u: "https://shop.example/", d: "dl3" }, { "x-forwarded-for": "203.0.113.99" }));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
    expect((await errorOf(res)).code).toBe("rate_limited");
    // Keyed by the connecting address: a relaying server cannot dodge the limit with X-Forwarded-For.
    expect(keys).toEqual(["dl3:198.51.100.60"]);
  });
});
