import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeJournal, encodeJournal } from "../../src/collect/journal";
import { deriveTouch } from "../../src/collect/landing";
import { normalizeTouch, type Touch } from "../../src/collect/touch";
import { journal, MAX_TOUCHES, WINDOW, type Row } from "../../src/tracker/journal";
import { landing } from "../../src/tracker/landing";

const T0 = 1_795_000_000;
const DAY = 86_400;
// A raw utm landing as the tracker writes it.
const row = (t: number, source: string, medium: string | null = "cpc", campaign: string | null = null): Row => [t, source, medium, campaign, null, null];

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

  it("leaves an over-long journal to the collector, which keeps the newest touches that fit", () => {
    const long = (c: string) => c.repeat(300);
    let rows: Row[] = [];
    for (let i = 0; i < 10; i++) rows = journal(rows, T0 + i, [T0 + i, `s${i}`, long("m"), long("c"), long("x"), long("y")]);
    expect(rows).toHaveLength(10);
    const kept = decodeJournal(JSON.stringify(rows));
    expect(encodeJournal(kept).length).toBeLessThanOrEqual(4096);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(10);
    expect(kept.map((t) => t.source)).toEqual(rows.slice(-kept.length).map((r) => r[1]));
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

  it("folds raw landings of every form, and a row read back from storage (null) with one just made (undefined)", () => {
    let rows = journal([], T0, [T0, "gclid"]);
    rows = journal(rows, T0 + 5, [T0 + 5, "gclid"]);
    expect(rows).toEqual([[T0 + 5, "gclid"]]);
    rows = journal(JSON.parse(JSON.stringify([[T0, "news", null, "spring", null, null]])) as Row[], T0 + 9, [T0 + 9, "news", undefined, "spring", undefined, undefined]);
    expect(rows).toHaveLength(1);
    expect(rows[0]![0]).toBe(T0 + 9);
  });
});

describe("tracker journal: storage", () => {
  it("throws on a stored value that is not a list of rows, which the tracker reads as empty", () => {
    expect(() => journal(JSON.parse('{"a":1}') as Row[], T0)).toThrow();
    expect(() => journal(JSON.parse("null") as Row[], T0)).toThrow();
  });

  it("drops stored rows without a usable time", () => {
    const stored = JSON.parse(`[["x","google","cpc",null,null,null],[${T0},"bing","cpc",null,null,null],"junk"]`) as Row[];
    expect(journal(stored, T0)).toEqual([row(T0, "bing")]);
  });
});

describe("tracker journal: what the collector makes of it", () => {
  const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("Google", " CPC ", "Spring Sale", " "));
  const utmVisit = fc
    .record({ source: fc.option(text), medium: fc.option(text), campaign: fc.option(text), content: fc.option(text), term: fc.option(text) })
    .map((u): [string, string] => {
      const url = new URL("https://shop.example/landing");
      for (const [k, v] of Object.entries(u)) if (v !== null) url.searchParams.set(`utm_${k}`, v);
      return [url.href, ""];
    });
  const otherVisit = fc.constantFrom<[string, string]>(
    ["https://shop.example/?gclid=1", ""],
    ["https://shop.example/?fbclid=1&ttclid=2", ""],
    ["https://shop.example/", "https://www.google.de/"],
    ["https://shop.example/", "https://bsky.app/x"],
    ["https://shop.example/", "https://blog.example/post"],
    ["https://shop.example/b", "https://shop.example/a"],
    ["https://shop.example/", ""],
  );

  it("is the collector's own landing touch of each landing kept: 30 days back, newest 10, repeats folded", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(utmVisit, otherVisit), fc.integer({ min: 0, max: 20 * DAY })), { maxLength: 25 }), (visits) => {
        // The browser's rules on raw rows, each remembering the touch the collector derives for its page view.
        let model: { t: number; key: string; touch: Touch | null }[] = [];
        let rows: Row[] = [];
        let t = T0;
        for (const [[href, referrer], gap] of visits) {
          t += gap;
          const raw = landing(t, href, referrer);
          model = model.filter((m) => m.t > t - WINDOW);
          if (!raw) continue;
          // Through storage and back, as the tracker does.
          rows = journal(JSON.parse(JSON.stringify(rows)) as Row[], t, raw);
          const key = JSON.stringify(raw.slice(1));
          if (model.at(-1)?.key === key) model.pop();
          const d = deriveTouch(new URL(href), referrer ? new URL(referrer) : null, ["shop.example"]);
          const touch = d.touch_kind === "landing" ? normalizeTouch({ ...d, time: t * 1000 }) : null;
          model = [...model, { t, key, touch }].slice(-MAX_TOUCHES);
        }
        const sent = JSON.stringify(journal(JSON.parse(JSON.stringify(rows)) as Row[], t));
        expect(decodeJournal(sent)).toEqual(model.flatMap((m) => (m.touch ? [m.touch] : [])));
      }),
      { numRuns: 300 },
    );
  });
});
