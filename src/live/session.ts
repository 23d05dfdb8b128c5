import { activeLiveSessions } from "../db/live";

/**
 * Which sites have a live test session running, as the hit path sees it: a per-isolate copy of
 * the (tiny) list of running sessions, reloaded at most every LIVE_CACHE_MS. So a site without a
 * session costs its hits one Map lookup, and an isolate that receives hits at most one D1 read of
 * that list per LIVE_CACHE_MS, whatever the number of sites or hits, off the answer's path.
 *
 * The lag this accepts (docs/LIVE.md): a session started through one isolate is seen there at
 * once and by every other isolate within LIVE_CACHE_MS; hits that other isolates receive in that
 * first moment are not shown. An ended session stops at once everywhere (its end is compared on
 * every hit), and the SQL that writes a hit checks the session again, so a stale copy never
 * writes outside one.
 */
export const LIVE_CACHE_MS = 1_000;

let loaded = new Map<string, number>();
let loadedAt = Number.NEGATIVE_INFINITY;
// Sessions started or extended through this isolate, seen at once whatever `loaded` says.
const started = new Map<string, number>();

function untilOf(site: string, now: number): number | null {
  const until = Math.max(loaded.get(site) ?? 0, started.get(site) ?? 0);
  return until > now ? until : null;
}

/**
 * What this isolate's copy says about `site` without waiting: its session's end, null for none,
 * or undefined when the copy is due for a reload (then ask liveSessionUntil). The hit path's
 * common case — a fresh copy, no session — thus costs no promise at all.
 */
export function knownLiveSessionUntil(site: string, now = Date.now()): number | null | undefined {
  return now - loadedAt >= LIVE_CACHE_MS ? undefined : untilOf(site, now);
}

/** The end (unix ms) of `site`'s running session, or null. */
export async function liveSessionUntil(db: D1Database, site: string, now = Date.now()): Promise<number | null> {
  if (now - loadedAt >= LIVE_CACHE_MS) {
    // Claimed before the read, so concurrent hits of this isolate use the copy they have
    // instead of each reading too (a promise of another request cannot be awaited in workerd).
    loadedAt = now;
    try {
      loaded = await activeLiveSessions(db, now);
    } catch (err) {
      console.error("edgetally: could not read the live test sessions", err);
    }
  }
  return untilOf(site, now);
}

/** Notes a session started or extended through this isolate, so its hits show without delay. */
export function noteLiveSession(site: string, until: number): void {
  if (started.size > 1_000) started.clear();
  started.set(site, until);
}

/** How long a test session lasts from its (latest) start. */
export const LIVE_SESSION_MS = 30 * 60_000;
