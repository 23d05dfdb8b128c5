import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CleanEvent } from "../../src/collect/event";
import { DEDUP_WINDOW_MS, writeEvents, type StoredEvent } from "../../src/db/events";
import { hasTouch, mergeCopies } from "../../src/ingest/merge";
import { cleanEvent, eventsOf } from "./helpers";

// CONTRACT.md v1.1: whichever copy of an event_id wins, the stored conversion keeps the journey
// (or landing touch) of the copy that had one, and the value and currency of the server copy.
const journey = [{ time: 1_795_000_000_000, source: "instagram", medium: "social", campaign: "spring", content: null, term: null, view: false }];
const noTouch = { touch_kind: null, source: null, medium: null, campaign: null, journey: null } as const;
let n = 0;
const item = (over: Partial<CleanEvent>): StoredEvent => ({ id: `merge-${++n}`, event: cleanEvent({ name: "purchase", ...over }) });
const browserCopy = (site: string, over: Partial<CleanEvent> = {}) =>
  item({ site, event_id: "order-1", via: "beacon", ...noTouch, journey, value: 49.9, currency: "EUR", ...over });
const serverCopy = (site: string, over: Partial<CleanEvent> = {}) =>
  item({ site, event_id: "order-1", via: "server", visitor: null, ...noTouch, value: 59, currency: "USD", ...over });

describe("mergeCopies", () => {
  it("takes the journey or landing touch of the copy that had one, and the server's value", () => {
    const b = browserCopy("p").event;
    const s = serverCopy("p").event;
    expect(mergeCopies(b, s)).toEqual({ ...b, value: 59, currency: "USD" });
    expect(mergeCopies(s, b)).toEqual({ ...s, journey });
    const landing = { ...b, journey: null, touch_kind: "landing" as const, source: "google", medium: "cpc", campaign: "brand", term: "shoes" };
    expect(mergeCopies(s, landing)).toMatchObject({ via: "server", value: 59, touch_kind: "landing", source: "google", campaign: "brand", term: "shoes" });
  });

  it("keeps the stored touch when both have one, and a value when the later copy has none", () => {
    const b = browserCopy("p").event;
    const other = [{ ...journey[0]!, source: "tiktok" }];
    expect(mergeCopies(b, { ...serverCopy("p").event, journey: other, value: null, currency: null })).toEqual(b);
    // Two browser copies: the first value stays, a missing one is filled.
    expect(mergeCopies(b, { ...b, value: 1 }).value).toBe(49.9);
    expect(mergeCopies({ ...b, value: null, currency: null }, { ...b, value: 1, currency: "GBP" })).toMatchObject({ value: 1, currency: "GBP" });
  });

  it("between two server copies (or two browser copies) the first value stands", () => {
    const s = serverCopy("p").event;
    expect(mergeCopies(s, { ...s, value: 1, currency: "EUR" })).toEqual(s);
    expect(mergeCopies({ ...s, value: null, currency: null }, { ...s, value: 1, currency: "EUR" })).toMatchObject({ value: 1, currency: "EUR" });
  });

  it("an empty journey or a direct hit is no touch", () => {
    expect(hasTouch({ journey: [], touch_kind: "direct" })).toBe(false);
    expect(hasTouch({ journey: null, touch_kind: null })).toBe(false);
    expect(hasTouch({ journey: null, touch_kind: "landing" })).toBe(true);
    expect(mergeCopies({ ...serverCopy("p").event, journey: [] }, browserCopy("p").event).journey).toEqual(journey);
  });
});

