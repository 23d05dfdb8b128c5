import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunk, chunkForParams, D1_MAX_PARAMS, placeholders, rowsPerStatement } from "../../src/db/chunk";

describe("chunking for D1's 100-parameter limit", () => {
  it("splits into groups that keep order and lose nothing", () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 600 }), fc.integer({ min: 1, max: 120 }), (items, size) => {
        const groups = chunk(items, size);
        expect(groups.flat()).toEqual(items);
        expect(groups.every((g) => g.length >= 1 && g.length <= size)).toBe(true);
        expect(groups.slice(0, -1).every((g) => g.length === size)).toBe(true);
      }),
    );
  });

  it("never binds more than 100 parameters per statement, fixed ones included, and uses as few statements as it can", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 49 }), (n, perRow, fixed) => {
        fc.pre(perRow + fixed <= D1_MAX_PARAMS);
        const groups = chunkForParams(Array.from({ length: n }, (_, i) => i), perRow, fixed);
        for (const g of groups) expect(g.length * perRow + fixed).toBeLessThanOrEqual(D1_MAX_PARAMS);
        expect(groups.length).toBe(Math.ceil(n / Math.floor((D1_MAX_PARAMS - fixed) / perRow)));
      }),
    );
  });

  it("fits 4 rows of 21 parameters next to one fixed parameter (85), 33 rows of 3 (99)", () => {
    expect(rowsPerStatement(21, 1)).toBe(4);
    expect(rowsPerStatement(3)).toBe(33);
  });

  it("refuses a row that cannot fit at all", () => {
    expect(() => rowsPerStatement(101)).toThrow(RangeError);
    expect(() => rowsPerStatement(50, 51)).toThrow(RangeError);
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });

  it("writes placeholders only", () => {
    expect(placeholders(2, 3)).toBe("(?, ?, ?), (?, ?, ?)");
  });
});
