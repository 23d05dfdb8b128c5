import type { IRequest } from "itty-router";
import { hitContext, type HitFields } from "../collect/hit";
import { clientIp } from "../http/auth";
import { isObject, readJsonBody } from "../http/body";
import { HttpError, json } from "../http/errors";
import { checkHits, isAccepted, overRateLimit, report, reportAll, storeHits, type BrowserHit } from "../ingest/browser";
import { hostMatches, hostOf } from "../sites/domains";

/** Beacon limits (CONTRACT.md "Collection"). */
export const BEACON_MAX_BYTES = 16 * 1024;
export const BEACON_MAX_HITS = 20;

// The smallest transparent 1×1 GIF (43 bytes).
const GIF = Uint8Array.from(atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"), (c) => c.charCodeAt(0));

function gif(): Response {
  return new Response(GIF, { headers: { "content-type": "image/gif", "cache-control": "no-store, max-age=0" } });
}

/** Checks and stores one pixel hit; runs after the GIF is sent, so it never delays or breaks it. */
async function collectPixel(env: Env, req: Request, fields: HitFields, now: number): Promise<void> {
  try {
    const hits = await checkHits(env.DB, [fields], hitContext(req, "pixel", now));
    if (!hits.some(isAccepted) || (await overRateLimit(env, hits, clientIp(req)))) return;
    await storeHits(env, hits, clientIp(req), req.headers.get("user-agent") ?? "");
  } catch (err) {
    console.error("edgetally: pixel hit not stored", err);
  }
}

/** GET /p.gif — always the GIF (`debug=1`: the validation report instead, nothing stored). */
export async function pixel(req: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const params = new URL(req.url).searchParams;
  const fields: HitFields = Object.fromEntries(params);
  const now = Date.now();
  if (params.get("debug") === "1") {
    const [hit] = await checkHits(env.DB, [fields], hitContext(req, "pixel", now));
    return json(report(hit!));
  }
  ctx.waitUntil(collectPixel(env, req, fields, now));
  return gif();
}

/** The objects of a beacon body: one object or an array of at most 20. */
function beaconHits(body: unknown): HitFields[] {
  const list = Array.isArray(body) ? body : [body];
  if (list.length > BEACON_MAX_HITS) throw new HttpError(400, "too_many_hits", `A beacon carries at most ${BEACON_MAX_HITS} hits.`);
  if (list.length === 0) throw new HttpError(400, "invalid_body", "Send a hit object or a non-empty array of them.");
  return list.map((o) => (isObject(o) ? o : {}));
}

/** CORS: echo an Origin that is one of the hits' sites' domains. */
function corsHeaders(req: Request, hits: readonly BrowserHit[]): Record<string, string> {
  const origin = req.headers.get("origin");
  const host = hostOf(origin);
  const ok = origin !== null && host !== null && hits.some((h) => h.site && hostMatches(host, h.site.config.domains));
  return ok ? { "access-control-allow-origin": origin, vary: "Origin" } : { vary: "Origin" };
}

/** POST /e — `202 {"accepted", "dropped"}`; invalid, bot, foreign, duplicate and GPC hits are dropped. */
export async function beacon(req: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const debug = new URL(req.url).searchParams.get("debug") === "1";
  const body = await readJsonBody(req, BEACON_MAX_BYTES);
  const list = beaconHits(body);
  const hits = await checkHits(env.DB, list, hitContext(req, "beacon", Date.now()));
  const cors = corsHeaders(req, hits);
  if (debug) return json(Array.isArray(body) ? reportAll(hits) : report(hits[0]!), 200, cors);
  if (await overRateLimit(env, hits, clientIp(req))) {
    throw new HttpError(429, "rate_limited", "Too many hits from this address; wait a minute.", undefined, { "retry-after": "60", ...cors });
  }
  const accepted = hits.filter(isAccepted).length;
  if (accepted > 0) {
    ctx.waitUntil(storeHits(env, hits, clientIp(req), req.headers.get("user-agent") ?? "").catch((err) => console.error("edgetally: beacon hits not stored", err)));
  }
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
