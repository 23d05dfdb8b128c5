import type { Cell, TrafficCell } from "../privacy/release";
import type { DecidedRow, DecidedView, RowKey, TouchGroup } from "../stats/aggregate";
import { emptySums } from "../stats/figures";
import { MACRO_GOAL, TRAFFIC_VIEW } from "./atoms";
import { readSpend } from "./spend";
import type { FunnelDayRow } from "../stats/funnel";

/**
 * Reads for the aggregate API. Only atoms, funnel_days and rollup_days — never raw events —
 * so a response can only ever be built from what the rollup released into atoms.
 */

interface AtomRow {
  day: string;
  source: string;
  medium: string;
  campaign: string;
  goal: string;
  clicks: number;
  visitors: number;
  conversions: number;
  credit: number;
  revenue: number;
  revenue_by_currency: string;
}

/**
 * The days of [?2, ?3] whose atoms carry release marks for k = ?4 (site ?1): the API sums those
 * in SQL (readDecided) and releases only the other days in the Worker (readViewAtoms, readTraffic).
 */
const MARKED = "SELECT day FROM rollup_days WHERE site = ?1 AND day BETWEEN ?2 AND ?3 AND release_k = ?4";

function parseCurrencies(json: string): Record<string, number> {
  try {
    const v: unknown = JSON.parse(json);
    if (typeof v !== "object" || v === null || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, number] => typeof e[1] === "number" && Number.isFinite(e[1])));
  } catch {
    return {};
  }
}

function toCell(r: AtomRow): Cell & { goal: string } {
  return {
    day: r.day,
    source: r.source,
    medium: r.medium,
    campaign: r.campaign,
    goal: r.goal,
    clicks: r.clicks,
    visitors: r.visitors,
    conversions: r.conversions,
    credit: r.credit,
    revenue: r.revenue,
    revenue_by_currency: parseCurrencies(r.revenue_by_currency),
  };
}

/** The atoms of one view (goal, model) of a site on the undecided days of a range. */
export async function readViewAtoms(db: D1Database, site: string, goal: string, model: string, from: string, to: string, k: number): Promise<(Cell & { goal: string })[]> {
  const { results } = await db
    .prepare("SELECT day, source, medium, campaign, goal, clicks, visitors, conversions, credit, revenue, revenue_by_currency " +
      `FROM atoms WHERE site = ?1 AND day BETWEEN ?2 AND ?3 AND day NOT IN (${MARKED}) AND goal = ?5 AND model = ?6`)
    .bind(site, from, to, k, goal, model)
    .all<AtomRow>();
  return results.map(toCell);
}

/** The atoms of every goal (including "(macro)") of one model on the undecided days, for group=goal. */
export async function readModelAtoms(db: D1Database, site: string, model: string, from: string, to: string, k: number): Promise<(Cell & { goal: string })[]> {
  const { results } = await db
    .prepare("SELECT day, source, medium, campaign, goal, clicks, visitors, conversions, credit, revenue, revenue_by_currency " +
      `FROM atoms WHERE site = ?1 AND day BETWEEN ?2 AND ?3 AND day NOT IN (${MARKED}) AND model = ?5`)
    .bind(site, from, to, k, model)
    .all<AtomRow>();
  return results.map(toCell);
}

/**
 * Every touch of every undecided day in range with its clicks and visitors. The rollup writes every
 * touch of a day under every (goal, model) with the same clicks and visitors (noise on them is
 * keyed by the touch alone, privacy/noise.ts), so one reference view (TRAFFIC_VIEW) holds them all;
 * reading it instead of all goals × models keeps this a touches × days scan. The traffic base of
 * privacy/release.ts must see the same touches whatever view is asked for.
 */
export async function readTraffic(db: D1Database, site: string, from: string, to: string, k: number): Promise<TrafficCell[]> {
  const { results } = await db
    .prepare(
      "SELECT day, source, medium, campaign, clicks, visitors " +
        `FROM atoms WHERE site = ?1 AND day BETWEEN ?2 AND ?3 AND day NOT IN (${MARKED}) AND goal = ?5 AND model = ?6`,
    )
    .bind(site, from, to, k, TRAFFIC_VIEW.goal, TRAFFIC_VIEW.model)
    .all<TrafficCell>();
  return results;
}

/** The key columns each grouping sums decided atoms by (group=goal sums each goal by day). */
const DECIDED_KEYS: Record<TouchGroup, string[]> = {
  campaign: ["a.source", "a.medium", "a.campaign"],
  source: ["a.source"],
  medium: ["a.medium"],
  day: ["a.day"],
};

