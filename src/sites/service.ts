import { deleteSite, getSite, insertSite, updateSiteConfig, updateSiteKeys, type SiteRecord } from "../db/sites";
import { HttpError } from "../http/errors";
import { clearSaltCache } from "../privacy/visitor";
import { iso } from "../time/day";
import { evictSite } from "./cache";
import { parseNewSite, patchSite, type SiteConfig } from "./config";
import { hashKey, newKey, randomToken } from "./keys";
import { siteLimits } from "./limits";
import { maskDestinations, sealDestinations } from "../forward/secrets";

/** The public view of a site (never key hashes or the noise secret). */
export function siteView(s: SiteRecord): SiteConfig & { created_at: string; updated_at: string } {
  return { ...s.config, limits: siteLimits(s.config), destinations: maskDestinations(s.config.destinations ?? []), created_at: iso(s.createdAt), updated_at: iso(s.updatedAt) };
}

export interface NewKeys {
  ingest_key: string;
  read_key: string;
}

async function freshKeys(): Promise<NewKeys & { ingestHash: string; readHash: string }> {
  const ingest_key = newKey("ingest");
  const read_key = newKey("read");
  return { ingest_key, read_key, ingestHash: await hashKey(ingest_key), readHash: await hashKey(read_key) };
}

/** Creates a site; its keys are returned here once and only stored hashed. */
export async function createSite(db: D1Database, body: unknown, now = Date.now(), destinationsKey?: string): Promise<{ site: SiteRecord; keys: NewKeys }> {
  const config = parseNewSite(body);
  config.destinations = await sealDestinations(config.destinations ?? [], [], destinationsKey);
  const k = await freshKeys();
  const site: SiteRecord = { config, ingestKeyHash: k.ingestHash, readKeyHash: k.readHash, secret: randomToken(32), createdAt: now, updatedAt: now };
  if (!(await insertSite(db, site))) throw new HttpError(409, "site_exists", `A site with id \`${config.id}\` already exists.`, "id");
  return { site, keys: { ingest_key: k.ingest_key, read_key: k.read_key } };
}

export async function loadSite(db: D1Database, id: string): Promise<SiteRecord> {
  const site = await getSite(db, id);
  if (!site) throw new HttpError(404, "site_not_found", `There is no site \`${id}\`.`);
  return site;
}

export async function updateSite(db: D1Database, id: string, body: unknown, now = Date.now(), destinationsKey?: string): Promise<SiteRecord> {
  const current = await loadSite(db, id);
  const config = patchSite(current.config, body);
  // Sealed only when the PATCH sends them: other changes never need the key.
  if (typeof body === "object" && body !== null && "destinations" in body) config.destinations = await sealDestinations(config.destinations ?? [], current.config.destinations ?? [], destinationsKey);
  await updateSiteConfig(db, config, now);
  evictSite(id);
  return { ...current, config, updatedAt: now };
}

/**
 * Erases a site: every row, in one transaction, plus a tombstone that makes writes still under way
 * for it (queued hits and their retries, other isolates' 30-second site cache) be refused
 * (db/sites.ts writableSite); the hourly run erases once more what a rollup already running wrote
 * after it. This isolate forgets the site and its salts at once; other isolates' salt caches
 * expire within 10 minutes and never write anything the tombstone lets through.
 */
export async function removeSite(db: D1Database, id: string, now = Date.now()): Promise<void> {
  if (!(await deleteSite(db, id, now))) throw new HttpError(404, "site_not_found", `There is no site \`${id}\`.`);
  evictSite(id);
  clearSaltCache();
}

/** Replaces both keys; the old ones stop working at once. */
export async function rotateKeys(db: D1Database, id: string, now = Date.now()): Promise<NewKeys> {
  const k = await freshKeys();
  if (!(await updateSiteKeys(db, id, k.ingestHash, k.readHash, now))) throw new HttpError(404, "site_not_found", `There is no site \`${id}\`.`);
  evictSite(id);
  return { ingest_key: k.ingest_key, read_key: k.read_key };
}
