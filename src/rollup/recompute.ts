import { lastRowids } from "../db/rollup";
import { listSites, type SiteRecord } from "../db/sites";
import { invalid } from "../http/errors";
import { parseOrThrow } from "../schemas/issues";
import { RollupBody } from "../schemas/rollup";
import { loadSite } from "../sites/service";
import { dayOf, daysBetween } from "../time/day";
import { QueryBudget, ROLLUP_QUERIES } from "./budget";
import { rollupDay } from "./day";
import { oldestKeptDay, retentionDays } from "./plan";

/** The longest range one admin call recomputes; longer backfills go through scripts/rollup.mjs. */
export const MAX_RANGE_DAYS = 31;

export interface RecomputeRequest {
  site: string | null;
  from: string;
  to: string;
}

export interface RecomputeResult {
  days: number;
  atoms: number;
  events: number;
  /** present only when the query budget ran out before the last day */
  incomplete?: { site: string; day: string; message: string };
}

/** Validates the body of `POST /v1/admin/rollup`; throws 422 naming the field. */
export function parseRecompute(body: unknown): RecomputeRequest {
  const { site, from, to } = parseOrThrow(RollupBody, body);
  if (from > to) throw invalid("invalid_range", "`from` must not be after `to`.", "from");
  if (daysBetween(from, to).length > MAX_RANGE_DAYS) {
    throw invalid("range_too_long", `At most ${MAX_RANGE_DAYS} days per call; use scripts/rollup.mjs for longer backfills.`, "to");
  }
  return { site: site ?? null, from, to };
}

/**
 * Recomputes `from`–`to` from the raw events, synchronously, for one site or all: every day is
 * rolled from scratch (an unfinished roll is started over). A day after the site's today, or one
 * whose raw events are past retention (recomputing it would wipe its atoms), is refused with 422
 * before anything is written.
 */
export async function recompute(env: Env, req: RecomputeRequest, now: number): Promise<RecomputeResult> {
  const db = env.DB;
  const sites: SiteRecord[] = req.site !== null ? [await loadSite(db, req.site)] : await listSites(db);
  const retention = retentionDays(env.RAW_RETENTION_DAYS);
  for (const s of sites) {
    const today = dayOf(now, s.config.timezone);
    if (req.to > today) throw invalid("future_day", `\`to\` is after today (${today} in ${s.config.timezone} for site \`${s.config.id}\`).`, "to");
    const oldest = oldestKeptDay(today, retention);
    if (req.from < oldest) {
      throw invalid("beyond_retention", `Raw events before ${oldest} are deleted (RAW_RETENTION_DAYS = ${retention}), so those days cannot be recomputed.`, "from");
    }
  }

  const budget = new QueryBudget(ROLLUP_QUERIES);
  const out: RecomputeResult = { days: 0, atoms: 0, events: 0 };
  const days = daysBetween(req.from, req.to);
  for (const site of sites) {
    if (!budget.take(1)) return incomplete(out, site, days[0]!);
    const last = await lastRowids(db, site.config.id, days);
    for (const day of days) {
      const res = await rollupDay(db, site, day, { now, budget, upto: last.get(day) ?? null, prior: undefined, fresh: true });
      if (!res) return incomplete(out, site, day);
      out.days += 1;
      out.atoms += res.atoms;
      out.events += res.events;
    }
  }
  return out;
}

function incomplete(out: RecomputeResult, site: SiteRecord, day: string): RecomputeResult {
  return {
    ...out,
    incomplete: {
      site: site.config.id,
      day,
      message: `Stopped at ${day} for site \`${site.config.id}\` to stay within D1's per-request query limit; call again from that day.`,
    },
  };
}

