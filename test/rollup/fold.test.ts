import { describe, expect, it } from "vitest";
import type { ConversionRow } from "../../src/db/rollup";
import { buildAtoms } from "../../src/rollup/atoms";
import { clampKey, decodePartialsInto, encodePartials, foldConversion, mergePartials, partialKeyId, type ClampCounts, type FoldConfig, type Partials } from "../../src/rollup/fold";
import { CLAMP } from "../../src/privacy/noise";

const T = Date.UTC(2026, 10, 20, 12);
const cfg = (clamp = false): FoldConfig => ({
  goals: new Map([
    ["purchase", { tier: "macro", value: null, currency: null }],
    ["lead", { tier: "macro", value: 20, currency: "GBP" }],
    ["signup", { tier: "micro", value: 5, currency: null }],
  ]),
  windows: { click_window_days: 30, view_window_days: 1 },
  currency: "EUR",
  clamp,
});

let rowid = 0;
function conv(name: string, extra: Partial<ConversionRow> = {}): ConversionRow {
  return { rowid: ++rowid, ts: T, name, visitor: "v", touch_kind: null, source: null, medium: null, campaign: null, content: null, term: null, value: null, currency: null, journey: null, ...extra };
}
const journey = (...sources: string[]) => JSON.stringify(sources.map((s, i) => ({ time: T - (sources.length - i) * 3_600_000, source: s, medium: "cpc", campaign: "(none)", content: null, term: null, view: false })));
const get = (p: Partials, source: string, goal: string, model: string) => p.get(partialKeyId({ source, medium: source === "direct" ? "(none)" : "cpc", campaign: "(none)", content: "(none)", term: "(none)", goal, model }))?.sums;

describe("foldConversion", () => {
  it("credits the goal and, for a macro goal, (macro) under all six models", () => {
    const p: Partials = new Map();
    foldConversion(p, conv("purchase", { value: 80, currency: "EUR", journey: journey("google", "bing") }), cfg(), new Map());
    expect(get(p, "bing", "purchase", "last_click")).toEqual({ conversions: 1, credit: 1, revenue: 80, byCurrency: { EUR: 80 } });
    expect(get(p, "google", "(macro)", "first_click")).toEqual({ conversions: 1, credit: 1, revenue: 80, byCurrency: { EUR: 80 } });
    expect(get(p, "google", "purchase", "linear")).toEqual({ conversions: 1, credit: 0.5, revenue: 40, byCurrency: { EUR: 40 } });
    expect(get(p, "google", "purchase", "last_click")).toBeUndefined();
    expect(p.size).toBe(2 * (1 + 1 + 2 + 2 + 2 + 1)); // two goal keys × credited keys per model
  });

  it("keeps a micro goal out of (macro) and applies goal default values in their currency", () => {
    const p: Partials = new Map();
    foldConversion(p, conv("signup"), cfg(), new Map());
    foldConversion(p, conv("lead"), cfg(), new Map());
    expect(get(p, "direct", "signup", "linear")).toEqual({ conversions: 1, credit: 1, revenue: 5, byCurrency: { EUR: 5 } });
    // lead's default is in GBP: revenue (site currency EUR) stays 0, GBP is reported apart.
    expect(get(p, "direct", "(macro)", "linear")).toEqual({ conversions: 1, credit: 1, revenue: 0, byCurrency: { GBP: 20 } });
    expect([...p.values()].some((e) => e.key.goal === "(macro)" && e.sums.byCurrency.EUR)).toBe(false);
  });

  it("ignores events that are not configured goals", () => {
    const p: Partials = new Map();
    expect(foldConversion(p, conv("newsletter_open"), cfg(), new Map())).toBeNull();
    expect(p.size).toBe(0);
  });

  it("with clamping: one conversion per visitor, goal key and day; values capped", () => {
    const p: Partials = new Map();
    const counts: ClampCounts = new Map();
    expect(foldConversion(p, conv("purchase", { value: 5000 }), cfg(true), counts)).toBe("v");
    expect(foldConversion(p, conv("purchase", { value: 10 }), cfg(true), counts)).toBeNull();
    foldConversion(p, conv("purchase", { visitor: "w", value: -5000 }), cfg(true), counts);
    // a visitor-less conversion is clamped under its stand-in (here: nothing but the direct touch)
    expect(foldConversion(p, conv("purchase", { visitor: null, value: 1 }), cfg(true), counts)).toMatch(/^~[0-9a-f]{16}$/);
    expect(foldConversion(p, conv("purchase", { visitor: null, value: 1 }), cfg(true), counts)).toBeNull();
    expect(get(p, "direct", "purchase", "last_click")).toEqual({
      conversions: 3,
      credit: 3,
      revenue: CLAMP.valuePerConversion - CLAMP.valuePerConversion + 1,
      byCurrency: { EUR: 1 },
    });
    expect(counts.get("v")).toEqual({ purchase: 1, "(macro)": 1 });
    // (macro) is its own goal key: a lead after a purchase still counts for lead but not (macro) again.
    foldConversion(p, conv("lead"), cfg(true), counts);
    expect(get(p, "direct", "lead", "linear")?.conversions).toBe(1);
    expect(get(p, "direct", "(macro)", "linear")?.conversions).toBe(3);
  });
});

