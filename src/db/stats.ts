import type { Cell, TrafficCell } from "../privacy/release";
import type { DecidedView, RowKey, TouchGroup } from "../stats/aggregate";
import { addCell, emptySums, type Sums } from "../stats/figures";
import { chunks, MACRO_GOAL, TRAFFIC_VIEW } from "./atoms";
import { factorSql, readRates } from "./fx";
import { readSpend } from "./spend";
import type { FunnelDayRow } from "../stats/funnel";

/**
 * Reads for the aggregate API. Only atoms, funnel_days and rollup_days — never raw events —
 * so a response can only ever be built from what the rollup released into atoms.
 */

interface AtomRow extends TrafficCell {
  goal: string;
  model: string;
  conversions: number;
  credit: number;
  revenue: number;
  revenue_by_currency: string;
}

/**
 * The days of [?2, ?3] whose atoms carry release marks for k = ?4 (site ?1): the API sums those
 * in SQL (readDecided) and releases only the other days in the Worker (readUndecided).
 */
const MARKED = "SELECT day FROM rollup_days WHERE site=?1 AND day BETWEEN ?2 AND ?3 AND release_k=?4";

/**
 * Currencies per summing statement: D1 answers at most 100 columns (101: "too many columns in
 * result set"), and each currency takes three (its sum, converted, unconverted) beside ≤ 9 others.
 */
const CURRENCY_COLUMNS = 30;

function parseCurrencies(json: string): Record<string, number> {
  try {
    const v: unknown = JSON.parse(json);
    if (typeof v !== "object" || v === null || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, number] => typeof e[1] === "number" && Number.isFinite(e[1])));
  } catch {
    return {};
  }
}

/**
 * The days of a range not marked for k, as the Worker releases them: the atoms of the view's
 * model (every goal's; the caller picks the view) and the traffic reference. The rollup writes
 * every touch of a day under every (goal, model) with the same clicks and visitors (noise on them
 * is keyed by the touch alone, privacy/noise.ts), so one reference view (TRAFFIC_VIEW) holds them
 * all, and the traffic base of privacy/release.ts sees the same touches whatever view is asked.
 */
export async function readUndecided(db: D1Database, site: string, model: string, from: string, to: string, k: number) {
  const { results } = await db
    .prepare(
      "SELECT day,source,medium,campaign,goal,model,clicks,visitors,conversions,credit,revenue,revenue_by_currency FROM atoms " +
        `WHERE site=?1 AND day BETWEEN ?2 AND ?3 AND day NOT IN (${MARKED}) AND (model=?5 OR goal=?6 AND model=?7)`,
    )
    .bind(site, from, to, k, model, TRAFFIC_VIEW.goal, TRAFFIC_VIEW.model)
    .all<AtomRow>();
  return {
    cells: results.filter((r) => r.model === model).map((r) => ({ ...r, revenue_by_currency: parseCurrencies(r.revenue_by_currency) })),
    traffic: results.filter((r) => r.goal === TRAFFIC_VIEW.goal && r.model === TRAFFIC_VIEW.model),
  };
}

/** The key columns each grouping sums decided atoms by (group=goal sums each goal by day). */
const DECIDED_KEYS: Record<TouchGroup, string[]> = {
  campaign: ["source", "medium", "campaign"],
  source: ["source"],
  medium: ["medium"],
  day: ["day"],
};

/**
 * The decided days of a range, summed in SQL: for each goal of the view (one goal, or every goal
 * of the model when `goal` is null), its rows under `group` from atoms released on their own (for
 * group=day, every atom of a day not withheld), `other` from the pooled ones, the suppressed and
 * withheld counts per day, and the released cells spend can attach to. Two batches: the first
 * finds the currencies in range (each becomes a SUM column of the second: one pass over the atoms
 * instead of a json_each join), the days and the spend cells; the second sums. Reads seek per day
 * on the (site, day, goal, model) prefix of the atoms' key; rows returned grow with the answer,
 * not with the days × touches read.
 * Money is converted into the site's `currency` atom by atom, at the atom's day's rate
 * (db/fx.ts factorSql, the rule of fx/convert.ts): a currency's converted sum, and its sum over
 * the atoms whose day has no rate (revenue_unconverted).
 * NOTE: the currency codes are written into the SQL, not bound: the public pixel can put any of
 * ~180 ISO-4217 codes into a day, and D1 binds at most 100 parameters per statement. Only codes
 * of exactly three capital letters are written (all the collector and site config accept), so
 * nothing else can reach the statement text. https://developers.cloudflare.com/d1/platform/limits/
 */