function keyOfDecided(group: TouchGroup, r: Record<string, unknown>): RowKey {
  switch (group) {
    case "campaign":
      return { source: String(r.source), medium: String(r.medium), campaign: String(r.campaign) };
    case "source":
      return { source: String(r.source) };
    case "medium":
      return { medium: String(r.medium) };
    case "day":
      return { day: String(r.day) };
  }
}

/** Currency codes written into a JSON path literal: ISO-4217, what the collector stores; any other key goes through json_each. */
const PLAIN_CURRENCY = /^[A-Z]{3}$/;

interface Summed {
  goal: string;
  clicks: number;
  visitors: number;
  conversions: number;
  credit: number;
  revenue: number;
  [column: string]: unknown;
}

/**
 * The decided days of a range, summed in SQL: for each goal of the view (one goal, or every goal
 * of the model when `goal` is null), its rows under `group` from atoms released on their own (for
 * group=day, every atom of a day not withheld), `other` from the pooled ones, the suppressed and
 * withheld counts per day, and the released cells spend can attach to. Two batches: the first
 * finds the currencies in range (so each becomes a SUM column of the second, one pass over the
 * atoms instead of a json_each join), the days and the spend cells; the second sums. Reads seek
 * per day on the (site, day, goal, model) prefix of the atoms' key; rows returned grow with the
 * answer, not with the days × touches read.
 */
