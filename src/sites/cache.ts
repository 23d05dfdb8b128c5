import { getSite, getSiteByDomain, type SiteRecord } from "../db/sites";

/**
 * Per-isolate cache of site records for the collection hot path: a pixel must not cost a D1
 * read per hit. Entries live CACHE_MS; admin changes made through this isolate evict at once,
 * other isolates see them within CACHE_MS.
 */
const CACHE_MS = 30_000;
const cache = new Map<string, { at: number; site: SiteRecord | null }>();

export async function getSiteCached(db: D1Database, id: string, now = Date.now()): Promise<SiteRecord | null> {
  const hit = cache.get(id);
  if (hit && now - hit.at < CACHE_MS) return hit.site;
  const site = await getSite(db, id);
  if (cache.size > 10_000) cache.clear();
  cache.set(id, { at: now, site });
  return site;
}

/**
 * The site a Plausible `domain` names (CONTRACT.md v1.1 drop-in endpoints): the site with that id,
 * else the one whose domains include it. Cached like `getSiteCached`, by domain.
 */
export async function getSiteForDomainCached(db: D1Database, domain: string, now = Date.now()): Promise<SiteRecord | null> {
  const byId = await getSiteCached(db, domain, now);
  if (byId) return byId;
  const hit = byDomain.get(domain);
  if (hit && now - hit.at < CACHE_MS) return hit.site;
  const site = await getSiteByDomain(db, domain.toLowerCase());
  if (byDomain.size > 10_000) byDomain.clear();
  byDomain.set(domain, { at: now, site });
  return site;
}
const byDomain = new Map<string, { at: number; site: SiteRecord | null }>();

export function evictSite(id: string): void {
  cache.delete(id);
  // A change of any site's domains may move a domain to another site: forget them all (cheap, rare).
  byDomain.clear();
}