export async function readDecided(db: D1Database, site: string, goal: string | null, model: string, group: TouchGroup, from: string, to: string, k: number, currency: string): Promise<Map<string, DecidedView>> {
  const where = ` FROM atoms WHERE site=?1 AND day IN (${MARKED}) AND model=?5` + (goal === null ? "" : " AND goal=?6");
  const args = [site, from, to, k, model, ...(goal === null ? [] : [goal])];
  const q = (sql: string) => db.prepare(sql).bind(...args);
  const [currencies, days, cells] = await db.batch<Record<string, unknown>>([
    q(`SELECT DISTINCT j.key AS c FROM (SELECT revenue_by_currency${where}),json_each(revenue_by_currency) j`),
    q(`SELECT goal,day,SUM(release<=0) AS suppressed,MAX(release<0) AS withheld${where} GROUP BY day,goal HAVING suppressed>0`),
    q(
      `SELECT goal,day,source,medium,campaign,clicks,visitors,conversions,credit,revenue,revenue_by_currency${where} AND release=1 AND clicks+visitors+conversions>0 ` +
        "AND EXISTS(SELECT 1 FROM spend s WHERE s.site=?1 AND s.day=atoms.day AND s.source=atoms.source AND s.campaign=atoms.campaign)",
    ),
  ]);
  const codes = currencies!.results.map((r) => String(r.c)).filter((c) => /^[A-Z]{3}$/.test(c));
  const keys = DECIDED_KEYS[group];
  // group=day rows hold their day's pool, grouped in key order (day, goal) so SQLite need not sort;
  // every other grouping sums released atoms by key and the pools into `other`. Currencies go
  // CURRENCY_COLUMNS to a statement (SQLite caps a result's columns): the first statement of each
  // pair also sums the counts, the others only their currencies.
  const byDay = group === "day";
  const parts = codes.length > 0 ? chunks(codes, CURRENCY_COLUMNS) : [[]];
  // Each foreign currency's factor is computed once per atom in an inner select (x<i>: the
  // amount, f<i>: its factor, NULL without a rate), then summed converted and unconverted.
  const foreign = (c: string) => c !== currency;
  const results = await db.batch<Record<string, number>>(
    parts.flatMap((part) => {
      const sums = "SUM(clicks) AS clicks,SUM(visitors) AS visitors,SUM(conversions) AS conversions,SUM(credit) AS credit,SUM(revenue) AS revenue" +
        part.map((c, i) => `,SUM(x${i}) AS c${i}` + (foreign(c) ? `,SUM(x${i}*f${i}) AS v${i},SUM(IIF(f${i} IS NULL,x${i},NULL)) AS u${i}` : "")).join("");
      const amounts = part
        .map((c, i) => {
          const x = `revenue_by_currency->>'$.${c}'`;
          return `,${x} AS x${i}` + (foreign(c) ? `,IIF(${x} IS NULL,NULL,${factorSql(c, currency, "atoms.day")}) AS f${i}` : "");
        })
        .join("");
      const atoms = (release: string) => `(SELECT goal,day,source,medium,campaign,clicks,visitors,conversions,credit,revenue${amounts}${where} AND ${release})`;
      return [
        q(`SELECT goal,${keys},${sums} FROM ${atoms(byDay ? "release>=0" : "release=1")} GROUP BY ${byDay ? "day,goal" : `goal,${keys}`}`),
        q(`SELECT goal,${sums} FROM ${atoms(byDay ? "release IS NULL" : "release=0")} GROUP BY goal`),
      ];
    }),
  );

  const out = new Map<string, DecidedView>();
  const viewOf = (g: unknown) => {
    let v = out.get(String(g));
    if (!v) out.set(String(g), (v = { rows: [], other: emptySums(), days: [], spendCells: [] }));
    return v;
  };
  const rowsByKey = new Map<string, Sums>();
  parts.forEach((part, p) => {
    const add = (into: Sums, r: Record<string, number | null>) => {
      const counts = p === 0 ? r : {};
      const col = (name: string) => r[name] ?? null;
      const present = (prefix: string, only: (c: string) => boolean) =>
        Object.fromEntries(part.flatMap((c, i) => (only(c) && col(`${prefix}${i}`) !== null ? [[c, col(`${prefix}${i}`)!]] : [])));
      const convertedSum = part.reduce((n, c, i) => n + (foreign(c) ? (col(`v${i}`) ?? 0) : 0), 0);
      addCell(into, {
        clicks: counts.clicks ?? 0,
        visitors: counts.visitors ?? 0,
        conversions: counts.conversions ?? 0,
        credit: counts.credit ?? 0,
        revenue: (counts.revenue ?? 0) + convertedSum,
        revenue_by_currency: present("c", () => true),
        revenue_unconverted: present("u", foreign),
      });
    };
    for (const r of results[2 * p]!.results) {
      const key = Object.fromEntries(keys.map((c) => [c, r[c]])) as unknown as RowKey;
      const id = JSON.stringify([r.goal, key]);
      let sums = rowsByKey.get(id);
      if (!sums) {
        rowsByKey.set(id, (sums = emptySums()));
        viewOf(r.goal).rows.push({ key, sums });
      }
      add(sums, r);
    }
    for (const r of results[2 * p + 1]!.results) add(viewOf(r.goal).other, r);
  });
  for (const r of days!.results as unknown as { goal: string; day: string; suppressed: number; withheld: number }[]) {
    viewOf(r.goal).days.push({ day: r.day, suppressed: r.suppressed, withheld: r.withheld === 1 });
  }
  for (const r of cells!.results as unknown as (Omit<Cell, "revenue_by_currency"> & { goal: string; revenue_by_currency: string })[]) {
    viewOf(r.goal).spendCells.push({ ...r, revenue_by_currency: parseCurrencies(r.revenue_by_currency) });
  }
  return out;
}

