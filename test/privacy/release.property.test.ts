import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { releaseView, safeCount, touchKey, type Cell, type Counts, type DayRelease, type TrafficCell, type Unit } from "../../src/privacy/release";
import { sumView, type TouchGroup } from "../../src/stats/aggregate";
import type { Sums } from "../../src/stats/figures";

/**
 * Attacks on the release: random days of random atoms in three views (think: three goals, or
 * one goal under three models) that share their traffic, then every answer the API could give
 * and the differences an attacker would take. Small counts are common on purpose.
 */

const TOUCHES = ["google|cpc|spring", "google|cpc|fall", "google|display|spring", "meta|social|spring", "meta|social|fall", "news|email|spring", "direct|(none)|(none)"];
const DAYS = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"];
const VIEWS = 3;

const count = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 14 }), fc.integer({ min: 15, max: 90 }));
const perTouch = fc.record({
  clicks: count,
  visitors: count,
  views: fc.array(fc.record({ conversions: count, share: fc.double({ min: 0.1, max: 1, noNaN: true }), value: fc.integer({ min: 0, max: 500 }) }), { minLength: VIEWS, maxLength: VIEWS }),
});
const world = fc.record({
  k: fc.integer({ min: 2, max: 12 }),
  days: fc.array(fc.dictionary(fc.constantFrom(...TOUCHES), perTouch, { maxKeys: TOUCHES.length }), { minLength: 1, maxLength: DAYS.length }),
});

interface World {
  k: number;
  traffic: TrafficCell[];
  views: Cell[][];
}

type Raw = typeof world extends fc.Arbitrary<infer T> ? T : never;

function build(w: Raw): World {
  const traffic: TrafficCell[] = [];
  const views: Cell[][] = Array.from({ length: VIEWS }, () => []);
  w.days.forEach((touches, i) => {
    const day = DAYS[i]!;
    for (const [t, v] of Object.entries(touches)) {
      const [source, medium, campaign] = t.split("|") as [string, string, string];
      traffic.push({ day, source, medium, campaign, clicks: v.clicks, visitors: v.visitors });
      v.views.forEach((c, j) => {
        // The rollup writes every touch in every view; leave some out to cover a partial view too.
        if (c.conversions === 0 && c.value % 7 === 0) return;
        const revenue = c.conversions * c.value;
        views[j]!.push({ day, source, medium, campaign, clicks: v.clicks, visitors: v.visitors, conversions: c.conversions, credit: c.conversions * c.share, revenue, revenue_by_currency: revenue ? { EUR: revenue } : {} });
      });
    }
  });
  return { k: w.k, traffic, views };
}

const safe = (c: Counts, k: number) => safeCount(c.clicks, k) && safeCount(c.visitors, k) && safeCount(c.conversions, k);
const unitCells = (u: Unit) => (u.kind === "atom" ? [u.cell] : u.cells);
const unitSum = (u: Unit) => (u.kind === "atom" ? u.cell : u.sum);
const minus = (a: Counts, b: Counts): Counts => ({ clicks: a.clicks - b.clicks, visitors: a.visitors - b.visitors, conversions: a.conversions - b.conversions });
const zero: Counts = { clicks: 0, visitors: 0, conversions: 0 };
const plus = (a: Counts, b: Counts): Counts => ({ clicks: a.clicks + b.clicks, visitors: a.visitors + b.visitors, conversions: a.conversions + b.conversions });
const countsOf = (s: Sums | Cell): Counts => ({ clicks: s.clicks, visitors: s.visitors, conversions: s.conversions });
const inRange = (r: DayRelease[], from: string, to: string) => r.filter((d) => d.day >= from && d.day <= to);
const GROUPS: TouchGroup[] = ["campaign", "source", "medium", "day"];
const rowKey = (g: TouchGroup, day: string, c: Cell) =>
  JSON.stringify(g === "campaign" ? { source: c.source, medium: c.medium, campaign: c.campaign } : g === "source" ? { source: c.source } : g === "medium" ? { medium: c.medium } : { day });

const RUNS = { numRuns: 300 };

