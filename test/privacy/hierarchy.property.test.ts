import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  answerRange,
  markHierarchy,
  OTHER,
  withMarks,
  type HierGroup,
  type Leaf,
  type MarkedLeaf,
  type RangeAnswer,
} from "../../src/privacy/hierarchy";
import { markDay, safeCount, touchKey, type Counts, type ViewCell } from "../../src/privacy/release";
import { addDays } from "../../src/time/day";
import { monthOf, weekOf } from "../../src/time/periods";

/**
 * Attacks on the hierarchical release: random worlds of several touches, contents and terms over
 * seven weeks that cross two month boundaries (one mid-week), in three views sharing their traffic,
 * with small counts on purpose; every answer the read side can give (answerRange) and the
 * differences an attacker would take, across levels, ranges, periods, filters, totals and views.
 */

const START = "2026-06-22"; // a Monday; 29 June – 5 July and 27 July – 2 August span two months
const SPAN = 49;
const DAYS = Array.from({ length: SPAN }, (_, i) => addDays(START, i));
const TOUCHES = ["google|cpc|spring", "google|cpc|fall", "meta|social|spring", "news|email|promo"];
const CONTENTS = ["ad1", "ad2", "ad3", "(none)"];
const TERMS = ["shoes", "boots"];
const VIEWS = [
  { goal: "(macro)", model: "last_click" }, // the traffic reference
  { goal: "signup", model: "last_click" },
  { goal: "(macro)", model: "linear" },
];
const REF = VIEWS[0]!;

const count = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 7, max: 30 }));
const rawLeaf = fc.record({
  d: fc.integer({ min: 0, max: SPAN - 1 }),
  t: fc.integer({ min: 0, max: TOUCHES.length - 1 }),
  c: fc.integer({ min: 0, max: CONTENTS.length - 1 }),
  term: fc.integer({ min: 0, max: TERMS.length - 1 }),
  clicks: count,
  visitors: count,
  conv: fc.array(count, { minLength: VIEWS.length, maxLength: VIEWS.length }),
});
const world = fc.record({
  k: fc.integer({ min: 2, max: 12 }),
  asOf: fc.integer({ min: 20, max: SPAN - 1 }),
  leaves: fc.array(rawLeaf, { maxLength: 140 }),
  // Some worlds dense in one touch, so days, weeks and months all clear somewhere.
  dense: fc.boolean(),
  // Some worlds packed into a week or two days, so contents and terms of one unit meet often.
  spread: fc.constantFrom(SPAN, SPAN, 7, 2, 1),
  touches: fc.constantFrom(TOUCHES.length, TOUCHES.length, 1),
  // The shape from every view, or from the (macro) views only (signup then adapts per view).
  macroShape: fc.boolean(),
});
type Raw = typeof world extends fc.Arbitrary<infer T> ? T : never;

interface World {
  k: number;
  asOf: string;
  leaves: Leaf[];
  macroShape: boolean;
}

