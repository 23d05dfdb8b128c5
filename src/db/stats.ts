import type { Cell, TrafficCell } from "../privacy/release";
import { MACRO_GOAL } from "./atoms";
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

/** The model whose (macro) atoms serve as the traffic reference (any model would do). */
const TRAFFIC_MODEL = "last_click";

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

/** The atoms of one view (goal, model) of a site over a day range. */
export async function readViewAtoms(db: D1Database, site: string, goal: string, model: string, from: string, to: string): Promise<(Cell & { goal: string })[]> {
  const { results } = await db
    .prepare("SELECT day, source, medium, campaign, goal, clicks, visitors, conversions, credit, revenue, revenue_by_currency " +
      "FROM atoms WHERE site = ? AND day BETWEEN ? AND ? AND goal = ? AND model = ?")
    .bind(site, from, to, goal, model)
    .all<AtomRow>();
  return results.map(toCell);
}

/** The atoms of every goal (including "(macro)") of one model, for group=goal. */
export async function readModelAtoms(db: D1Database, site: string, model: string, from: string, to: string): Promise<(Cell & { goal: string })[]> {
  const { results } = await db
    .prepare("SELECT day, source, medium, campaign, goal, clicks, visitors, conversions, credit, revenue, revenue_by_currency " +
      "FROM atoms WHERE site = ? AND day BETWEEN ? AND ? AND model = ?")
    .bind(site, from, to, model)
    .all<AtomRow>();
  return results.map(toCell);
}

/**
 * Every touch of every day in range with its clicks and visitors. The rollup writes every
 * touch of a day under every (goal, model) with the same clicks and visitors (noise on them is
 * keyed by the touch alone, privacy/noise.ts), so one reference view holds them all; reading it
 * instead of all goals × models keeps this a touches × days scan. The traffic base of
 * privacy/release.ts must see the same touches whatever view is asked for.
 */
export async function readTraffic(db: D1Database, site: string, from: string, to: string): Promise<TrafficCell[]> {
  const { results } = await db
    .prepare(
      "SELECT day, source, medium, campaign, clicks, visitors " +
        "FROM atoms WHERE site = ? AND day BETWEEN ? AND ? AND goal = ? AND model = ?",
    )
    .bind(site, from, to, MACRO_GOAL, TRAFFIC_MODEL)
    .all<TrafficCell>();
  return results;
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
 * Everything GET /v1/stats answers from, for the answered range: the asked view's atoms (every
 * goal's for group=goal), the traffic reference, spend and the latest rollup time.
 */
export async function readStatsData(db: D1Database, site: string, q: { group: string; goal: string | null; model: string }, from: string, to: string) {
  const [cells, traffic, spend, updatedAt] = await Promise.all([
    q.group === "goal" ? readModelAtoms(db, site, q.model, from, to) : readViewAtoms(db, site, q.goal ?? MACRO_GOAL, q.model, from, to),
    readTraffic(db, site, from, to),
    readSpend(db, site, from, to),
    readUpdatedAt(db, site, from, to),
  ]);
  return { cells, traffic, spend, updatedAt };
}
