import type { SpendRow } from "../stats/spend";
import { chunkForParams, placeholders } from "./chunk";

/**
 * Imported ad spend. One row per (site, day, source, medium, campaign, content, term, currency); a
 * second import of the same key replaces it (ON CONFLICT … DO UPDATE). content and term are ''
 * (campaign-level spend, 0008) until POST /v1/spend accepts them (CONTRACT.md v1.1).
 */

/** Bound parameters per spend row in the upsert. */
export const SPEND_PARAMS_PER_ROW = 8;

/** The statements of an upsert of `rows`, each with at most 100 bound parameters. */
export function spendUpsertStatements(db: D1Database, site: string, rows: readonly SpendRow[]): D1PreparedStatement[] {
  // NOTE: D1 binds at most 100 parameters per statement and does not enforce it locally
  // (https://developers.cloudflare.com/d1/platform/limits/): 12 rows of 8 per statement.
  return chunkForParams(rows, SPEND_PARAMS_PER_ROW).map((chunk) =>
    db
      .prepare(
        // Only placeholders are joined into the text; every value is bound.
        `INSERT INTO spend (site, day, source, medium, campaign, currency, cost, platform_conversions)
         VALUES ${placeholders(chunk.length, SPEND_PARAMS_PER_ROW)}
         ON CONFLICT (site, day, source, medium, campaign, content, term, currency)
         DO UPDATE SET cost = excluded.cost, platform_conversions = excluded.platform_conversions`,
      )
      .bind(...chunk.flatMap((r) => [site, r.day, r.source, r.medium, r.campaign, r.currency, r.cost, r.platform_conversions])),
  );
}

/** Upserts spend rows in one transaction (db.batch). Returns the number of rows written. */
export async function upsertSpend(db: D1Database, site: string, rows: readonly SpendRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  await db.batch(spendUpsertStatements(db, site, rows));
  return rows.length;
}

/** The spend of a site over a day range. */
export async function readSpend(db: D1Database, site: string, from: string, to: string): Promise<SpendRow[]> {
  const { results } = await db
    .prepare(
      "SELECT day, source, medium, campaign, currency, cost, platform_conversions " +
        "FROM spend WHERE site = ? AND day BETWEEN ? AND ? AND content = '' AND term = '' ORDER BY day, source, medium, campaign, currency",
    )
    .bind(site, from, to)
    .all<SpendRow>();
  return results;
}
