import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { upsertAtomStatements, type Atom } from "../../src/db/atoms";
import { getSite } from "../../src/db/sites";
import { markHierarchy } from "../../src/privacy/hierarchy";
import { QueryBudget } from "../../src/rollup/budget";
import { markOptions, remarkStaleDays, withMarks } from "../../src/rollup/release";
import { addDays, dayOf } from "../../src/time/day";
import { monthOf } from "../../src/time/periods";
import { makeSite } from "./fixtures";

/**
 * privacy.period "auto": the cron re-marks a rolled day's whole month (rollup/release.ts
 * remarkMonth). A month of a big site needs more statements than one run may make, so it is written
 * across runs, resuming where it stopped, and a month that does not fit never holds up another
 * site's re-mark; readers use the new marks only once the whole month is written.
 */

const MODELS = ["last_click", "first_click", "linear", "time_decay", "position_based", "last_non_direct"];
// Last month: its days are past, so its units end at the month's last day.
const LAST_MONTH = monthOf(addDays(monthOf(dayOf(Date.now(), "UTC")).from, -1));
const DAYS = Array.from({ length: 9 }, (_, i) => addDays(LAST_MONTH.from, i * 3));

/** Atoms of one day as the rollup writes them: every touch in every view, marked at the day grain. */
function dayAtoms(site: string, day: string, d: number, k: number): Atom[] {
  const atoms: Atom[] = [];
  for (let t = 0; t < 8; t++)
    for (const content of ["ad-a", "ad-b"]) {
      const visitors = (t * 7 + d * 3 + content.length) % 6; // small: weeks and months are needed
      if (visitors === 0) continue;
      for (const goal of ["(macro)", "purchase"])
        for (const model of MODELS) {
          const conversions = (t + d) % 3 === 0 ? 1 : 0;
          atoms.push({ site, day, source: `s${t % 3}`, medium: "cpc", campaign: `c${t}`, content, term: "(none)", goal, model, clicks: visitors + 1, visitors, conversions, credit: conversions, revenue: conversions * 20, revenue_by_currency: conversions ? { EUR: conversions * 20 } : {} });
        }
    }
  return withMarks(atoms, k);
}

async function seed(id: string, period: "auto" | "day", k: number, days: readonly string[]) {
  const site = await makeSite({ id, domains: [`${id}.example`], goals: [{ name: "purchase" }], privacy: { k, period } });
  const statements = days.flatMap((day, d) => [
    ...upsertAtomStatements(env.DB, id, day, dayAtoms(id, day, d, k)),
    // As a roll leaves its day: done, marked alone at the day grain.
    env.DB.prepare("INSERT INTO rollup_days (site, day, status, cursor, events, started_at, updated_at, release_k, release_period) VALUES (?, ?, 'done', 1, 1, 1, 1, ?, NULL)").bind(id, day, k),
  ]);
  await env.DB.batch(statements);
  return site;
}

const periods = async (id: string) =>
  (await env.DB.prepare("SELECT release_period AS p FROM rollup_days WHERE site = ? ORDER BY day").bind(id).all<{ p: string | null }>()).results.map((r) => r.p);

type Stored = Omit<Atom, "revenue_by_currency" | "mark"> & { revenue_by_currency: string; grain: number; unit_from: string; unit_to: string; content_release: number | null; term_release: number | null };
const stored = async (id: string) =>
  (await env.DB.prepare("SELECT * FROM atoms WHERE site = ? ORDER BY day, goal, model, source, medium, campaign, content, term").bind(id).all<Stored>()).results;

/** What the month's atoms must carry once re-marked: markHierarchy over the whole month, "auto". */
async function expected(id: string, k: number) {
  const atoms = (await stored(id)).map((a) => ({ ...a, revenue_by_currency: JSON.parse(a.revenue_by_currency) as Record<string, number> }));
  const marks = markHierarchy(atoms, markOptions(k, LAST_MONTH.to, "auto"));
  return marks.map((m) => [m.release, ["day", "week", "month"].indexOf(m.grain), m.unit_from, m.unit_to, m.content, m.term]);
}
const actual = async (id: string) => (await stored(id)).map((a) => [a.release, a.grain, a.unit_from, a.unit_to, a.content_release, a.term_release]);

