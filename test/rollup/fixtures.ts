import { env } from "cloudflare:workers";
import type { Touch } from "../../src/collect/touch";
import type { Atom } from "../../src/db/atoms";
import { getSite, type SiteRecord } from "../../src/db/sites";
import { dayOf } from "../../src/time/day";
import { createSite } from "../helpers/http";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** One raw event as the collector would store it; only site and ts are required. */
export interface EventInput {
  ts: number;
  name?: string;
  visitor?: string | null;
  touch_kind?: "landing" | "direct" | null;
  source?: string | null;
  medium?: string | null;
  campaign?: string | null;
  content?: string | null;
  term?: string | null;
  value?: number | null;
  currency?: string | null;
  journey?: Touch[] | null;
  /** defaults to the day of ts in the site's timezone */
  day?: string;
}

/** A landing touch for journeys: `touch("google", ts)`. */
export function touch(source: string, time: number, medium = "(none)", campaign = "(none)", view = false): Touch {
  return { time, source, medium, campaign, content: null, term: null, view };
}

/** Inserts events straight into the events table (one statement each, one batch). */
export async function insertEvents(site: string, timezone: string, events: readonly EventInput[]): Promise<void> {
  if (events.length === 0) return;
  await env.DB.batch(
    events.map((e) =>
      env.DB.prepare(
        `INSERT INTO events (site, day, ts, received_at, name, via, visitor, touch_kind, source, medium, campaign, content, term, value, currency, journey)
         VALUES (?, ?, ?, ?, ?, 'server', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).bind(
        site,
        e.day ?? dayOf(e.ts, timezone),
        e.ts,
        e.ts,
        e.name ?? "pageview",
        e.visitor === undefined ? null : e.visitor,
        e.touch_kind ?? null,
        e.source ?? null,
        e.medium ?? null,
        e.campaign ?? null,
        e.content ?? null,
        e.term ?? null,
        e.value ?? null,
        e.currency ?? null,
        e.journey ? JSON.stringify(e.journey) : null,
      ),
    ),
  );
}

/** A landing pageview of `visitor` from `source`. */
export function landing(ts: number, visitor: string | null, source: string, medium = "(none)", campaign = "(none)"): EventInput {
  return { ts, visitor, touch_kind: "landing", source, medium, campaign };
}

/** Creates a site through the admin API and returns its stored record. */
export async function makeSite(body: Record<string, unknown>): Promise<SiteRecord> {
  await createSite(body);
  const site = await getSite(env.DB, String(body.id));
  if (!site) throw new Error("site not stored");
  return site;
}

export type AtomRowOut = Omit<Atom, "revenue_by_currency"> & { revenue_by_currency: string };

/** Every atom of a site (optionally one day), in key order. */
export async function atomsOf(site: string, day?: string): Promise<AtomRowOut[]> {
  const sql = day
    ? `SELECT * FROM atoms WHERE site = ?1 AND day = ?2 ORDER BY day, source, medium, campaign, goal, model`
    : `SELECT * FROM atoms WHERE site = ?1 ORDER BY day, source, medium, campaign, goal, model`;
  const stmt = day ? env.DB.prepare(sql).bind(site, day) : env.DB.prepare(sql).bind(site);
  return (await stmt.all<AtomRowOut>()).results;
}

/** One atom by key, or undefined. */
export function findAtom(atoms: readonly AtomRowOut[], source: string, goal: string, model: string, campaign?: string): AtomRowOut | undefined {
  return atoms.find((a) => a.source === source && a.goal === goal && a.model === model && (campaign === undefined || a.campaign === campaign));
}

export async function funnelOf(site: string, day: string): Promise<{ funnel: string; step: number; visitors: number }[]> {
  const { results } = await env.DB.prepare(`SELECT funnel, step, visitors FROM funnel_days WHERE site = ? AND day = ? ORDER BY funnel, step`)
    .bind(site, day)
    .all<{ funnel: string; step: number; visitors: number }>();
  return results;
}

export async function dayRow(site: string, day: string) {
  return env.DB.prepare(`SELECT status, cursor, events, started_at, updated_at FROM rollup_days WHERE site = ? AND day = ?`)
    .bind(site, day)
    .first<{ status: string; cursor: number; events: number; started_at: number; updated_at: number }>();
}
