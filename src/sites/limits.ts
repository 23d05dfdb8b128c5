import type { SiteConfig } from "./config";

/**
 * A site's safety limits (CONTRACT.md v1.1 `limits`). Every reader goes through `siteLimits`, so
 * sites stored before the field existed get the defaults, and the validation can live anywhere.
 */
export interface SiteLimits {
  /** distinct touches a site-day keeps; hits of further new touches count under campaign `(overflow)` */
  touches_per_day: number;
  /** browser hits per minute and client address (pixel and beacon); 0 disables the limit */
  collect_per_minute: number;
}

export const DEFAULT_LIMITS: Readonly<SiteLimits> = { touches_per_day: 5000, collect_per_minute: 600 };

/** Highest `touches_per_day` a site may set (each touch costs (goals + 1) × 6 atoms a day). */
export const TOUCHES_PER_DAY_MAX = 50_000;

/**
 * The collection rate-limit tiers: one `[[ratelimits]]` binding each in wrangler.toml
 * (`COLLECT_LIMIT_<n>`, n hits per 60 s). A binding's limit is fixed at deploy time, so a site's
 * `collect_per_minute` uses the tightest tier at or above it (docs/COLLECTION.md "Rate limit").
 */
export const COLLECT_TIERS = [60, 300, 600, 1500, 3000, 10_000, 30_000] as const;
export type CollectTier = (typeof COLLECT_TIERS)[number];

/** The limits of a site, defaults filled in. */
export function siteLimits(config: Pick<SiteConfig, "limits"> | { limits?: Partial<SiteLimits> }): SiteLimits {
  return { ...DEFAULT_LIMITS, ...(config.limits ?? {}) };
}

/** The tier enforcing `perMinute` hits a minute: the tightest one at or above it; null when 0 (disabled). */
export function collectTier(perMinute: number): CollectTier | null {
  if (perMinute <= 0) return null;
  return COLLECT_TIERS.find((t) => t >= perMinute) ?? COLLECT_TIERS[COLLECT_TIERS.length - 1]!;
}
