import type { IRequest } from "itty-router";
import { BEACON_MAX_BYTES, checkBeacon } from "../collect/beacon";
import { hitContext } from "../collect/hit";
import { checkHits, isAccepted, report, reportAll } from "../collect/hits";
import { overRateLimit } from "../collect/rate-limit";
import { clientIp } from "../http/auth";
import { readJsonBody } from "../http/body";
import { corsHeaders } from "../http/cors";
import { HttpError, json } from "../http/errors";
import { recordBrowserLive, storeHits } from "../ingest/browser";

/**
 * The collection routes: the pixel (`GET /p.gif`, also reached before the router through
 * src/pixel-first.ts), the beacon (`POST /e`) and its preflight. Each takes the same way:
 * src/collect/ checks the hits and builds the events, src/ingest/ shows them live and queues them.
 */

export const PIXEL_PATH = "/p.gif";

// The smallest transparent 1×1 GIF (43 bytes), and its headers: built once, copied into each answer.
const GIF = Uint8Array.from(atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"), (c) => c.charCodeAt(0));
const GIF_HEADERS = { "content-type": "image/gif", "cache-control": "no-store, max-age=0" };

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
    const hits = await checkHits(env.DB, [Object.fromEntries(params)], hitContext(req, "pixel", now));
    const ip = clientIp(req);
    const limited = hits.some(isAccepted) && (await overRateLimit(env, hits, ip));
    await recordBrowserLive(env.DB, hits, limited, "pixel", now);
    if (!hits.some(isAccepted) || limited) return;
    await storeHits(env, hits, ip, req.headers.get("user-agent") ?? "");
  } catch (err) {
    console.error("edgetally: pixel hit not stored", err);
  }
}

/** The pixel's answer for the query of a GET /p.gif, from the fast path (src/pixel-first.ts) or the router. */
export function answerPixel(req: Request, params: URLSearchParams, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
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
 * POST /e — `202 {"accepted", "dropped"}`; invalid, bot, foreign, duplicate and GPC hits are
 * dropped; a test hit (`"t": 1`) is accepted and never stored.
 */
export async function beacon(req: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const debug = new URL(req.url).searchParams.get("debug") === "1";
  const body = await readJsonBody(req, BEACON_MAX_BYTES);
  const now = Date.now();
  const hits = await checkBeacon(env.DB, body, hitContext(req, "beacon", now));
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