export async function readDecided(db: D1Database, site: string, goal: string | null, model: string, group: TouchGroup, from: string, to: string, k: number): Promise<Map<string, DecidedView>> {
  const where = `a.site = ?1 AND a.day IN (${MARKED}) AND a.model = ?5` + (goal === null ? "" : " AND a.goal = ?6");
  const args = goal === null ? [site, from, to, k, model] : [site, from, to, k, model, goal];
  const [currencies, days, cells] = await db.batch([
    db.prepare(`SELECT DISTINCT j.key AS currency FROM atoms a, json_each(a.revenue_by_currency) AS j WHERE ${where}`).bind(...args),
    db.prepare(
      `SELECT a.goal, a.day, SUM(a.release <= 0) AS suppressed, MAX(a.release < 0) AS withheld ` +
        `FROM atoms a WHERE ${where} GROUP BY a.day, a.goal HAVING SUM(a.release <= 0) > 0`,
    ).bind(...args),
    db.prepare(
      `SELECT a.goal, a.day, a.source, a.medium, a.campaign, a.clicks, a.visitors, a.conversions FROM atoms a WHERE ${where} ` +
        "AND a.release = 1 AND (a.clicks > 0 OR a.visitors > 0 OR a.conversions > 0) " +
        "AND EXISTS (SELECT 1 FROM spend s WHERE s.site = ?1 AND s.day = a.day AND s.source = a.source AND s.campaign = a.campaign)",
    ).bind(...args),
  ]);
  const codes = (currencies!.results as { currency: string }[]).map((r) => r.currency);
  const unusual = codes.filter((c) => !PLAIN_CURRENCY.test(c));
  const plain = codes.filter((c) => PLAIN_CURRENCY.test(c));
  const perCurrency = plain.map((c, i) => `, SUM(a.revenue_by_currency ->> '$.${c}') AS c${i}`).join("");
  const sums = "SUM(a.clicks) AS clicks, SUM(a.visitors) AS visitors, SUM(a.conversions) AS conversions, SUM(a.credit) AS credit, SUM(a.revenue) AS revenue" + perCurrency;
  const keys = DECIDED_KEYS[group];
  // group=day: in key order (day, goal), so SQLite groups without sorting.
  const rowsGroup = group === "day" ? "a.day, a.goal" : ["a.goal", ...keys].join(", ");
  // group=day rows hold their day's pool; every other grouping sums the pools into `other`.
  const byDay = group === "day";
  const statements = [
    db.prepare(`SELECT a.goal, ${keys.join(", ")}, ${sums} FROM atoms a WHERE ${where} AND a.release ${byDay ? ">= 0" : "= 1"} GROUP BY ${rowsGroup}`).bind(...args),
    db.prepare(byDay ? "SELECT 1 WHERE false" : `SELECT a.goal, ${sums} FROM atoms a WHERE ${where} AND a.release = 0 GROUP BY a.goal`).bind(...(byDay ? [] : args)),
  ];
  if (unusual.length > 0) {
    // Any other key is summed through json_each, keyed like the rows (pooled atoms: null keys).
    const keyOrNull = keys.map((c, i) => (byDay ? `${c} AS k${i}` : `CASE WHEN a.release = 1 THEN ${c} END AS k${i}`)).join(", ");
    statements.push(
      db.prepare(
        `SELECT a.goal, ${keyOrNull}, j.key AS currency, SUM(j.value) AS amount FROM atoms a, json_each(a.revenue_by_currency) AS j ` +
          `WHERE ${where} AND a.release >= 0 AND j.key IN (${unusual.map((c) => `'${c.replaceAll("'", "''")}'`).join(", ")}) GROUP BY ${keys.map((_, i) => `k${i}`).concat("a.goal", "j.key").join(", ")}`,
      ).bind(...args),
    );
  }
  const [rows, pools, odd] = await db.batch(statements);

  const out = new Map<string, DecidedView>();
  const viewOf = (g: string) => {
    let v = out.get(g);
    if (!v) out.set(g, (v = { rows: [], other: emptySums(), days: [], spendCells: [] }));
    return v;
  };
  const add = (into: DecidedRow["sums"], r: Summed) => {
    into.clicks += r.clicks;
    into.visitors += r.visitors;
    into.conversions += r.conversions;
    into.credit += r.credit;
    into.revenue += r.revenue;
    plain.forEach((c, i) => {
      const amount = r[`c${i}`];
      if (typeof amount === "number") into.revenue_by_currency[c] = (into.revenue_by_currency[c] ?? 0) + amount;
    });
  };
  const byKey = new Map<string, DecidedRow>();
  for (const r of rows!.results as Summed[]) {
    const row: DecidedRow = { key: keyOfDecided(group, r), sums: emptySums() };
    add(row.sums, r);
    viewOf(r.goal).rows.push(row);
    byKey.set(JSON.stringify([r.goal, row.key]), row);
  }
  for (const r of pools!.results as Summed[]) add(viewOf(r.goal).other, r);
  for (const r of (odd?.results ?? []) as (Record<string, unknown> & { goal: string; currency: string; amount: number })[]) {
    const v = viewOf(r.goal);
    const key = r.k0 === null ? null : keyOfDecided(group, Object.fromEntries(keys.map((c, i) => [c.slice(2), r[`k${i}`]])));
    const sums = key === null ? v.other : byKey.get(JSON.stringify([r.goal, key]))?.sums;
    if (sums) sums.revenue_by_currency[r.currency] = (sums.revenue_by_currency[r.currency] ?? 0) + r.amount;
  }
  for (const r of days!.results as { goal: string; day: string; suppressed: number; withheld: number }[]) {
    viewOf(r.goal).days.push({ day: r.day, suppressed: r.suppressed, withheld: r.withheld === 1 });
  }
  for (const r of cells!.results as (TrafficCell & { goal: string; conversions: number })[]) {
    viewOf(r.goal).spendCells.push({
      day: r.day, source: r.source, medium: r.medium, campaign: r.campaign,
      clicks: r.clicks, visitors: r.visitors, conversions: r.conversions, credit: 0, revenue: 0, revenue_by_currency: {},
    });
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

/** Daily step counts of one funnel. */
export async function readFunnelDays(db: D1Database, site: string, funnel: string, from: string, to: string): Promise<FunnelDayRow[]> {
  const { results } = await db
    .prepare(`SELECT day, step, visitors FROM funnel_days WHERE site = ? AND funnel = ? AND day BETWEEN ? AND ? ORDER BY day, step`)
    .bind(site, funnel, from, to)
    .all<FunnelDayRow>();
  return results;
}

/**
 * Everything GET /v1/stats answers from, for the answered range: the decided days summed in SQL,
 * the asked view's atoms (every goal's for group=goal) and the traffic reference of the days not
 * yet marked for k, spend and the latest rollup time.
 */
export async function readStatsData(db: D1Database, site: string, q: { group: string; goal: string | null; model: string }, from: string, to: string, k: number) {
  const all = q.group === "goal";
  const [decided, cells, traffic, spend, updatedAt] = await Promise.all([
    readDecided(db, site, all ? null : (q.goal ?? MACRO_GOAL), q.model, all ? "day" : (q.group as TouchGroup), from, to, k),
    all ? readModelAtoms(db, site, q.model, from, to, k) : readViewAtoms(db, site, q.goal ?? MACRO_GOAL, q.model, from, to, k),
    readTraffic(db, site, from, to, k),
    readSpend(db, site, from, to),
    readUpdatedAt(db, site, from, to),
  ]);
  return { decided, cells, traffic, spend, updatedAt };
}
