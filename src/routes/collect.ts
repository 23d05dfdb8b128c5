import type { IRequest } from "itty-router";
import { hitContext, type HitFields } from "../collect/hit";
import { clientIp } from "../http/auth";
import { isObject, readJsonBody } from "../http/body";
import { errorResponse, HttpError, json } from "../http/errors";
import { checkHits, isAccepted, overRateLimit, recordBrowserLive, report, reportAll, storeHits, type BrowserHit } from "../ingest/browser";
import { hostMatches, hostOf } from "../sites/domains";

/** Beacon limits (CONTRACT.md "Collection"). */
export const BEACON_MAX_BYTES = 16 * 1024;
export const BEACON_MAX_HITS = 20;

// The smallest transparent 1×1 GIF (43 bytes), and its headers: built once, copied into each answer.
const GIF = Uint8Array.from(atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"), (c) => c.charCodeAt(0));
const GIF_HEADERS = { "content-type": "image/gif", "cache-control": "no-store, max-age=0" };
const PIXEL_PATH = "/p.gif";

function gif(): Response {
  return new Response(GIF, { headers: GIF_HEADERS });
}

/**
 * Checks and stores one pixel hit. It runs inside `ctx.waitUntil`, after the GIF is answered, so
 * everything a hit costs (fields, headers, site lookup, checks, hashing, queue) is off the answer's
 * path, and a failure never delays or breaks the GIF.
 */
async function collectPixel(env: Env, req: Request, params: URLSearchParams, now: number): Promise<void> {
  try {
    const fields: HitFields = Object.fromEntries(params);
    const hits = await checkHits(env.DB, [fields], hitContext(req, "pixel", now));
    const ip = clientIp(req);
    const limited = hits.some(isAccepted) && (await overRateLimit(env, hits, ip));
    await recordBrowserLive(env.DB, hits, limited, "pixel", now);
    if (!hits.some(isAccepted) || limited) return;
    await storeHits(env, hits, ip, req.headers.get("user-agent") ?? "");
  } catch (err) {
    console.error("edgetally: pixel hit not stored", err);
  }
}

/** The pixel's answer for the query of a GET /p.gif, from the fast path or the router. */
function answerPixel(req: Request, params: URLSearchParams, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
  const now = Date.now();
  if (params.get("debug") === "1") {
    return checkHits(env.DB, [Object.fromEntries(params)], hitContext(req, "pixel", now)).then(([hit]) => json(report(hit!)));
  }
  // Deferred by one microtask, so not even the hit's first synchronous steps run before the answer.
  ctx.waitUntil(Promise.resolve().then(() => collectPixel(env, req, params, now)));
  return gif();
}

/** GET /p.gif through the router (paths the fast path leaves to it, such as `/p.gif/`), also under a prefix (`/et/p.gif`). */
export async function pixel(req: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  return answerPixel(req, new URL(req.url).searchParams, env, ctx);
}

/**
 * True for a path segment that may prefix the collection paths (`/et/p.gif`, CONTRACT.md v1.1):
 * any one segment but the API's own namespace `v1`.
 */
export function isCollectionPrefix(segment: string): boolean {
  return segment !== "" && !/[/?#]/.test(segment) && segment.toLowerCase() !== "v1";
}

/**
 * The query string of a request for exactly `/p.gif` or `/<prefix>/p.gif` (isCollectionPrefix), else null. `url` is a serialized absolute URL (Request.url),
 * so the path starts at the first "/" after "scheme://" and needs no parsing.
 */
export function pixelQuery(url: string): string | null {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start < 0) return null;
  let end = url.indexOf(PIXEL_PATH, start);
  if (end < 0) return null;
  if (end !== start) {
    // A prefix: one non-empty segment before the pixel's path, and not the API's `v1`.
    if (!isCollectionPrefix(url.slice(start + 1, end))) return null;
  }
  end += PIXEL_PATH.length;
  if (end === url.length || url[end] === "#") return "";
  if (url[end] !== "?") return null;
  const hash = url.indexOf("#", end);
  return url.slice(end + 1, hash < 0 ? url.length : hash);
}

/**
 * The Worker's fetch with the pixel answered before the router: `GET /p.gif` is by far the most
 * frequent request, and itty-router would parse the URL, copy every parameter and match the
 * route table first. The answer is the same as the router's `pixel` (which still serves any
 * other spelling of the path); everything else goes to `next`.
 */
export function pixelFirst(next: (req: Request, env: Env, ctx: ExecutionContext) => Promise<Response>): ExportedHandlerFetchHandler<Env> {
  return (req, env, ctx) => {
    const query = req.method === "GET" ? pixelQuery(req.url) : null;
    if (query === null) return next(req, env, ctx);
    try {
      const answer = answerPixel(req, new URLSearchParams(query), env, ctx);
      return answer instanceof Response ? answer : answer.catch(errorResponse);
    } catch (err) {
      // As the router's catch would: the contract's JSON error (only debug=1 can fail here).
      return errorResponse(err);
    }
  };
}

/** The objects of a beacon body: one object or an array of at most 20. */
function beaconHits(body: unknown): HitFields[] {
  const list = Array.isArray(body) ? body : [body];
  if (list.length > BEACON_MAX_HITS) throw new HttpError(400, "too_many_hits", `A beacon carries at most ${BEACON_MAX_HITS} hits.`);
  if (list.length === 0) throw new HttpError(400, "invalid_body", "Send a hit object or a non-empty array of them.");
  return list.map((o) => (isObject(o) ? o : {}));
}

/** CORS: echo an Origin that is one of the hits' sites' domains. */
export function corsHeaders(req: Request, hits: readonly BrowserHit[]): Record<string, string> {
  const origin = req.headers.get("origin");
  const host = hostOf(origin);
  const ok = origin !== null && host !== null && hits.some((h) => h.site && hostMatches(host, h.site.config.domains));
  return ok ? { "access-control-allow-origin": origin, vary: "Origin" } : { vary: "Origin" };
}

/**
 * POST /e — `202 {"accepted", "dropped"}`; invalid, bot, foreign, duplicate and GPC hits are
 * dropped; a test hit (`"t": 1`) is accepted and never stored.
 */
export async function beacon(req: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const debug = new URL(req.url).searchParams.get("debug") === "1";
  const body = await readJsonBody(req, BEACON_MAX_BYTES);
  const list = beaconHits(body);
  const now = Date.now();
  const hits = await checkHits(env.DB, list, hitContext(req, "beacon", now));
  const cors = corsHeaders(req, hits);
  if (debug) return json(Array.isArray(body) ? reportAll(hits) : report(hits[0]!), 200, cors);
  const limited = await overRateLimit(env, hits, clientIp(req));
  // The live view first, so a duplicate found when the hits are written can mark its row.
  const live = recordBrowserLive(env.DB, hits, limited, "beacon", now);
  if (limited) {
    ctx.waitUntil(live);
    throw new HttpError(429, "rate_limited", "Too many hits from this address; wait a minute.", undefined, { "retry-after": "60", ...cors });
  }
  const accepted = hits.filter(isAccepted).length;
  ctx.waitUntil(
    live.then(() => (accepted > 0 ? storeHits(env, hits, clientIp(req), req.headers.get("user-agent") ?? "") : undefined))
      .catch((err) => console.error("edgetally: beacon hits not stored", err)),
  );
  return json({ accepted, dropped: hits.length - accepted }, 202, cors);
}

/** OPTIONS /e — the preflight of `application/json` beacons (text/plain needs none). */
export async function beaconPreflight(req: IRequest): Promise<Response> {
  const origin = req.headers.get("origin");
  // The body (and so the site) is unknown here; the POST's answer only allows the site's own domains.
  return new Response(null, {
    status: 204,
    headers: {
      ...(origin ? { "access-control-allow-origin": origin } : {}),
      "access-control-allow-methods": "POST, OPTIONS",
      "access-control-allow-headers": "content-type",
      "access-control-max-age": "86400",
      vary: "Origin",
    },
  });
}
