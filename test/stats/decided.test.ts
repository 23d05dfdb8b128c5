import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TRAFFIC_VIEW, upsertAtomStatements, type Atom } from "../../src/db/atoms";
import { readUndecided } from "../../src/db/stats";
import { readDecided } from "../../src/stats/read";
import worker from "../../src/index";
import { markDay, releaseView, RELEASE_ALONE, RELEASE_POOLED, RELEASE_WITHHELD } from "../../src/privacy/release";
import { markHierarchy } from "../../src/privacy/hierarchy";
import { refreshMonthSums } from "../../src/db/sums";
import { markOptions, withMarks } from "../../src/rollup/release";
import { addDays, dayOf, dayStart } from "../../src/time/day";
import { ADMIN, call, createSite, withJson } from "../helpers/http";
import { insertEvents, landing } from "../rollup/fixtures";

/**
 * Release at rollup time (docs/PRIVACY.md): the API sums the days whose atoms carry marks for
 * the site's k in SQL, and releases the others in the Worker. Both must give the same answer to
 * every query, so the SQL path inherits every property the in-Worker release is tested for.
 */

// Days in four months: a range may hold October and November whole (read from their month sums)
// and cut September and December (read from atoms), or cut October itself.
const DAYS = ["2026-09-30", "2026-10-01", "2026-10-02", "2026-10-31", "2026-11-01", "2026-11-30", "2026-12-01"];
const MONTHS = [...new Set(DAYS.map((d) => d.slice(0, 7)))];
/** Ranges holding months whole and cutting them: [from, to]. */
const RANGES: [string, string][] = [
  [DAYS[0]!, DAYS[DAYS.length - 1]!], // October and November whole, September and December cut
  ["2026-10-01", "2026-10-31"], // exactly October
  ["2026-10-02", "2026-11-30"], // October cut, November whole
  ["2026-09-01", "2026-12-31"], // four whole months
];
// The first six are campaign atoms without content or term (v1); the last three are further
// contents and terms of those campaigns (v1.1: a campaign atom is the sum of its contents).
const TOUCHES = [
  ["google", "cpc", "spring", "(none)", "(none)"],
  ["google", "cpc", "fall", "(none)", "(none)"],
  ["google", "display", "spring", "(none)", "(none)"],
  ["meta", "social", "spring", "(none)", "(none)"],
  ["news", "email", "spring", "(none)", "(none)"],
  ["direct", "(none)", "(none)", "(none)", "(none)"],
  ["google", "cpc", "spring", "ad-b", "shoes"],
  ["google", "cpc", "spring", "ad-b", "(none)"],
  ["meta", "social", "spring", "ad-c", "(none)"],
] as const;
const V1_TOUCHES = 6;
const GOALS = ["(macro)", "purchase", "signup"];
const MODELS = ["last_click", "linear"];

