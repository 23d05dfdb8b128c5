import { upsertSpend, type SpendRow } from "../db/spend";
import { HttpError, problemOf, type Problem } from "../http/errors";
import { parseOrThrow } from "../schemas/issues";
import { SpendBody, SpendRow as SpendRowSchema } from "../schemas/spend";

/**
 * POST /v1/spend's domain: a body checked with src/schemas/spend.ts, normalised as collection
 * normalises touches (so spend keys meet atom keys), and upserted (src/db/spend.ts).
 */

export { SPEND_MAX_ROWS } from "../schemas/spend";

/**
 * Validates one spend row (src/schemas/spend.ts) with the collection's normalisation (source and
 * medium lower-cased; campaign, content and term kept), so spend keys meet atom keys. A level it
 * does not name is '' (db/spend.ts). Throws a 422 HttpError.
 */
export function parseSpendRow(v: unknown): SpendRow {
  const row = parseOrThrow(SpendRowSchema, v);
  return {
    day: row.day,
    source: row.source.toLowerCase(),
    medium: row.medium?.toLowerCase() ?? "",
    campaign: row.campaign,
    content: row.content ?? "",
    term: row.term ?? "",
    currency: row.currency,
    cost: row.cost,
    platform_conversions: row.platform_conversions ?? null,
  };
}

/** Splits a body into valid rows and per-index errors (the /v1/events answer style). */
export function parseSpendBody(body: unknown): { rows: SpendRow[]; valid: number; rejected: { index: number; error: HttpError }[] } {
  const list = parseOrThrow(SpendBody, body);
  const rows: SpendRow[] = [];
  const rejected: { index: number; error: HttpError }[] = [];
  list.forEach((v, index) => {
    try {
      rows.push(parseSpendRow(v));
    } catch (err) {
      if (err instanceof HttpError) rejected.push({ index, error: err });
      else throw err;
    }
  });
  // Same key twice in one body: the last one wins, as a second request would.
  const byKey = new Map(rows.map((r) => [JSON.stringify([r.day, r.source, r.medium, r.campaign, r.content, r.term, r.currency]), r]));
  return { rows: [...byKey.values()], valid: rows.length, rejected };
}

/** Imports a POST /v1/spend body for `site`: valid rows upserted, invalid ones listed by index. */
export async function importSpend(db: D1Database, site: string, body: unknown): Promise<{ accepted: number; rejected: { index: number; error: Problem }[] }> {
  const { rows, valid, rejected } = parseSpendBody(body);
  await upsertSpend(db, site, rows);
  return { accepted: valid, rejected: rejected.map((r) => ({ index: r.index, error: problemOf(r.error) })) };
}
