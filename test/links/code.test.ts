import { describe, expect, it } from "vitest";
import { CODE_LENGTH, isCode, newCode } from "../../src/links/code";

describe("link codes", () => {
  it("are 12 base62 characters", () => {
    for (let i = 0; i < 50; i++) expect(newCode()).toMatch(/^[0-9A-Za-z]{12}$/);
    expect(CODE_LENGTH).toBeGreaterThanOrEqual(8);
  });

  it("do not repeat (71 random bits each)", () => {
    const codes = new Set(Array.from({ length: 2000 }, () => newCode()));
    expect(codes.size).toBe(2000);
  });

  it("use every character of the alphabet about equally", () => {
    const counts = new Map<string, number>();
    const n = 2000;
    for (let i = 0; i < n; i++) for (const ch of newCode()) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (n * CODE_LENGTH) / 62; // ≈ 387
    for (const c of counts.values()) expect(Math.abs(c - expected)).toBeLessThan(expected * 0.35);
  });

  it.each([
    ["aB3dE5gH9jK1", true],
    ["abcdefgh", true],
    ["short", false],
    ["has-dash1234", false],
    ["../../etc", false],
    ["", false],
    ["a".repeat(33), false],
  ])("isCode(%j) is %s", (s, ok) => {
    expect(isCode(s)).toBe(ok);
  });
});