// Small counts are common on purpose (they are what pools and withholds); money is in quarters,
// so SQL and JavaScript add it up to the same double whatever the order.
const count = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 60 }));
const quarters = fc.integer({ min: 0, max: 4000 }).map((n) => n / 4);
// `all`: Albanian lek, whose code is an SQL keyword (ALL), as a third currency now and then.
const perView = fc.record({ conversions: count, credit: quarters, eur: quarters, usd: fc.option(quarters, { nil: undefined }), all: fc.option(quarters, { nil: undefined, freq: 8 }) });
const perTouch = fc.record({
  clicks: count,
  visitors: count,
  views: fc.array(perView, { minLength: GOALS.length * MODELS.length, maxLength: GOALS.length * MODELS.length }),
});
const spendRow = fc.record({
  day: fc.constantFrom(...DAYS),
  touch: fc.integer({ min: 0, max: TOUCHES.length - 1 }),
  anyMedium: fc.boolean(),
  // v1.1: ad- and keyword-level spend (the touch's content, and its term) beside campaign-level spend.
  level: fc.constantFrom("campaign", "campaign", "content", "term"),
  cost: quarters,
  currency: fc.constantFrom("EUR", "EUR", "USD", "ALL"),
  platform: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
});
// Reference rates (v1.1): some days have none (their money stays unconverted, or a Saturday uses
// Friday's), some are quoted against USD (cross rates). Rates are powers of two, so converted
// money stays exact and both paths sum it to the same double whatever the order.
const RATE_DAYS = ["2026-09-24", "2026-10-29", ...DAYS];
const power = fc.constantFrom(0.25, 0.5, 2, 4, 8);
const dayRates = fc.record({ base: fc.constantFrom("EUR", "EUR", "USD"), eur: power, usd: fc.option(power, { nil: undefined }), all: fc.option(power, { nil: undefined }) });
const world = fc.record({
  k: fc.integer({ min: 2, max: 12 }),
  // v1.1: "auto" marks whole months (week and month units), "day" is v1 at the campaign level.
  period: fc.constantFrom<"auto" | "day">("auto", "day"),
  // Only the site's currency (EUR): the months can be read from their sums (another currency is
  // converted at each atom's own day's rate, so such months are read from their atoms).
  oneCurrency: fc.boolean(),
  rates: fc.dictionary(fc.constantFrom(...RATE_DAYS), dayRates, { maxKeys: RATE_DAYS.length }),
  days: fc.array(fc.dictionary(fc.constantFrom(...TOUCHES.map((_, i) => String(i))), perTouch, { maxKeys: TOUCHES.length }), {
    minLength: 1,
    maxLength: DAYS.length,
  }),
  spend: fc.array(spendRow, { maxLength: 6 }),
});
type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

/** A site-day's atoms as the rollup writes them: every touch under every (goal, model), same traffic. */
function atomsOf(site: string, day: string, touches: World["days"][number], oneCurrency = false): Atom[] {
  const atoms: Atom[] = [];
  for (const [i, t] of Object.entries(touches)) {
    const [source, medium, campaign, content, term] = TOUCHES[Number(i)]!;
    let v = 0;
    for (const goal of GOALS) {
      for (const model of MODELS) {
        const x = t.views[v++]!;
        const byCurrency: Record<string, number> = oneCurrency
          ? { EUR: x.eur }
          : { EUR: x.eur, ...(x.usd === undefined ? {} : { USD: x.usd }), ...(x.all === undefined ? {} : { ALL: x.all }) };
        atoms.push({ site, day, source, medium, campaign, content, term, goal, model, clicks: t.clicks, visitors: t.visitors, conversions: x.conversions, credit: x.credit, revenue: x.eur, revenue_by_currency: byCurrency });
      }
    }
  }
  return atoms;
}

let sites = 0;

