import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeJournal, encodeJournal } from "../../src/collect/journal";
import { journal, MAX_CHARS, MAX_TOUCHES, WINDOW, type Row } from "../../src/tracker/journal";
import { landing } from "../../src/tracker/landing";

const T0 = 1_795_000_000;
const DAY = 86_400;
const row = (t: number, source: string, medium = "cpc", campaign = "(none)"): Row => [t, source, medium, campaign];

describe("tracker journal: window", () => {
  it("drops touches older than 30 days and keeps younger ones", () => {
    const rows = [row(T0 - 31 * DAY, "old"), row(T0 - WINDOW, "edge"), row(T0 - WINDOW + 1, "young"), row(T0 - DAY, "recent")];
    expect(journal(rows, T0).map((r) => r[1])).toEqual(["young", "recent"]);
  });

  it("applies the window when reading, without a new touch", () => {
    expect(journal([row(T0 - 40 * DAY, "a")], T0)).toEqual([]);
  });

  it("applies the window at the new touch's time", () => {
    const stored = [row(T0 - 29 * DAY, "a")];
    expect(journal(stored, T0 + 2 * DAY, row(T0 + 2 * DAY, "b")).map((r) => r[1])).toEqual(["b"]);
  });
});

describe("tracker journal: cap", () => {
  it(`keeps the newest ${MAX_TOUCHES} touches`, () => {
    let rows: Row[] = [];
    for (let i = 0; i < 14; i++) rows = journal(rows, T0 + i, row(T0 + i, `s${i}`));
    expect(rows).toHaveLength(MAX_TOUCHES);
    expect(rows.map((r) => r[1])).toEqual(Array.from({ length: MAX_TOUCHES }, (_, i) => `s${i + 4}`));
  });

  it(`drops the oldest while the encoding is longer than ${MAX_CHARS} characters`, () => {
    const long = "c".repeat(1500);
    let rows: Row[] = [];
    for (let i = 0; i < 5; i++) rows = journal(rows, T0 + i, [T0 + i, `s${i}`, "cpc", long]);
    expect(JSON.stringify(rows).length).toBeLessThanOrEqual(MAX_CHARS);
    expect(rows.length).toBe(2);
    expect(rows.map((r) => r[1])).toEqual(["s3", "s4"]);
    // …and what it keeps is accepted by the collector.
    expect(() => decodeJournal(JSON.stringify(rows))).not.toThrow();
  });
});

describe("tracker journal: folding", () => {
  it("moves the time of a repeat of the latest touch instead of appending", () => {
    const once = journal([], T0, row(T0, "google"));
    const twice = journal(once, T0 + 60, row(T0 + 60, "google"));
    expect(twice).toEqual([row(T0 + 60, "google")]);
  });

  it("appends a repeat of an older touch (the journey went elsewhere in between)", () => {
    let rows = journal([], T0, row(T0, "google"));
    rows = journal(rows, T0 + 1, row(T0 + 1, "facebook", "social"));
    rows = journal(rows, T0 + 2, row(T0 + 2, "google"));
    expect(rows.map((r) => r[1])).toEqual(["google", "facebook", "google"]);
  });

  it("tells touches apart by every field: content and term too", () => {
    let rows = journal([], T0, [T0, "google", "cpc", "spring", "a", null]);
    rows = journal(rows, T0 + 1, [T0 + 1, "google", "cpc", "spring", "b", null]);
    expect(rows).toHaveLength(2);
  });
});

describe("tracker journal: storage", () => {
  it("throws on a stored value that is not a list of rows, which the tracker reads as empty", () => {
    expect(() => journal(JSON.parse('{"a":1}') as Row[], T0)).toThrow();
    expect(() => journal(JSON.parse("null") as Row[], T0)).toThrow();
  });

  it("drops stored rows without a usable time", () => {
    const stored = JSON.parse(`[["x","google","cpc","(none)"],[${T0},"bing","cpc","(none)"],"junk"]`) as Row[];
    expect(journal(stored, T0)).toEqual([row(T0, "bing")]);
  });
});

describe("tracker journal: wire encoding", () => {
  const text = fc.string({ maxLength: 12 });
  const landingUrl = fc
    .record({ source: text, medium: fc.option(text), campaign: fc.option(text), content: fc.option(text), term: fc.option(text) })
    .map((u) => {
      const url = new URL("https://shop.example/landing");
      url.searchParams.set("utm_source", u.source);
      for (const k of ["medium", "campaign", "content", "term"] as const) if (u[k] !== null) url.searchParams.set(`utm_${k}`, u[k]!);
      return url.href;
    });

  it("is exactly encodeJournal of the touches the collector decodes from it", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(landingUrl, fc.integer({ min: 0, max: 40 * DAY })), { maxLength: 15 }), (visits) => {
        let rows: Row[] = [];
        let t = T0;
        for (const [href, gap] of visits) {
          t += gap;
          const touch = landing(t, href, "");
          if (touch) rows = journal(rows, t, touch);
        }
        const wire = JSON.stringify(rows);
        expect(encodeJournal(decodeJournal(wire))).toBe(wire);
      }),
      { numRuns: 300 },
    );
  });

  it("writes content and term only when one is set, as encodeJournal does", () => {
    const plain = landing(T0, "https://shop.example/?utm_source=Google&utm_medium=CPC", "");
    const withTerm = landing(T0, "https://shop.example/?utm_source=google&utm_term=shoes", "");
    expect(JSON.stringify([plain])).toBe(encodeJournal([{ time: T0 * 1000, source: "google", medium: "cpc", campaign: "(none)", content: null, term: null, view: false }]));
    expect(JSON.stringify([withTerm])).toBe(encodeJournal([{ time: T0 * 1000, source: "google", medium: "(none)", campaign: "(none)", content: null, term: "shoes", view: false }]));
  });
});
