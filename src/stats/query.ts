import * as v from "valibot";
import type { Model } from "../attribution/types";
import { invalid } from "../http/errors";
import { errorOf, FIRST_PER_FIELD, parseOrThrow, problemOf } from "../schemas/issues";
import type { RowFilters } from "../db/stats";
import { FILTERS, FunnelParams, GROUPS, paramsObject, RangeParams, SiteParam, StatsParams } from "../schemas/query";
import type { Funnel, SiteConfig } from "../sites/config";
import { addDays, dayOf } from "../time/day";
import { DAY_MS, lateWindowStart } from "../time/windows";

/** The row groupings of GET /v1/stats (CONTRACT.md "Aggregates"). */
export { GROUPS };
export type Group = (typeof GROUPS)[number];

/** Longest range one request may ask for (inclusive days). */
export const MAX_RANGE_DAYS = 366;

export interface Range {
  from: string;
  to: string;
}

export interface StatsQuery extends Range {
  group: Group;
  model: Model;
  /** a goal name, or null for all macro goals */
  goal: string | null;
  format: "json" | "csv";
  /** v1.1 drill-down: narrow the rows, never the privacy units */
  filters: RowFilters;
}

/** The `site` parameter, required before anything else (the read key is checked against it). */
export function requireSiteParam(params: URLSearchParams): string {
  return parseOrThrow(SiteParam, paramsObject(params, SiteParam)).site;
}

/** Number of days from `from` to `to`, inclusive (calendar arithmetic, no zone). */
export function rangeLength(from: string, to: string): number {
  const t = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));
  return Math.round((t(to) - t(from)) / DAY_MS) + 1;
}

/** from ≤ to, at most MAX_RANGE_DAYS days. */
function checkRange(from: string, to: string): Range {
  if (from > to) throw invalid("invalid_range", "`from` must not be after `to`.", "to");
  if (rangeLength(from, to) > MAX_RANGE_DAYS) {
    throw invalid("range_too_long", `A range spans at most ${MAX_RANGE_DAYS} days; ask for ${addDays(from, MAX_RANGE_DAYS - 1)} or earlier as \`to\`.`, "to");
  }
  return { from, to };
}

/** Validates `from` and `to` (src/schemas/query.ts): real days, from ≤ to, at most MAX_RANGE_DAYS days. */
export function parseRange(params: URLSearchParams): Range {
  const p = parseOrThrow(RangeParams, paramsObject(params, RangeParams));
  return checkRange(p.from, p.to);
}

/**
 * Validates the parameters of GET /v1/stats against the site (goals are per site).
 * `acceptsCsv` is true when the Accept header asks for text/csv; `format=` wins over it.
 * Problems are answered in parameter order: from, to, the range, group, model, goal, format.
 */
export function parseStatsQuery(params: URLSearchParams, site: SiteConfig, acceptsCsv: boolean): StatsQuery {
  const r = v.safeParse(StatsParams, paramsObject(params, StatsParams), FIRST_PER_FIELD);
  const problems = r.success ? [] : r.issues.map((i) => problemOf(i));
  const first = (...fields: string[]) => problems.find((p) => p.field !== undefined && fields.includes(p.field));
  const early = first("from", "to");
  if (early) throw errorOf(early);
  const raw = r.output as v.InferOutput<typeof StatsParams>;
  const range = checkRange(raw.from, raw.to);
  const mid = first("group", "model");
  if (mid) throw errorOf(mid);
  const group = raw.group ?? "campaign";
  const goal = raw.goal ?? null;
  if (goal !== null) {
    if (!site.goals.some((g) => g.name === goal)) throw invalid("unknown_goal", `\`${goal}\` is not a goal of this site.`, "goal");
    if (group === "goal") throw invalid("invalid_combination", "With `group=goal` every goal is a row; leave `goal` out.", "goal");
  }
  if (problems.length > 0) throw errorOf(problems[0]!);
  const filters: RowFilters = {};
  for (const f of FILTERS) if (raw[f] !== undefined) filters[f] = raw[f];
  // group=day rows hold pools and group=goal rows whole goals: neither has a touch to narrow.
  const named = Object.keys(filters)[0];
  if (named !== undefined && (group === "day" || group === "goal")) {
    throw invalid("invalid_combination", `\`${named}=\` narrows rows of touches; group=${group} rows have none. Leave it out, or group by source, medium, campaign, content or term.`, named);
  }
  return { ...range, group, model: raw.model ?? "last_click", goal, format: raw.format ?? (acceptsCsv ? "csv" : "json"), filters };
}

/** Validates the parameters of GET /v1/funnel: the range and a funnel of the site. */
export function parseFunnelQuery(params: URLSearchParams, site: SiteConfig): Range & { funnel: Funnel } {
  const p = parseOrThrow(FunnelParams, paramsObject(params, FunnelParams));
  const range = checkRange(p.from, p.to);
  const funnel = site.funnels.find((f) => f.name === p.funnel);
  if (!funnel) throw invalid("unknown_funnel", `\`${p.funnel}\` is not a funnel of this site.`, "funnel");
  return { ...range, funnel };
}

/** True when an Accept header prefers CSV (text/csv listed, JSON not listed before it). */
export function acceptsCsv(accept: string | null): boolean {
  if (!accept) return false;
  const types = accept.split(",").map((t) => t.split(";")[0]!.trim().toLowerCase());
  const csv = types.indexOf("text/csv");
  const jsonAt = types.indexOf("application/json");
  return csv >= 0 && (jsonAt < 0 || csv < jsonAt);
}

/**
 * Which days of a range are provisional (inside the late-event window: every site-local day an
 * event accepted at `now` can still land on, time/windows.ts — the rollup re-rolls exactly those)
 * and which range is answered: with final_only, only days before the window; otherwise the whole
 * range.
 */
export function window(range: Range, now: number, timezone: string, finalOnly: boolean): { provisional: string[]; answered: Range | null } {
  const first = lateWindowStart(now, timezone);
  const today = dayOf(now, timezone);
  const provisional: string[] = [];
  for (let d = range.from > first ? range.from : first; d <= range.to && d <= today; d = addDays(d, 1)) provisional.push(d);
  if (!finalOnly) return { provisional, answered: range };
  const lastFinal = addDays(first, -1);
  const to = range.to < lastFinal ? range.to : lastFinal;
  return { provisional, answered: range.from <= to ? { from: range.from, to } : null };
}