/** A site with the world's atoms marked for its k, as the rollup leaves them, its month sums, and its spend. */
async function seed(w: World): Promise<{ id: string; read: string }> {
  const id = `decided-${++sites}`;
  const created = await createSite({ id, domains: [`${id}.example`], currency: "EUR", goals: [{ name: "purchase" }, { name: "signup", tier: "micro" }], privacy: { k: w.k, period: w.period } });
  const statements: D1PreparedStatement[] = [];
  // "auto": the month re-mark of rollup/release.ts (every day of the month together, up to today).
  const all = w.days.flatMap((touches, i) => atomsOf(id, DAYS[i]!, touches, w.oneCurrency));
  const today = dayOf(Date.now(), "UTC");
  const monthMarks = w.period === "auto" ? markHierarchy(all, markOptions(w.k, today, "auto")) : [];
  w.days.forEach((touches, i) => {
    const day = DAYS[i]!;
    const atoms =
      w.period === "auto"
        ? all.flatMap((a, j) => {
            const { release, ...mark } = monthMarks[j]!;
            return a.day === day ? [{ ...a, release, mark }] : [];
          })
        : withMarks(atomsOf(id, day, touches, w.oneCurrency), w.k);
    statements.push(...upsertAtomStatements(env.DB, id, day, atoms, 7));
    statements.push(
      env.DB.prepare("INSERT INTO rollup_days (site, day, status, cursor, events, started_at, updated_at, release_k, release_period) VALUES (?, ?, 'done', 0, 0, 1, 1, ?, ?)").bind(
        id, day, w.k, w.period === "auto" ? "auto" : null,
      ),
    );
  });
  // Rates are global, not per site: each world starts from its own.
  statements.push(env.DB.prepare("DELETE FROM fx_rates"));
  for (const [day, r] of Object.entries(w.rates)) {
    // base EUR: EUR 1, USD/ALL per euro; base USD: USD 1, EUR and ALL per dollar.
    const rates: Record<string, number> =
      r.base === "EUR" ? { EUR: 1, ...(r.usd === undefined ? {} : { USD: r.usd }), ...(r.all === undefined ? {} : { ALL: r.all }) } : { USD: 1, EUR: r.eur, ...(r.all === undefined ? {} : { ALL: r.all }) };
    for (const [currency, rate] of Object.entries(rates)) {
      statements.push(env.DB.prepare("INSERT INTO fx_rates (day, currency, rate, base) VALUES (?, ?, ?, ?)").bind(day, currency, rate, r.base));
    }
  }
  for (const s of w.spend) {
    const [source, medium, campaign, content, term] = TOUCHES[s.touch]!;
    statements.push(
      env.DB.prepare("INSERT OR REPLACE INTO spend (site, day, source, medium, campaign, content, term, currency, cost, platform_conversions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").bind(
        id, s.day, source, s.anyMedium ? "" : medium, campaign, s.level === "campaign" ? "" : content, s.level === "term" ? term : "", s.currency, s.cost, s.platform,
      ),
    );
  }
  await env.DB.batch(statements);
  await env.DB.batch(MONTHS.flatMap((m) => refreshMonthSums(env.DB, id, m)));
  return { id, read: created.read_key };
}

const QUERIES = [
  ...["campaign", "source", "medium", "day", "goal"].flatMap((group) => MODELS.map((model) => `group=${group}&model=${model}`)),
  "group=campaign&goal=purchase",
  "group=day&goal=signup&model=linear",
  "group=source&goal=purchase&format=csv",
  // v1.1: below the campaign, and drill-down filters (they narrow rows, never other or totals).
  ...["content", "term"].flatMap((group) => MODELS.map((model) => `group=${group}&model=${model}`)),
  "group=content&goal=signup",
  "group=content&source=google&campaign=spring",
  "group=term&campaign=spring&content=ad-b",
  "group=campaign&content=(other)",
  "group=source&medium=cpc",
  "group=term&format=csv",
  // Ranges that hold or cut the week (Oct 1–4, one week-part) and the month of "auto" units.
  `from=${DAYS[1]}&to=${DAYS[2]}&group=campaign`,
  `from=${DAYS[0]}&to=2026-10-31&group=content`,
  `from=2026-09-28&to=2026-11-01&group=day`,
];

/** The queries asked of the other ranges (every query is asked of RANGES[0]). */
const RANGE_QUERIES = ["group=campaign&model=linear", "group=day", "group=goal", "group=term&model=linear", "group=content&source=google&campaign=spring", "group=source&goal=purchase"];

async function answers(site: { id: string; read: string }, ranges: readonly [string, string][] = [RANGES[0]!]): Promise<string[]> {
  // A query that names its own range (from=…) is asked once.
  const asks = ranges.flatMap(([from, to], i) => (i === 0 ? QUERIES : RANGE_QUERIES).map((q) => (q.startsWith("from=") ? q : `from=${from}&to=${to}&${q}`)));
  return Promise.all(
    asks.map(async (q) => {
      const res = await call(`/v1/stats?site=${site.id}&${q}`, { headers: { authorization: `Bearer ${site.read}` } });
      expect(res.status, q).toBe(200);
      return `${q}\n${await res.text()}`;
    }),
  );
}

