import type { SiteRecord } from "../db/sites";
import { collectTier, siteLimits, type CollectTier } from "../sites/limits";
import { isAccepted, type BrowserHit } from "./hits";

/** The rate-limit binding of each tier (wrangler.toml `COLLECT_LIMIT_<n>`). */
function tierLimiter(env: Env, tier: CollectTier): RateLimit | undefined {
  const byTier: Record<CollectTier, RateLimit | undefined> = {
    60: env.COLLECT_LIMIT_60,
    300: env.COLLECT_LIMIT_300,
    600: env.COLLECT_LIMIT_600,
    1500: env.COLLECT_LIMIT_1500,
    3000: env.COLLECT_LIMIT_3000,
    10_000: env.COLLECT_LIMIT_10000,
    30_000: env.COLLECT_LIMIT_30000,
  };
  return byTier[tier];
}

/**
 * The per-client-address collection limit (CONTRACT.md v1.1: on by default): each site of the
 * accepted hits counts the request against its own `limits.collect_per_minute`, through the
 * tightest rate-limit tier at or above it, keyed by site and address. True when any of them is
 * over its limit. A site with 0 is never limited.
 */
export async function overRateLimit(env: Env, hits: readonly BrowserHit[], ip: string): Promise<boolean> {
  const sites = new Map<string, SiteRecord>();
  for (const h of hits) if (isAccepted(h)) sites.set(h.site.config.id, h.site);
  for (const site of sites.values()) {
    const tier = collectTier(siteLimits(site.config).collect_per_minute);
    const limiter = tier === null ? undefined : tierLimiter(env, tier);
    if (!limiter) continue;
    const { success } = await limiter.limit({ key: `${site.config.id}:${ip}` });
    if (!success) return true;
  }
  return false;
}
