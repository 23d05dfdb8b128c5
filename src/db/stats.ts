import type { Leaf, PeriodSetting } from "../privacy/hierarchy";
import type { SpendAtom } from "../stats/spend";
import type { FunnelDayRow } from "../stats/funnel";
import { monthEnd, monthStart, type Grain } from "../time/periods";
import { chunks, GRAIN_OF } from "./atoms";
import { factorSql } from "./fx";

/**
 * Reads for the aggregate API: rows, summed by src/stats/ (stats/decided.ts). Only atoms, their
 * month sums (db/sums.ts), funnel_days and rollup_days — never raw events — so a response can only
 * ever be built from what the rollup released into atoms.
 */

/** The drill-down filters of GET /v1/stats (CONTRACT.md v1.1): they narrow rows, never units. */
export interface RowFilters {
  source?: string;
  medium?: string;
  campaign?: string;
  content?: string;
}

/** The groupings readDecidedRows reads rows for (group=goal reads group=day per goal). */
export type RowGroup = "campaign" | "content" | "term" | "source" | "medium" | "day";

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
 * Binds `args` to `sql`, as many as its highest `?N` names: the statements of one read share one
 * numbering of their parameters, and D1 refuses more bindings than a statement has.
 */
function prepare(db: D1Database, sql: string, args: readonly unknown[]): D1PreparedStatement {
  let highest = 0;
  for (const m of sql.matchAll(/\?(\d+)/g)) highest = Math.max(highest, Number(m[1]));
  return db.prepare(sql).bind(...args.slice(0, highest));
}

/**
 * A rolled day (rollup_days AS `r`) whose atoms carry release marks for k = ?4 made with the site's
 * privacy.period (`period`: the parameter holding 'auto', or NULL for "day"). With "auto" a month's
 * units span its days, so a day counts as marked only when every rolled day of its month is marked
 * for k with "auto" (a month with one stale day is decided whole in the Worker, never half from
 * either side).
 */
function marked(r: string, period: string): string {
  return `${r}.release_k = ?4 AND ${r}.release_period IS ${period}
      AND (${period} IS NULL OR NOT EXISTS (
        SELECT 1 FROM rollup_days AS x
        WHERE x.site = ?1 AND x.day BETWEEN substr(${r}.day, 1, 7) || '-01' AND substr(${r}.day, 1, 7) || '-31'
          AND (x.release_k IS NOT ?4 OR x.release_period IS NOT ${period})
      ))`;
}

/** The parameter value of a privacy.period in the statements here: release_period as the rollup writes it. */
function periodParam(period: PeriodSetting): string | null {
  return period === "auto" ? "auto" : null;
}

/**
 * The days not marked for k (site ?1, days ?2–?3, k ?4, period ?5), as the Worker marks them (stats/undecided.ts):
 * every atom of every view (goal, model), per content and term. The marks of a unit's contents are
 * decided from the views that release it (privacy/hierarchy.ts), so the Worker needs them all to
 * decide exactly as the rollup will; the rows are read only for days the rollup has not marked yet
 * (a roll under way, or a change of k) and for ranges that reach them.
 */
const UNDECIDED_ATOMS = `
  SELECT day, source, medium, campaign, content, term, goal, model,
         clicks, visitors, conversions, credit, revenue, revenue_by_currency
  FROM atoms
  WHERE site = ?1 AND day BETWEEN ?2 AND ?3
    AND day NOT IN (
      SELECT r.day FROM rollup_days AS r
      WHERE r.site = ?1 AND r.day BETWEEN ?2 AND ?3 AND ${marked("r", "?5")}
    )`;

export async function readUndecided(db: D1Database, site: string, from: string, to: string, k: number, period: PeriodSetting = "day"): Promise<Leaf[]> {
  // "auto": whole months (a month's units depend on all its days), as the rollup marks them.
  const [first, last] = period === "auto" ? [monthStart(from), monthEnd(to)] : [from, to];
  const { results } = await db
    .prepare(UNDECIDED_ATOMS)
    .bind(site, first, last, k, periodParam(period))
    .all<Omit<Leaf, "revenue_by_currency"> & { revenue_by_currency: string }>();
  return results.map((r) => ({ ...r, revenue_by_currency: parseCurrencies(r.revenue_by_currency) }));
}

