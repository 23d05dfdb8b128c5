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

/** Inserts a link; false when the code is taken (the caller draws another). */
export async function insertLink(db: D1Database, link: LinkRecord): Promise<boolean> {
  const res = await db
    .prepare(
      "INSERT INTO links (code, site, destination, source, medium, campaign, content, term, created_at) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING",
    )
    .bind(link.code, link.site, link.destination, link.source, link.medium, link.campaign, link.content, link.term, link.createdAt)
    .run();
  return res.meta.changes === 1;
}

export async function getLink(db: D1Database, code: string): Promise<LinkRecord | null> {
  const row = await db.prepare(`SELECT * FROM links WHERE code = ?`).bind(code).first<LinkRow>();
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

/** Counts one click of `code` on the site-local `day` (one upsert; concurrent clicks add up). */
export async function countClick(db: D1Database, site: string, day: string, code: string): Promise<void> {
  await db
    .prepare(
      "INSERT INTO link_clicks (site, day, code, clicks) VALUES (?, ?, ?, 1) " +
        "ON CONFLICT (site, day, code) DO UPDATE SET clicks = clicks + 1",
    )
    .bind(site, day, code)
    .run();
}