describe("writeEvents merges a duplicate into the stored copy", () => {
  it("browser first, then a server copy without touches: the journey stays, the server's value wins", async () => {
    expect(await writeEvents(env.DB, [browserCopy("mg1"), item({ site: "mg1", name: "pageview" })])).toEqual({ inserted: 2, duplicates: [] });
    const before = await eventsOf("mg1");
    const res = await writeEvents(env.DB, [serverCopy("mg1", { received_at: Date.now() + 1000 })]);
    expect(res).toEqual({ inserted: 0, duplicates: [0] });
    const rows = await eventsOf("mg1");
    expect(rows).toHaveLength(2);
    const merged = rows.find((r) => r.name === "purchase")!;
    expect(merged).toMatchObject({ via: "beacon", journey: JSON.stringify(journey), value: 59, currency: "USD", msg_id: before[0]!.msg_id });
    // It moved past every other row, so the rollup sees its day as changed and re-rolls it.
    expect(merged.rowid).toBeGreaterThan(Math.max(...before.map((r) => r.rowid)));
  });

  it("server first, then the queued browser copy: dropped, but its landing touch is kept", async () => {
    await writeEvents(env.DB, [serverCopy("mg2")]);
    const landing = { journey: null, touch_kind: "landing" as const, source: "google", medium: "cpc", campaign: "brand" };
    const res = await writeEvents(env.DB, [browserCopy("mg2", { ...landing, received_at: Date.now() + 500 }), item({ site: "mg2", name: "pageview" })]);
    expect(res).toEqual({ inserted: 1, duplicates: [0] });
    const [merged] = (await eventsOf("mg2")).filter((r) => r.name === "purchase");
    expect(merged).toMatchObject({ via: "server", value: 59, currency: "USD", ...landing });
  });

  it("a server copy that adds nothing changes nothing, and a redelivered copy merges only once", async () => {
    await writeEvents(env.DB, [serverCopy("mg3", { journey })]);
    const [before] = await eventsOf("mg3");
    // Same value and currency, no touch: nothing to take.
    expect((await writeEvents(env.DB, [serverCopy("mg3")])).duplicates).toEqual([0]);
    expect(await eventsOf("mg3")).toEqual([before]);
    // A browser copy with a landing touch: the stored journey wins, the server's value stays.
    await writeEvents(env.DB, [browserCopy("mg3", { journey: null, touch_kind: "landing", source: "google" })]);
    expect(await eventsOf("mg3")).toEqual([before]);
    // The stored copy is the server's own message redelivered: nothing moves.
    const redelivered = { ...serverCopy("mg3", { journey }), id: before!.msg_id! };
    expect((await writeEvents(env.DB, [redelivered])).inserted).toBe(0);
    expect(await eventsOf("mg3")).toEqual([before]);
  });

  it("a later copy merges only into the copy of its 48-hour window", async () => {
    const t0 = Date.now() - 3 * DEDUP_WINDOW_MS;
    await writeEvents(env.DB, [serverCopy("mg4", { ts: t0, received_at: t0 })]);
    // After the window it is a new event (stored as is); the old row is untouched.
    const late = t0 + DEDUP_WINDOW_MS;
    expect(await writeEvents(env.DB, [serverCopy("mg4", { ts: late, received_at: late, value: 10 })])).toEqual({ inserted: 1, duplicates: [] });
    // Inside the new window, a browser copy with a journey merges into the new copy only.
    expect((await writeEvents(env.DB, [browserCopy("mg4", { received_at: late + 1 })])).duplicates).toEqual([0]);
    const rows = await eventsOf("mg4");
    expect(rows.map((r) => [r.received_at, r.value, r.journey])).toEqual([
      [t0, 59, null],
      [late, 10, JSON.stringify(journey)],
    ]);
  });

  it("a later server copy does not change a stored server copy's value", async () => {
    await writeEvents(env.DB, [serverCopy("mg7")]);
    expect((await writeEvents(env.DB, [serverCopy("mg7", { value: 1, currency: "EUR", journey })])).duplicates).toEqual([0]);
    expect(await eventsOf("mg7")).toMatchObject([{ value: 59, currency: "USD", journey: JSON.stringify(journey) }]);
  });

  it("copies that meet in one write merge before it is stored", async () => {
    const res = await writeEvents(env.DB, [serverCopy("mg5"), item({ site: "mg5", name: "pageview" }), browserCopy("mg5")]);
    expect(res).toEqual({ inserted: 2, duplicates: [2] });
    const [merged] = (await eventsOf("mg5")).filter((r) => r.name === "purchase");
    expect(merged).toMatchObject({ via: "server", value: 59, currency: "USD", journey: JSON.stringify(journey) });
  });

  it("merges many later copies in one write, each into its own event", async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `o-${i}`);
    await writeEvents(env.DB, ids.map((id) => browserCopy("mg6", { event_id: id, value: 1 })));
    await writeEvents(env.DB, ids.map((id, i) => serverCopy("mg6", { event_id: id, value: i })));
    const rows = await eventsOf("mg6");
    expect(rows.map((r) => [r.event_id, r.value, r.journey !== null])).toEqual(ids.map((id, i) => [id, i, true]));
    expect(new Set(rows.map((r) => r.rowid)).size).toBe(30);
  });
});
