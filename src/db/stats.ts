import type { Leaf, PeriodSetting } from "../privacy/hierarchy";
import { noDecided, type DecidedView, type RowKey, type TouchGroup } from "../stats/aggregate";
import { addCell, emptySums, type Sums } from "../stats/figures";
import { monthEnd, monthStart } from "../time/periods";
import { chunks, GRAIN_OF, MACRO_GOAL, TRAFFIC_VIEW } from "./atoms";
import { factorSql, readRates } from "./fx";
import { readSpend } from "./spend";
import type { FunnelDayRow } from "../stats/funnel";
import { spendCells, type SpendAtom } from "../stats/spend";

/**
 * Reads for the aggregate API. Only atoms, funnel_days and rollup_days — never raw events —
 * so a response can only ever be built from what the rollup released into atoms.
 */


/**
 * The days of [`from`, `to`] (placeholders) whose atoms carry release marks for k = ?4 (site ?1)
 * made with the site's privacy.period: the API sums those in SQL (readDecided) and marks only the
 * other days in the Worker (readUndecided). With "auto" a month's units span its days, so a day
 * counts as marked only when every rolled day of its month is marked for k with "auto" (a month
 * with one stale day is decided whole in the Worker, never half from either side).
 */
function markedDays(period: PeriodSetting, from = "?2", to = "?3"): string {
  if (period === "day") return `SELECT day FROM rollup_days WHERE site=?1 AND day BETWEEN ${from} AND ${to} AND release_k=?4 AND release_period IS NULL`;
  return (
    `SELECT r.day FROM rollup_days r WHERE r.site=?1 AND r.day BETWEEN ${from} AND ${to} AND r.release_k=?4 AND r.release_period='auto' ` +
    "AND NOT EXISTS (SELECT 1 FROM rollup_days x WHERE x.site=?1 AND x.day BETWEEN substr(r.day,1,7)||'-01' AND substr(r.day,1,7)||'-31' " +
    "AND (x.release_k IS NOT ?4 OR x.release_period IS NOT 'auto'))"
  );
}

/**
 * Currencies per summing statement: D1 answers at most 100 columns (101: "too many columns in
 * result set"), and each currency takes three (its sum, converted, unconverted) beside ≤ 11 others
 * (goal, up to five key columns for group=term, five sums).
 */
const CURRENCY_COLUMNS = 29;

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
 * The days of a range not marked for k, as the Worker marks them (stats/undecided.ts): every atom
 * of every view (goal, model), per content and term. The marks of a unit's contents are decided
 * from the views that release it (privacy/hierarchy.ts), so the Worker needs them all to decide
 * exactly as the rollup will; the rows are read only for days the rollup has not marked yet (a
 * roll under way, or a change of k) and for ranges that reach them.
 */
export async function readUndecided(db: D1Database, site: string, from: string, to: string, k: number, period: PeriodSetting = "day"): Promise<Leaf[]> {
  // "auto": whole months (a month's units depend on all its days), as the rollup marks them.
  const [first, last] = period === "auto" ? [monthStart(from), monthEnd(to)] : [from, to];
  const { results } = await db
    .prepare(
      "SELECT day,source,medium,campaign,content,term,goal,model,clicks,visitors,conversions,credit,revenue,revenue_by_currency FROM atoms " +
        `WHERE site=?1 AND day BETWEEN ?2 AND ?3 AND day NOT IN (${markedDays(period)})`,
    )
    .bind(site, first, last, k)
    .all<Omit<Leaf, "revenue_by_currency"> & { revenue_by_currency: string }>();
  return results.map((r) => ({ ...r, revenue_by_currency: parseCurrencies(r.revenue_by_currency) }));
}

/** The label a released content or term row shows: its name where released on its own, else (other). */
const CONTENT_LABEL = "IIF(content_release=1,content,'(other)')";
const TERM_LABEL = "IIF(content_release=1 AND term_release=1,term,'(other)')";

/**
 * The key columns each grouping sums decided atoms by, as [column, SQL expression] (group=goal
 * sums each goal by day). Contents and terms show under their released label (privacy/hierarchy.ts
 * rowKeyOf).
 */
const DECIDED_KEYS: Record<TouchGroup, [string, string][]> = {
  campaign: [["source", "source"], ["medium", "medium"], ["campaign", "campaign"]],
  content: [["source", "source"], ["medium", "medium"], ["campaign", "campaign"], ["content", CONTENT_LABEL]],
  term: [["source", "source"], ["medium", "medium"], ["campaign", "campaign"], ["content", CONTENT_LABEL], ["term", TERM_LABEL]],
  source: [["source", "source"]],
  medium: [["medium", "medium"]],
  day: [["day", "day"]],
};

/** The drill-down filters of GET /v1/stats (CONTRACT.md v1.1): they narrow rows, never units. */
export interface RowFilters {
  source?: string;
  medium?: string;
  campaign?: string;
  content?: string;
}

