import type { IRequest } from "itty-router";
import { hitContext, type HitFields } from "../collect/hit";
import { parsePlausible, plausibleClientIp, PLAUSIBLE_MAX_BYTES } from "../dropin/plausible";
import { clientIp } from "../http/auth";
import { readJsonBody } from "../http/body";
import { HttpError, json } from "../http/errors";
import { checkHits, isAccepted } from "../collect/hits";
import { overRateLimit } from "../collect/rate-limit";
import { corsHeaders } from "../http/cors";
import { recordBrowserLive, storeHits } from "../ingest/browser";
import { getSiteForDomainCached } from "../sites/cache";

/** Plausible's answer: `202 {}`, with `x-plausible-dropped: 1` when nothing was stored. */
function answer(stored: boolean, cors: Record<string, string>): Response {
  return json({}, 202, stored ? cors : { ...cors, "x-plausible-dropped": "1" });
}

/**
 * POST /api/event — Plausible's Events API (CONTRACT.md v1.1 "Drop-in endpoints"). The body
 * becomes native hit fields (src/dropin/plausible.ts), one hit per site its `domain` names, and
 * those take the beacon's way: checks, live view, rate limit, then the queue after the answer.
 */
export async function plausibleEvent(req: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const event = parsePlausible(await readJsonBody(req, PLAUSIBLE_MAX_BYTES));
  if (event.internal) return answer(false, {});
  const now = Date.now();
  const list: HitFields[] = [];
  for (const domain of event.domains) {
    const site = await getSiteForDomainCached(env.DB, domain, now);
    if (site && !list.some((f) => f.s === site.config.id)) list.push({ ...event.fields, s: site.config.id });
  }
  // No site by that id or domain: nothing to check (and no site to allow the page's origin).
  if (list.length === 0) return answer(false, {});
  const hits = await checkHits(env.DB, list, hitContext(req, "beacon", now));
  const allowed = corsHeaders(req, hits);
  // A page of the site may read whether its event was dropped.
  const cors = "access-control-allow-origin" in allowed ? { ...allowed, "access-control-expose-headers": "x-plausible-dropped" } : allowed;
  // The limit counts the connecting address: a relaying server's X-Forwarded-For is its visitors'.
  const limited = await overRateLimit(env, hits, clientIp(req));
  const live = recordBrowserLive(env.DB, hits, limited, "plausible", now);
  if (limited) {
    ctx.waitUntil(live);
    throw new HttpError(429, "rate_limited", "Too many events from this address; wait a minute.", undefined, { "retry-after": "60", ...cors });
  }
  const stored = hits.some((h) => isAccepted(h) && !h.test);
  ctx.waitUntil(
    live
      .then(() => (stored ? storeHits(env, hits, plausibleClientIp(req), req.headers.get("user-agent") ?? "") : undefined))
      .catch((err) => console.error("edgetally: Plausible event not stored", err)),
  );
  return answer(stored, cors);
}
