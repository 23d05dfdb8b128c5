import { describe, expect, it } from "vitest";
import { atomKeys, deleteAtomStatements, readDayAtoms, readRangeAtoms, updateMarkStatements, upsertAtomStatements, type Atom } from "../../src/db/atoms";
import * as rollup from "../../src/db/rollup";
import statementsBefore from "./fixtures/rollup-atoms-statements.json";
import { normalise, recorder, type Recorded } from "./statements-helpers";

/**
 * The SQL of src/db/rollup.ts and src/db/atoms.ts, as each function prepares it, with the number of
 * values it binds. The statements were rewritten from golfed one-line strings into readable
 * multi-line SQL; this test proves the rewrite changed layout only: each statement, with its
 * whitespace normalised, is byte for byte the text recorded from the code before the rewrite
 * (fixtures/rollup-atoms-statements.json), and binds the same values.
 */

const SITE = "stmts";
const DAY = "2026-10-01";
const atom: Atom = {
  site: SITE, day: DAY, source: "google", medium: "cpc", campaign: "spring", content: "(none)", term: "(none)", goal: "(macro)", model: "last_click",
  clicks: 1, visitors: 2, conversions: 0, credit: 0, revenue: 0, revenue_by_currency: {},
};

/** Every statement of the two modules, prepared (and run against the real, empty database). */
async function statements(): Promise<Recorded[]> {
  const { out, db, step } = recorder();
  const pairs = [{ site: SITE, day: DAY }];
  const bounds = [{ site: SITE, before: DAY }];
  await step("lastRowids", () => rollup.lastRowids(db, SITE, [DAY]));
  await step("dayFacts", () => rollup.dayFacts(db, pairs));
  await step("unrolledDays", () => rollup.unrolledDays(db, bounds));
  await step("conversionPage", () => rollup.conversionPage(db, SITE, DAY, 0, 10, ["purchase"], 100));
  await step("dayVisitors", () => rollup.dayVisitors(db, SITE, DAY, 10));
  await step("touchRanking", () => rollup.touchRanking(db, SITE, DAY, 10, ["purchase"], 5, 3));
  await step("dayVisitorsCapped", () => rollup.dayVisitorsCapped(db, SITE, DAY, 10, ["purchase"], 5, 3));
  await step("dayClicks", () => rollup.dayClicks(db, SITE, DAY));
  await step("dayEventCount", () => rollup.dayEventCount(db, SITE, DAY, 10));
  await step("funnelCounts", () => rollup.funnelCounts(db, SITE, DAY, 10, ["pageview", "cart", "purchase"]));
  await step("replaceFunnelDays", () => rollup.replaceFunnelDays(db, SITE, DAY, [{ funnel: "f", steps: ["a", "b"], step: 0, visitors: 3 }]));
  await step("markRunning", () => rollup.markRunning(db, SITE, DAY, 1, 2, 3, 4, 5, 6));
  await step("markDone", () => rollup.markDone(db, SITE, DAY, 1, 2, 3, 4, 10));
  await step("markReleased", () => rollup.markReleased(db, SITE, DAY, 10));
  await step("staleReleaseDays", () => rollup.staleReleaseDays(db, [{ site: SITE, k: 10, period: "auto" }], 50));
  await step("readMonthDays", () => rollup.readMonthDays(db, SITE, DAY, "2026-10-31"));
  await step("markRemarkProgress", () => rollup.markRemarkProgress(db, SITE, DAY, "remark:f:1", 5));
  await step("markMonthReleased", () => rollup.markMonthReleased(db, SITE, DAY, "2026-10-31", 10));
  await step("clearScratch", () => rollup.clearScratch(db, SITE, DAY));
  await step("putScratchPage", () => rollup.putScratchPage(db, SITE, DAY, 7, 42, ["{}"]));
  await step("scratchPages", () => rollup.scratchPages(db, SITE, DAY, 7));
  await step("scratchClampCounts", () => rollup.scratchClampCounts(db, SITE, DAY, 7, ["v1"]));
  await step("putScratchClampCounts", () => rollup.putScratchClampCounts(db, SITE, DAY, 7, [["v1", { purchase: 1 }]]));
  await step("purgeEvents", () => rollup.purgeEvents(db, bounds, 10));
  await step("purgeSalts", () => rollup.purgeSalts(db, 0, 10));
  await step("purgeDedup", () => rollup.purgeDedup(db, 0, 10));
  await step("upsertAtomStatements", () => upsertAtomStatements(db, SITE, DAY, [atom]));
  await step("deleteAtomStatements", () => deleteAtomStatements(db, SITE, DAY, [atom]));
  await step("atomKeys", () => atomKeys(db, SITE, DAY));
  await step("readDayAtoms", () => readDayAtoms(db, SITE, DAY));
  await step("updateMarkStatements", () => updateMarkStatements(db, SITE, [{ ...atom, release: 1, mark: { grain: "month", unit_from: DAY, unit_to: "2026-10-31", content: 1, term: 0 } }]));
  await step("readRangeAtoms", () => readRangeAtoms(db, SITE, DAY, "2026-10-31"));
  return out;
}

describe("the SQL of db/rollup.ts and db/atoms.ts", () => {
  it("is, whitespace aside, exactly the statements recorded before it was rewritten readably", async () => {
    const now = await statements();
    // An empty fixture records (prints) the statements instead: how the fixture was made, from the code before the rewrite.
    if ((statementsBefore as unknown[]).length === 0) console.log(`STATEMENTS ${JSON.stringify(now)}`);
    const before = (statementsBefore as Recorded[]).map((s) => ({ ...s, sql: normalise(s.sql) }));
    expect(now).toEqual(before);
  });

  it("normalise changes layout only", () => {
    expect(normalise("SELECT a,\n       b\n  FROM (\n    SELECT 1\n  )\n WHERE x = ?1")).toBe(normalise("SELECT a,b FROM (SELECT 1) WHERE x=?1"));
    expect(normalise("SELECT a b FROM t")).not.toBe(normalise("SELECT ab FROM t"));
    expect(normalise("SELECT a FROM t WHERE x = ?1")).not.toBe(normalise("SELECT a FROM t WHERE x = ?2"));
  });
});