/*
 * The statements of readDecidedRows share one numbering of their parameters:
 *   ?1 site  ?2 from  ?3 to  ?4 k  ?5 model  ?6 goal (NULL: every goal)  ?7 the site's currency
 *   ?8 the months the range holds whole (JSON array of 'YYYY-MM')
 *   ?9 source  ?10 medium  ?11 campaign  ?12 content — the filters (NULL: not filtered)
 *   ?13 the last day of the range's first month  ?14 the first day of its last month
 *   ?15 the first day of its first month  ?16 the last day of its last month
 *   ?17 the kind of month sums its rows are  ?18 the kind its `other` is
 *   ?19 the site's privacy.period as marks record it ('auto', or NULL for "day")
 */

/**
 * `summed`: the whole months of the range answered from their sums — those whose sums were built
 * for k and the period from exactly the days rollup_days lists now, all marked so, in the site's currency only
 * (another currency is converted at each atom's own day's rate, which a month's sum cannot do).
 * `atom_days`: the other days marked for k, read from their atoms.
 */
const WITH_DAYS = `
  WITH summed AS (
    SELECT s.month
    FROM month_sums_state AS s
    WHERE s.site = ?1 AND s.k = ?4 AND s.period IS ?19
      AND s.month IN (SELECT value FROM json_each(?8))
      AND NOT EXISTS (SELECT 1 FROM json_each(s.currencies) WHERE value <> ?7)
      AND (s.days, s.stamp) = (
        SELECT COUNT(*), SUM(r.updated_at) FROM rollup_days AS r
        WHERE r.site = ?1 AND r.day BETWEEN s.month || '-01' AND s.month || '-31' AND r.release_k = ?4 AND r.release_period IS ?19
      )
      AND s.days = (
        SELECT COUNT(*) FROM rollup_days AS r
        WHERE r.site = ?1 AND r.day BETWEEN s.month || '-01' AND s.month || '-31'
      )
  ),
  atom_days AS (
    SELECT r.day FROM rollup_days AS r
    WHERE r.site = ?1 AND r.day BETWEEN ?2 AND ?3 AND ${marked("r", "?19")}
      AND substr(r.day, 1, 7) NOT IN (SELECT month FROM summed)
  )`;

/** The asked view's atoms of `atom_days` (one seek per day on the atoms' key prefix). */
const VIEW_ATOMS = "site = ?1 AND day IN (SELECT day FROM atom_days) AND model = ?5 AND (goal = ?6 OR ?6 IS NULL)";
const VIEW_ATOMS_OF_GOAL = "site = ?1 AND day IN (SELECT day FROM atom_days) AND model = ?5 AND goal = ?6";
/** The asked view's month sums of `summed`. */
const VIEW_SUMS = "site = ?1 AND month IN (SELECT month FROM summed) AND model = ?5 AND (goal = ?6 OR ?6 IS NULL)";
/** Units the range holds whole; only they are summed (a unit the range cuts counts nowhere). */
const HELD = "unit_from >= ?2 AND unit_to <= ?3";
/** The drill-down filters, on the released labels. */
const FILTERED = "(?9 IS NULL OR source = ?9) AND (?10 IS NULL OR medium = ?10) AND (?11 IS NULL OR campaign = ?11) AND (?12 IS NULL OR content = ?12)";

/** The currencies of the atoms summed: each becomes SUM columns of the summing statements. */
const CURRENCIES = (view: string) => `${WITH_DAYS}
  SELECT DISTINCT j.key AS code
  FROM atoms, json_each(atoms.revenue_by_currency) AS j
  WHERE ${view} AND ${HELD}`;

/**
 * Per day and goal: the campaign atoms pooled or withheld (each the sum of its contents and terms),
 * and whether the day is withheld; from the atoms and the month sums.
 */
const SUPPRESSED = (view: string) => `${WITH_DAYS}
  SELECT goal, day,
         COUNT(DISTINCT IIF(release <= 0, json_array(source, medium, campaign), NULL)) AS suppressed,
         MAX(release < 0) AS withheld
  FROM atoms
  WHERE ${view}
  GROUP BY day, goal
  HAVING suppressed > 0
  UNION ALL
  SELECT goal, day, suppressed, withheld
  FROM month_sums
  WHERE ${VIEW_SUMS} AND kind = 'suppressed'
  ORDER BY day, goal`;

