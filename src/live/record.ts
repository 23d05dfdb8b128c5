import type { CleanEvent } from "../collect/event";
import { protectEventId } from "../collect/event-id";
import { insertLiveHits, LIVE_MAX_HITS, markLiveDuplicates } from "../db/live";
import type { SiteRecord } from "../db/sites";
import { knownLiveSessionUntil, liveSessionUntil } from "./session";
import type { LiveHit } from "./hit";
import { DEDUP_WINDOW_MS, HOUR_MS } from "../time/windows";

/**
 * The one way hits reach the live test view, for every collection path (pixel, beacon, server,
 * link, and the drop-in endpoints): `recordLive(db, site, () => hits)`. Without a running session
 * it costs a Map lookup and never builds the hits; with one, it writes them in one round trip.
 * It never throws: the live view must not cost a hit its storage.
 */
export async function recordLive(db: D1Database, site: SiteRecord, build: () => readonly LiveHit[], now = Date.now()): Promise<void> {
  try {
    const known = knownLiveSessionUntil(site.config.id, now);
    if (known === null || (known === undefined && (await liveSessionUntil(db, site.config.id, now)) === null)) return;
    // Only the newest LIVE_MAX_HITS of a request can be shown (a server batch holds up to 500).
    const hits = build().slice(-LIVE_MAX_HITS);
    // The event_id as the events table holds it: one with an e-mail or phone is a keyed hash.
    const rows = await Promise.all(hits.map(async (h) => ({ ...h, event_id: await protectEventId(site.secret, h.event_id) })));
    await insertLiveHits(db, site.config.id, rows);
  } catch (err) {
    console.error("edgetally: live test hits not recorded", err);
  }
}

const WRITE_DUPLICATE = {
  code: "duplicate",
  message: `An earlier copy of this event_id was stored first (within ${DEDUP_WINDOW_MS / HOUR_MS} hours); this copy was dropped when written.`,
  field: "event_id",
};

/**
 * After a write: marks the live hits of the events it found to be duplicates (`events` are the
 * stored forms, as queued). Browser hits are answered before they are written, so only here is
 * such a duplicate known. Sites without a running session cost nothing.
 */
export async function recordWriteDuplicates(db: D1Database, events: readonly CleanEvent[], now = Date.now()): Promise<void> {
  try {
    const keys: { site: string; event_id: string; at: number }[] = [];
    for (const e of events) {
      if (e.event_id === null || (await liveSessionUntil(db, e.site, now)) === null) continue;
      keys.push({ site: e.site, event_id: e.event_id, at: e.received_at });
    }
    await markLiveDuplicates(db, keys, WRITE_DUPLICATE);
  } catch (err) {
    console.error("edgetally: live duplicates not marked", err);
  }
}
