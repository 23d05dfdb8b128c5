import { writableSite } from "./sites";

/** The `salts` table: one random salt per site and site-local day (CONTRACT.md "No raw IP …"). */

export interface SaltRow {
  salt: string;
  expires_at: number;
}

/**
 * ?1 site, ?2 day, ?3 the candidate salt, ?4 expires_at, ?5 now (unix ms). No salt for a site erased
 * meanwhile (a stale site cache): nothing of it may be written again.
 */
const INSERT_SALT_SQL = `
  INSERT INTO salts (site, day, salt, expires_at)
  SELECT ?1, ?2, ?3, ?4
  WHERE ${writableSite("?1", "?5")}
  ON CONFLICT (site, day) DO NOTHING`;

/** site, day. */
const SALT_SQL = `
  SELECT salt, expires_at
  FROM salts
  WHERE site = ? AND day = ?`;

/**
 * Creates the salt of (site, day) unless one exists, then reads the one that won — race-safe
 * across isolates: every concurrent creator reads the same row. One round trip (a batch).
 */
export async function ensureSalt(db: D1Database, site: string, day: string, candidate: string, expiresAt: number): Promise<SaltRow> {
  const [, read] = await db.batch<SaltRow>([
    db.prepare(INSERT_SALT_SQL).bind(site, day, candidate, expiresAt, Date.now()),
    db.prepare(SALT_SQL).bind(site, day),
  ]);
  const row = read?.results[0];
  if (!row) throw new Error(`salt of ${site} ${day} vanished between insert and select`);
  return row;
}

/** The salt of a (site, day) if it still exists; past days never get a new one. */
export async function findSalt(db: D1Database, site: string, day: string): Promise<SaltRow | null> {
  return db.prepare(SALT_SQL).bind(site, day).first<SaltRow>();
}