/** Forgets the site's month sums: reads use the atoms of every day. */
async function dropSums(site: string): Promise<void> {
  await env.DB.prepare("DELETE FROM month_sums_state WHERE site = ?").bind(site).run();
}

async function undecide(site: string): Promise<void> {
  await env.DB.prepare("UPDATE rollup_days SET release_k = NULL WHERE site = ?").bind(site).run();
}

describe("release at rollup time", () => {
  it("markDay marks exactly what releaseView releases, pools and withholds, in every view", () => {
    fc.assert(
      fc.property(world, (w) => {
        w.days.forEach((all, i) => {
          // markDay decides campaign atoms: the v1 touches only.
          const touches = Object.fromEntries(Object.entries(all).filter(([t]) => Number(t) < V1_TOUCHES));
          const atoms = atomsOf("s", DAYS[i]!, touches);
          const marks = markDay(atoms, TRAFFIC_VIEW, w.k);
          const traffic = atoms.filter((a) => a.goal === TRAFFIC_VIEW.goal && a.model === TRAFFIC_VIEW.model);
          for (const goal of GOALS) {
            for (const model of MODELS) {
              const cells = atoms.filter((a) => a.goal === goal && a.model === model);
              const [rel] = releaseView(cells, traffic, w.k);
              const markOf = (c: { source: string; medium: string; campaign: string }) =>
                marks[atoms.findIndex((a) => a.goal === goal && a.model === model && a.source === c.source && a.medium === c.medium && a.campaign === c.campaign)];
              if (!rel) continue;
              if (rel.withheld) for (const c of cells) expect(markOf(c)).toBe(RELEASE_WITHHELD);
              for (const u of rel.units) {
                if (u.kind === "atom") expect(markOf(u.cell)).toBe(RELEASE_ALONE);
                else for (const c of u.cells) expect(markOf(c)).toBe(RELEASE_POOLED);
              }
            }
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it("every query answers the same from month sums, from SQL over the marks, and from the release in the Worker", async () => {
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        const site = await seed(w);
        if (w.oneCurrency) {
          // The sums were built for every month with a rolled day (each is marked for k).
          const months = new Set(w.days.map((_, i) => DAYS[i]!.slice(0, 7)));
          const built = await env.DB.prepare("SELECT COUNT(*) AS n FROM month_sums_state WHERE site = ? AND k = ?").bind(site.id, w.k).first<{ n: number }>();
          expect(built?.n).toBe(months.size);
        }
        const summed = await answers(site, RANGES);
        await dropSums(site.id);
        const decided = await answers(site, RANGES);
        await undecide(site.id);
        const inWorker = await answers(site, RANGES);
        summed.forEach((a, i) => {
          expect(a).toBe(decided[i]);
          expect(a).toBe(inWorker[i]);
        });
      }),
      { numRuns: 16, endOnFailure: true },
    );
  }, 400_000); // 16 worlds × 3 × 41 queries: minutes on a busy 2-core machine

  it("the answer follows the stored marks while they are for the site's k, and ignores them otherwise", async () => {
    // Day 1: a big touch and two small ones; k = 5 pools the small ones into `other`.
    const w: World = {
      k: 5,
      period: "day",
      oneCurrency: true,
      rates: {},
      days: [
        {
          "0": { clicks: 40, visitors: 40, views: Array.from({ length: 6 }, () => ({ conversions: 6, credit: 6, eur: 60, usd: undefined, all: undefined })) },
          "3": { clicks: 2, visitors: 2, views: Array.from({ length: 6 }, () => ({ conversions: 0, credit: 0, eur: 0, usd: undefined, all: undefined })) },
          "4": { clicks: 3, visitors: 3, views: Array.from({ length: 6 }, () => ({ conversions: 0, credit: 0, eur: 0, usd: undefined, all: undefined })) },
        },
      ],
      spend: [],
    };
    const site = await seed(w);
    const q = `/v1/stats?site=${site.id}&from=${DAYS[0]}&to=${DAYS[0]}&group=source`;
    const get = async () => (await (await call(q, { headers: { authorization: `Bearer ${site.read}` } })).json()) as { rows: { source: string }[]; other: { visitors: number }; privacy: { suppressed: number } };
    const before = await get();
    expect(before.rows.map((r) => r.source)).toEqual(["google"]);
    expect(before.other.visitors).toBe(5);
    expect(before.privacy.suppressed).toBe(2);

    // Forge a mark: "meta" released on its own. The SQL path must show it (it reads the marks)...
    await env.DB.prepare("UPDATE atoms SET release = 1 WHERE site = ? AND source = 'meta' AND goal = '(macro)' AND model = 'last_click'").bind(site.id).run();
    expect((await get()).rows.map((r) => r.source).sort()).toEqual(["google", "meta"]);
    // ...and once the day's marks are for another k, the Worker releases the day again from the atoms.
    await env.DB.prepare("UPDATE rollup_days SET release_k = 4 WHERE site = ?").bind(site.id).run();
    expect(await get()).toEqual(before);
  });

  it("auto: SQL sums months marked whole; a month with one day marked otherwise is decided whole in the Worker", async () => {
    const big = { clicks: 40, visitors: 40, views: Array.from({ length: 6 }, () => ({ conversions: 12, credit: 12, eur: 10, usd: undefined, all: undefined })) };
    const site = await seed({ k: 10, period: "auto", oneCurrency: true, rates: {}, days: DAYS.map(() => ({ "0": big })), spend: [] });
    const october = DAYS.filter((d) => d.startsWith("2026-10"));
    // October whole (its month sums) and cut (its atoms): both from SQL while every day is marked "auto".
    const read = (from: string) => readDecided(env.DB, site.id, "(macro)", "last_click", "campaign", from, "2026-10-31", 10, "EUR", {}, "auto");
    expect((await read("2026-10-01")).get("(macro)")?.totals.visitors).toBe(40 * october.length);
    expect((await read(DAYS[2]!)).get("(macro)")?.totals.visitors).toBe(40 * (october.length - 1));
    expect(await readUndecided(env.DB, site.id, DAYS[1]!, DAYS[2]!, 10, "auto")).toEqual([]);
    // One day re-rolled (marked alone, at the day grain): the whole month leaves the SQL path, sums and atoms.
    await env.DB.prepare("UPDATE rollup_days SET release_period = NULL WHERE site = ? AND day = ?").bind(site.id, DAYS[2]).run();
    expect((await read("2026-10-01")).size).toBe(0);
    expect((await read(DAYS[2]!)).size).toBe(0);
    const undecided = await readUndecided(env.DB, site.id, DAYS[1]!, DAYS[2]!, 10, "auto");
    expect(new Set(undecided.map((a) => a.day))).toEqual(new Set(october));
  });

  it("reads a whole month from its sums only while they are current", async () => {
    const day = (visitors: number) => ({ "0": { clicks: visitors, visitors, views: Array.from({ length: 6 }, () => ({ conversions: 2, credit: 2, eur: 10, usd: undefined, all: undefined })) } });
    // Days 1–3 are in October (2026-10-01, -02, -31).
    const site = await seed({ k: 2, period: "day", oneCurrency: true, rates: {}, days: [{}, day(20), day(30), day(40)], spend: [] });
    const q = `/v1/stats?site=${site.id}&from=2026-10-01&to=2026-10-31&group=source`;
    const get = async () => (await (await call(q, { headers: { authorization: `Bearer ${site.read}` } })).json()) as { totals: { visitors: number } };
    const fromAtoms = await get();
    expect(fromAtoms.totals.visitors).toBe(90);
    // A forged sum shows: the month is read from month_sums, not from its atoms...
    const forge = () => env.DB.prepare("UPDATE month_sums SET visitors = visitors + 1000 WHERE site = ? AND kind = 'total' AND currency = '' AND goal = '(macro)' AND model = 'last_click'").bind(site.id).run();
    await forge();
    expect((await get()).totals.visitors).toBe(1090);
    // ...until a day of the month changes (re-rolled: its updated_at moves): then its atoms are read.
    await env.DB.prepare("UPDATE rollup_days SET updated_at = 2 WHERE site = ? AND day = '2026-10-02'").bind(site.id).run();
    expect(await get()).toEqual(fromAtoms);
    // The cron finds the month stale and rebuilds it from the atoms.
    await env.DB.batch(refreshMonthSums(env.DB, site.id, "2026-10"));
    await forge();
    expect((await get()).totals.visitors).toBe(1090);
    // A day of the month marked for another k, or not marked (a roll under way): its atoms again.
    await env.DB.prepare("UPDATE rollup_days SET release_k = NULL WHERE site = ? AND day = '2026-10-31'").bind(site.id).run();
    expect(await get()).toEqual(fromAtoms);
    await env.DB.prepare("UPDATE rollup_days SET release_k = 2 WHERE site = ? AND day = '2026-10-31'").bind(site.id).run();
    expect((await get()).totals.visitors).toBe(1090);
    // A rolled day of the month the sums were not built from: its atoms again.
    await env.DB.prepare("INSERT INTO rollup_days (site, day, status, cursor, events, started_at, updated_at, release_k) VALUES (?, '2026-10-15', 'done', 0, 0, 1, 1, 2)").bind(site.id).run();
    expect(await get()).toEqual(fromAtoms);
    // A refresh while a day is not marked builds no sums: the month stays with its atoms.
    await env.DB.prepare("UPDATE rollup_days SET release_k = NULL WHERE site = ? AND day = '2026-10-15'").bind(site.id).run();
    await env.DB.batch(refreshMonthSums(env.DB, site.id, "2026-10"));
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM month_sums WHERE site = ? AND month = '2026-10'").bind(site.id).first<{ n: number }>()).toEqual({ n: 0 });
    expect(await get()).toEqual(fromAtoms);
  });

  it("sums a day with 150 currencies (more than D1 binds parameters) the same as the Worker", async () => {
    // The public pixel accepts any ISO-4217 code, so one day can carry far more currencies than
    // D1's 100 bound parameters; the SQL path must not bind one per currency.
    const codes = Array.from({ length: 150 }, (_, i) => `X${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`);
    const site = await seed({ k: 2, period: "auto", oneCurrency: false, rates: {}, days: [{ "0": { clicks: 0, visitors: 30, views: Array.from({ length: 6 }, () => ({ conversions: 3, credit: 3, eur: 1, usd: undefined, all: undefined })) } }], spend: [] });
    const many = Object.fromEntries(codes.map((c, i) => [c, i / 4]));
    await env.DB.prepare("UPDATE atoms SET revenue_by_currency = ? WHERE site = ?").bind(JSON.stringify(many), site.id).run();
    const decided = await answers(site);
    expect(JSON.parse(decided[0]!.slice(decided[0]!.indexOf("\n") + 1)).totals.revenue_by_currency).toEqual(Object.fromEntries(codes.map((c, i) => [c, i / 4])));
    await undecide(site.id);
    expect(await answers(site)).toEqual(decided);
  });

  it("the rollup marks what it writes; after k changes, the cron re-marks the day for the new k", async () => {
    const id = "decided-cron";
    const created = await createSite({ id, domains: [`${id}.example`], privacy: { k: 2 } });
    // Outside the cron's 7-day re-roll window (so only the re-marking can change it), inside raw retention.
    const day = addDays(dayOf(Date.now(), "UTC"), -8);
    const t0 = dayStart(day, "UTC");
    await insertEvents(id, "UTC", [
      ...["a", "b", "c"].map((v, i) => landing(t0 + (9 * 60 + i) * 60_000, v, "google", "cpc", "q4")),
      ...["d", "e"].map((v, i) => landing(t0 + (10 * 60 + i) * 60_000, v, "meta", "cpc", "q4")),
      landing(t0 + 11 * 3_600_000, "f", "news", "cpc", "q4"),
    ]);
    const rolled = await call("/v1/admin/rollup", withJson("POST", { site: id, from: day, to: day }, ADMIN));
    expect(rolled.status).toBe(200);
    const marks = async () =>
      (await env.DB.prepare("SELECT source, release FROM atoms WHERE site = ? AND goal = '(macro)' AND model = 'last_click' ORDER BY source").bind(id).all<{ source: string; release: number }>()).results;
    const releaseK = async () => (await env.DB.prepare("SELECT release_k FROM rollup_days WHERE site = ? AND day = ?").bind(id, day).first<{ release_k: number }>())?.release_k;
    const unmarked = async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM atoms WHERE site = ? AND release IS NULL").bind(id).first<{ n: number }>())?.n;
    expect(await unmarked()).toBe(0);
    expect(await releaseK()).toBe(2);
    // k = 2: google (3) and meta (2) alone; news (1) pools, and takes meta with it to reach 2.
    expect(await marks()).toEqual([
      { source: "google", release: RELEASE_ALONE },
      { source: "meta", release: RELEASE_POOLED },
      { source: "news", release: RELEASE_POOLED },
    ]);
    const stats = async () => {
      const res = await call(`/v1/stats?site=${id}&from=${day}&to=${day}&group=source`, { headers: { authorization: `Bearer ${created.read_key}` } });
      return (await res.json()) as { rows: { source: string; visitors: number }[]; other: { visitors: number }; privacy: { k: number } };
    };
    expect((await stats()).rows).toMatchObject([{ source: "google", visitors: 3 }]);

    expect((await call(`/v1/admin/sites/${id}`, withJson("PATCH", { privacy: { k: 4 } }, ADMIN))).status).toBe(200);
    // Marks for k = 2 are no longer used: the Worker releases the day for k = 4 (every touch is under 4: all pooled).
    const meanwhile = await stats();
    expect(meanwhile.privacy.k).toBe(4);
    expect(meanwhile.rows).toEqual([]);
    expect(meanwhile.other.visitors).toBe(6);

    // The other sites of this file have days to roll first; hourly runs continue until the re-mark is reached.
    for (let run = 0; run < 10 && (await releaseK()) !== 4; run++) {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "7 * * * *" }), env, ctx);
      await waitOnExecutionContext(ctx);
    }
    expect(await releaseK()).toBe(4);
    expect((await marks()).map((m) => m.release)).toEqual([RELEASE_POOLED, RELEASE_POOLED, RELEASE_POOLED]);
    expect(await stats()).toEqual(meanwhile);
    // The runs after the re-mark rebuild the month's sums for k = 4 (rollup/sums.ts).
    const sumsK = async () => (await env.DB.prepare("SELECT k FROM month_sums_state WHERE site = ? AND month = ?").bind(id, day.slice(0, 7)).first<{ k: number }>())?.k;
    for (let run = 0; run < 10 && (await sumsK()) !== 4; run++) {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "7 * * * *" }), env, ctx);
      await waitOnExecutionContext(ctx);
    }
    expect(await sumsK()).toBe(4);
    const pooled = await env.DB.prepare("SELECT visitors FROM month_sums WHERE site = ? AND kind = 'pool' AND currency = '' AND goal = '(macro)' AND model = 'last_click'").bind(id).first<{ visitors: number }>();
    expect(pooled?.visitors).toBe(6);
  });
});
