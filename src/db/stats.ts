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

/**
 * The key columns each grouping sums decided atoms by. Atoms released on their own (release = 1)
 * keep their key; pooled ones get NULL keys, so they sum into one `other` group. group=day keeps
 * the day for both, since a day's pool is part of that day's row.
 */
const DECIDED_KEYS: Record<TouchGroup, [string, string, string]> = {
  campaign: ["CASE WHEN a.release = 1 THEN a.source END", "CASE WHEN a.release = 1 THEN a.medium END", "CASE WHEN a.release = 1 THEN a.campaign END"],
  source: ["CASE WHEN a.release = 1 THEN a.source END", "NULL", "NULL"],
  medium: ["CASE WHEN a.release = 1 THEN a.medium END", "NULL", "NULL"],
  day: ["a.day", "NULL", "NULL"],
};

function keyOfDecided(group: TouchGroup, k1: string | null, k2: string | null, k3: string | null): RowKey | null {
  if (k1 === null) return null;
  switch (group) {
    case "campaign":
      return { source: k1, medium: k2!, campaign: k3! };
    case "source":
      return { source: k1 };
    case "medium":
      return { medium: k1 };
    case "day":
      return { day: k1 };
  }
}

interface SumRow {
  goal: string;
  k1: string | null;
  k2: string | null;
  k3: string | null;
  clicks: number;
  visitors: number;
  conversions: number;
  credit: number;
  revenue: number;
}

/**
 * The decided days of a range, summed in SQL: for each goal of the view (one goal, or every goal
 * of the model when `goal` is null), its rows under `group` and `other` from released marks, the
 * suppressed and withheld counts per day, and the released cells spend can attach to. One batch,
 * a seek per day on the (site, day, goal, model) prefix of the atoms' key; rows returned grow with
 * the answer, not with the days × touches read.
 */
export async function readDecided(db: D1Database, site: string, goal: string | null, model: string, group: TouchGroup, from: string, to: string, k: number): Promise<Map<string, DecidedView>> {
  const [k1, k2, k3] = DECIDED_KEYS[group];
  const where = `a.site = ?1 AND a.day IN (${MARKED}) AND a.model = ?5` + (goal === null ? "" : " AND a.goal = ?6");
  const args = goal === null ? [site, from, to, k, model] : [site, from, to, k, model, goal];
  const [sums, currencies, days, cells] = await db.batch([
    db.prepare(
      `SELECT a.goal, ${k1} AS k1, ${k2} AS k2, ${k3} AS k3, SUM(a.clicks) AS clicks, SUM(a.visitors) AS visitors, ` +
        `SUM(a.conversions) AS conversions, SUM(a.credit) AS credit, SUM(a.revenue) AS revenue ` +
        `FROM atoms a WHERE ${where} AND a.release >= 0 GROUP BY 1, 2, 3, 4`,
    ).bind(...args),
    db.prepare(
      `SELECT a.goal, ${k1} AS k1, ${k2} AS k2, ${k3} AS k3, j.key AS currency, SUM(j.value) AS amount ` +
        `FROM atoms a, json_each(a.revenue_by_currency) AS j WHERE ${where} AND a.release >= 0 GROUP BY 1, 2, 3, 4, 5`,
    ).bind(...args),
    db.prepare(
      `SELECT a.goal, a.day, SUM(a.release <= 0) AS suppressed, MAX(a.release < 0) AS withheld ` +
        `FROM atoms a WHERE ${where} GROUP BY 1, 2 HAVING SUM(a.release <= 0) > 0`,
    ).bind(...args),
    db.prepare(
      `SELECT a.goal, a.day, a.source, a.medium, a.campaign, a.clicks, a.visitors, a.conversions FROM atoms a WHERE ${where} ` +
        "AND a.release = 1 AND (a.clicks > 0 OR a.visitors > 0 OR a.conversions > 0) " +
        "AND EXISTS (SELECT 1 FROM spend s WHERE s.site = ?1 AND s.day = a.day AND s.source = a.source AND s.campaign = a.campaign)",
    ).bind(...args),
  ]);
  const out = new Map<string, DecidedView>();
  const viewOf = (g: string) => {
    let v = out.get(g);
    if (!v) out.set(g, (v = { rows: [], other: emptySums(), days: [], spendCells: [] }));
    return v;
  };
  const rowsByKey = new Map<string, DecidedRow>();
  const rowOf = (r: { goal: string; k1: string | null; k2: string | null; k3: string | null }) => {
    const id = JSON.stringify([r.goal, r.k1, r.k2, r.k3]);
    let row = rowsByKey.get(id);
    if (!row) {
      const key = keyOfDecided(group, r.k1, r.k2, r.k3);
      const v = viewOf(r.goal);
      row = { key, sums: key === null ? v.other : emptySums() };
      if (key !== null) v.rows.push(row);
      rowsByKey.set(id, row);
    }
    return row.sums;
  };
  for (const r of sums!.results as unknown as SumRow[]) {
    const s = rowOf(r);
    s.clicks += r.clicks;
    s.visitors += r.visitors;
    s.conversions += r.conversions;
    s.credit += r.credit;
    s.revenue += r.revenue;
  }
  for (const r of currencies!.results as unknown as (SumRow & { currency: string; amount: number })[]) {
    const s = rowOf(r);
    s.revenue_by_currency[r.currency] = (s.revenue_by_currency[r.currency] ?? 0) + r.amount;
  }
  for (const r of days!.results as unknown as { goal: string; day: string; suppressed: number; withheld: number }[]) {
    viewOf(r.goal).days.push({ day: r.day, suppressed: r.suppressed, withheld: r.withheld === 1 });
  }
  for (const r of cells!.results as unknown as (TrafficCell & { goal: string; conversions: number })[]) {
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
