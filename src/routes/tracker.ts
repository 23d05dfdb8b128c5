import type { IRequest } from "itty-router";

/**
 * An hour fresh, then served stale for a day while revalidating: a tracker fix reaches every
 * page within about an hour, and revalidation is a cheap 304 thanks to the ETag. The same value
 * as public/_headers gives the asset at /t.js.
 */
export const TRACKER_CACHE = "public, max-age=3600, stale-while-revalidate=86400";

/** True when an If-None-Match header names `etag` (weak or strong) or is `*` (RFC 9110 §13.1.2). */
export function etagMatches(header: string | null, etag: string | null): boolean {
  if (!header || !etag) return false;
  const strong = etag.replace(/^W\//, "");
  return header.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag === strong;
  });
}

/**
 * GET /t.js (and /t-ads.js, the build with click ids: getAdsTracker) when the Worker sees it. The
 * trackers are static assets (public/t.js, public/t-ads.js, built by scripts/build-tracker.mjs)
 * that the platform serves at /t.js and /t-ads.js without invoking the Worker; the Worker answers
 * them under a one-segment path prefix (`/et/t.js`, contract "The tracker") and wherever the asset
 * router is bypassed: the same bytes and ETag from the ASSETS binding, the same caching, and a 304
 * for any If-None-Match that names the ETag.
 */
export const getTracker = (req: IRequest, env: Env): Promise<Response> => serveTracker("/t.js", req, env);
/** GET /t-ads.js: the ads build, as getTracker serves /t.js (docs/TRACKER.md "Click ids"). */
export const getAdsTracker = (req: IRequest, env: Env): Promise<Response> => serveTracker("/t-ads.js", req, env);

async function serveTracker(file: "/t.js" | "/t-ads.js", req: IRequest, env: Env): Promise<Response> {
  const asset = await env.ASSETS.fetch(new URL(file, req.url));
  if (!asset.ok) return asset;
  const etag = asset.headers.get("etag");
  const headers = {
    "content-type": "text/javascript; charset=utf-8",
    "cache-control": TRACKER_CACHE,
    ...(etag ? { etag } : {}),
    "x-content-type-options": "nosniff",
  };
  if (etagMatches(req.headers.get("if-none-match"), etag)) {
    await asset.body?.cancel();
    return new Response(null, { status: 304, headers });
  }
  return new Response(asset.body, { headers });
}
