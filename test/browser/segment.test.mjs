// Segment's own Node library (@segment/analytics-node, unchanged but for `host`) against
// /v1/batch on `wrangler dev`, side by side with the same events sent to /v1/events: both must
// store the same events and answer the same stats. `npm run test:browser` (no browser needed).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Analytics } from "@segment/analytics-node";
import { ADMIN_TOKEN, createSite, sleep, startWorker, USER_AGENT, waitForRows } from "./harness.mjs";

let worker;
// What the Worker answered the library: it reads only the status, so the bodies are recorded at
// its fetch (the library calls globalThis.fetch at each request).
const responses = [];
/** Every message the library sent, in order (with the messageIds it generated). */
const sent = [];
const realFetch = globalThis.fetch;

before(async () => {
  worker = await startWorker();
  globalThis.fetch = async (...args) => {
    const res = await realFetch(...args);
    if (String(args[0]).startsWith(`${worker.origin}/v1/batch`)) {
      sent.push(...JSON.parse(args[1].body).batch);
      responses.push({ status: res.status, body: await res.clone().text() });
    }
    return res;
  };
});

after(async () => {
  globalThis.fetch = realFetch;
  await worker?.stop();
});

/** A client as a Segment user has it, with only `host` changed; it records each answer it gets. */
function client(writeKey, flushAt) {
  const analytics = new Analytics({ writeKey, host: worker.origin, flushAt, flushInterval: 200, maxRetries: 0 });
  const from = responses.length;
  const errors = [];
  analytics.on("error", (e) => errors.push(e));
  return {
    analytics,
    errors,
    get answers() {
      return responses.slice(from);
    },
  };
}

const COLUMNS = "name, event_id, ts, url, via, touch_kind, source, medium, campaign, content, term, value, currency, journey, device, country";
const rowsOf = (site, n) => waitForRows(worker, `SELECT ${COLUMNS}, visitor FROM events WHERE site = '${site}' ORDER BY ts, rowid`, (r) => r.length >= n);

