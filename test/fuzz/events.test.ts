// Fuzzing POST /v1/events (server events, ingest key): hostile batches, mixed batches, dedup.
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createSite } from "../helpers/http";
import { bodyText, contentType, fieldsObject, Raw, toText, weirdTime, type Json } from "./arbitraries";
import { BROWSER_UA, checkAnswer, errorShapeProblem, requireImplemented, RUNS, waitForStored } from "./check";

const SITE = "fuzz-events";
const URL_BASE = "https://fuzz-events.example";
let key = "";

const nowSec = () => Math.floor(Date.now() / 1000);

const serverEvent = fieldsObject(["name", "time", "event_id", "url", "value", "currency", "touches", "client"], {
  name: fc.constantFrom("pageview", "purchase", "signup", "nosuch", ""),
  time: fc.oneof(fc.constant(null).map(() => nowSec() - 60), weirdTime),
  event_id: fc.constantFrom("order-1", "order-2", "", " ", "x".repeat(129), "a\u0000b"),
  url: fc.constantFrom(`${URL_BASE}/thanks?email=a@b.example`, "javascript:alert(1)", "https://evil.example/", "/relative", `${URL_BASE}/${"x".repeat(3000)}`),
  value: fc.constantFrom<Json>(49.9, -1, 0, "49.90", "abc", new Raw("1e999"), 1e308),
  currency: fc.constantFrom("EUR", "eur", "XYZ", "", "E"),
  touches: fc.array(
    fieldsObject(["time", "source", "medium", "campaign", "content", "term", "view"], {
      time: fc.oneof(fc.constant(null).map(() => nowSec() - 3600), weirdTime),
      source: fc.constantFrom("instagram", " Google ", "", "direct"),
      view: fc.boolean(),
    }),
    { maxLength: 6 },
  ),
  client: fieldsObject(["ip", "user_agent"], {
    ip: fc.constantFrom("203.0.113.9", "::1", "not-an-ip", ""),
    user_agent: fc.constantFrom(BROWSER_UA, "Googlebot/2.1 (+http://www.google.com/bot.html)", ""),
  }),
});

const post = (body: string, type: string | null = "application/json") => {
  const headers = new Headers({ authorization: `Bearer ${key}` });
  if (type !== null) headers.set("content-type", type);
  return call("/v1/events", { method: "POST", body, headers });
};

interface Answer {
  accepted: number;
  duplicates: number;
  rejected: { index: number; error: { code: string } }[];
}

beforeAll(async () => {
  key = (await createSite({ id: SITE, domains: ["fuzz-events.example"], goals: [{ name: "purchase" }, { name: "signup", tier: "micro" }] })).ingest_key;
});