/** Latest rollup time (unix ms) of any day in range, or null when none was rolled up. */
export async function readUpdatedAt(db: D1Database, site: string, from: string, to: string): Promise<number | null> {
  const row = await db
    .prepare(`SELECT MAX(updated_at) AS at FROM rollup_days WHERE site = ? AND day BETWEEN ? AND ?`)
    .bind(site, from, to)
    .first<{ at: number | null }>();
  return row?.at ?? null;
}

/** Daily step counts of one funnel, each with the steps (JSON) its day was rolled up with. */
export async function readFunnelDays(db: D1Database, site: string, funnel: string, from: string, to: string): Promise<FunnelDayRow[]> {
  const { results } = await db
    .prepare(
      `SELECT day, step, visitors, steps
       FROM funnel_days
       WHERE site = ? AND funnel = ? AND day BETWEEN ? AND ?
       ORDER BY day, step`,
    )
    .bind(site, funnel, from, to)
    .all<FunnelDayRow>();
  return results;
}

/**
 * Everything GET /v1/stats answers from, for the answered range: the decided days summed in SQL,
 * the view's atoms (every goal's: the caller picks) and the traffic reference of the days not yet
 * marked for k, spend, the reference rates they may be converted at, and the latest rollup time.
 */
export async function readStatsData(db: D1Database, site: string, q: { group: string; goal: string | null; model: string }, from: string, to: string, k: number, currency: string) {
  const all = q.group === "goal";
  const [decided, undecided, spend, updatedAt] = await Promise.all([
    readDecided(db, site, all ? null : (q.goal ?? MACRO_GOAL), q.model, all ? "day" : (q.group as TouchGroup), from, to, k, currency),
    readUndecided(db, site, q.model, from, to, k),
    readSpend(db, site, from, to),
    readUpdatedAt(db, site, from, to),
  ]);
  // The Worker converts the money it sums itself (undecided cells, spend, the cells spend attaches
  // to); the decided sums come converted. Rates are read only for the currencies met there.
  const codes = new Set([currency, ...spend.map((s) => s.currency)]);
  for (const c of undecided.cells) for (const code of Object.keys(c.revenue_by_currency)) codes.add(code);
  for (const v of decided.values()) for (const c of v.spendCells) for (const code of Object.keys(c.revenue_by_currency)) codes.add(code);
  const rates = await readRates(db, from, to, [...codes]);
  return { decided, ...undecided, spend, rates, updatedAt };
}