/**
 * The released cells with a count that spend can attach to: atoms of every marked day of the range
 * that has spend (summed months too: spend joins per day), of touches with spend at any level, with
 * their contents and terms and whether each was released on its own (stats/spend.ts spendCells
 * places ad- and keyword-level cost by them).
 */
const SPEND_CELLS = (goal: string) => `
  SELECT goal, day, source, medium, campaign, content, term, content_release, term_release,
         clicks, visitors, conversions, credit, revenue, revenue_by_currency
  FROM atoms
  WHERE site = ?1 AND model = ?5 AND ${goal}
    AND day IN (
      SELECT r.day FROM rollup_days AS r
      WHERE r.site = ?1 AND r.day BETWEEN ?2 AND ?3 AND ${marked("r", "?19")}
        AND r.day IN (SELECT day FROM spend WHERE site = ?1 AND day BETWEEN ?2 AND ?3)
    )
    AND ${HELD} AND release = 1 AND clicks + visitors + conversions > 0
    AND EXISTS (
      SELECT 1 FROM spend AS s
      WHERE s.site = ?1 AND s.day = atoms.day AND s.source = atoms.source AND s.campaign = atoms.campaign
    )`;

/** The grains of the units released on their own. */
const GRAINS = (view: string) => `${WITH_DAYS}
  SELECT goal, grain FROM atoms WHERE ${view} AND ${HELD} AND release = 1
  UNION
  SELECT goal, grain FROM month_sums WHERE ${VIEW_SUMS} AND kind = 'row'`;

/**
 * The units the range cuts (`privacy.partial_periods`): a unit never crosses a calendar month, so
 * they lie in the range's first or last month, whose marked days are read for them.
 */
const CUT_UNITS = (goal: string) => `
  SELECT DISTINCT goal, unit_from, unit_to, grain
  FROM atoms
  WHERE site = ?1 AND model = ?5 AND ${goal}
    AND day IN (
      SELECT r.day FROM rollup_days AS r
      WHERE r.site = ?1 AND (r.day BETWEEN ?15 AND ?13 OR r.day BETWEEN ?14 AND ?16) AND ${marked("r", "?19")}
    )
    AND release >= 0 AND unit_from <= ?3 AND unit_to >= ?2 AND NOT (${HELD})`;

/** The key columns of each grouping's rows (contents and terms under their released labels). */
const ROW_KEYS: Record<RowGroup, string> = {
  campaign: "source, medium, campaign",
  content: "source, medium, campaign, content",
  term: "source, medium, campaign, content, term",
  source: "source",
  medium: "medium",
  day: "day",
};

const SUMS = "SUM(clicks) AS clicks, SUM(visitors) AS visitors, SUM(conversions) AS conversions, SUM(credit) AS credit, SUM(revenue) AS revenue";

/** Month sums of the rows (kind ?17), by key and currency ('' = the counts). */
const MONTH_ROWS = (keys: string) => `${WITH_DAYS}
  SELECT goal, ${keys}, currency, ${SUMS}
  FROM month_sums
  WHERE ${VIEW_SUMS} AND kind = ?17 AND ${FILTERED}
  GROUP BY goal, ${keys}, currency`;

/** Month sums of `other` (kind ?18) and of `totals`, by currency. */
const MONTH_OTHER = `${WITH_DAYS}
  SELECT goal, currency, ${SUMS}
  FROM month_sums
  WHERE ${VIEW_SUMS} AND kind = ?18
  GROUP BY goal, currency`;
const MONTH_TOTALS = `${WITH_DAYS}
  SELECT goal, currency, ${SUMS}
  FROM month_sums
  WHERE ${VIEW_SUMS} AND kind = 'total'
  GROUP BY goal, currency`;

/** Which atoms each grouping's rows, `other` and `totals` sum (group=day: rows are single-day units). */
const RELEASED = {
  rows: { day: "release >= 0 AND grain = 0", touch: "release = 1" },
  other: { day: "release >= 0 AND grain > 0", touch: "release = 0" },
  totals: "release >= 0",
} as const;

