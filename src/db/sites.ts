import { withDefaults, type SiteConfig } from "../sites/config";
import { DAY_MS } from "../time/windows";

/** A site as stored: its configuration plus key hashes and the noise secret. */
export interface SiteRecord {
  config: SiteConfig;
  ingestKeyHash: string;
  readKeyHash: string;
  secret: string;
  createdAt: number;
  updatedAt: number;
}

interface SiteRow {
  id: string;
  config: string;
  ingest_key_hash: string;
  read_key_hash: string;
  secret: string;
  created_at: number;
  updated_at: number;
}

function toRecord(r: SiteRow): SiteRecord {
  return {
    // Sites stored before v1.1 lack its fields: every reader sees the defaults.
    config: withDefaults(JSON.parse(r.config) as SiteConfig),
    ingestKeyHash: r.ingest_key_hash,
    readKeyHash: r.read_key_hash,
    secret: r.secret,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** id, config (JSON), ingest and read key hashes, secret, created_at, updated_at. */
const INSERT_SITE_SQL = `
  INSERT INTO sites (id, config, ingest_key_hash, read_key_hash, secret, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO NOTHING`;

/** Inserts a new site; returns false when the id is taken. */
export async function insertSite(db: D1Database, s: SiteRecord): Promise<boolean> {
  const res = await db
    .prepare(INSERT_SITE_SQL)
    .bind(s.config.id, JSON.stringify(s.config), s.ingestKeyHash, s.readKeyHash, s.secret, s.createdAt, s.updatedAt)
    .run();
  return res.meta.changes === 1;
}

const SITE_BY_ID_SQL = `
  SELECT *
  FROM sites
  WHERE id = ?`;

export async function getSite(db: D1Database, id: string): Promise<SiteRecord | null> {
  const row = await db.prepare(SITE_BY_ID_SQL).bind(id).first<SiteRow>();
  return row ? toRecord(row) : null;
}

/** The site of an ingest key (its SHA-256 hash). */
const SITE_BY_INGEST_HASH_SQL = `
  SELECT *
  FROM sites
  WHERE ingest_key_hash = ?`;

export async function getSiteByIngestHash(db: D1Database, hash: string): Promise<SiteRecord | null> {
  const row = await db.prepare(SITE_BY_INGEST_HASH_SQL).bind(hash).first<SiteRow>();
  return row ? toRecord(row) : null;
}

/** ?: the domain, lower-case; matched against each entry of config.domains. */
const SITE_BY_DOMAIN_SQL = `
  SELECT s.*
  FROM sites AS s, json_each(s.config, '$.domains') AS d
  WHERE d.value = ?
  ORDER BY s.id
  LIMIT 1`;

/**
 * The site one of whose `domains` is exactly `domain` (lower-case), first by id when several list
 * it: how Plausible's `domain` finds a site that is not named after it.
 */
export async function getSiteByDomain(db: D1Database, domain: string): Promise<SiteRecord | null> {
  const row = await db.prepare(SITE_BY_DOMAIN_SQL).bind(domain).first<SiteRow>();
  return row ? toRecord(row) : null;
}

const LIST_SITES_SQL = `
  SELECT *
  FROM sites
  ORDER BY id`;

export async function listSites(db: D1Database): Promise<SiteRecord[]> {
  const { results } = await db.prepare(LIST_SITES_SQL).all<SiteRow>();
  return results.map(toRecord);
}

/** config (JSON), updated_at, id. */
const UPDATE_SITE_CONFIG_SQL = `
  UPDATE sites
  SET config = ?, updated_at = ?
  WHERE id = ?`;

export async function updateSiteConfig(db: D1Database, config: SiteConfig, now: number): Promise<void> {
  await db.prepare(UPDATE_SITE_CONFIG_SQL).bind(JSON.stringify(config), now, config.id).run();
}

/** ingest key hash, read key hash, updated_at, id. */
const UPDATE_SITE_KEYS_SQL = `
  UPDATE sites
  SET ingest_key_hash = ?, read_key_hash = ?, updated_at = ?
  WHERE id = ?`;

export async function updateSiteKeys(db: D1Database, id: string, ingestHash: string, readHash: string, now: number): Promise<boolean> {
  const res = await db
    .prepare(UPDATE_SITE_KEYS_SQL)
    .bind(ingestHash, readHash, now, id)
    .run();
  return res.meta.changes === 1;
}

/**
 * SQL condition: may a row of site `site` (an SQL expression), received at `received` (unix ms,
 * an SQL expression), still be written? Not when the site was erased (a tombstone in
 * erased_sites) unless it exists again and was re-created no later than the row was received —
 * so queued writes of an erased site never bring its rows back, even under a re-used id. Sites
 * never erased are not checked (the collectors already checked them). Built from fixed
 * expressions only, never from values.
 */
export function writableSite(site: string, received: string): string {
  return `NOT EXISTS (
    SELECT 1
    FROM erased_sites AS t
    WHERE t.site = ${site}
      AND NOT EXISTS (SELECT 1 FROM sites AS s WHERE s.id = ${site} AND s.created_at <= ${received})
  )`;
}

/** Every statement that erases a site's rows, one per table that holds them (sites last). */
export const ERASE_SITE_SQL = [
  `DELETE FROM events WHERE site = ?1`,
  `DELETE FROM dedup WHERE site = ?1`,
  `DELETE FROM salts WHERE site = ?1`,
  `DELETE FROM link_clicks WHERE site = ?1`,
  `DELETE FROM link_visitors WHERE site = ?1`,
  `DELETE FROM links WHERE site = ?1`,
  `DELETE FROM atoms WHERE site = ?1`,
  `DELETE FROM month_sums WHERE site = ?1`,
  `DELETE FROM month_sums_state WHERE site = ?1`,
  `DELETE FROM funnel_days WHERE site = ?1`,
  `DELETE FROM rollup_days WHERE site = ?1`,
  `DELETE FROM rollup_scratch WHERE site = ?1`,
  `DELETE FROM spend WHERE site = ?1`,
  `DELETE FROM dead_letters WHERE site = ?1`,
  `DELETE FROM live_hits WHERE site = ?1`,
  `DELETE FROM live_sessions WHERE site = ?1`,
  `DELETE FROM forward_outbox WHERE site = ?1`,
  `DELETE FROM forward_status WHERE site = ?1`,
  `DELETE FROM sites WHERE id = ?1`,
] as const;

/** How long an erased site's tombstone is kept: longer than a queued message can live (Queues keep them at most 14 days). */
export const TOMBSTONE_MS = 14 * DAY_MS;

/** ?1 site, ?2 erased_at. A tombstone only for a site that exists; erasing again moves it forward. */
const TOMBSTONE_SQL = `
  INSERT INTO erased_sites (site, erased_at)
  SELECT ?1, ?2
  WHERE EXISTS (SELECT 1 FROM sites WHERE id = ?1)
  ON CONFLICT (site) DO UPDATE SET erased_at = excluded.erased_at`;

/**
 * Erases a site and every row it owns, in one transaction, and leaves its tombstone (erased_sites)
 * so writes still under way for it are refused. Returns false if there was no site.
 */
export async function deleteSite(db: D1Database, id: string, now = Date.now()): Promise<boolean> {
  const tombstone = db.prepare(TOMBSTONE_SQL).bind(id, now);
  const results = await db.batch([tombstone, ...ERASE_SITE_SQL.map((sql) => db.prepare(sql).bind(id))]);
  return (results[results.length - 1]?.meta.changes ?? 0) === 1;
}

/** ?1: since (unix ms). */
const RECENTLY_ERASED_SQL = `
  SELECT site
  FROM erased_sites
  WHERE erased_at >= ?1
    AND NOT EXISTS (SELECT 1 FROM sites WHERE id = erased_sites.site)
  ORDER BY site`;

/** Sites erased since `since` that do not exist again: the hourly run erases their rows once more. */
export async function recentlyErased(db: D1Database, since: number): Promise<string[]> {
  const { results } = await db
    .prepare(RECENTLY_ERASED_SQL)
    .bind(since)
    .all<{ site: string }>();
  return results.map((r) => r.site);
}

/** Appended to an ERASE_SITE_SQL statement: nothing once the id exists again (a new site's rows are its own). */
const UNLESS_SITE_EXISTS = `
    AND NOT EXISTS (SELECT 1 FROM sites WHERE id = ?1)`;

/**
 * Erases the rows of an erased site once more (not its tombstone): a rollup invocation that
 * listed the site before its erase may have written its last batch after it.
 */
export function eraseAgainStatements(db: D1Database, id: string): D1PreparedStatement[] {
  // Never the sites row. Each other ERASE_SITE_SQL statement gets one more condition, so the list
  // of tables that hold a site's rows stays in one place.
  return ERASE_SITE_SQL.filter((sql) => !sql.startsWith("DELETE FROM sites ")).map((sql) => db.prepare(sql + UNLESS_SITE_EXISTS).bind(id));
}

/** ?: erased before (unix ms). */
const PURGE_TOMBSTONES_SQL = `
  DELETE FROM erased_sites
  WHERE erased_at < ?`;

/** 1 query. Deletes tombstones older than TOMBSTONE_MS. */
export async function purgeTombstones(db: D1Database, now: number): Promise<number> {
  const res = await db.prepare(PURGE_TOMBSTONES_SQL).bind(now - TOMBSTONE_MS).run();
  return res.meta.changes;
}
