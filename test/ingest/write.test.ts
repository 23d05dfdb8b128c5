import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { D1_MAX_PARAMS } from "../../src/db/chunk";
import { DEDUP_WINDOW_MS, eventWriteStatements, writeEvents, type StoredEvent } from "../../src/db/events";
import { cleanEvent, eventsOf } from "./helpers";

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

  it("writes large batches in statements of at most 100 parameters, all in one D1 batch", async () => {
    const items = Array.from({ length: 500 }, (_, i) => item({ site: "w5", event_id: i % 2 ? `id-${i}` : null }));
    const specs = eventWriteStatements(items, "claim");
    for (const s of specs) {
      expect(s.params.length).toBeLessThanOrEqual(D1_MAX_PARAMS);
      expect(s.sql.split("?").length - 1).toBe(s.params.length);
    }
    expect(specs.filter((s) => s.kind === "insert")).toHaveLength(125);
    // The same through a recording D1 binding: every statement that reaches D1 binds ≤ 100 parameters.
    const bound: number[] = [];
    let batches = 0;
    const recording = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare") {
          return (sql: string) => {
            const stmt = target.prepare(sql);
            return new Proxy(stmt, {
              get(s, p) {
                if (p === "bind") return (...args: unknown[]) => (bound.push(args.length), s.bind(...args));
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
    const res = await writeEvents(recording, items);
    expect(res).toEqual({ inserted: 500, duplicates: [] });
    expect(batches).toBe(1);
    expect(bound.length).toBe(126);
    expect(Math.max(...bound)).toBeLessThanOrEqual(D1_MAX_PARAMS);
    expect(await eventsOf("w5")).toHaveLength(500);
  });
});
