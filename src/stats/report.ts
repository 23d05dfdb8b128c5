import { MACRO_GOAL } from "../db/atoms";
import { fxOf, type Fx, type RateRow } from "../fx/convert";
import { releaseView, type Cell, type TrafficCell } from "../privacy/release";
import type { SiteConfig } from "../sites/config";
import { iso } from "../time/day";
import { decidedReleases, noDecided, presentView, sumView, type DecidedView, type Row, type Totals } from "./aggregate";
import { toCsv } from "./csv";
import { emptySums, present, presentPaid, type Figures } from "./figures";
import type { Group, StatsQuery } from "./query";
import { allocateSpend, type SpendRow } from "./spend";

/** Everything GET /v1/stats answers from, already read (atoms only, never raw events). */
export interface StatsInput {
  site: SiteConfig;
  query: StatsQuery;
  /** days of the range inside the re-roll window (stats/query.ts window) */
  provisional: string[];
  /** the days released at rollup time, summed in SQL, per goal (db/stats.ts readDecided) */
  decided: ReadonlyMap<string, DecidedView>;
  /** the other days: atoms of the asked view, or of every goal of the model for group=goal */
  cells: readonly (Cell & { goal: string })[];
  /** and their traffic reference */
  traffic: readonly TrafficCell[];
  spend: readonly SpendRow[];
  /** reference rates of the range and the lookback before it (db/fx.ts readRates) */
  rates: readonly RateRow[];
  /** unix ms of the latest rollup of the range, or null */
  updatedAt: number | null;
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
};

/**
 * One view (goal, model): the days not decided at rollup time are released here, the decided
 * ones come summed from the database; spend is allocated over both alike.
 */
function view(input: StatsInput, goal: string) {
  const cells = input.cells.filter((c) => c.goal === goal);
  const releases = releaseView(cells, input.traffic, input.site.privacy.k);
  const decided = input.decided.get(goal) ?? noDecided();
  return { releases, decided, pieces: allocateSpend([...releases, ...decidedReleases(decided)], input.spend) };
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
  const main = view(input, query.goal ?? MACRO_GOAL);
  const grouped = sumView(query.group === "goal" ? "day" : query.group, main.releases, main.pieces, main.decided, fx);
  let shown: { rows: Row[]; other: Figures; totals: Totals };
  if (query.group === "goal") {
    const rows = site.goals.map((g) => {
      const v = view(input, g.name);
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
    },
    ...shown,
    updated_at: input.updatedAt === null ? null : iso(input.updatedAt),
  };
}

/** The same answer as CSV: the rows, then `(other)` and `(total)`. */
export function statsCsv(a: StatsAnswer): string {
  return toCsv(KEY_COLUMNS[a.group], a.rows, a.other, a.totals);
}
