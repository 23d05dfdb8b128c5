import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CLICK_IDS } from "../../src/collect/landing";
import { decodeJournal, encodeJournal, JOURNAL_MAX, JOURNAL_MAX_CHARS } from "../../src/collect/journal";
import { isPiiText } from "../../src/collect/scrub";
import { normalizeTouch, type Touch } from "../../src/collect/touch";
import { HttpError } from "../../src/http/errors";

const T = 1_795_000_000;
const touch = (t: number, source: string, medium = "(none)", campaign = "(none)", extra: Partial<Touch> = {}): Touch => ({
  time: t * 1000,
  source,
  medium,
  campaign,
  content: null,
  term: null,
  view: false,
  ...extra,
});

/** The code and field decodeJournal rejects `input` with. */
function rejection(input: unknown): { code: string; field?: string } {
  try {
    decodeJournal(input);
  } catch (err) {
    if (err instanceof HttpError) return { code: err.code, field: err.field };
    throw err;
  }
  throw new Error("accepted");
}

describe("decodeJournal: resolved touches", () => {
  it("decodes what encodeJournal writes back to the same touches", () => {
    // Values that look like personal data are dropped on the way in (tested below), so none here.
    const word = fc.stringMatching(/^[a-z0-9][a-z0-9 _.-]{0,30}[a-z0-9]$/).filter((w) => !isPiiText(w));
    const anyTouch = fc
      .record({
        time: fc.integer({ min: 0, max: 4_000_000_000 }),
        source: word,
        medium: fc.option(word),
        campaign: fc.option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ]{0,20}$/).filter((w) => !isPiiText(w))),
        content: fc.option(word),
        term: fc.option(word),
        view: fc.boolean(),
      })
      .map((t) => normalizeTouch({ ...t, time: t.time * 1000 }));
    fc.assert(
      fc.property(fc.array(anyTouch, { maxLength: JOURNAL_MAX }), (touches) => {
        const sorted = [...touches].sort((a, b) => a.time - b.time);
        expect(decodeJournal(encodeJournal(sorted))).toEqual(sorted);
      }),
      { numRuns: 200 },
    );
  });

  it("normalises fields as any touch: trimmed, source and medium lower-cased, missing ones (none)", () => {
    expect(decodeJournal(`[[${T}," Instagram ","Social"," Spring Sale ",null,"Red Shoes"]]`)).toEqual([
      touch(T, "instagram", "social", "Spring Sale", { term: "Red Shoes" }),
    ]);
    expect(decodeJournal([[T, "news", null]])).toEqual([touch(T, "news")]);
  });

  it("keeps view-throughs (7th element 1)", () => {
    expect(decodeJournal(`[[${T},"display","cpm","x",null,null,1]]`)).toEqual([touch(T, "display", "cpm", "x", { view: true })]);
  });
});

describe("decodeJournal: raw utm landings (the tracker's form)", () => {
  it("gives a landing without utm_source but with a medium or campaign the source (not set)", () => {
    expect(decodeJournal([[T, null, "email", "spring", null, null]])).toEqual([touch(T, "(not set)", "email", "spring")]);
    expect(decodeJournal([[T, " ", null, "spring", null, null]])).toEqual([touch(T, "(not set)", "(none)", "spring")]);
  });

  it("leaves out a landing whose utm values are all blank or personal data", () => {
    expect(decodeJournal([[T, " ", "", null, "hero", null]])).toEqual([]);
    expect(decodeJournal([[T, "ann@mail.example", null, null, null, null]])).toEqual([]);
  });

  it("drops a utm value that is personal data, as for the landing pageview", () => {
    expect(decodeJournal([[T, "news", "email", "+44 20 7946 0958", null, null]])).toEqual([touch(T, "news", "email")]);
  });

  it("cuts a value to 200 characters", () => {
    const [t] = decodeJournal([[T, "s", "m", "c".repeat(500), null, null]]);
    expect(t?.campaign).toBe("c".repeat(200));
  });
});

