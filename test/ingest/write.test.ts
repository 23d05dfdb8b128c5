import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { D1_MAX_PARAMS } from "../../src/db/chunk";
import { DEDUP_WINDOW_MS, eventWriteStatements, INSERT_JSON_BYTES, splitJsonRows, writeEvents, type StoredEvent } from "../../src/db/events";
import { cleanEvent, eventsOf } from "./helpers";

/** D1's longest SQL statement (https://developers.cloudflare.com/d1/platform/limits/). */
const D1_MAX_SQL_BYTES = 100_000;
let n = 0;
const item = (over: Parameters<typeof cleanEvent>[0] = {}): StoredEvent => ({ id: `m-${++n}-${crypto.randomUUID()}`, event: cleanEvent(over) });

describe("writeEvents", () => {
  it("writes every event with every column", async () => {
    const journey = [{ time: 1, source: "ig", medium: "social", campaign: "c", content: null, term: null, view: true }];
    const m = item({ site: "w1", name: "purchase", event_id: "o1", value: 9.5, currency: "EUR", journey, via: "server" });
    const res = await writeEvents(env.DB, [m, item({ site: "w1" })]);
    expect(res).toEqual({ inserted: 2, duplicates: [] });
    const rows = await eventsOf("w1");
    expect(rows[0]).toMatchObject({ ...m.event, journey: JSON.stringify(journey), msg_id: m.id });
  });

  it("keeps the first copy of an event_id within a batch and reports later ones by index", async () => {
    const res = await writeEvents(env.DB, [item({ site: "w2", event_id: "a", value: 1 }), item({ site: "w2" }), item({ site: "w2", event_id: "a", value: 2 }), item({ site: "w2x", event_id: "a" })]);
    expect(res.duplicates).toEqual([2]);
    const rows = await eventsOf("w2");
    expect(rows.map((r) => r.value)).toEqual([1, null]);
    expect(await eventsOf("w2x")).toHaveLength(1);
  });

  it("drops a copy received within 48 h of the first, and accepts one received later", async () => {
    const t0 = Date.now() - 3 * DEDUP_WINDOW_MS;
    await writeEvents(env.DB, [item({ site: "w3", event_id: "o", ts: t0, received_at: t0 })]);
    const again = await writeEvents(env.DB, [item({ site: "w3", event_id: "o", ts: t0, received_at: t0 + DEDUP_WINDOW_MS - 1 })]);
    expect(again).toEqual({ inserted: 0, duplicates: [0] });
    const late = await writeEvents(env.DB, [item({ site: "w3", event_id: "o", ts: t0, received_at: t0 + DEDUP_WINDOW_MS })]);
    expect(late).toEqual({ inserted: 1, duplicates: [] });
    // …and the window restarts at the copy that won.
    const afterLate = await writeEvents(env.DB, [item({ site: "w3", event_id: "o", received_at: t0 + DEDUP_WINDOW_MS + 1000 })]);
    expect(afterLate.duplicates).toEqual([0]);
    expect(await eventsOf("w3")).toHaveLength(2);
  });

  it("is idempotent for a redelivered batch, with or without event ids", async () => {
    const batch = [item({ site: "w4" }), item({ site: "w4", event_id: "x" }), item({ site: "w4" })];
    expect((await writeEvents(env.DB, batch)).inserted).toBe(3);
    expect((await writeEvents(env.DB, batch)).inserted).toBe(0);
    expect(await eventsOf("w4")).toHaveLength(3);
  });

  it("writes a large batch as one JSON-bound insert next to the dedup claim, all in one D1 batch", async () => {
    const items = Array.from({ length: 500 }, (_, i) => item({ site: "w5", event_id: i % 2 ? `id-${i}` : null }));
    const specs = eventWriteStatements(items, "claim");
    for (const s of specs) {
      expect(s.params.length).toBeLessThanOrEqual(D1_MAX_PARAMS);
      expect(s.sql.split("?").length - 1).toBe(s.params.length);
      expect(s.sql.length).toBeLessThan(D1_MAX_SQL_BYTES);
    }
    expect(specs.map((s) => s.kind)).toEqual(["claim", "insert"]);
    // The same through a recording D1 binding: what reaches D1 is one batch of two statements.
    const { db: recording, bound, batches } = recordingDb();
    const res = await writeEvents(recording, items);
    expect(res).toEqual({ inserted: 500, duplicates: [] });
    expect(batches()).toBe(1);
    expect(bound.map((b) => b.length)).toEqual([3, 2]);
    expect(Math.max(...bound.map((b) => b.length))).toBeLessThanOrEqual(D1_MAX_PARAMS);
    expect(await eventsOf("w5")).toHaveLength(500);
  });

  it("splits the rows' JSON by bytes so no bound string nears D1's 1 MB limit, and loses no row", async () => {
    // ~4.5 KB per row (a long URL and a long journey): 400 rows are ~1.8 MB of JSON.
    const journey = Array.from({ length: 10 }, (_, i) => ({ time: i, source: "s".repeat(60), medium: "m".repeat(60), campaign: "ç".repeat(60), content: null, term: null, view: false }));
    const items = Array.from({ length: 400 }, (_, i) => item({ site: "w6", url: `https://shop.example/${"x".repeat(2000)}?n=${i}`, journey, event_id: `big-${i}` }));
    const { db: recording, bound, batches } = recordingDb();
    const res = await writeEvents(recording, items);
    expect(res).toEqual({ inserted: 400, duplicates: [] });
    expect(batches()).toBe(1);
    const inserts = bound.filter((b) => b.length === 2).map((b) => b[0] as string);
    expect(inserts.length).toBeGreaterThan(3);
    for (const json of inserts) expect(new TextEncoder().encode(json).byteLength).toBeLessThanOrEqual(INSERT_JSON_BYTES);
    expect(inserts.flatMap((j) => (JSON.parse(j) as unknown[][]).map((r) => r.at(-1)))).toEqual(items.map((m) => m.id));
    const rows = await eventsOf("w6");
    expect(rows.map((r) => r.msg_id)).toEqual(items.map((m) => m.id));
    expect(rows.every((r) => r.journey === JSON.stringify(journey) && r.url!.length > 2000)).toBe(true);
  });

  it("splitJsonRows keeps order, loses nothing and respects the byte bound (a row over it stands alone)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.oneof(fc.string({ unit: "grapheme", maxLength: 40 }), fc.integer(), fc.constant(null)), { maxLength: 5 }), { maxLength: 60 }), fc.integer({ min: 2, max: 400 }), (rows, max) => {
        const parts = splitJsonRows(rows, max);
        expect(parts.flatMap((p) => JSON.parse(p) as unknown[])).toEqual(rows);
        for (const p of parts) {
          const n = (JSON.parse(p) as unknown[]).length;
          expect(n).toBeGreaterThan(0);
          if (n > 1) expect(new TextEncoder().encode(p).byteLength).toBeLessThanOrEqual(max);
        }
      }),
    );
  });

  it("stores values, times and text through the JSON rows exactly as given", async () => {
    const values = [0, 49.9, 0.1 + 0.2, 1e-7, 123456789.123456, 5e-324, 1.7976931348623157e308, 12, 2 ** 53 - 1, 0.07];
    const odd = ["1e3", "0042", "null", '"quoted"', "tab\there", "ünïcødé 🚀", "[1,2]", "{\"a\":1}"];
    const items = values.map((value, i) => item({ site: "w7", name: "purchase", value, currency: "EUR", event_id: odd[i % odd.length]! + i, campaign: odd[i % odd.length]!, ts: 1_795_900_000_123 + i }));
    await writeEvents(env.DB, items);
    const rows = await eventsOf("w7");
    expect(rows.map((r) => r.value)).toEqual(values);
    expect(rows.map((r) => [r.event_id, r.campaign, r.ts])).toEqual(items.map((m) => [m.event.event_id, m.event.campaign, m.event.ts]));
    const types = await env.DB.prepare("SELECT DISTINCT typeof(ts) AS ts, typeof(value) AS value, typeof(campaign) AS campaign FROM events WHERE site = 'w7'").all();
    expect(types.results).toEqual([{ ts: "integer", value: "real", campaign: "text" }]);
  });
});

/** A D1 binding that records every statement's bound parameters and counts batches. */
function recordingDb(): { db: D1Database; bound: unknown[][]; batches: () => number } {
  const bound: unknown[][] = [];
  let batches = 0;
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare") {
        return (sql: string) => {
          const stmt = target.prepare(sql);
          return new Proxy(stmt, {
            get(s, p) {
              if (p === "bind") return (...args: unknown[]) => (bound.push(args), s.bind(...args));
              const v = Reflect.get(s, p) as unknown;
              return typeof v === "function" ? v.bind(s) : v;
            },
          });
        };
      }
      if (prop === "batch") batches++;
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { db, bound, batches: () => batches };
}
