import type { IRequest } from "itty-router";
import { TRACKER_ETAG, TRACKER_JS } from "../tracker/bundle.gen";

/**
 * An hour fresh, then served stale for a day while revalidating: a tracker fix reaches every
 * page within about an hour, and revalidation is a cheap 304 thanks to the ETag.
 */
export const TRACKER_CACHE = "public, max-age=3600, stale-while-revalidate=86400";

/** True when an If-None-Match header names `etag` (weak or strong) or is `*` (RFC 9110 §13.1.2). */
export function etagMatches(header: string | null, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag === etag;
  });
}

/** GET /t.js — the tracker script (src/tracker), built at build time by scripts/build-tracker.mjs. */
export function getTracker(req: IRequest): Response {
  const headers = {
    "content-type": "text/javascript; charset=utf-8",
    "cache-control": TRACKER_CACHE,
    etag: TRACKER_ETAG,
    "x-content-type-options": "nosniff",
  };
  if (etagMatches(req.headers.get("if-none-match"), TRACKER_ETAG)) return new Response(null, { status: 304, headers });
  return new Response(TRACKER_JS, { headers });
}
