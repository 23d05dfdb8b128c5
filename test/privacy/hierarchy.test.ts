import { describe, expect, it } from "vitest";
import { answerRange, markHierarchy, OTHER, withMarks, type Leaf, type MarkedLeaf, type MarkOptions } from "../../src/privacy/hierarchy";
import { markDay, type ViewCell } from "../../src/privacy/release";

/**
 * One hand-written world per rule of docs/PRIVACY.md "Hierarchical release (v1.1)", k = 10.
 * November 2026 starts on a Sunday: its week-parts are [1], [2–8], [9–15], [16–22], [23–29], [30].
 */

const K = 10;
const PURCHASE = { goal: "(macro)", model: "last_click" };
const SIGNUP = { goal: "signup", model: "last_click" };

function leaf(day: string, campaign: string, visitors: number, conversions: number, o: Partial<Leaf> = {}): Leaf {
  const revenue = conversions * 10;
  return { day, source: "google", medium: "cpc", campaign, content: "(none)", term: "(none)", ...PURCHASE, clicks: 0, visitors, conversions, credit: conversions, revenue, revenue_by_currency: revenue ? { EUR: revenue } : {}, ...o };
}
const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `2026-11-${String(from + i).padStart(2, "0")}`);
const opts = (o: Partial<MarkOptions> = {}): MarkOptions => ({ k: K, period: "auto", traffic: PURCHASE, asOf: "2026-11-30", ...o });
const mark = (leaves: Leaf[], o: Partial<MarkOptions> = {}) => withMarks(leaves, markHierarchy(leaves, opts(o)));
const of = (m: MarkedLeaf[], campaign: string, day?: string) => m.filter((l) => l.campaign === campaign && (day === undefined || l.day === day));
const row = (m: MarkedLeaf[], from: string, to: string, campaign: string) =>
  answerRange(m, { from, to, group: "campaign" }).rows.find((r) => r.key.campaign === campaign)?.sums;