describe("the month re-mark of privacy.period auto", () => {
  it("writes a big month across runs within a small budget, resumes, and never blocks another site", async () => {
    const big = await seed("remark-big", "auto", 3, DAYS);
    // Another site whose k changed: one stale day, re-marked day by day ("day").
    const other = await seed("remark-other", "day", 2, [DAYS[0]!]);
    await env.DB.prepare("UPDATE sites SET config = json_set(config, '$.privacy.k', 4) WHERE id = 'remark-other'").run();
    const sites = [big, (await getSite(env.DB, other.config.id))!];
    const want = await expected("remark-big", 3);
    expect(want.some((m) => m[1] !== 0)).toBe(true); // weeks or months exist: the month decides them
    expect(await actual("remark-big")).not.toEqual(want);

    const LIMIT = 20;
    const PER = 25; // atoms per statement: ~1,500 atoms are ~60 statements, three runs of 20 queries at least
    let runs = 0;
    let result: number | null = null;
    let sawPartial = false;
    while (runs < 20) {
      const budget = new QueryBudget(LIMIT);
      result = await remarkStaleDays(env.DB, sites, budget, undefined, PER, Date.now());
      runs++;
      expect(budget.used).toBeLessThanOrEqual(LIMIT);
      const ps = await periods("remark-big");
      if (runs === 1) {
        // The other site was not held up by the big month.
        expect((await env.DB.prepare("SELECT release_k FROM rollup_days WHERE site = 'remark-other'").first<{ release_k: number }>())!.release_k).toBe(4);
      }
      if (result !== null) break;
      // Under way: progress recorded per day, and no day says "auto" (readers decide the month in the Worker).
      expect(ps).not.toContain("auto");
      if (ps.some((p) => p?.startsWith("remark:"))) sawPartial = true;
    }
    expect(sawPartial).toBe(true);
    expect(runs).toBeGreaterThan(2);
    expect(result).toBe(DAYS.length);
    expect(await periods("remark-big")).toEqual(DAYS.map(() => "auto"));
    expect(await actual("remark-big")).toEqual(want);

    // Switching the site to privacy.period "day" re-marks its days alone, at the day grain.
    await env.DB.prepare("UPDATE sites SET config = json_set(config, '$.privacy.period', 'day') WHERE id = 'remark-big'").run();
    const asDay = (await getSite(env.DB, "remark-big"))!;
    let back: number | null = null;
    for (let i = 0; i < 20 && back === null; i++) back = await remarkStaleDays(env.DB, [asDay], new QueryBudget(LIMIT), undefined, PER, Date.now());
    expect(await periods("remark-big")).toEqual(DAYS.map(() => null));
    expect((await actual("remark-big")).every((m) => m[1] === 0)).toBe(true);
  });

  it("starts the month over when one of its days is rolled again meanwhile", async () => {
    await seed("remark-again", "auto", 3, DAYS);
    const site = (await getSite(env.DB, "remark-again"))!;
    const run = () => remarkStaleDays(env.DB, [site], new QueryBudget(20), undefined, 25, Date.now());
    expect(await run()).toBeNull();
    const first = (await periods("remark-again")).find((p) => p?.startsWith("remark:"))!;
    expect(first).toBeDefined();
    // A roll of the last day: new counts, marked alone at the day grain, release_period NULL.
    const day = DAYS[DAYS.length - 1]!;
    const rolled = dayAtoms("remark-again", day, 40, 3);
    await env.DB.batch([
      env.DB.prepare("DELETE FROM atoms WHERE site = 'remark-again' AND day = ?").bind(day),
      ...upsertAtomStatements(env.DB, "remark-again", day, rolled),
      env.DB.prepare("UPDATE rollup_days SET updated_at = 2, cursor = 2, release_period = NULL WHERE site = 'remark-again' AND day = ?").bind(day),
    ]);
    expect(await run()).toBeNull();
    const tags = new Set((await periods("remark-again")).filter((p) => p?.startsWith("remark:")).map((p) => p!.split(":")[1]));
    // The progress of the old month is not reused: every day under way carries the new fingerprint.
    expect(tags.size).toBe(1);
    expect(tags.has(first.split(":")[1]!)).toBe(false);
    let result: number | null = null;
    for (let i = 0; i < 20 && result === null; i++) result = await run();
    expect(result).toBe(DAYS.length);
    expect(await actual("remark-again")).toEqual(await expected("remark-again", 3));
  });
});