function build(w: Raw): World {
  const asOf = DAYS[w.asOf]!;
  const seen = new Set<string>();
  const leaves: Leaf[] = [];
  const raws = w.dense ? [...w.leaves, ...w.leaves.map((r) => ({ ...r, t: 0, c: 0 }))] : w.leaves;
  for (const r of raws) {
    const d = r.d % w.spread;
    const day = DAYS[d]!;
    if (day > asOf) continue;
    const t = r.t % w.touches;
    const id = `${d}|${t}|${r.c}|${r.term}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const [source, medium, campaign] = TOUCHES[t]!.split("|") as [string, string, string];
    VIEWS.forEach((v, j) => {
      const conversions = r.conv[j]!;
      const revenue = conversions * 7;
      leaves.push({ day, source, medium, campaign, content: CONTENTS[r.c]!, term: TERMS[r.term]!, ...v, clicks: r.clicks, visitors: r.visitors, conversions, credit: conversions * 0.5, revenue, revenue_by_currency: revenue ? { EUR: revenue } : {} });
    });
  }
  return { k: w.k, asOf, leaves, macroShape: w.macroShape };
}

const vid = (v: { goal: string; model: string }) => `${v.goal}/${v.model}`;
const safe = (c: Counts, k: number) => safeCount(c.clicks, k) && safeCount(c.visitors, k) && safeCount(c.conversions, k);
const zero: Counts = { clicks: 0, visitors: 0, conversions: 0 };
const plus = (a: Counts, b: Counts): Counts => ({ clicks: a.clicks + b.clicks, visitors: a.visitors + b.visitors, conversions: a.conversions + b.conversions });
const minus = (a: Counts, b: Counts): Counts => ({ clicks: a.clicks - b.clicks, visitors: a.visitors - b.visitors, conversions: a.conversions - b.conversions });
const countsOf = (c: Counts): Counts => ({ clicks: c.clicks, visitors: c.visitors, conversions: c.conversions });
const sumOf = (xs: Counts[]) => xs.reduce(plus, zero);

/** The units of one view at each level, as ids a leaf belongs to (pools included; withheld: none). */
function unitIds(l: MarkedLeaf): { campaign: string | null; content: string | null; term: string | null } {
  if (l.release === -1) return { campaign: null, content: null, term: null };
  if (l.release === 0) return { campaign: `pool ${l.unit_from} ${l.unit_to}`, content: null, term: null };
  const c = `${touchKey(l)} ${l.unit_from} ${l.unit_to}`;
  const content = `${c} ${l.content === 1 ? l.content_name : OTHER}`;
  return { campaign: c, content, term: `${content} ${l.term === 1 ? l.term_name : OTHER}` };
}

function marked(w: World, period: "auto" | "day" = "auto") {
  const shapeViews = w.macroShape ? (v: { goal: string }) => v.goal === "(macro)" : undefined;
  const all = withMarks(w.leaves, markHierarchy(w.leaves, { k: w.k, period, traffic: REF, asOf: w.asOf, shapeViews }));
  return VIEWS.map((v) => all.filter((l) => l.goal === v.goal && l.model === v.model));
}

const RUNS = { numRuns: 120 };
const GROUPS: HierGroup[] = ["campaign", "content", "term", "source", "medium", "day"];
const rowMap = (a: RangeAnswer) => new Map(a.rows.map((r) => [JSON.stringify(r.key), countsOf(r.sums)]));

describe("hierarchical release under attack (property-based)", () => {
  it("every unit of every level and view clears, and coarse units are whole periods decided once for all views", () => {
    fc.assert(
      fc.property(world, (raw) => {
        const w = build(raw);
        const views = marked(w);
        const shape = new Map<string, string>();
        for (const ls of views) {
          for (const level of ["campaign", "content", "term"] as const) {
            const units = new Map<string, Counts>();
            for (const l of ls) {
              const id = unitIds(l)[level];
              if (id !== null) units.set(id, plus(units.get(id) ?? zero, countsOf(l)));
            }
            for (const [id, c] of units) expect(safe(c, w.k), `${level} unit ${id} ${JSON.stringify(c)}`).toBe(true);
          }
          for (const l of ls) {
            expect(l.unit_from <= l.day && l.day <= l.unit_to && l.unit_to <= w.asOf).toBe(true);
            if (l.grain === "week") expect([weekOf(l.day).from, weekOf(l.day).to < w.asOf ? weekOf(l.day).to : w.asOf]).toEqual([l.unit_from, l.unit_to]);
            if (l.grain === "month") expect([monthOf(l.day).from, monthOf(l.day).to < w.asOf ? monthOf(l.day).to : w.asOf]).toEqual([l.unit_from, l.unit_to]);
            if (l.grain === "day") expect([l.unit_from, l.unit_to]).toEqual([l.day, l.day]);
            // Outside the shape views, a coarse unit may pool into (or be withheld with) its view's month.
            if (l.grain !== "day" && l.release !== 1) expect(w.macroShape && l.goal === "signup").toBe(true);
            if (l.release !== 1) continue;
            // A touch-day's grain and unit are the same in every view that releases it.
            const id = `${l.day} ${touchKey(l)}`;
            const s = `${l.grain} ${l.unit_from} ${l.unit_to}`;
            expect(shape.get(id) ?? s).toBe(s);
            shape.set(id, s);
          }
        }
      }),
      RUNS,
    );
  });

  it("the common refinement of every published unit clears: traffic across all views, conversions within each view", () => {
    // If every block of the refinement is 0 or ≥ k, any linear combination of answers that pins down
    // the count of a set of atoms pins down a union of blocks (docs/PRIVACY.md), so this is the
    // whole of the differencing argument, checked directly.
    fc.assert(
      fc.property(world, fc.constantFrom<"auto" | "day">("auto", "auto", "day"), (raw, period) => {
        const w = build(raw);
        const views = marked(w, period);
        const leafId = (l: MarkedLeaf) => `${l.day} ${touchKey(l)} ${l.content_name} ${l.term_name}`;
        const signature = new Map<string, string[]>();
        const traffic = new Map<string, Counts>();
        views.forEach((ls) => {
          const blocks = new Map<string, Counts>();
          for (const l of ls) {
            const u = unitIds(l);
            const sig = JSON.stringify(u);
            blocks.set(sig, plus(blocks.get(sig) ?? zero, countsOf(l)));
            signature.set(leafId(l), [...(signature.get(leafId(l)) ?? []), sig]);
            traffic.set(leafId(l), { clicks: l.clicks, visitors: l.visitors, conversions: 0 });
          }
          for (const [sig, c] of blocks) if (!sig.includes('"campaign":null')) expect(safe(c, w.k), `view block ${sig} ${JSON.stringify(c)}`).toBe(true);
        });
        const across = new Map<string, Counts>();
        for (const [id, sig] of signature) {
          // Withheld in every view: published nowhere, so no block to check.
          if (sig.every((s) => s.includes('"campaign":null'))) continue;
          const key = sig.join("|");
          across.set(key, plus(across.get(key) ?? zero, traffic.get(id)!));
        }
        for (const [key, c] of across) expect(safe(c, w.k), `traffic block ${key} ${JSON.stringify(c)}`).toBe(true);
      }),
      RUNS,
    );
  });

  it("rows of a level sum to their parent, and every row, other and total is a sum of whole units in range", () => {
    fc.assert(
      fc.property(world, fc.integer({ min: 0, max: SPAN - 1 }), fc.integer({ min: 0, max: SPAN - 1 }), (raw, a, b) => {
        const w = build(raw);
        const [from, to] = [DAYS[Math.min(a, b)]!, DAYS[Math.max(a, b)]!];
        for (const ls of marked(w)) {
          const camp = answerRange(ls, { from, to, group: "campaign" });
          const cont = answerRange(ls, { from, to, group: "content" });
          const term = answerRange(ls, { from, to, group: "term" });
          const src = answerRange(ls, { from, to, group: "source" });
          const parentSum = (rows: RangeAnswer["rows"], fields: string[]) => {
            const m = new Map<string, Counts>();
            for (const r of rows) {
              const key = JSON.stringify(Object.fromEntries(fields.map((f) => [f, r.key[f]])));
              m.set(key, plus(m.get(key) ?? zero, countsOf(r.sums)));
            }
            return m;
          };
          const campRows = rowMap(camp);
          expect(parentSum(cont.rows, ["source", "medium", "campaign"])).toEqual(campRows);
          expect(parentSum(term.rows, ["source", "medium", "campaign", "content"])).toEqual(rowMap(cont));
          expect(parentSum(camp.rows, ["source"])).toEqual(rowMap(src));
          for (const g of [camp, cont, term, src]) {
            expect(countsOf(g.totals)).toEqual(plus(sumOf(g.rows.map((r) => countsOf(r.sums))), countsOf(g.other)));
            expect(g.totals).toEqual(camp.totals);
          }
          // Independently: rows are the sums of whole campaign units inside the range.
          const units = new Map<string, { touch: string; from: string; to: string; c: Counts; release: number; day: string }>();
          for (const l of ls) {
            const id = unitIds(l).campaign;
            if (id === null) continue;
            const u = units.get(id) ?? { touch: touchKey(l), from: l.unit_from, to: l.unit_to, c: zero, release: l.release, day: l.day };
            units.set(id, { ...u, c: plus(u.c, countsOf(l)) });
          }
          const expectRows = new Map<string, Counts>();
          let other = zero;
          for (const u of units.values()) {
            if (u.from < from || u.to > to) continue;
            if (u.release === 0) other = plus(other, u.c);
            else {
              const [source, medium, campaign] = u.touch.split("\u0000");
              const key = JSON.stringify({ source, medium, campaign });
              expectRows.set(key, plus(expectRows.get(key) ?? zero, u.c));
            }
          }
          for (const [key, c] of expectRows) expect(campRows.get(key) ?? zero).toEqual(c);
          expect(countsOf(camp.other)).toEqual(other);
          // Partial periods: exactly the answered units (released, or pools of a month) the range cuts.
          const cut = [...units.values()].filter((u) => u.from <= to && u.to >= from && (u.from < from || u.to > to));
          expect(camp.partial_periods.map((p) => `${p.from} ${p.to}`)).toEqual([...new Set(cut.map((u) => `${u.from} ${u.to}`))].sort());
        }
      }),
      RUNS,
    );
  });

  it("differences reveal no count in (0, k): totals − rows, parent − children, nested ranges, week − days, month − weeks, filters", () => {
    fc.assert(
      fc.property(world, fc.array(fc.tuple(fc.integer({ min: 0, max: SPAN - 1 }), fc.integer({ min: 0, max: SPAN - 1 }), fc.integer({ min: 0, max: SPAN - 1 }), fc.integer({ min: 0, max: SPAN - 1 })), { minLength: 1, maxLength: 3 }), (raw, ranges) => {
        const w = build(raw);
        const ok = (c: Counts, what: string) => expect(safe(c, w.k), `${what} ${JSON.stringify(c)}`).toBe(true);
        for (const ls of marked(w)) {
          const ask = (from: string, to: string, group: HierGroup) => answerRange(ls, { from, to, group });
          // Nested ranges: [a, d] ⊇ [b, c], every grouping, row by row, and totals and other.
          for (const r of ranges) {
            const [a, b, c, d] = [...r].sort((x, y) => x - y).map((i) => DAYS[i]!) as [string, string, string, string];
            for (const group of GROUPS) {
              const big = ask(a, d, group);
              const small = rowMap(ask(b, c, group));
              const smallAll = ask(b, c, group);
              for (const row of big.rows) ok(minus(countsOf(row.sums), small.get(JSON.stringify(row.key)) ?? zero), `range ${group} ${JSON.stringify(row.key)}`);
              ok(minus(countsOf(big.totals), countsOf(smallAll.totals)), `range totals ${group}`);
              ok(minus(countsOf(big.other), countsOf(smallAll.other)), `range other ${group}`);
              // totals − Σ rows
              ok(minus(countsOf(big.totals), sumOf(big.rows.map((x) => countsOf(x.sums)))), `totals-rows ${group}`);
            }
          }
          // A period minus the sum of its sub-periods' answers: week − its days, month − its week-parts.
          const periods = new Map<string, { from: string; to: string; parts: [string, string][] }>();
          for (const day of DAYS.filter((d) => d <= w.asOf)) {
            const wk = weekOf(day);
            const mo = monthOf(day);
            const wTo = wk.to < w.asOf ? wk.to : w.asOf;
            const mTo = mo.to < w.asOf ? mo.to : w.asOf;
            const wEntry = periods.get(`w${wk.from}`) ?? { from: wk.from < DAYS[0]! ? DAYS[0]! : wk.from, to: wTo, parts: [] };
            wEntry.parts.push([day, day]);
            periods.set(`w${wk.from}`, wEntry);
            const mEntry = periods.get(`m${mo.from}`) ?? { from: mo.from < DAYS[0]! ? DAYS[0]! : mo.from, to: mTo, parts: [] };
            if (!mEntry.parts.some(([f]) => f === (wk.from < mEntry.from ? mEntry.from : wk.from))) mEntry.parts.push([wk.from < mEntry.from ? mEntry.from : wk.from, wTo]);
            periods.set(`m${mo.from}`, mEntry);
          }
          for (const p of periods.values()) {
            for (const group of ["campaign", "content", "term", "day"] as HierGroup[]) {
              const whole = ask(p.from, p.to, group);
              const parts = p.parts.map(([f, t]) => ask(f, t, group));
              const partRows = new Map<string, Counts>();
              for (const a of parts) for (const r of a.rows) partRows.set(JSON.stringify(r.key), plus(partRows.get(JSON.stringify(r.key)) ?? zero, countsOf(r.sums)));
              for (const r of whole.rows) ok(minus(countsOf(r.sums), partRows.get(JSON.stringify(r.key)) ?? zero), `period ${p.from}–${p.to} ${group}`);
              ok(minus(countsOf(whole.totals), sumOf(parts.map((a) => countsOf(a.totals)))), `period totals ${p.from}–${p.to}`);
            }
          }
          // Filters narrow rows only; a drill-down's rows sum to the row it drills into.
          const from = DAYS[0]!;
          const to = w.asOf;
          const all = ask(from, to, "content");
          const camp = rowMap(ask(from, to, "campaign"));
          for (const t of TOUCHES) {
            const [source, medium, campaign] = t.split("|") as [string, string, string];
            const f = answerRange(ls, { from, to, group: "content", filters: { source, medium, campaign } });
            expect(f.totals).toEqual(all.totals);
            expect(f.other).toEqual(all.other);
            const parent = camp.get(JSON.stringify({ source, medium, campaign })) ?? zero;
            expect(sumOf(f.rows.map((r) => countsOf(r.sums)))).toEqual(parent);
            for (const r of f.rows) expect(rowMap(all).get(JSON.stringify(r.key))).toEqual(countsOf(r.sums));
            for (const content of [...CONTENTS, OTHER]) {
              const g = answerRange(ls, { from, to, group: "term", filters: { source, medium, campaign, content } });
              const c = rowMap(all).get(JSON.stringify({ source, medium, campaign, content })) ?? zero;
              expect(sumOf(g.rows.map((r) => countsOf(r.sums)))).toEqual(c);
              ok(minus(parent, c), "campaign − one content");
            }
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it("across views, a unit minus every unit of another view inside it never isolates traffic under k", () => {
    fc.assert(
      fc.property(world, (raw) => {
        const w = build(raw);
        const views = marked(w);
        const unitsOf = (ls: MarkedLeaf[]) => {
          const m = new Map<string, { leaves: Set<string>; c: Counts }>();
          for (const l of ls) {
            const u = unitIds(l);
            for (const id of [u.campaign, u.content, u.term]) {
              if (id === null) continue;
              const e = m.get(id) ?? { leaves: new Set<string>(), c: zero };
              e.leaves.add(`${l.day} ${touchKey(l)} ${l.content_name} ${l.term_name}`);
              e.c = plus(e.c, { clicks: l.clicks, visitors: l.visitors, conversions: 0 });
              m.set(id, e);
            }
          }
          return [...m.values()];
        };
        const all = views.map(unitsOf);
        for (let a = 0; a < views.length; a++) {
          for (let b = 0; b < views.length; b++) {
            if (a === b) continue;
            for (const u of all[a]!) {
              let rest = u.c;
              // Subtract a disjoint family of b's units inside u: the largest first.
              const inside = all[b]!.filter((x) => [...x.leaves].every((l) => u.leaves.has(l)) && x.leaves.size < u.leaves.size).sort((x, y) => y.leaves.size - x.leaves.size);
              const used = new Set<string>();
              for (const x of inside) {
                if ([...x.leaves].some((l) => used.has(l))) continue;
                for (const l of x.leaves) used.add(l);
                rest = minus(rest, x.c);
              }
              expect(safe(rest, w.k), `${a}-${b} ${JSON.stringify(rest)}`).toBe(true);
            }
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it('with privacy.period "day" the campaign level is exactly release.ts markDay', () => {
    fc.assert(
      fc.property(world, (raw) => {
        const w = build(raw);
        const marks = markHierarchy(w.leaves, { k: w.k, period: "day", traffic: REF, asOf: w.asOf });
        const camp = new Map<string, ViewCell>();
        for (const l of w.leaves) {
          const id = `${vid(l)} ${l.day} ${touchKey(l)}`;
          const c = camp.get(id);
          const add = { clicks: l.clicks, visitors: l.visitors, conversions: l.conversions, credit: l.credit, revenue: l.revenue };
          if (!c) camp.set(id, { day: l.day, source: l.source, medium: l.medium, campaign: l.campaign, goal: l.goal, model: l.model, ...add, revenue_by_currency: {} });
          else camp.set(id, { ...c, clicks: c.clicks + add.clicks, visitors: c.visitors + add.visitors, conversions: c.conversions + add.conversions });
        }
        const cells = [...camp.values()];
        const v1 = new Map(markDay(cells, REF, w.k).map((m, i) => [`${vid(cells[i]!)} ${cells[i]!.day} ${touchKey(cells[i]!)}`, m]));
        w.leaves.forEach((l, i) => {
          expect(marks[i]!.release).toBe(v1.get(`${vid(l)} ${l.day} ${touchKey(l)}`));
          expect(marks[i]!.grain).toBe("day");
        });
      }),
      RUNS,
    );
  });
});

describe("inputs the engine refuses", () => {
  const l = (o: Partial<Leaf> = {}): Leaf => ({ day: "2026-07-01", source: "g", medium: "cpc", campaign: "c", content: "a", term: "t", ...REF, clicks: 1, visitors: 1, conversions: 0, credit: 0, revenue: 0, revenue_by_currency: {}, ...o });
  const opts = { k: 10, period: "auto" as const, traffic: REF, asOf: "2026-07-31" };
  it("an atom missing from a view, traffic that differs between views, a duplicate atom, no traffic view, a bad k", () => {
    expect(() => markHierarchy([l(), l({ goal: "signup" }), l({ term: "u" })], opts)).toThrow(/missing from 1 view/);
    expect(() => markHierarchy([l(), l({ goal: "signup", visitors: 2 })], opts)).toThrow(/different traffic/);
    expect(() => markHierarchy([l(), l()], opts)).toThrow(/appears twice/);
    expect(() => markHierarchy([l({ goal: "signup" })], opts)).toThrow(/traffic view/);
    expect(() => markHierarchy([l()], { ...opts, k: 0 })).toThrow(/k must be/);
    expect(markHierarchy([], opts)).toEqual([]);
  });
});