describe("the time tree of a touch (auto)", () => {
  it("releases a touch whose every day clears as days, exactly as v1", () => {
    const m = mark(days(9, 15).map((d) => leaf(d, "big", 40, 12)));
    for (const l of m) expect(l).toMatchObject({ release: 1, grain: "day", unit_from: l.day, unit_to: l.day, content: 1, term: 1 });
    expect(row(m, "2026-11-10", "2026-11-10", "big")).toMatchObject({ visitors: 40, conversions: 12 });
  });

  it("pools a touch's under-k days into its week-part, answered only by ranges that hold the whole week", () => {
    const m = mark(days(9, 15).map((d) => leaf(d, "spring", 3, 2)));
    for (const l of m) expect(l).toMatchObject({ release: 1, grain: "week", unit_from: "2026-11-09", unit_to: "2026-11-15" });
    expect(row(m, "2026-11-09", "2026-11-15", "spring")).toMatchObject({ visitors: 21, conversions: 14 });
    const cut = answerRange(m, { from: "2026-11-10", to: "2026-11-20", group: "campaign" });
    expect(cut.rows).toEqual([]);
    expect(cut.totals.visitors).toBe(0);
    expect(cut.partial_periods).toEqual([{ from: "2026-11-09", to: "2026-11-15", grain: "week" }]);
    expect(answerRange(m, { from: "2026-11-01", to: "2026-11-30", group: "campaign" }).period).toBe("week");
  });

  it("keeps a week's clearing days as days and lets the smallest of them join an under-k week pool", () => {
    // Two small days (3 visitors, 1 conversion each) pool to 6 / 2: under k. The clearing days all
    // have 10 conversions; the one with the fewest visitors (20, on the 9th) joins: 26 / 12.
    const big = [20, 25, 30, 35, 40].map((v, i) => leaf(`2026-11-${String(9 + i).padStart(2, "0")}`, "c", v, 10));
    const m = mark([...big, leaf("2026-11-14", "c", 3, 1), leaf("2026-11-15", "c", 3, 1)]);
    const week = m.filter((l) => l.grain === "week").map((l) => l.day);
    expect(week).toEqual(["2026-11-09", "2026-11-14", "2026-11-15"]);
    for (const d of days(10, 13)) expect(of(m, "c", d)[0]).toMatchObject({ release: 1, grain: "day" });
    expect(row(m, "2026-11-09", "2026-11-15", "c")).toMatchObject({ visitors: 156, conversions: 52 });
    // A range cutting the week still shows the days released on their own, and only them.
    expect(row(m, "2026-11-10", "2026-11-11", "c")).toMatchObject({ visitors: 55, conversions: 20 });
  });

  it("pools weeks that cannot clear into the month; weeks that clear stay", () => {
    const m = mark([leaf("2026-11-03", "fall", 6, 6), leaf("2026-11-17", "fall", 5, 5), leaf("2026-11-24", "fall", 50, 20)]);
    expect(of(m, "fall", "2026-11-03")[0]).toMatchObject({ release: 1, grain: "month", unit_from: "2026-11-01", unit_to: "2026-11-30" });
    expect(of(m, "fall", "2026-11-17")[0]).toMatchObject({ grain: "month" });
    expect(of(m, "fall", "2026-11-24")[0]).toMatchObject({ grain: "day" });
    expect(row(m, "2026-11-01", "2026-11-30", "fall")).toMatchObject({ visitors: 61, conversions: 31 });
    const cut = answerRange(m, { from: "2026-11-02", to: "2026-11-30", group: "campaign" });
    expect(cut.rows[0]?.sums).toMatchObject({ visitors: 50, conversions: 20 });
    expect(cut.partial_periods).toEqual([{ from: "2026-11-01", to: "2026-11-30", grain: "month" }]);
    expect(answerRange(m, { from: "2026-11-01", to: "2026-11-30", group: "campaign" }).period).toBe("mixed");
  });

  it("does not let released units join an under-k month pool: those days go to their day pools", () => {
    // 3 / 3 on the 3rd clears in no week and not as a month pool; the 24th (12 / 12) and 25th stay
    // days rather than join it (a joiner would leave every range that cuts November).
    const m = mark([leaf("2026-11-03", "f2", 3, 3), leaf("2026-11-24", "f2", 12, 12), leaf("2026-11-25", "f2", 40, 30)]);
    expect(of(m, "f2").map((l) => [l.day, l.grain, l.release])).toEqual([
      ["2026-11-03", "day", -1],
      ["2026-11-24", "day", 1],
      ["2026-11-25", "day", 1],
    ]);
    const a = answerRange(m, { from: "2026-11-02", to: "2026-11-30", group: "campaign" });
    expect(a.rows[0]?.sums).toMatchObject({ visitors: 52, conversions: 42 });
    expect(a.partial_periods).toEqual([]);
  });

  it("ends the current week and month at asOf, so a range reaching today covers them", () => {
    const m = mark([leaf("2026-12-01", "now", 6, 5), leaf("2026-12-02", "now", 6, 5)], { asOf: "2026-12-02" });
    for (const l of m) expect(l).toMatchObject({ grain: "week", unit_from: "2026-12-01", unit_to: "2026-12-02" });
    expect(row(m, "2026-11-25", "2026-12-02", "now")).toMatchObject({ visitors: 12, conversions: 10 });
    expect(() => mark([leaf("2026-12-03", "later", 1, 0)], { asOf: "2026-12-02" })).toThrow(RangeError);
  });

  it("sends what clears at no grain to its day's pool, as v1; a pool that cannot clear withholds its day", () => {
    const m = mark([leaf("2026-11-10", "tiny", 2, 1), leaf("2026-11-10", "tiny2", 9, 9), leaf("2026-11-20", "alone", 2, 1)]);
    expect(of(m, "tiny")[0]).toMatchObject({ release: 0, grain: "day", unit_from: "2026-11-10", content: null, term: null });
    expect(of(m, "tiny2")[0]).toMatchObject({ release: 0 });
    expect(of(m, "alone")[0]).toMatchObject({ release: -1 });
    const a = answerRange(m, { from: "2026-11-01", to: "2026-11-30", group: "campaign" });
    expect(a.rows).toEqual([]);
    expect(a.other).toMatchObject({ visitors: 11, conversions: 10 });
    expect(a.withheld_days).toEqual(["2026-11-20"]);
    expect(a.suppressed).toBe(3);
  });

  it("decides the shape once from every view: a view with few conversions coarsens the touch in all views", () => {
    // Purchases clear every day (10), signups do not (3): the days pool into the week in both views.
    const ls = days(9, 15).flatMap((d) => [leaf(d, "c", 20, 10), leaf(d, "c", 20, 3, SIGNUP)]);
    const m = mark(ls);
    for (const l of m) expect(l).toMatchObject({ release: 1, grain: "week" });
    // Per view, the v1 day rule alone would have released the purchase days on their own.
    const v1 = markHierarchy(ls, opts({ period: "day" }));
    expect(v1.filter((_, i) => ls[i]!.goal === PURCHASE.goal).every((x) => x.release === 1 && x.grain === "day")).toBe(true);
  });

  it("with shapeViews, only those views shape; another view pools a unit under k into its month, whole", () => {
    // Macro purchases shape: each touch is a week unit (7 × 2 = 14 conversions). Signups: c has 4 in
    // its week, e has 6 in its week (both under k), d has 10: in the signup view c and e pool into
    // the signup view's November pool (10: clears), d stays on its own.
    const week = (campaign: string, from: number, signups: number[]) =>
      days(from, from + 6).flatMap((d, i) => [leaf(d, campaign, 3, 2), leaf(d, campaign, 3, signups[i] ?? 0, SIGNUP)]);
    const ls = [...week("c", 2, [4]), ...week("d", 9, [5, 5]), ...week("e", 16, [6])];
    const m = mark(ls, { shapeViews: (v) => v.goal === PURCHASE.goal });
    const purchase = m.filter((l) => l.goal === PURCHASE.goal);
    const signup = m.filter((l) => l.goal === SIGNUP.goal);
    expect(purchase.every((l) => l.release === 1 && l.grain === "week")).toBe(true);
    expect(of(signup, "d").every((l) => l.release === 1 && l.grain === "week")).toBe(true);
    for (const l of [...of(signup, "c"), ...of(signup, "e")]) expect(l).toMatchObject({ release: 0, grain: "month", unit_from: "2026-11-01", unit_to: "2026-11-30", content: null });
    const a = answerRange(signup, { from: "2026-11-01", to: "2026-11-30", group: "campaign" });
    expect(a.rows.map((r) => [r.key.campaign, r.sums.conversions])).toEqual([["d", 10]]);
    expect(a.other).toMatchObject({ visitors: 42, conversions: 10 });
    // A range that cuts November leaves the view's month pool out, and says so.
    expect(answerRange(signup, { from: "2026-11-02", to: "2026-11-30", group: "campaign" }).partial_periods).toEqual([{ from: "2026-11-01", to: "2026-11-30", grain: "month" }]);
    // Without shapeViews every view shapes: c and e have too few signups for a week, so they coarsen.
    const all = mark(ls);
    expect(of(all, "c").every((l) => l.grain !== "week")).toBe(true);
  });

  it("withholds, in that view only, a month pool that even with its view's other units stays under k", () => {
    const ls = days(9, 15).flatMap((d, i) => [leaf(d, "c", 3, 2), leaf(d, "c", 3, i === 0 ? 3 : 0, SIGNUP)]);
    const m = mark(ls, { shapeViews: (v) => v.goal === PURCHASE.goal });
    expect(m.filter((l) => l.goal === SIGNUP.goal).every((l) => l.release === -1)).toBe(true);
    expect(m.filter((l) => l.goal === PURCHASE.goal).every((l) => l.release === 1 && l.grain === "week")).toBe(true);
  });

  it("puts week units into group=day's other: they belong to no single day", () => {
    const m = mark([...days(9, 15).map((d) => leaf(d, "spring", 3, 2)), leaf("2026-11-10", "big", 40, 12)]);
    const a = answerRange(m, { from: "2026-11-09", to: "2026-11-15", group: "day" });
    expect(a.rows).toEqual([{ key: { day: "2026-11-10" }, sums: expect.objectContaining({ visitors: 40 }) }]);
    expect(a.other).toMatchObject({ visitors: 21, conversions: 14 });
    expect(a.totals).toMatchObject({ visitors: 61, conversions: 26 });
  });
});