describe("clamping conversions without a visitor (server events without `client`)", () => {
  it("counts one journey's conversions once per goal key and day, like a visitor's, and keeps journeys apart", () => {
    const p: Partials = new Map();
    const counts: ClampCounts = new Map();
    const alice = journey("google", "bing");
    const bob = JSON.stringify([{ time: T - 7_200_000, source: "bing", medium: "cpc", campaign: "(none)", content: null, term: null, view: false }]);
    for (let i = 0; i < 5; i++) foldConversion(p, conv("purchase", { visitor: null, value: 100, journey: alice }), cfg(true), counts);
    foldConversion(p, conv("purchase", { visitor: null, value: 100, journey: bob }), cfg(true), counts);
    // Five purchases of one journey count as one; bob's (another journey, same last touch) as another.
    expect(get(p, "bing", "purchase", "last_click")).toEqual({ conversions: 2, credit: 2, revenue: 200, byCurrency: { EUR: 200 } });
    expect(get(p, "google", "(macro)", "first_click")?.conversions).toBe(1);
    // Without clamping (no epsilon) every conversion counts, as before.
    const plain: Partials = new Map();
    for (let i = 0; i < 5; i++) foldConversion(plain, conv("purchase", { visitor: null, value: 100, journey: alice }), cfg(false), new Map());
    expect(get(plain, "bing", "purchase", "last_click")?.conversions).toBe(5);
  });

  it("gives a stand-in that depends on the journey and touch only, and never equals a visitor hash", () => {
    const row = conv("purchase", { visitor: null, journey: journey("google") });
    expect(clampKey(row)).toBe(clampKey({ ...row, value: 5, rowid: 99, ts: T + 1 }));
    expect(clampKey(row)).not.toBe(clampKey({ ...row, journey: journey("bing") }));
    expect(clampKey({ ...row, journey: null, source: "google" })).not.toBe(clampKey({ ...row, journey: null, source: "bing" }));
    expect(clampKey({ ...row, visitor: "abc_-123" })).toBe("abc_-123");
    expect(clampKey(row).startsWith("~")).toBe(true);
  });
});

describe("partial sums", () => {
  it("survive encoding in parts and merge to the same sums as folding in one go", () => {
    const rows = Array.from({ length: 40 }, (_, i) =>
      conv(i % 3 === 0 ? "signup" : "purchase", { visitor: `v${i}`, value: i * 1.1, currency: i % 4 === 0 ? "USD" : "EUR", journey: journey(...["google", "bing", "x", "y"].slice(0, i % 5)) }),
    );
    const whole: Partials = new Map();
    for (const r of rows) foldConversion(whole, r, cfg(), new Map());
    const direct: Partials = new Map();
    mergePartials(direct, whole);
    const viaParts: Partials = new Map();
    let rowsSeen = 0;
    for (const part of encodePartials(whole, 7, rows.length)) rowsSeen += decodePartialsInto(viaParts, part);
    expect(rowsSeen).toBe(40);
    expect(encodePartials(whole, 7, 40).length).toBe(Math.ceil(whole.size / 7));
    // An empty page still records its row count (every conversion of it was clamped away).
    const empty = encodePartials(new Map(), 7, 3);
    expect(empty).toHaveLength(1);
    expect(decodePartialsInto(new Map(), empty[0]!)).toBe(3);
    expect(new Map([...viaParts].map(([k, v]) => [k, v.sums]))).toEqual(new Map([...direct].map(([k, v]) => [k, v.sums])));
  });
});

describe("buildAtoms", () => {
  it("emits every goal × model for each touch with visitors, clicks or credit", () => {
    const p: Partials = new Map();
    foldConversion(p, conv("purchase", { value: 10, journey: journey("google") }), cfg(), new Map());
    const atoms = buildAtoms("s", "2026-11-20", ["purchase", "(macro)"], p, [{ source: "bing", medium: "cpc", campaign: "(none)", content: "(none)", term: "(none)", n: 4 }], [
      { source: "bing", medium: "cpc", campaign: "(none)", content: "(none)", term: "(none)", n: 9 },
      { source: "mail", medium: "email", campaign: "x", content: "(none)", term: "(none)", n: 2 },
    ]);
    expect(atoms).toHaveLength(3 * 2 * 6);
    const bing = atoms.filter((a) => a.source === "bing");
    expect(bing.every((a) => a.visitors === 4 && a.clicks === 9 && a.conversions === 0 && a.credit === 0)).toBe(true);
    const google = atoms.find((a) => a.source === "google" && a.goal === "(macro)" && a.model === "time_decay");
    expect(google).toMatchObject({ visitors: 0, clicks: 0, conversions: 1, credit: 1, revenue: 10, revenue_by_currency: { EUR: 10 } });
    // Deterministic order: a rebuild gives the same array.
    expect(buildAtoms("s", "2026-11-20", ["purchase", "(macro)"], p, [], [])).toEqual(atoms.filter((a) => a.source === "google"));
  });
});