describe("decodeJournal: raw click-id and referrer landings", () => {
  it.each(CLICK_IDS.map(([id, source, medium]) => [id, source, medium]))("[t, %j] is %s/%s", (id, source, medium) => {
    expect(decodeJournal([[T, id]])).toEqual([touch(T, source, medium)]);
  });

  it.each([
    ["google.co.uk", "google", "organic"],
    ["www.google.de", "google", "organic"],
    ["qwant.com", "qwant", "organic"],
    ["bsky.app", "bluesky", "social"],
    ["t.co", "x", "social"],
    ["L.Facebook.COM", "facebook", "social"],
    ["www.blog.example", "blog.example", "referral"],
    ["news.example.org:8443", "news.example.org", "referral"],
    ["[2001:db8::1]", "[2001:db8::1]", "referral"],
  ])("[t, %j] is %s/%s", (host, source, medium) => {
    expect(decodeJournal([[T, host]])).toEqual([touch(T, source, medium)]);
  });

  it.each([["https://google.com"], ["a.example/path"], ["a b.example"], ["user@a.example"], ["[::1"], [""]])("refuses [t, %j]", (x) => {
    expect(rejection([[T, x]])).toEqual({ code: "invalid_touch", field: "j.0.1" });
  });
});

describe("decodeJournal: limits drop the oldest, they are no error", () => {
  it(`keeps the newest ${JOURNAL_MAX} touches, whatever order they came in`, () => {
    const rows = Array.from({ length: 14 }, (_, i) => [T + i * 60, `s${i}`, null, null]);
    const shuffled = [...rows.slice(7), ...rows.slice(0, 7).reverse()];
    const out = decodeJournal(JSON.stringify(shuffled));
    expect(out.map((t) => t.source)).toEqual(Array.from({ length: JOURNAL_MAX }, (_, i) => `s${i + 4}`));
  });

  it(`drops the oldest while the encoded journal is longer than ${JOURNAL_MAX_CHARS} characters`, () => {
    const long = (i: number) => [T + i, `s${i}`, "m".repeat(300), "c".repeat(300), "x".repeat(300), "y".repeat(300)];
    const text = JSON.stringify(Array.from({ length: 10 }, (_, i) => long(i)));
    expect(text.length).toBeGreaterThan(10_000);
    const out = decodeJournal(text);
    expect(encodeJournal(out).length).toBeLessThanOrEqual(JOURNAL_MAX_CHARS);
    expect(out.length).toBeGreaterThan(0);
    // Exactly the newest ones that fit: one more would not.
    const kept = out.map((t) => t.source);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => `s${10 - kept.length + i}`));
    const oneMore = decodeJournal(JSON.stringify([long(10 - kept.length - 1)]));
    expect(encodeJournal([...oneMore, ...out]).length).toBeGreaterThan(JOURNAL_MAX_CHARS);
  });

  it("keeps equal times in the order sent", () => {
    expect(decodeJournal([[T, "a", null, null], [T, "b", null, null]]).map((t) => t.source)).toEqual(["a", "b"]);
  });
});

describe("decodeJournal: malformed journals", () => {
  it.each<[string, unknown, string, string]>([
    ["not JSON", "[[1,", "invalid_journal", "j"],
    ["not an array", '{"a":1}', "invalid_journal", "j"],
    ["a row that is not an array", [[T, "a", null, null], "junk"], "invalid_touch", "j.1"],
    ["a row of one element", [[T]], "invalid_touch", "j.0"],
    ["a row of eight elements", [[T, "a", "b", "c", "d", "e", 1, 2]], "invalid_touch", "j.0"],
    ["a time in milliseconds", [[T * 1000, "a", null, null]], "invalid_touch", "j.0.0"],
    ["a time that is text", [["1795000000", "a", null, null]], "invalid_touch", "j.0.0"],
    ["a raw landing that is no text", [[T, 5]], "invalid_touch", "j.0.1"],
    ["a field that is no text", [[T, "a", 3, null]], "invalid_touch", "j.0.2"],
  ])("refuses %s", (_, input, code, field) => {
    expect(rejection(input)).toEqual({ code, field });
  });

  it("checks the shape of every row, also of those beyond the limit", () => {
    const rows: unknown[] = Array.from({ length: 12 }, (_, i) => [T + i, "a", null, null]);
    rows[0] = [T, {}, null, null];
    expect(rejection(rows)).toEqual({ code: "invalid_touch", field: "j.0.1" });
    rows[0] = [T, "a.example/path"];
    expect(rejection(rows)).toEqual({ code: "invalid_touch", field: "j.0.1" });
  });
});
