import { describe, expect, it } from "vitest";
import { capCounts, cappedKey, capKeyId, capTouches, OVERFLOW, pairKey, type TouchCap } from "../../src/rollup/cap";
import { touch } from "./fixtures";

const cap: TouchCap = {
  // A touch is its full key (CONTRACT.md v1.1 limits.touches_per_day): brand without content or term, and its ad1 / kw.
  kept: new Set([capKeyId({ source: "google", medium: "cpc", campaign: "brand" }), capKeyId({ source: "google", medium: "cpc", campaign: "brand", content: "ad1", term: "kw" })]),
  pairs: new Set([pairKey("spam", "cpc")]),
};

describe("cappedKey", () => {
  it("keeps a kept touch and direct, sends others to their pair's overflow row or the last one", () => {
    expect(cappedKey(cap, { source: "google", medium: "cpc", campaign: "brand" })).toEqual({ source: "google", medium: "cpc", campaign: "brand" });
    expect(cappedKey(cap, { source: "direct", medium: "(none)", campaign: "(none)" })).toEqual({ source: "direct", medium: "(none)", campaign: "(none)" });
    expect(cappedKey(cap, { source: "google", medium: "cpc", campaign: "other" })).toEqual({ source: OVERFLOW, medium: OVERFLOW, campaign: OVERFLOW });
    expect(cappedKey(cap, { source: "spam", medium: "cpc", campaign: "x1" })).toEqual({ source: "spam", medium: "cpc", campaign: OVERFLOW });
    expect(cappedKey(null, { source: "any", medium: "x", campaign: "y" })).toEqual({ source: "any", medium: "x", campaign: "y" });
    // The same campaign with another content or term is another touch: not kept.
    expect(cappedKey(cap, { source: "google", medium: "cpc", campaign: "brand", content: "ad1", term: "kw" })).toMatchObject({ campaign: "brand" });
    expect(cappedKey(cap, { source: "google", medium: "cpc", campaign: "brand", content: "ad2", term: "kw" })).toEqual({ source: OVERFLOW, medium: OVERFLOW, campaign: OVERFLOW });
    expect(cappedKey(cap, { source: "google", medium: "cpc", campaign: "brand", content: null, term: "kw" })).toEqual({ source: OVERFLOW, medium: OVERFLOW, campaign: OVERFLOW });
    expect(cappedKey(cap, { source: "google", medium: "cpc", campaign: "brand", content: "(none)", term: null })).toMatchObject({ campaign: "brand" });
  });

  it("maps journeys before attribution (times kept, content and term of overflowing touches dropped) and sums clicks per capped key", () => {
    const j = [touch("google", 1, "cpc", "brand"), { ...touch("spam", 2, "cpc", "x1"), content: "ad", term: "kw" }];
    expect(capTouches(cap, j)).toEqual([j[0], { ...touch("spam", 2, "cpc", OVERFLOW), content: null, term: null }]);
    expect(capTouches(null, j)).toBe(j);
    const clicks = [
      { source: "spam", medium: "cpc", campaign: "a", content: "ad1", term: "(none)", n: 2 },
      { source: "spam", medium: "cpc", campaign: "b", content: "(none)", term: "kw", n: 3 },
      { source: "google", medium: "cpc", campaign: "brand", content: "ad1", term: "kw", n: 1 },
      { source: "google", medium: "cpc", campaign: "brand", content: "ad2", term: "kw", n: 4 },
    ];
    // A kept touch keeps its content and term; ad2 is another touch, not kept; an overflow row has none.
    expect(capCounts(cap, clicks)).toEqual([
      { source: "spam", medium: "cpc", campaign: OVERFLOW, content: "(none)", term: "(none)", n: 5 },
      { source: "google", medium: "cpc", campaign: "brand", content: "ad1", term: "kw", n: 1 },
      { source: OVERFLOW, medium: OVERFLOW, campaign: OVERFLOW, content: "(none)", term: "(none)", n: 4 },
    ]);
  });
});