describe("below the campaign", () => {
  const contents = (day: string, spec: [string, number, number][], o: Partial<Leaf> = {}) => spec.map(([content, v, c]) => leaf(day, "c", v, c, { content, ...o }));

  it("releases clearing contents, pools the rest into (other) and lets the smallest sibling join", () => {
    // C + D = 7 visitors / 3 conversions: under k. B (10 conversions, 15 visitors) is smaller than A (20).
    const m = mark(contents("2026-11-10", [["A", 20, 10], ["B", 15, 10], ["C", 3, 1], ["D", 4, 2]]));
    expect(m.map((l) => [l.content_name, l.content])).toEqual([["A", 1], ["B", 0], ["C", 0], ["D", 0]]);
    const rows = answerRange(m, { from: "2026-11-10", to: "2026-11-10", group: "content" }).rows;
    expect(rows.map((r) => [r.key.content, r.sums.visitors, r.sums.conversions])).toEqual([["A", 20, 10], [OTHER, 22, 13]]);
    const camp = row(m, "2026-11-10", "2026-11-10", "c")!;
    expect(rows.reduce((s, r) => s + r.sums.visitors, 0)).toBe(camp.visitors);
  });

  it("shows the whole campaign as one (other) content when the pool only clears with every sibling", () => {
    const m = mark(contents("2026-11-10", [["A", 10, 10], ["B", 3, 1]]));
    expect(m.map((l) => l.content)).toEqual([0, 0]);
    expect(answerRange(m, { from: "2026-11-10", to: "2026-11-10", group: "content" }).rows.map((r) => r.key.content)).toEqual([OTHER]);
  });

  it("releases terms inside a released content by the same rule; a pooled content shows one (other) term", () => {
    const ls = [
      leaf("2026-11-10", "c", 12, 10, { content: "A", term: "x" }),
      leaf("2026-11-10", "c", 11, 10, { content: "A", term: "y" }),
      leaf("2026-11-10", "c", 2, 0, { content: "A", term: "z" }),
      leaf("2026-11-10", "c", 3, 1, { content: "B", term: "x" }),
      leaf("2026-11-10", "c", 40, 10, { content: "E", term: "x" }),
    ];
    const m = mark(ls);
    expect(m.map((l) => [l.content_name, l.term_name, l.content, l.term])).toEqual([
      ["A", "x", 1, 1],
      ["A", "y", 1, 0],
      ["A", "z", 1, 0],
      ["B", "x", 0, 0],
      ["E", "x", 0, 0],
    ]);
    const terms = answerRange(m, { from: "2026-11-10", to: "2026-11-10", group: "term" }).rows.map((r) => [r.key.content, r.key.term, r.sums.visitors]);
    expect(terms).toEqual([["A", "x", 12], ["A", OTHER, 13], [OTHER, OTHER, 43]]);
  });

  it("decides children inside week units over the whole unit", () => {
    // Each day: A 2 visitors / 2 conversions, B 1 / 0. Over the week: A 14 / 14, B 7 / 0 → B pools, joins A, all (other).
    // With B at 2 visitors a day: B 14 / 0 clears, A 14 / 14 clears: both on their own.
    const week = (bv: number) => mark(days(9, 15).flatMap((d) => [leaf(d, "c", 2, 2, { content: "A" }), leaf(d, "c", bv, 0, { content: "B" })]));
    expect(week(1).every((l) => l.grain === "week" && l.content === 0)).toBe(true);
    const m = week(2);
    expect(m.every((l) => l.grain === "week" && l.content === 1)).toBe(true);
    const rows = answerRange(m, { from: "2026-11-09", to: "2026-11-15", group: "content" }).rows;
    expect(rows.map((r) => [r.key.content, r.sums.visitors, r.sums.conversions])).toEqual([["A", 14, 14], ["B", 14, 0]]);
  });

  it("keeps apart the children of a week unit and a month unit that start on the same day", () => {
    // December 2026 starts on a Tuesday: its first week-part is 1–6 December.
    const m = mark(
      [
        leaf("2026-12-01", "c", 5, 5, { term: "x" }),
        leaf("2026-12-02", "c", 5, 5, { term: "y" }),
        leaf("2026-12-10", "c", 5, 5, { term: "y" }),
        leaf("2026-12-20", "c", 5, 5, { term: "y" }),
      ],
      { asOf: "2026-12-31" },
    );
    expect(m.map((l) => [l.day, l.grain, l.unit_from, l.unit_to, l.term])).toEqual([
      ["2026-12-01", "week", "2026-12-01", "2026-12-06", 0],
      ["2026-12-02", "week", "2026-12-01", "2026-12-06", 0],
      ["2026-12-10", "month", "2026-12-01", "2026-12-31", 1],
      ["2026-12-20", "month", "2026-12-01", "2026-12-31", 1],
    ]);
  });

  it("with shapeViews, another view shows the same children where each clears there, else one (other)", () => {
    const ls = [
      leaf("2026-11-10", "c", 20, 10, { content: "A", term: "x" }),
      leaf("2026-11-10", "c", 20, 3, { content: "A", term: "x", ...SIGNUP }),
      leaf("2026-11-10", "c", 20, 10, { content: "B", term: "x" }),
      leaf("2026-11-10", "c", 20, 7, { content: "B", term: "x", ...SIGNUP }),
    ];
    const m = mark(ls, { shapeViews: (v) => v.goal === PURCHASE.goal });
    expect(m.map((l) => [l.goal, l.release, l.content])).toEqual([
      ["(macro)", 1, 1],
      ["signup", 1, 0],
      ["(macro)", 1, 1],
      ["signup", 1, 0],
    ]);
    const signup = m.filter((l) => l.goal === SIGNUP.goal);
    expect(answerRange(signup, { from: "2026-11-10", to: "2026-11-10", group: "content" }).rows.map((r) => [r.key.content, r.sums.conversions])).toEqual([[OTHER, 10]]);
  });

  it("shows no children of a campaign that is not released on its own, and filters narrow rows only", () => {
    const m = mark([leaf("2026-11-10", "tiny", 2, 1, { content: "ad" }), leaf("2026-11-10", "tiny2", 9, 9, { content: "ad" }), leaf("2026-11-10", "big", 40, 12, { content: "ad" })]);
    const a = answerRange(m, { from: "2026-11-10", to: "2026-11-10", group: "content" });
    expect(a.rows.map((r) => r.key.campaign)).toEqual(["big"]);
    const f = answerRange(m, { from: "2026-11-10", to: "2026-11-10", group: "content", filters: { campaign: "tiny" } });
    expect(f.rows).toEqual([]);
    expect(f.totals).toEqual(a.totals);
  });
});

describe('privacy.period "day"', () => {
  it("marks the campaign level exactly as release.ts markDay does", () => {
    const ls = [...days(9, 15).map((d) => leaf(d, "spring", 3, 2)), leaf("2026-11-10", "big", 40, 12), leaf("2026-11-11", "mid", 12, 10, { content: "x" }), leaf("2026-11-11", "mid", 9, 0, { content: "y" })];
    const m = markHierarchy(ls, opts({ period: "day" }));
    const camp: ViewCell[] = [];
    for (const l of ls) {
      const c = camp.find((x) => x.day === l.day && x.campaign === l.campaign);
      if (c) (c.visitors += l.visitors), (c.conversions += l.conversions);
      else camp.push({ ...l, revenue_by_currency: {} });
    }
    const v1 = markDay(camp, PURCHASE, K);
    ls.forEach((l, i) => expect(m[i]!.release).toBe(v1[camp.findIndex((c) => c.day === l.day && c.campaign === l.campaign)]));
    expect(m.every((x) => x.grain === "day")).toBe(true);
  });
});