describe("fuzz: POST /v1/events", () => {
  it("answers 200 {accepted, duplicates, rejected} that accounts for every event, or a JSON error", async () => {
    await requireImplemented("POST /v1/events", "/v1/events", { method: "POST", body: '{"events":[]}', headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } });
    const batch = fc.oneof(
      { weight: 4, arbitrary: fc.array(serverEvent, { maxLength: 12 }).map((events): Json => ({ events })) },
      { weight: 1, arbitrary: fieldsObject(["events"], { events: fc.array(serverEvent, { maxLength: 4 }) }) },
      { weight: 1, arbitrary: fc.array(serverEvent, { maxLength: 3 }) },
    );
    await fc.assert(
      fc.asyncProperty(bodyText(batch), contentType, async (text, type) => {
        const res = await post(text, type);
        const clone = res.clone();
        await checkAnswer(res, `POST /v1/events (${type}) ${text.slice(0, 300)}`);
        if (clone.status !== 200) return;
        const out = (await clone.json()) as Answer;
        const sent = (JSON.parse(text.replace(/^\ufeff/, "")) as { events: unknown[] }).events;
        if (!Number.isInteger(out.accepted) || !Number.isInteger(out.duplicates) || !Array.isArray(out.rejected)) throw new Error(`bad answer ${JSON.stringify(out)}`);
        if (out.accepted + out.duplicates + out.rejected.length !== sent.length) throw new Error(`${JSON.stringify(out)} does not account for ${sent.length} events`);
        for (const r of out.rejected) {
          if (!Number.isInteger(r.index) || r.index < 0 || r.index >= sent.length) throw new Error(`rejected index ${r.index} out of range`);
          const problem = errorShapeProblem(JSON.stringify({ error: r.error }));
          if (problem) throw new Error(`rejected[].error: ${problem}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("stores every valid event of a batch that also holds malformed ones, and rejects exactly the malformed ones", async () => {
    await requireImplemented("POST /v1/events", "/v1/events", { method: "POST", body: '{"events":[]}', headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } });
    const malformed = fc.constantFrom<(t: number) => Json>(
      () => null,
      () => 5,
      () => "purchase",
      () => [],
      () => ({}),
      () => ({ name: 5 }),
      () => ({ name: "nosuch-goal" }),
      (t) => ({ name: "pageview", time: "yesterday", event_id: `bad-${t}` }),
      () => ({ name: "pageview", time: new Raw("1e999") }),
      (t) => ({ name: "pageview", time: t - 30 * 86_400 }),
      (t) => ({ name: "pageview", time: t + 3_600 }),
      () => ({ name: "purchase", value: -1 }),
      () => ({ name: "purchase", value: "abc" }),
      () => ({ name: "pageview", touches: "x" }),
      () => ({ name: "pageview", colour: "red" }),
      () => ({ name: "pageview", event_id: {} }),
      () => ({ name: "pageview", url: "javascript:alert(1)" }),
      () => new Raw('{"name":"pageview","name":7}'),
      () => ({ name: "purchase", client: { ip: "203.0.113.9", user_agent: "Googlebot/2.1 (+http://www.google.com/bot.html)" } }),
    );
    const items = fc.array(fc.oneof(fc.constant<"valid">("valid"), malformed), { minLength: 1, maxLength: 30 });
    const stored: string[] = [];
    let batch = 0;
    await fc.assert(
      fc.asyncProperty(items, async (kinds) => {
        batch++;
        const t = nowSec();
        const ids: string[] = [];
        const bad: number[] = [];
        const events = kinds.map((k, i): Json => {
          if (k !== "valid") {
            bad.push(i);
            return k(t);
          }
          const id = `mixed-${batch}-${i}`;
          ids.push(id);
          return i % 2 === 0
            ? { name: "pageview", time: t - 60, event_id: id, url: `${URL_BASE}/p/${i}?utm_source=fuzz&utm_medium=test` }
            : {
                name: "purchase", time: new Date((t - 30) * 1000).toISOString(), event_id: id, value: 49.9, currency: "EUR",
                touches: [{ time: t - 3_600, source: "instagram", medium: "social", campaign: "spring", view: false }],
                client: { ip: "203.0.113.9", user_agent: BROWSER_UA },
              };
        });
        const res = await post(toText({ events }));
        const text = await res.text();
        if (res.status !== 200) throw new Error(`${res.status}: ${text}`);
        const out = JSON.parse(text) as Answer;
        expect(out.accepted).toBe(ids.length);
        expect(out.duplicates).toBe(0);
        expect(out.rejected.map((r) => r.index).sort((a, b) => a - b)).toEqual(bad);
        for (const r of out.rejected) {
          const sent = events[r.index];
          const isBot = typeof sent === "object" && sent !== null && !Array.isArray(sent) && "client" in sent;
          if (isBot) expect(r.error.code).toBe("bot");
        }
        stored.push(...ids);
      }),
      { numRuns: 40 },
    );
    const found = await waitForStored(SITE, stored, 5_000);
    expect(stored.filter((id) => !found.has(id))).toEqual([]);
  });

  it("keeps the first copy of an event_id: accepted counts new ids, duplicates the rest, across and within batches", async () => {
    await requireImplemented("POST /v1/events", "/v1/events", { method: "POST", body: '{"events":[]}', headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } });
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 10 }), async (picks) => {
        const t = nowSec();
        const events = picks.map((p) => ({ name: "pageview", time: t - 10, event_id: `dup-${p}`, url: `${URL_BASE}/` }));
        let fresh = 0;
        for (const p of picks) {
          if (!seen.has(`dup-${p}`)) fresh++;
          seen.add(`dup-${p}`);
        }
        const res = await post(JSON.stringify({ events }));
        const out = (await res.json()) as Answer;
        expect(res.status).toBe(200);
        expect({ accepted: out.accepted, duplicates: out.duplicates }).toEqual({ accepted: fresh, duplicates: picks.length - fresh });
      }),
      { numRuns: 40 },
    );
    const { results } = await env.DB.prepare("SELECT event_id, COUNT(*) AS n FROM events WHERE site = ? AND event_id LIKE 'dup-%' GROUP BY event_id")
      .bind(SITE)
      .all<{ event_id: string; n: number }>();
    expect(results.length).toBe(seen.size);
    expect(results.filter((r) => r.n !== 1)).toEqual([]);
  });

  it("refuses more than 500 events and oversized bodies with a JSON error", async () => {
    await requireImplemented("POST /v1/events", "/v1/events", { method: "POST", body: '{"events":[]}', headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } });
    const many = await post(JSON.stringify({ events: Array.from({ length: 501 }, () => ({ name: "pageview" })) }));
    expect(many.status).toBeGreaterThanOrEqual(400);
    expect(many.status).toBeLessThan(500);
    await checkAnswer(many, "501 events");
    const huge = await post(JSON.stringify({ events: [{ name: "pageview", url: `${URL_BASE}/${"x".repeat(8_000_000)}` }] }));
    expect(huge.status).toBe(413);
    await checkAnswer(huge, "8 MB body");
  });
});
