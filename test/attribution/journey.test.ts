import { describe, expect, it } from "vitest";
import { journeyOf, parseJourney } from "../../src/attribution/journey";

const base = { ts: 1_800_000_000_000, journey: null, touch_kind: null, source: null, medium: null, campaign: null, content: null, term: null } as const;

describe("journeyOf", () => {
  it("uses the journey when it has touches", () => {
    const journey = [{ time: 1, source: "google", medium: "cpc", campaign: "x", content: null, term: null, view: false }];
    expect(journeyOf({ ...base, journey, touch_kind: "landing", source: "bing" })).toEqual(journey);
  });

  it("falls back to the conversion's own landing touch, normalised, at the conversion's time", () => {
    const got = journeyOf({ ...base, journey: [], touch_kind: "landing", source: "Newsletter ", medium: "EMAIL", campaign: " Nov " });
    expect(got).toEqual([{ time: base.ts, source: "newsletter", medium: "email", campaign: "Nov", content: null, term: null, view: false }]);
  });

  it("is empty (→ direct) without journey and landing", () => {
    expect(journeyOf({ ...base, touch_kind: "direct", source: "direct" })).toEqual([]);
    expect(journeyOf(base)).toEqual([]);
  });
});

describe("parseJourney", () => {
  it("reads stored touches and normalises them", () => {
    const json = JSON.stringify([{ time: 5, source: "Google", medium: null, campaign: "Spring", content: null, term: null, view: true }]);
    expect(parseJourney(json)).toEqual([{ time: 5, source: "google", medium: "(none)", campaign: "Spring", content: null, term: null, view: true }]);
  });

  it("returns null for missing or malformed JSON and skips malformed touches", () => {
    expect(parseJourney(null)).toBeNull();
    expect(parseJourney("{oops")).toBeNull();
    expect(parseJourney('{"a":1}')).toBeNull();
    expect(parseJourney('[{"source":"x"}, 3, {"time":1,"source":"y"}]')).toEqual([
      { time: 1, source: "y", medium: "(none)", campaign: "(none)", content: null, term: null, view: false },
    ]);
  });
});
