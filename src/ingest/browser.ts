import { protectEventId } from "../collect/event-id";
import { checkHit, type CheckedHit, type HitContext, type HitFields } from "../collect/hit";
import type { CleanEvent } from "../collect/event";
import type { SiteRecord } from "../db/sites";
import type { Problem } from "../http/errors";
import { saltKey, visitorHash } from "../privacy/visitor";
import { liveHit, type LiveVia } from "../live/hit";
import { recordLive } from "../live/record";
import { knownLiveSessionUntil } from "../live/session";
import { getSiteCached } from "../sites/cache";
import { collectTier, siteLimits, type CollectTier } from "../sites/limits";
import { newMessageId } from "./message";
import { enqueue } from "./producer";
import { destinationsFor, forwardWritten } from "../forward/enqueue";
import { fbcOf } from "../forward/meta";
import type { ClickIds } from "../forward/types";
import { handOffTestEvents } from "./test-events";

/**
 * Browser hits (pixel and beacon) from check to queue. Checking costs no D1 read when the
 * isolate is warm (sites and salts are cached); storing happens after the answer, inside
 * `ctx.waitUntil`.
 */

export interface BrowserHit extends CheckedHit {
  site: SiteRecord | null;
  /** the name as sent (`n`), for the live view of a hit whose name is wrong */
  sentName: unknown;
}

/** Checks every hit of one request; a later copy of an event_id already in this request is a duplicate. */
export async function checkHits(db: D1Database, list: readonly HitFields[], ctx: HitContext): Promise<BrowserHit[]> {
  const seen = new Set<string>();
  const out: BrowserHit[] = [];
  for (const fields of list) {
    const site = typeof fields.s === "string" && fields.s !== "" ? await getSiteCached(db, fields.s) : null;
    const checked = checkHit(fields, site?.config ?? null, ctx);
    const e = checked.event;
    if (e && e.event_id !== null && checked.problems.length === 0) {
      const key = `${e.site}\u0000${e.event_id}`;
      if (seen.has(key)) checked.problems.push({ code: "duplicate", message: "This event_id was already sent in this request.", field: "i" });
      seen.add(key);
    }
    out.push({ ...checked, site, sentName: fields.n });
  }
  return out;
}

/** True for a hit that passed every check: stored, or for a test event shown only (see storeHits). */
export function isAccepted(h: BrowserHit): h is BrowserHit & { event: CleanEvent; site: SiteRecord } {
  return h.problems.length === 0 && h.event !== null && h.site !== null;
}

/** The rate-limit binding of each tier (wrangler.toml `COLLECT_LIMIT_<n>`). */
function tierLimiter(env: Env, tier: CollectTier): RateLimit | undefined {
  const byTier: Record<CollectTier, RateLimit | undefined> = {
    60: env.COLLECT_LIMIT_60,
    300: env.COLLECT_LIMIT_300,
    600: env.COLLECT_LIMIT_600,
    1500: env.COLLECT_LIMIT_1500,
    3000: env.COLLECT_LIMIT_3000,
    10_000: env.COLLECT_LIMIT_10000,
    30_000: env.COLLECT_LIMIT_30000,
  };
  return byTier[tier];
}

/**
 * Shows the hits of one request in their sites' live test views (src/live/record.ts); a site
 * without a running session costs a Map lookup. `rateLimited`: the request was over the limit.
 */
export function recordBrowserLive(db: D1Database, hits: readonly BrowserHit[], rateLimited: boolean, via: LiveVia, now: number): Promise<void> {
  // The common case, decided without creating a promise: no site of these hits has a session.
  for (const h of hits) if (h.site !== null && knownLiveSessionUntil(h.site.config.id, now) !== null) return recordSites(db, hits, rateLimited, via, now);
  return NOTHING;
}

const NOTHING = Promise.resolve();

async function recordSites(db: D1Database, hits: readonly BrowserHit[], rateLimited: boolean, via: LiveVia, now: number): Promise<void> {
  const sites = new Map<string, SiteRecord>();
  for (const h of hits) if (h.site) sites.set(h.site.config.id, h.site);
  for (const site of sites.values()) {
    await recordLive(db, site, () =>
      hits.filter((h) => h.site === site).map((h) => liveHit(via, now, h.event, h.sentName, h.problems, { test: h.test, rateLimited })),
    now);
  }
}

