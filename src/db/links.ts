import type { LinkSpec } from "../links/link";

/** A tracked link as stored. */
export interface LinkRecord extends LinkSpec {
  code: string;
  site: string;
  createdAt: number;
}

interface LinkRow {
  code: string;
  site: string;
  destination: string;
  source: string;
  medium: string;
  campaign: string;
  content: string | null;
  term: string | null;
  created_at: number;
}

/** The columns in order; a taken code inserts nothing. */
const INSERT_LINK_SQL = `
  INSERT INTO links (code, site, destination, source, medium, campaign, content, term, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (code) DO NOTHING`;

/** Inserts a link; false when the code is taken (the caller draws another). */
export async function insertLink(db: D1Database, link: LinkRecord): Promise<boolean> {
  const res = await db
    .prepare(INSERT_LINK_SQL)
    .bind(link.code, link.site, link.destination, link.source, link.medium, link.campaign, link.content, link.term, link.createdAt)
    .run();
  return res.meta.changes === 1;
}

const LINK_SQL = `
  SELECT *
  FROM links
  WHERE code = ?`;

export async function getLink(db: D1Database, code: string): Promise<LinkRecord | null> {
  const row = await db.prepare(LINK_SQL).bind(code).first<LinkRow>();
  if (!row) return null;
  return {
    code: row.code,
    site: row.site,
    destination: row.destination,
    source: row.source,
    medium: row.medium,
    campaign: row.campaign,
    content: row.content,
    term: row.term,
    createdAt: row.created_at,
  };
}

/**
 * ?1 site, ?2 day, ?3 code, ?4 visitor (null: unknown). +1 click unless the visitor already clicked
 * this link that day; nothing for a link not of this site (or gone).
 */
const COUNT_CLICK_SQL = `
  INSERT INTO link_clicks (site, day, code, clicks)
  SELECT ?1, ?2, ?3, 1
  WHERE EXISTS (SELECT 1 FROM links WHERE code = ?3 AND site = ?1)
    AND NOT EXISTS (SELECT 1 FROM link_visitors WHERE site = ?1 AND day = ?2 AND code = ?3 AND visitor = ?4)
  ON CONFLICT (site, day, code) DO UPDATE SET clicks = clicks + 1`;

/** Same parameters as COUNT_CLICK_SQL: records that the visitor clicked (run after it, in one batch). */
const RECORD_CLICK_VISITOR_SQL = `
  INSERT INTO link_visitors (site, day, code, visitor)
  SELECT ?1, ?2, ?3, ?4
  WHERE ?4 IS NOT NULL
    AND EXISTS (SELECT 1 FROM links WHERE code = ?3 AND site = ?1)
  ON CONFLICT DO NOTHING`;

/**
 * Counts one click of `code` on the site-local `day`, once per visitor and day: one batch (one
 * transaction) counts it only if the visitor has no click of this link that day yet, then records
 * the visitor. Concurrent clicks add up. A click without a visitor hash (no salt could be had) is
 * counted. Nothing is written for a link that no longer exists (its site was erased).
 */
export async function countClick(db: D1Database, site: string, day: string, code: string, visitor: string | null): Promise<void> {
  await db.batch([
    db.prepare(COUNT_CLICK_SQL).bind(site, day, code, visitor),
    db.prepare(RECORD_CLICK_VISITOR_SQL).bind(site, day, code, visitor),
  ]);
}

/** Rows of link_visitors deleted per statement. */
export const LINK_VISITORS_CHUNK = 10_000;

/** ?1 before (a day), ?2 limit. */
const PURGE_LINK_VISITORS_SQL = `
  DELETE FROM link_visitors
  WHERE (site, day, code, visitor) IN (
    SELECT site, day, code, visitor
    FROM link_visitors
    WHERE day < ?1
    LIMIT ?2
  )`;

/**
 * 1 query. Deletes up to `limit` link_visitors rows of days before `before`: they only dedup
 * clicks within their day, and hold visitor hashes, which are kept no longer than needed.
 */
export async function purgeLinkVisitors(db: D1Database, before: string, limit = LINK_VISITORS_CHUNK): Promise<number> {
  const res = await db
    .prepare(PURGE_LINK_VISITORS_SQL)
    .bind(before, limit)
    .run();
  return res.meta.changes;
}