async function server(key, events) {
  const res = await fetch(`${worker.origin}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ events }) });
  assert.equal(res.status, 200);
  return res.json();
}

async function rollup(site, day) {
  const res = await fetch(`${worker.origin}/v1/admin/rollup`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ site, from: day, to: day }),
  });
  assert.equal(res.status, 200, await res.clone().text());
}

async function stats(site, readKey, params) {
  const res = await fetch(`${worker.origin}/v1/stats?${new URLSearchParams({ site, ...params })}`, { headers: { authorization: `Bearer ${readKey}` } });
  assert.equal(res.status, 200);
  return res.json();
}

describe("Segment's Node library against the drop-in endpoints", () => {
  it("track, page and a batch: the same events and stats as /v1/events; userId and traits are never stored", async () => {
    const extra = { aliases: { "Order Completed": "purchase", "Signed Up": "signup" }, currency: "EUR" };
    const seg = await createSite(worker.origin, "b-segment", extra);
    const nat = await createSite(worker.origin, "b-server", extra);
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 120_000;
    const visitor = { ip: "203.0.113.50", userAgent: USER_AGENT };
    const landing = "http://localhost/landing?utm_source=Newsletter&utm_medium=email&utm_campaign=Spring%20Sale";

    // One event a request: a page call, then a track call.
    const one = client(seg.ingest_key, 1);
    one.analytics.page({ anonymousId: "anon-1", name: "Landing", timestamp: new Date(t0), properties: { url: landing, title: "Spring" }, context: visitor });
    one.analytics.track({
      userId: "user-42",
      event: "Order Completed",
      messageId: "order-77",
      timestamp: new Date(t0 + 10_000),
      properties: { revenue: 49.9, currency: "EUR", coupon: "SPRING" },
      context: { ...visitor, traits: { email: "buyer@example.com" }, campaign: { source: "Newsletter", medium: "email", name: "Spring Sale" } },
    });
    await one.analytics.closeAndFlush();
    const oneAnswers = one.answers;
    // Three in one batch: a track, a page and an identify (accepted, ignored).
    const batch = client(seg.ingest_key, 3);
    batch.analytics.track({ anonymousId: "anon-1", event: "Signed Up", messageId: "signup-1", timestamp: new Date(t0 + 20_000), context: visitor });
    batch.analytics.page({ anonymousId: "anon-1", timestamp: new Date(t0 + 30_000), properties: { url: "http://localhost/thanks" }, context: visitor });
    batch.analytics.identify({ userId: "user-42", traits: { email: "buyer@example.com", phone: "+49 170 1234567" } });
    await batch.analytics.closeAndFlush();

    assert.deepEqual([...one.errors, ...batch.errors], []);
    assert.deepEqual([...oneAnswers, ...batch.answers].map((a) => a.status), [200, 200, 200]);
    for (const a of [...oneAnswers, ...batch.answers]) assert.equal(JSON.parse(a.body).success, true);
    assert.deepEqual(JSON.parse(batch.answers[0].body), { success: true, accepted: 2, duplicates: 0, rejected: [] });

    // The same events as a server would send them natively; the library generated the page calls'
    // messageIds, which become their event ids too.
    const pageIds = sent.filter((m) => m.type === "page").map((m) => m.messageId);
    assert.equal(pageIds.length, 2);
    assert.match(pageIds[0], /^node-next-/);
    const client_ = { ip: visitor.ip, user_agent: visitor.userAgent };
    const answer = await server(nat.ingest_key, [
      { name: "pageview", event_id: pageIds[0], time: t0 / 1000, url: landing, client: client_ },
      { name: "purchase", event_id: "order-77", time: (t0 + 10_000) / 1000, value: 49.9, currency: "EUR", touches: [{ time: (t0 + 10_000) / 1000, source: "Newsletter", medium: "email", campaign: "Spring Sale" }], client: client_ },
      { name: "signup", event_id: "signup-1", time: (t0 + 20_000) / 1000, client: client_ },
      { name: "pageview", event_id: pageIds[1], time: (t0 + 30_000) / 1000, url: "http://localhost/thanks", client: client_ },
    ]);
    assert.equal(answer.accepted, 4);

    const fromSegment = await rowsOf("b-segment", 4);
    const fromServer = await rowsOf("b-server", 4);
    const strip = (rows) => rows.map(({ visitor: _v, ...r }) => r);
    assert.deepEqual(strip(fromSegment), strip(fromServer));
    assert.deepEqual(
      fromSegment.map((r) => [r.name, r.event_id, r.via, r.touch_kind, r.source, r.value, r.currency]),
      [
        ["pageview", pageIds[0], "server", "landing", "newsletter", null, null],
        ["purchase", "order-77", "server", null, null, 49.9, "EUR"],
        ["signup", "signup-1", "server", null, null, null, null],
        ["pageview", pageIds[1], "server", null, null, null, null],
      ],
    );
    assert.equal(new Set(fromSegment.map((r) => r.visitor)).size, 1);
    assert.ok(fromSegment[0].visitor);
    const stored = JSON.stringify(fromSegment);
    for (const secret of ["user-42", "anon-1", "buyer@example.com", "1234567", "SPRING", visitor.ip]) assert.ok(!stored.includes(secret), secret);

    // A retry of the track call (the same messageId) is a duplicate: stored once.
    const retry = client(seg.ingest_key, 1);
    retry.analytics.track({ userId: "user-42", event: "Order Completed", messageId: "order-77", properties: { revenue: 49.9, currency: "EUR" } });
    await retry.analytics.closeAndFlush();
    assert.deepEqual(JSON.parse(retry.answers[0].body), { success: true, accepted: 0, duplicates: 1, rejected: [] });
    await sleep(500);
    assert.equal((await rowsOf("b-segment", 4)).length, 4);

    const day = new Date(t0).toISOString().slice(0, 10);
    await rollup("b-segment", day);
    await rollup("b-server", day);
    for (const params of [{ from: day, to: day, goal: "purchase" }, { from: day, to: day, goal: "signup", group: "source" }]) {
      const a = await stats("b-segment", seg.read_key, params);
      const b = await stats("b-server", nat.read_key, params);
      assert.deepEqual({ ...a, site: null, updated_at: null }, { ...b, site: null, updated_at: null });
    }
    const bought = await stats("b-segment", seg.read_key, { from: day, to: day, goal: "purchase" });
    assert.equal(bought.totals.visitors, 1);
    assert.equal(bought.totals.conversions, 1);
    assert.equal(bought.totals.revenue, 49.9);
    assert.deepEqual([bought.rows[0].source, bought.rows[0].medium, bought.rows[0].campaign], ["newsletter", "email", "Spring Sale"]);
  });

  it("a wrong write key is refused and the library reports it", async () => {
    const bad = client("eti_wrong", 1);
    bad.analytics.track({ userId: "u", event: "Order Completed" });
    await bad.analytics.closeAndFlush();
    assert.deepEqual(bad.answers.map((a) => a.status), [403]);
    assert.equal(bad.errors.length, 1);
  });
});