/**
 * The per-client-address collection limit (CONTRACT.md v1.1: on by default): each site of the
 * accepted hits counts the request against its own `limits.collect_per_minute`, through the
 * tightest rate-limit tier at or above it, keyed by site and address. True when any of them is
 * over its limit. A site with 0 is never limited.
 */
export async function overRateLimit(env: Env, hits: readonly BrowserHit[], ip: string): Promise<boolean> {
  const sites = new Map<string, SiteRecord>();
  for (const h of hits) if (isAccepted(h)) sites.set(h.site.config.id, h.site);
  for (const site of sites.values()) {
    const tier = collectTier(siteLimits(site.config).collect_per_minute);
    const limiter = tier === null ? undefined : tierLimiter(env, tier);
    if (!limiter) continue;
    const { success } = await limiter.limit({ key: `${site.config.id}:${ip}` });
    if (!success) return true;
  }
  return false;
}

/** The visitor of a browser hit: `visitorFor`, with the site-local day the check already computed. */
async function hitVisitor(db: D1Database, event: CleanEvent, site: SiteRecord, ip: string, userAgent: string): Promise<string | null> {
  const key = await saltKey(db, site.config, event.day, event.received_at);
  return key ? visitorHash(key, site.config.id, ip, userAgent) : null;
}

/**
 * Derives the visitor (from IP and user agent, which go no further) and hands the events to the
 * producer; test events go to handOffTestEvents instead, never to storage.
 */
export async function storeHits(env: Env, hits: readonly BrowserHit[], ip: string, userAgent: string): Promise<void> {
  const passed = hits.filter(isAccepted);
  const tests = passed.filter((h) => h.test);
  for (const site of new Set(tests.map((h) => h.site))) {
    await handOffTestEvents(env, site, tests.filter((h) => h.site === site).map((h) => ({ event: h.event, client: { ip, userAgent }, extras: { click_ids: hitClickIds(h) } })));
  }
  const items = await Promise.all(
    passed.filter((h) => !h.test).map(async (h) => ({
      id: newMessageId(),
      event: {
        ...h.event,
        visitor: await hitVisitor(env.DB, h.event, h.site, ip, userAgent),
        event_id: await protectEventId(h.site.secret, h.event.event_id),
      },
      // A conversion some destination forwards carries the request's identifiers (and its click
      // ids) in its queue message, for the consumer to forward once it is stored
      // (docs/FORWARDING.md); never written to D1.
      ...(destinationsFor(h.site, h.event.name).length > 0 ? { forward: { event_id: h.event.event_id, ip, user_agent: userAgent, click_ids: hitClickIds(h) } } : {}),
    })),
  );
  if (items.length > 0) await enqueue({ DB: env.DB, QUEUE: env.QUEUE, forward: (stored, duplicates) => forwardWritten(env, stored, duplicates) }, items);
}

/**
 * A conversion's click ids as forwarding takes them: the tracker's fbclid becomes Meta's fbc with
 * the time the tracker saw it (Meta's creationTime), unless the page sent an fbc of its own.
 */
function hitClickIds(h: CheckedHit): ClickIds | null {
  const ids = h.clickIds;
  if (!ids) return null;
  return ids.fbclid && !ids.fbc && h.fbclidAt !== null && h.fbclidAt !== undefined ? { ...ids, fbc: fbcOf(ids.fbclid, h.fbclidAt) } : ids;
}

/**
 * The validation report of one hit (`debug=1`): the visitor hash is never revealed. `warnings`
 * (only when there are any): what was left out of a hit that is still stored, such as a bad click id.
 */
export function report(h: CheckedHit): { ok: boolean; errors: Problem[]; warnings?: Problem[]; event: CleanEvent | null } {
  return { ok: h.problems.length === 0, errors: h.problems, ...(h.warnings && h.warnings.length > 0 ? { warnings: h.warnings } : {}), event: h.event };
}

/** The report of a beacon array: every hit's report, plus all errors with their index in front of the field. */
export function reportAll(hits: readonly CheckedHit[]): { ok: boolean; errors: Problem[]; reports: ReturnType<typeof report>[] } {
  const errors = hits.flatMap((h, i) => h.problems.map((p) => ({ ...p, field: p.field === undefined ? String(i) : `${i}.${p.field}` })));
  return { ok: errors.length === 0, errors, reports: hits.map(report) };
}
