import { protectEventId } from "../collect/event-id";
import type { CleanEvent } from "../collect/event";
import { isAccepted, type BrowserHit } from "../collect/hits";
import type { SiteRecord } from "../db/sites";
import { saltKey, visitorHash } from "../privacy/visitor";
import { liveHit, type LiveVia } from "../live/hit";
import { recordLive } from "../live/record";
import { knownLiveSessionUntil } from "../live/session";
import { newMessageId } from "./message";
import { enqueue } from "./producer";
import { destinationsFor, forwardWritten } from "../forward/enqueue";
import { fbcOf } from "../forward/meta";
import type { ClickIds } from "../forward/types";
import { handOffTestEvents } from "./test-events";

/**
 * Browser hits (pixel, beacon, Plausible drop-in) once checked (src/collect/hits.ts): shown in the
 * live view, then handed to the queue. Storing happens after the answer, inside `ctx.waitUntil`;
 * the visitor costs no D1 read when the isolate is warm (salts are cached).
 */

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
function hitClickIds(h: BrowserHit): ClickIds | null {
  const ids = h.clickIds;
  if (!ids) return null;
  return ids.fbclid && !ids.fbc && h.fbclidAt !== null && h.fbclidAt !== undefined ? { ...ids, fbc: fbcOf(ids.fbclid, h.fbclidAt) } : ids;
}
