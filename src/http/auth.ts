import type { SiteRecord } from "../db/sites";
import { getSite, getSiteByIngestHash } from "../db/sites";
import { hashKey, safeEqual } from "../sites/keys";
import { HttpError } from "./errors";

/** The bearer token of a request, or null. */
export function bearer(request: Request): string | null {
  const h = request.headers.get("authorization");
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m ? m[1]! : null;
}

/** The client IP as Cloudflare reports it (never stored). */
export function clientIp(request: Request): string {
  return request.headers.get("cf-connecting-ip") ?? "0.0.0.0";
}

/**
 * Called on every failed authentication: counts the failure against the caller's IP and
 * answers 429 once the AUTH_LIMITER budget is spent, else 401/403. Correct keys never reach here,
 * so authenticated calls are never rate limited.
 */
async function authFailure(env: Env, request: Request, status: 401 | 403, code: string, message: string, scheme = "Bearer"): Promise<never> {
  const limiter = env.AUTH_LIMITER as RateLimit | undefined;
  if (limiter) {
    const { success } = await limiter.limit({ key: `auth:${clientIp(request)}` });
    if (!success) {
      throw new HttpError(429, "rate_limited", "Too many failed authentication attempts; wait a minute.", undefined, { "retry-after": "60" });
    }
  }
  throw new HttpError(status, code, message, undefined, status === 401 ? { "www-authenticate": scheme === "Basic" ? 'Basic realm="edgetally"' : scheme } : undefined);
}

/**
 * Shortest ADMIN_TOKEN the admin API accepts. The token guards every site's keys and data, and
 * the failed-auth rate limit only slows guessing: a short or word-like token must not work at all.
 */
export const ADMIN_TOKEN_MIN = 32;
const STRONG_TOKEN_HINT = "generate one with `openssl rand -base64 32` and set it with `wrangler secret put ADMIN_TOKEN` (locally: `.dev.vars` or `--var ADMIN_TOKEN:…`)";

/**
 * Requires `Authorization: Bearer <ADMIN_TOKEN>`. Without an ADMIN_TOKEN, or with one shorter
 * than ADMIN_TOKEN_MIN characters, the admin API is off (503) and says how to set a strong one.
 */
export async function requireAdmin(request: Request, env: Env): Promise<void> {
  const token = bearer(request);
  if (!env.ADMIN_TOKEN) {
    throw new HttpError(503, "admin_disabled", `ADMIN_TOKEN is not set on this Worker; ${STRONG_TOKEN_HINT}.`);
  }
  if (env.ADMIN_TOKEN.length < ADMIN_TOKEN_MIN) {
    throw new HttpError(503, "admin_token_weak", `ADMIN_TOKEN is shorter than ${ADMIN_TOKEN_MIN} characters, so the admin API is off; ${STRONG_TOKEN_HINT}.`);
  }
  if (!token) return authFailure(env, request, 401, "unauthorized", "Send the admin token as `Authorization: Bearer <ADMIN_TOKEN>`.");
  const [a, b] = await Promise.all([hashKey(token), hashKey(env.ADMIN_TOKEN)]);
  if (!safeEqual(a, b)) return authFailure(env, request, 403, "forbidden", "The admin token is not valid.");
}

/** Requires a site's ingest key and returns that site. */
export async function requireIngestKey(request: Request, env: Env, scheme: "Bearer" | "Basic" = "Bearer"): Promise<SiteRecord> {
  const token = bearer(request);
  if (!token) {
    return scheme === "Basic"
      ? authFailure(env, request, 401, "unauthorized", "Send the site's ingest key as HTTP Basic auth: the key as user, an empty password.", "Basic")
      : authFailure(env, request, 401, "unauthorized", "Send the site's ingest key as `Authorization: Bearer <ingest_key>`.");
  }
  const hash = await hashKey(token);
  const site = await getSiteByIngestHash(env.DB, hash);
  if (!site || !safeEqual(site.ingestKeyHash, hash)) {
    return authFailure(env, request, 403, "forbidden", "The ingest key is not valid (a read key cannot write).");
  }
  return site;
}

/**
 * Requires a site's ingest key as HTTP Basic auth, user = the key, empty password: how Segment's
 * libraries send their write key (CONTRACT.md v1.1 "Drop-in endpoints"). A Bearer key works too.
 */
export async function requireBasicIngestKey(request: Request, env: Env): Promise<SiteRecord> {
  const h = request.headers.get("authorization");
  const m = h ? /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(h) : null;
  if (!m) return requireIngestKey(request, env, "Basic");
  let user = "";
  try {
    user = atob(m[1]!).split(":")[0]!;
  } catch {}
  const hash = await hashKey(user);
  const site = user === "" ? null : await getSiteByIngestHash(env.DB, hash);
  if (!site || !safeEqual(site.ingestKeyHash, hash)) {
    return authFailure(env, request, 403, "forbidden", "The write key is not valid: use the site's ingest key as the user, with an empty password.");
  }
  return site;
}

/** Requires the read key of site `siteId`; a key of another site, or an ingest key, is refused. */
export async function requireReadKey(request: Request, env: Env, siteId: string): Promise<SiteRecord> {
  const token = bearer(request);
  if (!token) return authFailure(env, request, 401, "unauthorized", "Send the site's read key as `Authorization: Bearer <read_key>`.");
  const hash = await hashKey(token);
  const site = await getSite(env.DB, siteId);
  // Unknown site and wrong key answer alike, so keys cannot probe which sites exist.
  if (!site || !safeEqual(site.readKeyHash, hash)) {
    return authFailure(env, request, 403, "forbidden", "The read key is not valid for this site.");
  }
  return site;
}
