import { withDefaults, type SiteConfig } from "../sites/config";

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

/** Inserts a new site; returns false when the id is taken. */
export async function insertSite(db: D1Database, s: SiteRecord): Promise<boolean> {
  const res = await db
    .prepare(
      "INSERT INTO sites (id, config, ingest_key_hash, read_key_hash, secret, created_at, updated_at) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(s.config.id, JSON.stringify(s.config), s.ingestKeyHash, s.readKeyHash, s.secret, s.createdAt, s.updatedAt)
    .run();
  return res.meta.changes === 1;
}

export async function getSite(db: D1Database, id: string): Promise<SiteRecord | null> {
  const row = await db.prepare(`SELECT * FROM sites WHERE id = ?`).bind(id).first<SiteRow>();
  return row ? toRecord(row) : null;
}

export async function getSiteByIngestHash(db: D1Database, hash: string): Promise<SiteRecord | null> {
  const row = await db.prepare(`SELECT * FROM sites WHERE ingest_key_hash = ?`).bind(hash).first<SiteRow>();
  return row ? toRecord(row) : null;
}

export async function listSites(db: D1Database): Promise<SiteRecord[]> {
  const { results } = await db.prepare(`SELECT * FROM sites ORDER BY id`).all<SiteRow>();
  return results.map(toRecord);
}

export async function updateSiteConfig(db: D1Database, config: SiteConfig, now: number): Promise<void> {
  await db.prepare(`UPDATE sites SET config = ?, updated_at = ? WHERE id = ?`).bind(JSON.stringify(config), now, config.id).run();
}

export async function updateSiteKeys(db: D1Database, id: string, ingestHash: string, readHash: string, now: number): Promise<boolean> {
  const res = await db
    .prepare(`UPDATE sites SET ingest_key_hash = ?, read_key_hash = ?, updated_at = ? WHERE id = ?`)
    .bind(ingestHash, readHash, now, id)
    .run();
  return res.meta.changes === 1;
}

/** Every statement that erases a site's rows, one per table that holds them (sites last). */
export const ERASE_SITE_SQL = [
  `DELETE FROM events WHERE site = ?`,
  `DELETE FROM dedup WHERE site = ?`,
  `DELETE FROM salts WHERE site = ?`,
  `DELETE FROM link_clicks WHERE site = ?`,
  `DELETE FROM links WHERE site = ?`,
  `DELETE FROM atoms WHERE site = ?`,
  `DELETE FROM funnel_days WHERE site = ?`,
  `DELETE FROM rollup_days WHERE site = ?`,
  `DELETE FROM rollup_scratch WHERE site = ?`,
  `DELETE FROM spend WHERE site = ?`,
  `DELETE FROM sites WHERE id = ?`,
] as const;

/** Erases a site and every row it owns, in one transaction. Returns false if there was no site. */
export async function deleteSite(db: D1Database, id: string): Promise<boolean> {
  const results = await db.batch(ERASE_SITE_SQL.map((sql) => db.prepare(sql).bind(id)));
  return (results[results.length - 1]?.meta.changes ?? 0) === 1;
}
