import { isModel, MODELS, type Model } from "../attribution/types";
import { invalid } from "../http/errors";
import type { SiteConfig } from "../sites/config";
import { addDays, dayOf, isDay } from "../time/day";
import { lateWindowStart } from "../time/windows";

/** The row groupings of GET /v1/stats (CONTRACT.md "Aggregates"). */
export const GROUPS = ["campaign", "source", "medium", "day", "goal"] as const;
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
}

/** The `site` parameter, required before anything else (the read key is checked against it). */
export function requireSiteParam(params: URLSearchParams): string {
  const site = params.get("site");
  if (!site) throw invalid("required", "`site` is required: the id of the site to read.", "site");
  return site;
}

/** Number of days from `from` to `to`, inclusive (calendar arithmetic, no zone). */
export function rangeLength(from: string, to: string): number {
  const t = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));
  return Math.round((t(to) - t(from)) / 86_400_000) + 1;
}

/** Validates `from` and `to`: real days, from ≤ to, at most MAX_RANGE_DAYS days. */
export function parseRange(params: URLSearchParams): Range {
  const from = params.get("from");
  const to = params.get("to");
  if (!from) throw invalid("required", "`from` is required (YYYY-MM-DD).", "from");
  if (!isDay(from)) throw invalid("invalid_day", "`from` must be a calendar day written YYYY-MM-DD.", "from");
  if (!to) throw invalid("required", "`to` is required (YYYY-MM-DD).", "to");
  if (!isDay(to)) throw invalid("invalid_day", "`to` must be a calendar day written YYYY-MM-DD.", "to");
  if (from > to) throw invalid("invalid_range", "`from` must not be after `to`.", "to");
  if (rangeLength(from, to) > MAX_RANGE_DAYS) {
    throw invalid("range_too_long", `A range spans at most ${MAX_RANGE_DAYS} days; ask for ${addDays(from, MAX_RANGE_DAYS - 1)} or earlier as \`to\`.`, "to");
  }
  return { from, to };
}

/**
 * Validates the parameters of GET /v1/stats against the site (goals are per site).
 * `acceptsCsv` is true when the Accept header asks for text/csv; `format=` wins over it.
 */
export function parseStatsQuery(params: URLSearchParams, site: SiteConfig, acceptsCsv: boolean): StatsQuery {
  const range = parseRange(params);
  const group = params.get("group") ?? "campaign";
  if (!(GROUPS as readonly string[]).includes(group)) {
    throw invalid("unknown_group", `\`group\` is one of ${GROUPS.join(", ")}.`, "group");
  }
  const model = params.get("model") ?? "last_click";
  if (!isModel(model)) throw invalid("unknown_model", `\`model\` is one of ${MODELS.join(", ")}.`, "model");
  const goal = params.get("goal");
  if (goal !== null) {
    if (!site.goals.some((g) => g.name === goal)) throw invalid("unknown_goal", `\`${goal}\` is not a goal of this site.`, "goal");
    if (group === "goal") throw invalid("invalid_combination", "With `group=goal` every goal is a row; leave `goal` out.", "goal");
  }
  const format = params.get("format") ?? (acceptsCsv ? "csv" : "json");
  if (format !== "json" && format !== "csv") throw invalid("unknown_format", "`format` is json or csv.", "format");
  return { ...range, group: group as Group, model, goal, format };
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