describe("release under attack (property-based)", () => {
  it("every released unit's clicks, visitors and conversions are 0 or ≥ k, and a day's units partition its atoms", () => {
    fc.assert(
      fc.property(world, (raw) => {
        const w = build(raw);
        for (const cells of w.views) {
          for (const d of releaseView(cells, w.traffic, w.k)) {
            for (const u of d.units) expect(safe(unitSum(u), w.k), JSON.stringify(unitSum(u))).toBe(true);
            if (d.withheld) continue;
            const seen = d.units.flatMap(unitCells).map(touchKey).sort();
            const all = [...new Set([...cells.filter((c) => c.day === d.day), ...w.traffic.filter((t) => t.day === d.day)].map(touchKey))].sort();
            expect(seen).toEqual(all);
          }
        }
      }),
      RUNS,
    );
  });

  it("a day's release does not depend on the range asked for", () => {
    fc.assert(
      fc.property(world, fc.integer({ min: 0, max: DAYS.length - 1 }), (raw, i) => {
        const w = build(raw);
        const day = DAYS[i]!;
        for (const cells of w.views) {
          const whole = releaseView(cells, w.traffic, w.k).find((d) => d.day === day);
          const alone = releaseView(cells.filter((c) => c.day === day), w.traffic.filter((t) => t.day === day), w.k)[0];
          expect(alone).toEqual(whole);
        }
      }),
      RUNS,
    );
  });

  it("every row, other and totals of every grouping and range is exactly a sum of released units", () => {
    fc.assert(
      fc.property(world, fc.constantFrom(...GROUPS), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), (raw, group, a, b) => {
        const w = build(raw);
        const [from, to] = [DAYS[Math.min(a, b)]!, DAYS[Math.max(a, b)]!];
        for (const cells of w.views) {
          const rel = inRange(releaseView(cells, w.traffic, w.k), from, to);
          const got = sumView(group, rel, []);
          const expectRows = new Map<string, Counts>();
          let other = zero;
          let totals = zero;
          for (const d of rel) {
            for (const u of d.units) {
              totals = plus(totals, countsOf(unitSum(u)));
              const key = u.kind === "atom" ? rowKey(group, d.day, u.cell) : group === "day" ? JSON.stringify({ day: d.day }) : null;
              if (key === null) other = plus(other, countsOf(unitSum(u)));
              else expectRows.set(key, plus(expectRows.get(key) ?? zero, countsOf(unitSum(u))));
            }
          }
          for (const r of got.rows) expect(countsOf(r.sums)).toEqual(expectRows.get(JSON.stringify(r.key)));
          // Rows left out are exactly the all-zero ones.
          for (const [key, c] of expectRows) if (!got.rows.some((r) => JSON.stringify(r.key) === key)) expect(c).toEqual(zero);
          expect(countsOf(got.other)).toEqual(other);
          expect(countsOf(got.totals)).toEqual(totals);
        }
      }),
      RUNS,
    );
  });

  it("differences of answers within a view (ranges, groupings, totals minus rows) reveal no count in (0, k)", () => {
    fc.assert(
      fc.property(world, (raw) => {
        const w = build(raw);
        for (const cells of w.views) {
          const rel = releaseView(cells, w.traffic, w.k);
          for (const group of GROUPS) {
            // totals − Σ rows
            const all = sumView(group, rel, []);
            const rest = all.rows.reduce((acc, r) => minus(acc, countsOf(r.sums)), countsOf(all.totals));
            expect(safe(rest, w.k), `totals-rows ${JSON.stringify(rest)}`).toBe(true);
            // a range minus the same range one day shorter, row by row
            for (let i = 1; i < DAYS.length; i++) {
              const long = sumView(group, inRange(rel, DAYS[0]!, DAYS[i]!), []);
              const short = new Map(sumView(group, inRange(rel, DAYS[0]!, DAYS[i - 1]!), []).rows.map((r) => [JSON.stringify(r.key), countsOf(r.sums)]));
              for (const r of long.rows) {
                const diff = minus(countsOf(r.sums), short.get(JSON.stringify(r.key)) ?? zero);
                expect(safe(diff, w.k), `range diff ${JSON.stringify(diff)}`).toBe(true);
              }
              const t = minus(countsOf(long.totals), countsOf(sumView(group, inRange(rel, DAYS[0]!, DAYS[i - 1]!), []).totals));
              expect(safe(t, w.k)).toBe(true);
            }
          }
          // one day's row minus its campaign rows; a source row minus its campaign rows
          for (const d of rel) {
            const one = inRange(rel, d.day, d.day);
            const dayRow = sumView("day", one, []).rows[0];
            const camp = sumView("campaign", one, []);
            const diff = camp.rows.reduce((acc, r) => minus(acc, countsOf(r.sums)), dayRow ? countsOf(dayRow.sums) : zero);
            expect(safe(diff, w.k)).toBe(true);
            for (const s of sumView("source", one, []).rows) {
              const src = (s.key as { source: string }).source;
              const sub = camp.rows.filter((r) => (r.key as { source: string }).source === src).reduce((acc, r) => minus(acc, countsOf(r.sums)), countsOf(s.sums));
              expect(sub).toEqual(zero);
            }
          }
        }
      }),
      RUNS,
    );
  });

  it("across views (other goals, other models) a pool minus what another view released inside it never isolates traffic under k", () => {
    fc.assert(
      fc.property(world, (raw) => {
        const w = build(raw);
        const released = w.views.map((cells) => new Map(releaseView(cells, w.traffic, w.k).map((d) => [d.day, d])));
        for (const day of DAYS) {
          for (let a = 0; a < VIEWS; a++) {
            for (let b = 0; b < VIEWS; b++) {
              if (a === b) continue;
              const poolA = released[a]!.get(day)?.units.find((u) => u.kind === "pool");
              const unitsB = released[b]!.get(day)?.units ?? [];
              if (poolA?.kind !== "pool") continue;
              const inA = new Set(poolA.cells.map(touchKey));
              let rest = { clicks: poolA.sum.clicks, visitors: poolA.sum.visitors };
              for (const u of unitsB) {
                // Subtract every unit of the other view that lies wholly inside the pool.
                if (!unitCells(u).every((c) => inA.has(touchKey(c)))) continue;
                const s = unitSum(u);
                rest = { clicks: rest.clicks - s.clicks, visitors: rest.visitors - s.visitors };
              }
              expect(safeCount(rest.clicks, w.k) && safeCount(rest.visitors, w.k), `${day} ${a}-${b} ${JSON.stringify(rest)}`).toBe(true);
            }
          }
        }
      }),
      RUNS,
    );
  });
});
