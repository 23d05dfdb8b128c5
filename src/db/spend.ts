import { chunkForParams, placeholders } from "./chunk";

/**
 * Imported ad spend. One row per (site, day, source, medium, campaign, content, term, currency); a
 * second import of the same key replaces it (ON CONFLICT … DO UPDATE). content and term are ''
 * above their level (0008): '' and '' campaign-level spend, a content and '' ad-level spend, both
 * keyword-level spend (CONTRACT.md v1.1). This module stores and returns rows; src/stats/spend.ts
 * decides where they land.
 */

/** One imported spend line. medium "" = every medium of that source and campaign; content and term "" = above that level. */
export interface SpendRow {
  day: string;
  source: string;
  medium: string;
  campaign: string;
  content: string;
  term: string;
  currency: string;
  cost: number;
  platform_conversions: number | null;
}

/** Bound parameters per spend row in the upsert. */
export const SPEND_PARAMS_PER_ROW = 10;

/**
 * The upsert of `rows` spend rows, SPEND_PARAMS_PER_ROW parameters each in column order. The VALUES
 * list is the one dynamic part: its length follows the chunk, and only placeholders are joined
 * into the text (every value is bound).
 */
const UPSERT_SPEND_SQL = (rows: number) => `
  INSERT INTO spend (site, day, source, medium, campaign, content, term, currency, cost, platform_conversions)
  VALUES ${placeholders(rows, SPEND_PARAMS_PER_ROW)}
  ON CONFLICT (site, day, source, medium, campaign, content, term, currency)
  DO UPDATE SET cost = excluded.cost, platform_conversions = excluded.platform_conversions`;

/** The statements of an upsert of `rows`, each with at most 100 bound parameters. */
export function spendUpsertStatements(db: D1Database, site: string, rows: readonly SpendRow[]): D1PreparedStatement[] {
  // NOTE: D1 binds at most 100 parameters per statement and does not enforce it locally
  // (https://developers.cloudflare.com/d1/platform/limits/): 10 rows of 10 per statement.
  return chunkForParams(rows, SPEND_PARAMS_PER_ROW).map((chunk) =>
    db
      .prepare(UPSERT_SPEND_SQL(chunk.length))
      .bind(...chunk.flatMap((r) => [site, r.day, r.source, r.medium, r.campaign, r.content, r.term, r.currency, r.cost, r.platform_conversions])),
  );
}

/** Upserts spend rows in one transaction (db.batch). Returns the number of rows written. */
export async function upsertSpend(db: D1Database, site: string, rows: readonly SpendRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  await db.batch(spendUpsertStatements(db, site, rows));
  return rows.length;
}

/** site, first day, last day. */
const READ_SPEND_SQL = `
  SELECT day, source, medium, campaign, content, term, currency, cost, platform_conversions
  FROM spend
  WHERE site = ? AND day BETWEEN ? AND ?
  ORDER BY day, source, medium, campaign, content, term, currency`;

/** The spend of a site over a day range, at every level (campaign, content, term). */
export async function readSpend(db: D1Database, site: string, from: string, to: string): Promise<SpendRow[]> {
  const { results } = await db
    .prepare(READ_SPEND_SQL)
    .bind(site, from, to)
    .all<SpendRow>();
  return results;
}
