import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { lastRowids } from "../../src/db/rollup";
import { getSite } from "../../src/db/sites";
import { QueryBudget } from "../../src/rollup/budget";
import { OVERFLOW, OVERFLOW_PAIRS } from "../../src/rollup/cap";
import { rollupDay } from "../../src/rollup/day";
import { runRollup } from "../../src/rollup/run";
import { addDays, dayOf, dayStart } from "../../src/time/day";
import { atomsOf, dayRow, findAtom, HOUR, insertEvents, landing, makeSite, touch, type EventInput } from "./fixtures";

const D = dayOf(Date.now(), "UTC");
const t0 = dayStart(D, "UTC");
const NOW = dayStart(addDays(D, 1), "UTC") + 12 * HOUR + 7 * 60_000;

/** `n` landing pageviews on D, each from its own visitor and with its own campaign `prefix-i` (one statement). */
async function junkLandings(site: string, n: number, source: (i: string) => string, campaign: (i: string) => string, medium = "'cpc'"): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO events (site, day, ts, received_at, name, via, visitor, touch_kind, source, medium, campaign)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?3)
     SELECT ?1, ?2, ?4 + i, ?4 + i, 'pageview', 'pixel', 'jv-' || i, 'landing', ${source("i")}, ${medium}, ${campaign("i")} FROM n`,
  )
    .bind(site, D, n, t0 + HOUR)
    .run();
}

async function rollFresh(id: string, per?: number) {
  const site = (await getSite(env.DB, id))!;
  const upto = (await lastRowids(env.DB, id, [D])).get(D) ?? null;
  return rollupDay(env.DB, site, D, { now: NOW, budget: new QueryBudget(100_000), upto, prior: undefined, fresh: true, atomsPerStatement: per });
}

const traffic = (atoms: Awaited<ReturnType<typeof atomsOf>>) => atoms.filter((a) => a.goal === "(macro)" && a.model === "last_click");

describe("the touch cap (limits.touches_per_day)", () => {
  it("50,000 distinct junk campaigns in a day: the rollup finishes in one run and keeps 5,000 touches plus one (overflow) row", async () => {
    await makeSite({ id: "junk", domains: ["junk.example"], goals: [{ name: "purchase" }] });
    await junkLandings("junk", 50_000, () => "'spam'", (i) => `'junk-' || ${i}`);
    // A real campaign with three visitors outranks every junk campaign (one hit each).
    await insertEvents("junk", "UTC", [
      landing(t0 + 2 * HOUR, "r1", "instagram", "social", "spring"),
      landing(t0 + 2 * HOUR, "r2", "instagram", "social", "spring"),
      landing(t0 + 2 * HOUR, "r3", "instagram", "social", "spring"),
      // A conversion through ten junk touches (the journal of a spammer; one hit each, ranked after
      // the junk landings by name) counts once, under (overflow).
      {
        ts: t0 + 3 * HOUR,
        visitor: "r1",
        name: "purchase",
        value: 10,
        journey: Array.from({ length: 10 }, (_, i) => touch("spam", t0 + HOUR + i, "cpc", `zz-journal-${i}`)),
      },
    ]);
    const started = Date.now();
    const summary = await runRollup(env, NOW);
    const seconds = (Date.now() - started) / 1000;
    expect(summary).toMatchObject({ failed: 0, unfinished: 0, complete: true });
    expect(await dayRow("junk", D)).toMatchObject({ status: "done", events: 50_004 });

    const atoms = await atomsOf("junk", D);
    const rows = traffic(atoms);
    // 4,999 junk campaigns + spring kept, one spam / cpc / (overflow) row: 5,001 touches × 2 goal keys × 6 models.
    expect(rows).toHaveLength(5_001);
    expect(atoms).toHaveLength(5_001 * 2 * 6);
    expect(findAtom(rows, "instagram", "(macro)", "last_click", "spring")).toMatchObject({ visitors: 3 });
    const overflow = findAtom(rows, "spam", "(macro)", "last_click", OVERFLOW)!;
    expect(overflow.visitors).toBe(50_000 - 4_999);
    // Every visitor is still counted once.
    expect(rows.reduce((n, a) => n + a.visitors, 0)).toBe(50_003);
    expect(findAtom(atoms, "spam", "purchase", "last_click", OVERFLOW)).toMatchObject({ conversions: 1, credit: 1, revenue: 10 });
    expect(findAtom(atoms, "spam", "purchase", "linear", OVERFLOW)!.credit).toBeCloseTo(1, 12);
    expect(findAtom(atoms, "spam", "purchase", "linear", OVERFLOW)!.conversions).toBe(1);
    console.log(JSON.stringify({ junk_campaigns: 50_000, atoms: atoms.length, touches: rows.length, queries: summary.queries, seconds }));

    // Deterministic: a fresh roll of the same events writes exactly the same rows.
    await rollFresh("junk");
    expect(await atomsOf("junk", D)).toEqual(atoms);
  }, 120_000);

  it("random sources: at most 100 (source, medium) overflow rows, the rest under (overflow) / (overflow) / (overflow)", async () => {
    await makeSite({ id: "junksrc", domains: ["junk.example"], goals: [{ name: "purchase" }], limits: { touches_per_day: 10 } });
    await junkLandings("junksrc", 300, (i) => `'src-' || ${i}`, () => "'x'");
    // Two hits for src-300 / x: it ranks first and is kept.
    await insertEvents("junksrc", "UTC", [landing(t0 + 5 * HOUR, "again", "src-300", "cpc", "x")]);
    await runRollup(env, NOW);
    const rows = traffic(await atomsOf("junksrc", D));
    expect(rows.filter((a) => a.campaign !== OVERFLOW)).toHaveLength(10);
    expect(findAtom(rows, "src-300", "(macro)", "last_click", "x")).toMatchObject({ visitors: 2 });
    expect(rows.filter((a) => a.campaign === OVERFLOW && a.source !== OVERFLOW)).toHaveLength(OVERFLOW_PAIRS);
    const last = rows.find((a) => a.source === OVERFLOW && a.medium === OVERFLOW && a.campaign === OVERFLOW)!;
    expect(last.visitors).toBe(300 - 10 - OVERFLOW_PAIRS);
    expect(rows).toHaveLength(10 + OVERFLOW_PAIRS + 1);
    expect(rows.reduce((n, a) => n + a.visitors, 0)).toBe(301);
  });

  it("ranks touches by their full key: junk utm_content and utm_term under one real campaign overflow too", async () => {
    await makeSite({ id: "junkads", domains: ["ads.example"], goals: [{ name: "purchase" }], limits: { touches_per_day: 50 } });
    // 60 junk ads and 20 junk keywords of google / cpc / brand, one visitor each; a busy ad (5 hits) and instagram (3).
    await env.DB.prepare(
      `INSERT INTO events (site, day, ts, received_at, name, via, visitor, touch_kind, source, medium, campaign, content, term)
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 80)
       SELECT 'junkads', ?1, ?2 + i, ?2 + i, 'pageview', 'pixel', 'ja-' || i, 'landing', 'google', 'cpc', 'brand',
              CASE WHEN i <= 60 THEN 'ad-' || i END, CASE WHEN i > 60 THEN 'kw-' || i END FROM n`,
    )
      .bind(D, t0 + HOUR)
      .run();
    await insertEvents("junkads", "UTC", [
      ...["b1", "b2", "b3", "b4", "b5"].map((v) => ({ ...landing(t0 + 2 * HOUR, v, "google", "cpc", "brand"), content: "rsa-main" })),
      ...["i1", "i2", "i3"].map((v) => landing(t0 + 2 * HOUR, v, "instagram", "social", "spring")),
    ]);
    await runRollup(env, NOW);
    const rows = traffic(await atomsOf("junkads", D));
    // 50 kept touches — rsa-main (5 hits), instagram (3), then 48 junk keys by name — and one
    // google / cpc / (overflow) row for the other 32, without content or term.
    expect(rows).toHaveLength(51);
    expect(rows.filter((a) => a.source === "google" && a.campaign === "brand")).toHaveLength(49);
    expect(rows.find((a) => a.content === "rsa-main")).toMatchObject({ visitors: 5 });
    expect(findAtom(rows, "instagram", "(macro)", "last_click", "spring")).toMatchObject({ visitors: 3 });
    expect(findAtom(rows, "google", "(macro)", "last_click", OVERFLOW)).toMatchObject({ content: "(none)", term: "(none)", visitors: 32 });
    expect(rows.reduce((n, a) => n + a.visitors, 0)).toBe(88);
  });

  it("applies to journey touches too, and keeps every touch of a day under the cap", async () => {
    await makeSite({ id: "capj", domains: ["j.example"], goals: [{ name: "purchase" }], limits: { touches_per_day: 2 } });
    const events: EventInput[] = [
      landing(t0 + HOUR, "a", "google", "cpc", "brand"),
      landing(t0 + HOUR, "b", "google", "cpc", "brand"),
      landing(t0 + HOUR, "c", "bing", "cpc", "brand"),
      { ts: t0 + 2 * HOUR, visitor: "a", name: "purchase", journey: [touch("google", t0 + HOUR, "cpc", "brand"), touch("bing", t0 + HOUR + 1, "cpc", "brand")] },
      { ts: t0 + 3 * HOUR, visitor: "d", name: "purchase", journey: [touch("meta", t0 + HOUR, "paid", "a"), touch("meta", t0 + HOUR + 1, "paid", "b")] },
    ];
    await insertEvents("capj", "UTC", events);
    await runRollup(env, NOW);
    const atoms = await atomsOf("capj", D);
    // google/brand (3 hits) and bing/brand (2) are kept; meta's two campaigns (1 hit each) overflow into one row.
    expect(findAtom(atoms, "bing", "purchase", "last_click", "brand")).toMatchObject({ conversions: 1 });
    expect(findAtom(atoms, "meta", "purchase", "linear", OVERFLOW)).toMatchObject({ conversions: 1, credit: 1 });
    expect(findAtom(atoms, "meta", "purchase", "linear", "a")).toBeUndefined();

    // Under the cap nothing changes: raise it and roll again.
    await env.DB.prepare(`UPDATE sites SET config = json_set(config, '$.limits.touches_per_day', 5000), updated_at = ? WHERE id = 'capj'`).bind(NOW - HOUR).run();
    await rollFresh("capj");
    const uncapped = await atomsOf("capj", D);
    expect(findAtom(uncapped, "meta", "purchase", "linear", "a")).toMatchObject({ conversions: 1, credit: 0.5 });
    expect(uncapped.some((a) => a.campaign === OVERFLOW)).toBe(false);
  });
});

describe("a day too big for one invocation", () => {
  it("finishes over several cron runs, with the atoms of one uninterrupted roll, while another site's days keep rolling", async () => {
    await makeSite({ id: "huge", domains: ["h.example"], privacy: { k: 1 }, goals: [{ name: "purchase" }, { name: "signup", tier: "micro" }] });
    await makeSite({ id: "tiny", domains: ["t.example"], privacy: { k: 1 }, goals: [{ name: "purchase" }] });
    // Every window day of both sites is rolled (empty) first, so the runs below have only D to do.
    await runRollup(env, NOW);
    await junkLandings("huge", 150, () => "'ads'", (i) => `'c-' || ${i}`);
    await insertEvents("huge", "UTC", [{ ts: t0 + 4 * HOUR, visitor: "jv-1", name: "purchase", value: 5, journey: [touch("ads", t0 + HOUR, "cpc", "c-1")] }]);
    await insertEvents("tiny", "UTC", [landing(t0 + HOUR, "t1", "google", "organic"), { ts: t0 + 2 * HOUR, visitor: "t1", name: "purchase" }]);
    // 150 touches × 3 goal keys × 6 models = 2,700 atoms at 10 per statement: 270 write statements,
    // far more than a run of 80 queries has (60 after the purge's reserve; half of it for one day).
    let runs = 0;
    let sawWriting = false;
    for (;;) {
      runs++;
      const s = await runRollup(env, NOW, { maxQueries: 80, atomsPerStatement: 10 });
      expect(s.failed).toBe(0);
      if (runs === 1) {
        // The other site's day rolled in the very first run, next to the huge one.
        expect(await dayRow("tiny", D)).toMatchObject({ status: "done" });
      }
      const row = await env.DB.prepare(`SELECT status, written, release_k FROM rollup_days WHERE site = 'huge' AND day = ?`).bind(D).first<{ status: string; written: number; release_k: number | null }>();
      if (row?.status === "running" && row.written > 0) {
        sawWriting = true;
        // Half-written: the API must not trust the release marks of this day.
        expect(row.release_k).toBeNull();
      }
      if (row?.status === "done") {
        expect(row.release_k).toBe(1);
        break;
      }
      expect(runs).toBeLessThan(60);
    }
    expect(sawWriting).toBe(true);
    expect(runs).toBeGreaterThan(3);
    console.log(JSON.stringify({ big_day: { atoms: 2_700, atoms_per_statement: 10, max_queries: 80, cron_runs: runs } }));
    const viaChunks = await atomsOf("huge", D);
    expect(viaChunks).toHaveLength(2_700);
    await rollFresh("huge", 10);
    expect(await atomsOf("huge", D)).toEqual(viaChunks);
  }, 120_000);

  it("a day that fails does not stop the days and sites after it", async () => {
    await makeSite({ id: "broken", domains: ["b.example"], goals: [{ name: "purchase" }] });
    await makeSite({ id: "fine", domains: ["f.example"], goals: [{ name: "purchase" }] });
    await insertEvents("broken", "UTC", [landing(t0 + HOUR, "x", "google")]);
    await insertEvents("fine", "UTC", [landing(t0 + HOUR, "y", "google")]);
    // A configuration the rollup cannot handle (a funnel without steps: its statement is invalid SQL).
    await env.DB.prepare(`UPDATE sites SET config = json_set(config, '$.funnels', json('[{"name":"f","steps":[]}]')) WHERE id = 'broken'`).run();
    const s = await runRollup(env, NOW);
    expect(s.failed).toBeGreaterThan(0);
    expect(await dayRow("fine", D)).toMatchObject({ status: "done" });
    expect(await dayRow("broken", D)).toBeNull();
  });
});
