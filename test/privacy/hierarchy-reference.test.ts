import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { markHierarchy, type Leaf, type MarkOptions } from "../../src/privacy/hierarchy";
import { markDay } from "../../src/privacy/release";
import { addDays } from "../../src/time/day";
import { markDayReference, markHierarchyReference } from "./hierarchy-reference";

/**
 * markHierarchy was rewritten to cost linear time in the atoms (bench/hierarchy.mjs); its decisions
 * must not change. Random worlds — several touches, contents and terms over seven weeks across two
 * month boundaries, four views of which one goal is outside the shape views, small counts, atoms in
 * any order — are marked by it and by the plain version it replaced (hierarchy-reference.ts): the
 * marks must be equal, atom for atom, and so must the errors for malformed input.
 */

const START = "2026-06-22";
const SPAN = 49;
const DAYS = Array.from({ length: SPAN }, (_, i) => addDays(START, i));
const TOUCHES = ["google|cpc|spring", "google|cpc|fall", "meta|social|spring", "news|email|promo", "spam|cpc|junk"];
const CONTENTS = ["ad1", "ad2", "ad3", "(none)", "(other)"];
const TERMS = ["shoes", "boots", "(none)"];
const VIEWS = [
  { goal: "(macro)", model: "last_click" },
  { goal: "signup", model: "last_click" },
  { goal: "(macro)", model: "linear" },
  { goal: "signup", model: "linear" },
];
const REF = VIEWS[0]!;

const count = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 7, max: 30 }));
const world = fc.record({
  k: fc.integer({ min: 1, max: 12 }),
  asOf: fc.integer({ min: 10, max: SPAN - 1 }),
  leaves: fc.array(
    fc.record({
      d: fc.integer({ min: 0, max: SPAN - 1 }),
      t: fc.integer({ min: 0, max: TOUCHES.length - 1 }),
      c: fc.integer({ min: 0, max: CONTENTS.length - 1 }),
      term: fc.integer({ min: 0, max: TERMS.length - 1 }),
      clicks: count,
      visitors: count,
      conv: fc.array(count, { minLength: VIEWS.length, maxLength: VIEWS.length }),
    }),
    { maxLength: 160 },
  ),
  spread: fc.constantFrom(SPAN, 14, 7, 2),
  dense: fc.boolean(),
  macroShape: fc.boolean(),
  order: fc.constantFrom("by-atom", "by-view", "reversed"),
});

function build(w: typeof world extends fc.Arbitrary<infer T> ? T : never): { leaves: Leaf[]; asOf: string } {
  const asOf = DAYS[w.asOf]!;
  const seen = new Set<string>();
  const byView: Leaf[][] = VIEWS.map(() => []);
  const raws = w.dense ? [...w.leaves, ...w.leaves.map((r) => ({ ...r, t: 0, c: 0 }))] : w.leaves;
  for (const r of raws) {
    const day = DAYS[r.d % w.spread]!;
    if (day > asOf) continue;
    const id = `${day}|${r.t}|${r.c}|${r.term}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const [source, medium, campaign] = TOUCHES[r.t]!.split("|") as [string, string, string];
    VIEWS.forEach((v, j) => {
      const conversions = r.conv[j]!;
      byView[j]!.push({ day, source, medium, campaign, content: CONTENTS[r.c]!, term: TERMS[r.term]!, ...v, clicks: r.clicks, visitors: r.visitors, conversions, credit: conversions / 3, revenue: conversions * 7, revenue_by_currency: conversions ? { EUR: conversions * 7 } : {} });
    });
  }
  const byAtom = byView[0]!.flatMap((_, i) => byView.map((vs) => vs[i]!));
  const leaves = w.order === "by-view" ? byView.flat() : w.order === "reversed" ? byAtom.reverse() : byAtom;
  return { leaves, asOf };
}

const optionsOf = (w: { k: number; macroShape: boolean }, asOf: string, period: "auto" | "day"): MarkOptions => ({
  k: w.k,
  period,
  traffic: REF,
  asOf,
  shapeViews: w.macroShape ? (v) => v.goal === "(macro)" : undefined,
});

describe("markHierarchy (linear) against the plain version it replaced", () => {
  for (const period of ["auto", "day"] as const) {
    it(`the same marks, atom for atom (period ${period})`, () => {
      let coarse = 0;
      let flat = 0;
      fc.assert(
        fc.property(world, (w) => {
          const { leaves, asOf } = build(w);
          const opts = optionsOf(w, asOf, period);
          const marks = markHierarchy(leaves, opts);
          expect(marks).toEqual(markHierarchyReference(leaves, opts));
          coarse += marks.filter((m) => m.grain !== "day").length;
          flat += marks.filter((m) => m.release === 1 && m.content === 0).length;
        }),
        { numRuns: 300 },
      );
      // The worlds reach the code paths that matter (else the comparison proves little).
      if (period === "auto") expect(coarse).toBeGreaterThan(0);
      expect(flat).toBeGreaterThan(0);
    });
  }

  it("markDay (indexed by day) marks as the version that scanned every day", () => {
    fc.assert(
      fc.property(world, (w) => {
        const { leaves } = build(w);
        const atoms = leaves.map((l) => ({ ...l, content: undefined, term: undefined }));
        // Campaign atoms: one per (day, touch, view); keep the first content's only.
        const once = new Map<string, (typeof atoms)[number]>();
        for (const a of atoms) once.set(`${a.day}|${a.source}|${a.medium}|${a.campaign}|${a.goal}|${a.model}`, once.get(`${a.day}|${a.source}|${a.medium}|${a.campaign}|${a.goal}|${a.model}`) ?? a);
        const cells = [...once.values()];
        expect(markDay(cells, REF, w.k)).toEqual(markDayReference(cells, REF, w.k));
        // Views that lack some touches of the reference, or have touches it lacks (a per-view base).
        const holes = cells.filter((_, i) => (i * 7 + w.k) % 5 !== 0);
        expect(markDay(holes, REF, w.k)).toEqual(markDayReference(holes, REF, w.k));
      }),
      { numRuns: 200 },
    );
  });

  it("the same errors for malformed input", () => {
    const l = (o: Partial<Leaf> = {}): Leaf => ({ day: "2026-07-01", source: "g", medium: "cpc", campaign: "s", content: "a", term: "t", goal: "(macro)", model: "last_click", clicks: 5, visitors: 5, conversions: 1, credit: 1, revenue: 0, revenue_by_currency: {}, ...o });
    const opts: MarkOptions = { k: 3, period: "auto", traffic: REF, asOf: "2026-07-31" };
    const cases: [Leaf[], MarkOptions][] = [
      [[l(), l({ goal: "signup" }), l({ term: "u" })], opts],
      [[l(), l({ goal: "signup", visitors: 2 })], opts],
      [[l(), l()], opts],
      [[l({ goal: "signup" })], opts],
      [[l()], { ...opts, k: 0 }],
      [[l({ day: "2026-08-01" })], opts],
      [[l(), l({ goal: "signup" }), l({ day: "2026-07-02", goal: "signup" }), l({ day: "2026-07-02", goal: "signup" })], opts],
    ];
    for (const [leaves, o] of cases) {
      const error = (f: () => unknown) => {
        try {
          f();
        } catch (e) {
          return String(e);
        }
        return "no error";
      };
      const expected = error(() => markHierarchyReference(leaves, o));
      expect(expected).not.toBe("no error");
      expect(error(() => markHierarchy(leaves, o))).toBe(expected);
    }
  });
});