/**
 * The summing statement over atoms for one slice of currencies: the counts (first slice only),
 * and per currency i its sum c<i>; a foreign one also its sum converted at each atom's day's rate
 * (v<i>) and its sum over atoms whose day has no rate (u<i>). The amounts and factors are computed
 * once per atom in the inner select (x<i>, f<i>).
 * NOTE: the currency codes are written into the SQL, not bound: the public pixel can put any of
 * ~180 ISO-4217 codes into a day, and D1 binds at most 100 parameters per statement. Only codes
 * of exactly three capital letters reach here (readDecidedRows filters them), so nothing else
 * can reach the statement text. https://developers.cloudflare.com/d1/platform/limits/
 */
function atomSums(view: string, codes: readonly string[], currency: string, released: string, keys: string | null): string {
  // Rows are narrowed by the filters; `other` and `totals` (keys null) never are.
  const filtered = keys === null ? "true" : FILTERED;
  const foreign = (c: string) => c !== currency;
  let amounts = "";
  let sums = "";
  codes.forEach((c, i) => {
    amounts += `, revenue_by_currency ->> '$.${c}' AS x${i}`;
    sums += `, SUM(x${i}) AS c${i}`;
    if (!foreign(c)) return;
    amounts += `, IIF(revenue_by_currency ->> '$.${c}' IS NULL, NULL, ${factorSql(c, currency, "atoms.day")}) AS f${i}`;
    sums += `, SUM(x${i} * f${i}) AS v${i}, SUM(IIF(f${i} IS NULL, x${i}, NULL)) AS u${i}`;
  });
  const grouped = keys === null ? "goal" : `goal, ${keys}`;
  return `${WITH_DAYS}
  SELECT ${grouped}, ${SUMS}${sums}
  FROM (
    SELECT goal, day, source, medium, campaign,
           IIF(content_release = 1, content, '(other)') AS content,
           IIF(content_release = 1 AND term_release = 1, term, '(other)') AS term,
           clicks, visitors, conversions, credit, revenue${amounts}
    FROM atoms
    WHERE ${view} AND ${HELD} AND ${released}
  )
  WHERE ${filtered}
  GROUP BY ${grouped}`;
}

/** A row of sums: the counts and money columns of atomSums, keyed by goal (and the group's keys). */
export type SumRow = Record<string, string | number | null> & { goal: string };
/** A row of month sums: `currency` '' holds the counts and revenue, 'XYZ' that currency's sum in `revenue`. */
export type MonthSumRow = SumRow & { currency: string; clicks: number; visitors: number; conversions: number; credit: number; revenue: number };

/** What readDecidedRows reads: stats/decided.ts sums it into a DecidedView per goal. */
export interface DecidedRows {
  /** the currency codes of each slice of atom sums (one slice without codes when there are none) */
  slices: { codes: string[]; rows: SumRow[]; other: SumRow[]; totals: SumRow[] }[];
  months: { rows: MonthSumRow[]; other: MonthSumRow[]; totals: MonthSumRow[] };
  days: { goal: string; day: string; suppressed: number; withheld: number }[];
  spendCells: SpendAtom[];
  grains: { goal: string; grain: Grain }[];
  cut: { goal: string; from: string; to: string; grain: Grain }[];
}

export interface DecidedQuery {
  site: string;
  /** a goal, or null for every goal */
  goal: string | null;
  model: string;
  group: RowGroup;
  from: string;
  to: string;
  k: number;
  currency: string;
  filters: RowFilters;
  /** the calendar months the range holds whole ('YYYY-MM'): read from their sums where current */
  wholeMonths: readonly string[];
  /** the first and last day of the range's first and last month */
  edges: { firstStart: string; firstEnd: string; lastStart: string; lastEnd: string };
  /** the site's privacy.period: which marks count as made for it */
  period: PeriodSetting;
}

/**
 * The rows of the days of a range decided at rollup time (privacy/hierarchy.ts; `answerRange` is
 * the reference), for stats/decided.ts to sum: an atom counts only when the range holds its whole
 * unit (`unit_from >= from AND unit_to <= to`). The whole months of the range whose sums are
 * current come from month_sums (a few rows per key), the other marked days from their atoms. Two
 * batches: the first finds the atoms' currencies (each becomes SUM columns of the second: one pass
 * over the atoms instead of a json_each join), the suppressed and withheld days, the spend cells,
 * grains and cut units, and the month sums; the second sums the atoms — rows under the group
 * (narrowed by the filters), `other`, `totals` — converting money into the site's currency atom by
 * atom, at the atom's day's rate (db/fx.ts factorSql, the rule of fx/convert.ts).
 */