const FILTER_SQL: Record<keyof RowFilters, string> = { source: "source", medium: "medium", campaign: "campaign", content: CONTENT_LABEL };

/**
 * The decided days of a range, summed in SQL over the hierarchical marks (privacy/hierarchy.ts;
 * `answerRange` is the reference): an atom counts only when the range holds its whole unit
 * (`unit_from >= from AND unit_to <= to`). For each goal of the view (one goal, or every goal of
 * the model when `goal` is null): its rows under `group` from atoms released on their own (for
 * group=day, every single-day unit not withheld; coarse units go to `other`), narrowed by
 * `filters`; `other` from the pooled ones; `totals` from every unit in range; the suppressed and
 * withheld counts per day; the released cells spend can attach to; the grains the rows hold; and
 * the units the range cuts (`privacy.partial_periods`). Two batches: the first finds the currencies
 * in range (each becomes a SUM column of the second: one pass over the atoms instead of a json_each
 * join), the days, the spend cells, grains and cut units; the second sums. Reads seek per day on the
 * (site, day, goal, model) prefix of the atoms' key; rows returned grow with the answer, not with
 * the days × touches read.
 * Money is converted into the site's `currency` atom by atom, at the atom's day's rate
 * (db/fx.ts factorSql, the rule of fx/convert.ts): a currency's converted sum, and its sum over
 * the atoms whose day has no rate (revenue_unconverted).
 * NOTE: the currency codes are written into the SQL, not bound: the public pixel can put any of
 * ~180 ISO-4217 codes into a day, and D1 binds at most 100 parameters per statement. Only codes
 * of exactly three capital letters are written (all the collector and site config accept), so
 * nothing else can reach the statement text. https://developers.cloudflare.com/d1/platform/limits/
 */
