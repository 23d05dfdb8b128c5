import { HttpError } from "../http/errors";
import type { DayRelease } from "../privacy/release";
import { parseOrThrow } from "../schemas/issues";
import { SpendBody, SpendRow as SpendRowSchema } from "../schemas/spend";
import type { SpendPiece } from "./figures";

export { SPEND_MAX_ROWS } from "../schemas/spend";

/** One imported spend line. medium "" = every medium of that source and campaign. */
export interface SpendRow {
  day: string;
  source: string;
  medium: string;
  campaign: string;
  currency: string;
  cost: number;
  platform_conversions: number | null;
}

/**
 * Validates one spend row (src/schemas/spend.ts) with the collection's normalisation (source and
 * medium lower-cased, campaign kept), so spend keys meet atom keys. Throws a 422 HttpError.
 */
export function parseSpendRow(v: unknown): SpendRow {
  const row = parseOrThrow(SpendRowSchema, v);
  return {
    day: row.day,
    source: row.source.toLowerCase(),
    medium: row.medium?.toLowerCase() ?? "",
    campaign: row.campaign,
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
  const byKey = new Map(rows.map((r) => [`${r.day}\u0000${r.source}\u0000${r.medium}\u0000${r.campaign}\u0000${r.currency}`, r]));
  return { rows: [...byKey.values()], valid: rows.length, rejected };
}

/**
 * Turns spend rows into pieces attached to released cells, using only what a response shows:
 * - a row counts only on a day the view did not withhold;
 * - it attaches only to a cell released on its own with some non-zero count — a pooled cell and
 *   a touch without any atom are treated alike (attaching to one but not the other would reveal
 *   that a small touch exists); such spend stays unattached and shows in `other` and `totals`;
 * - a row without medium is split over that day's released cells of its source and campaign in
 *   proportion to their (released) visitors, equally when they have none.
 */
export function allocateSpend(releases: readonly DayRelease[], spend: readonly SpendRow[]): SpendPiece[] {
  const byDay = new Map(releases.map((r) => [r.day, r]));
  const pieces: SpendPiece[] = [];
  for (const row of spend) {
    const rel = byDay.get(row.day);
    if (rel?.withheld) continue;
    const eligible = (rel?.units ?? []).flatMap((u) =>
      u.kind === "atom" && (u.cell.clicks > 0 || u.cell.visitors > 0 || u.cell.conversions > 0) ? [u.cell] : [],
    );
    const matches = eligible.filter((c) => c.source === row.source && c.campaign === row.campaign && (row.medium === "" || c.medium === row.medium));
    if (matches.length === 0) {
      pieces.push({ day: row.day, cell: null, currency: row.currency, cost: row.cost, platform_conversions: row.platform_conversions });
      continue;
    }
    const visitors = matches.reduce((n, c) => n + c.visitors, 0);
    for (const cell of matches) {
      const share = visitors > 0 ? cell.visitors / visitors : 1 / matches.length;
      pieces.push({
        day: row.day,
        cell,
        currency: row.currency,
        cost: row.cost * share,
        platform_conversions: row.platform_conversions === null ? null : row.platform_conversions * share,
      });
    }
  }
  return pieces;
}
