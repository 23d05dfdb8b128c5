import { MACRO_GOAL } from "../db/atoms";
import { fxOf, type Fx, type RateRow } from "../fx/convert";
import type { RowFilters } from "../db/stats";
import type { Leaf } from "../privacy/hierarchy";
import type { SiteConfig } from "../sites/config";
import { periodOf } from "../sites/config";
import { dayOf, iso } from "../time/day";
import { decidedReleases, mergeDecided, noDecided, presentView, sumView, type DecidedView, type PartialPeriod, type Row, type Totals } from "./aggregate";
import { toCsv } from "./csv";
import { emptySums, present, presentPaid, type Figures } from "./figures";
import type { Group, StatsQuery } from "./query";
import { allocateSpend, type SpendRow } from "./spend";
import { decideUndecided } from "./undecided";

/** Everything GET /v1/stats answers from, already read (atoms only, never raw events). */
export interface StatsInput {
  site: SiteConfig;
  query: StatsQuery;
  /** days of the range inside the re-roll window (stats/query.ts window) */
  provisional: string[];
  /** the days released at rollup time, summed per goal (stats/read.ts readDecided) */
  decided: ReadonlyMap<string, DecidedView>;
  /** the other days: every atom of every view (db/stats.ts readUndecided), marked in the Worker */
  undecided: readonly Leaf[];
  spend: readonly SpendRow[];
  /** reference rates of the range and the lookback before it (db/fx.ts readRates) */
  rates: readonly RateRow[];
  /** unix ms of the latest rollup of the range, or null */
  updatedAt: number | null;
  /** the range answered (stats/query.ts window: with final_only, the final days); default the query's */
  answered?: { from: string; to: string } | null;
  /** unix ms of the request (default: now): the site's today ends the current month's units */
  now?: number;
}

export interface StatsAnswer {
  site: string;
  from: string;
  to: string;
  group: Group;
  model: string;
  /** the goal asked for; null = all macro goals together */
  goal: string | null;
  currency: string;
  privacy: {
    k: number;
    epsilon: number | null;
    final_only: boolean;
    suppressed: number;
    withheld_days: string[];
    provisional_days: string[];
    /** v1.1: the grain of the units the rows hold */
    period: "day" | "week" | "month" | "mixed";
    /**
     * v1.1: the periods of coarse units the range cuts (left out of rows, other and totals), each
     * an ISO 8601 interval `YYYY-MM-DD/YYYY-MM-DD` (the dashboard lists them as given).
     */
    partial_periods: string[];
  };
  rows: Row[];
  other: Figures;
  totals: Totals;
  updated_at: string | null;
}

/** The key columns of each grouping, in CSV order. */
export const KEY_COLUMNS: Record<Group, readonly string[]> = {
  campaign: ["source", "medium", "campaign"],
  source: ["source"],
  medium: ["medium"],
  day: ["day"],
  goal: ["goal", "tier"],
  content: ["source", "medium", "campaign", "content"],
  term: ["source", "medium", "campaign", "content", "term"],
};

/**
 * One view (goal, model): the days not marked at rollup time are marked and summed here
 * (stats/undecided.ts), the marked ones come summed from the database; spend is allocated over
 * both alike.
 */
function view(input: StatsInput, worker: ReadonlyMap<string, DecidedView>, goal: string) {
  const decided = mergeDecided(input.decided.get(goal) ?? noDecided(), worker.get(goal) ?? noDecided());
  return { releases: [], decided, pieces: allocateSpend(decidedReleases(decided), input.spend) };
}

/**
 * Builds the stats answer: releases the asked view day by day (privacy/release.ts), attaches
 * spend, groups, and presents. For group=goal each of the site's goals is a row holding that
 * goal's released totals, and `totals` are those of all macro goals together.
 */
export function buildStats(input: StatsInput): StatsAnswer {
  const { site, query } = input;
  const currency = site.currency;
  const fx: Fx = fxOf(currency, input.rates);
  const group = query.group === "goal" ? "day" : query.group;
  const worker = decideUndecided(
    input.undecided,
    { k: site.privacy.k, period: periodOf(site), today: dayOf(input.now ?? Date.now(), site.timezone), model: query.model, group, filters: query.filters, from: (input.answered ?? query).from, to: (input.answered ?? query).to, spendKeys: new Set(input.spend.map((s) => JSON.stringify([s.day, s.source, s.campaign]))) },
    fx,
  );
  const main = view(input, worker, query.goal ?? MACRO_GOAL);
  // Filters narrow the rows of the touch groupings (db/stats.ts readDecided: group=day rows ignore them).
  const grouped = sumView(group, main.releases, main.pieces, main.decided, fx, group === "day" ? {} : query.filters);
  let shown: { rows: Row[]; other: Figures; totals: Totals };
  if (query.group === "goal") {
    const rows = site.goals.map((g) => {
      const v = view(input, worker, g.name);
      const totals = sumView("day", v.releases, v.pieces, v.decided, fx).totals;
      return { goal: g.name, tier: g.tier, ...present(totals, currency) };
    });
    shown = { rows, other: present(emptySums(), currency), totals: { ...present(grouped.totals, currency), paid: presentPaid(grouped.paid, currency) } };
  } else {
    shown = presentView(grouped, currency);
  }
  return {
    site: site.id,
    from: query.from,
    to: query.to,
    group: query.group,
    model: query.model,
    goal: query.goal,
    currency,
    privacy: {
      k: site.privacy.k,
      epsilon: site.privacy.epsilon,
      final_only: site.privacy.final_only,
      suppressed: grouped.suppressed,
      withheld_days: grouped.withheld_days,
      provisional_days: input.provisional,
      period: main.decided.grains.length === 0 ? "day" : main.decided.grains.length === 1 ? main.decided.grains[0]! : "mixed",
      partial_periods: main.decided.partial.map((p: PartialPeriod) => `${p.from}/${p.to}`),
    },
    ...shown,
    updated_at: input.updatedAt === null ? null : iso(input.updatedAt),
  };
}

/** The same answer as CSV: the rows, then `(other)` and `(total)`. */
export function statsCsv(a: StatsAnswer): string {
  return toCsv(KEY_COLUMNS[a.group], a.rows, a.other, a.totals);
}