export async function readDecided(
  db: D1Database,
  site: string,
  goal: string | null,
  model: string,
  group: TouchGroup,
  from: string,
  to: string,
  k: number,
  currency: string,
  filters: RowFilters = {},
  period: PeriodSetting = "day",
): Promise<Map<string, DecidedView>> {
  const view = ` FROM atoms WHERE site=?1 AND day IN (${markedDays(period)}) AND model=?5` + (goal === null ? "" : " AND goal=?6");
  // Units the range holds whole; only they are summed (a unit the range cuts counts nowhere).
  const where = `${view} AND unit_from>=?2 AND unit_to<=?3`;
  const args = [site, from, to, k, model, ...(goal === null ? [] : [goal])];
  const q = (sql: string, more: unknown[] = []) => db.prepare(sql).bind(...args, ...more);
  const filterKeys = (Object.keys(FILTER_SQL) as (keyof RowFilters)[]).filter((f) => filters[f] !== undefined);
  const filterSql = filterKeys.map((f, i) => ` AND ${FILTER_SQL[f]}=?${args.length + 1 + i}`).join("");
  const filterArgs = filterKeys.map((f) => filters[f]!);
  // Units cut by the range lie in its first or last month (a unit never crosses a month): those
  // months' marked days are read for them.
  const cutFrom = monthStart(from);
  const cutTo = monthEnd(to);
  const [currencies, days, cells, grains, cut] = await db.batch<Record<string, unknown>>([
    q(`SELECT DISTINCT j.key AS c FROM (SELECT revenue_by_currency${where}),json_each(revenue_by_currency) j`),
    // Suppressed counts campaign atoms (day, touch), each the sum of its contents and terms.
    q(`SELECT goal,day,COUNT(DISTINCT IIF(release<=0,json_array(source,medium,campaign),NULL)) AS suppressed,MAX(release<0) AS withheld${view} GROUP BY day,goal HAVING suppressed>0`),
    q(
      `SELECT goal,day,source,medium,campaign,content,term,content_release,term_release,clicks,visitors,conversions,credit,revenue,revenue_by_currency${where} AND release=1 AND clicks+visitors+conversions>0 ` +
        "AND EXISTS(SELECT 1 FROM spend s WHERE s.site=?1 AND s.day=atoms.day AND s.source=atoms.source AND s.campaign=atoms.campaign)",
    ),
    q(`SELECT DISTINCT goal,grain${where} AND release=1`),
    db
      .prepare(
        "SELECT DISTINCT goal,unit_from,unit_to,grain FROM atoms " +
          `WHERE site=?1 AND day IN (${markedDays(period, "?6", "?7")}) AND model=?5` +
          (goal === null ? "" : " AND goal=?8") +
          " AND release>=0 AND unit_from<=?3 AND unit_to>=?2 AND NOT (unit_from>=?2 AND unit_to<=?3)",
      )
      .bind(site, from, to, k, model, cutFrom, cutTo, ...(goal === null ? [] : [goal])),
  ]);
  const codes = currencies!.results.map((r) => String(r.c)).filter((c) => /^[A-Z]{3}$/.test(c));
  const keys = DECIDED_KEYS[group];
  // GROUP BY the expressions, not the aliases: SQLite resolves a GROUP BY name to the input's
  // column first, so `GROUP BY content` would group by the content's name, not its released label.
  const keyCols = keys.map(([, e]) => e).join(",");
  const keyExprs = keys.map(([c, e]) => (c === e ? c : `${e} AS ${c}`)).join(",");
  // group=day rows hold their day's single-day units (day units and day pools), grouped in key
  // order (day, goal) so SQLite need not sort; coarse units belong to no single day and go to
  // `other`. Every other grouping sums released atoms by key and the pools into `other`. Currencies
  // go CURRENCY_COLUMNS to a statement (SQLite caps a result's columns): the first statement of
  // each triple also sums the counts, the others only their currencies.
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
      const atoms = (release: string) =>
        `(SELECT goal,day,source,medium,campaign,content,term,content_release,term_release,clicks,visitors,conversions,credit,revenue${amounts}${where} AND ${release})`;
      return [
        byDay
          ? q(`SELECT goal,day,${sums} FROM ${atoms("release>=0 AND grain=0")} GROUP BY day,goal`)
          : q(`SELECT goal,${keyExprs},${sums} FROM ${atoms("release=1")} WHERE true${filterSql} GROUP BY goal,${keyCols}`, filterArgs),
        q(`SELECT goal,${sums} FROM ${atoms(byDay ? "release>=0 AND grain>0" : "release=0")} GROUP BY goal`),
        q(`SELECT goal,${sums} FROM ${atoms("release>=0")} GROUP BY goal`),
      ];
    }),
  );

  const out = new Map<string, DecidedView>();
  const viewOf = (g: unknown) => {
    let v = out.get(String(g));
    if (!v) out.set(String(g), (v = noDecided()));
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
    for (const r of results[3 * p]!.results) {
      const key = Object.fromEntries(keys.map(([c]) => [c, r[c]])) as unknown as RowKey;
      const id = JSON.stringify([r.goal, key]);
      let sums = rowsByKey.get(id);
      if (!sums) {
        rowsByKey.set(id, (sums = emptySums()));
        viewOf(r.goal).rows.push({ key, sums });
      }
      add(sums, r);
    }
    for (const r of results[3 * p + 1]!.results) add(viewOf(r.goal).other, r);
    for (const r of results[3 * p + 2]!.results) add(viewOf(r.goal).totals, r);
  });
  for (const r of days!.results as unknown as { goal: string; day: string; suppressed: number; withheld: number }[]) {
    viewOf(r.goal).days.push({ day: r.day, suppressed: r.suppressed, withheld: r.withheld === 1 });
  }
  // Spend joins at the campaign: the released contents of a campaign atom are summed back into it
  // (stats/spend.ts spendCells), noting which contents and terms ad- and keyword-level spend may join.
  const spendAtoms = (cells!.results as unknown as (Omit<SpendAtom, "revenue_by_currency"> & { revenue_by_currency: string })[]).map((r) => ({
    ...r,
    content_release: Boolean(r.content_release),
    term_release: Boolean(r.term_release),
    revenue_by_currency: parseCurrencies(r.revenue_by_currency),
  }));
  for (const { goal: g, ...cell } of spendCells(spendAtoms)) viewOf(g).spendCells.push(cell);
  for (const r of grains!.results as { goal: string; grain: number }[]) viewOf(r.goal).grains.push(GRAIN_OF[r.grain] ?? "day");
  for (const r of cut!.results as { goal: string; unit_from: string; unit_to: string; grain: number }[]) {
    viewOf(r.goal).partial.push({ from: r.unit_from, to: r.unit_to, grain: GRAIN_OF[r.grain] ?? "day" });
  }
  for (const v of out.values()) v.partial.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
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
export async function readStatsData(
  db: D1Database,
  site: string,
  q: { group: string; goal: string | null; model: string; filters?: RowFilters },
  from: string,
  to: string,
  k: number,
  currency: string,
  period: PeriodSetting = "day",
) {
  const all = q.group === "goal";
  const [decided, undecided, spend, updatedAt] = await Promise.all([
    readDecided(db, site, all ? null : (q.goal ?? MACRO_GOAL), q.model, all ? "day" : (q.group as TouchGroup), from, to, k, currency, q.filters, period),
    readUndecided(db, site, from, to, k, period),
    readSpend(db, site, from, to),
    readUpdatedAt(db, site, from, to),
  ]);
  // The Worker converts the money it sums itself (undecided atoms, spend, the cells spend attaches
  // to); the decided sums come converted. Rates are read only for the currencies met there.
  const codes = new Set([currency, ...spend.map((s) => s.currency)]);
  for (const c of undecided) if (c.model === q.model) for (const code of Object.keys(c.revenue_by_currency)) codes.add(code);
  for (const v of decided.values()) for (const c of v.spendCells) for (const code of Object.keys(c.revenue_by_currency)) codes.add(code);
  const rates = await readRates(db, from, to, [...codes]);
  return { decided, undecided, spend, rates, updatedAt };
}
