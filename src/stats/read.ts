import { MACRO_GOAL } from "../db/atoms";
import { readRates } from "../db/fx";
import { readSpend } from "../db/spend";
import { readDecidedRows, readFunnelDays, readUndecided, readUpdatedAt, type RowFilters } from "../db/stats";
import type { RateRow } from "../fx/convert";
import type { Leaf, PeriodSetting } from "../privacy/hierarchy";
import { addDays } from "../time/day";
import { monthEnd, monthStart } from "../time/periods";
import type { DecidedView, TouchGroup } from "./aggregate";
import { sumDecided } from "./decided";
import { releaseFunnel } from "./funnel";
import type { SpendRow } from "./spend";

/**
 * The read side of GET /v1/stats and /v1/funnel: what the routes call. db/ returns rows; the sums
 * are made here (stats/decided.ts) and in stats/report.ts.
 */

/** The calendar months [from, to] holds whole, as 'YYYY-MM'. */
export function wholeMonths(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = monthStart(from); m <= to; m = addDays(monthEnd(m), 1)) {
    if (m >= from && monthEnd(m) <= to) out.push(m.slice(0, 7));
  }
  return out;
}

/** The days the range's first and last months span (the units a range cuts lie there). */
function edges(from: string, to: string) {
  return { firstStart: monthStart(from), firstEnd: monthEnd(from), lastStart: monthStart(to), lastEnd: monthEnd(to) };
}

/**
 * The decided days of a range, summed per goal: the whole months with current sums from
 * month_sums, the other marked days from their atoms (db/stats.ts readDecidedRows).
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
  const rows = await readDecidedRows(db, { site, goal, model, group, from, to, k, currency, filters, wholeMonths: wholeMonths(from, to), edges: edges(from, to), period });
  return sumDecided(rows, group, currency);
}

export interface StatsData {
  decided: Map<string, DecidedView>;
  undecided: Leaf[];
  spend: SpendRow[];
  rates: RateRow[];
  updatedAt: number | null;
}

/**
 * Everything GET /v1/stats answers from, for the answered range: the decided days summed, the
 * view's atoms (every goal's: the caller picks) and the traffic reference of the days not yet
 * marked for k, spend, the reference rates they may be converted at, and the latest rollup time.
 */
export async function readStats(
  db: D1Database,
  site: string,
  q: { group: string; goal: string | null; model: string; filters?: RowFilters },
  from: string,
  to: string,
  k: number,
  currency: string,
  period: PeriodSetting = "day",
): Promise<StatsData> {
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

/** What nothing answers from (the range holds no final day). */
export function noStatsData(): StatsData {
  return { decided: new Map(), undecided: [], spend: [], rates: [], updatedAt: null };
}

/** A configured funnel's released step visitors over the answered range (stats/funnel.ts); null: no day answered. */
export async function readFunnel(db: D1Database, site: string, funnel: { name: string; steps: readonly string[] }, answered: { from: string; to: string } | null, k: number) {
  const rows = answered ? await readFunnelDays(db, site, funnel.name, answered.from, answered.to) : [];
  return releaseFunnel(funnel.steps, rows, k);
}