export async function readDecidedRows(db: D1Database, q: DecidedQuery): Promise<DecidedRows> {
  const f = q.filters;
  const args = [
    q.site, q.from, q.to, q.k, q.model, q.goal, q.currency, JSON.stringify(q.wholeMonths),
    f.source ?? null, f.medium ?? null, f.campaign ?? null, f.content ?? null,
    q.edges.firstEnd, q.edges.lastStart, q.edges.firstStart, q.edges.lastEnd,
    q.group === "day" ? "day" : "row", q.group === "day" ? "coarse" : "pool",
    periodParam(q.period),
  ];
  // One goal: an equality on the atoms' key, so each day is one seek; every goal: none.
  const view = q.goal === null ? VIEW_ATOMS : VIEW_ATOMS_OF_GOAL;
  const goal = q.goal === null ? "(goal = ?6 OR ?6 IS NULL)" : "goal = ?6";
  const keys = ROW_KEYS[q.group];
  const run = (sql: string) => prepare(db, sql, args);
  const [currencies, days, cells, grains, cut, monthRows, monthOther, monthTotals] = await db.batch<Record<string, unknown>>([
    run(CURRENCIES(view)),
    run(SUPPRESSED(view)),
    run(SPEND_CELLS(goal)),
    run(GRAINS(view)),
    run(CUT_UNITS(goal)),
    run(MONTH_ROWS(keys)),
    run(MONTH_OTHER),
    run(MONTH_TOTALS),
  ]);
  const codes = currencies!.results.map((r) => String(r.code)).filter((c) => /^[A-Z]{3}$/.test(c));
  const slices = codes.length > 0 ? chunks(codes, CURRENCY_COLUMNS) : [[]];
  const byDay = q.group === "day";
  const sums = await db.batch<SumRow>(
    slices.flatMap((part) => [
      run(atomSums(view, part, q.currency, byDay ? RELEASED.rows.day : RELEASED.rows.touch, keys)),
      run(atomSums(view, part, q.currency, byDay ? RELEASED.other.day : RELEASED.other.touch, null)),
      run(atomSums(view, part, q.currency, RELEASED.totals, null)),
    ]),
  );
  return {
    slices: slices.map((part, i) => ({ codes: part, rows: sums[3 * i]!.results, other: sums[3 * i + 1]!.results, totals: sums[3 * i + 2]!.results })),
    months: {
      rows: monthRows!.results as MonthSumRow[],
      other: monthOther!.results as MonthSumRow[],
      totals: monthTotals!.results as MonthSumRow[],
    },
    days: days!.results as DecidedRows["days"],
    spendCells: (cells!.results as (Omit<SpendAtom, "revenue_by_currency" | "content_release" | "term_release"> & { content_release: number; term_release: number; revenue_by_currency: string })[]).map((r) => ({
      ...r,
      content_release: Boolean(r.content_release),
      term_release: Boolean(r.term_release),
      revenue_by_currency: parseCurrencies(r.revenue_by_currency),
    })),
    grains: (grains!.results as { goal: string; grain: number }[]).map((r) => ({ goal: r.goal, grain: GRAIN_OF[r.grain] ?? "day" })),
    cut: (cut!.results as { goal: string; unit_from: string; unit_to: string; grain: number }[]).map((r) => ({
      goal: r.goal,
      from: r.unit_from,
      to: r.unit_to,
      grain: GRAIN_OF[r.grain] ?? "day",
    })),
  };
}

/** Latest rollup time (unix ms) of any day in range, or null when none was rolled up. */
export async function readUpdatedAt(db: D1Database, site: string, from: string, to: string): Promise<number | null> {
  const row = await db
    .prepare(
      `SELECT MAX(updated_at) AS at
       FROM rollup_days
       WHERE site = ?1 AND day BETWEEN ?2 AND ?3`,
    )
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
       WHERE site = ?1 AND funnel = ?2 AND day BETWEEN ?3 AND ?4
       ORDER BY day, step`,
    )
    .bind(site, funnel, from, to)
    .all<FunnelDayRow>();
  return results;
}
