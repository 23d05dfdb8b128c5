import { readLive, startLiveSession } from "../db/live";
import type { LiveHit } from "./hit";
import { LIVE_SESSION_MS, noteLiveSession } from "./session";

/** The answer of `/v1/live` (CONTRACT.md "The live test view"). */
export interface LiveView {
  /** the running session's end, ISO-8601; null without one */
  until: string | null;
  hits: (Omit<LiveHit, "at"> & { at: string })[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Starts a 30-minute session, or extends the running one to 30 minutes from now. */
export async function startLive(db: D1Database, site: string, now = Date.now()): Promise<{ until: string }> {
  const until = await startLiveSession(db, site, now, now + LIVE_SESSION_MS);
  // Hits reaching this isolate show at once; other isolates see the session within LIVE_CACHE_MS.
  noteLiveSession(site, until);
  return { until: iso(until) };
}

/** The running session's hits, newest first; none (and `until: null`) without a session. */
export async function liveView(db: D1Database, site: string, now = Date.now()): Promise<LiveView> {
  const live = await readLive(db, site, now);
  if (!live) return { until: null, hits: [] };
  return { until: iso(live.until), hits: live.hits.map((h) => ({ ...h, at: iso(h.at) })) };
}
