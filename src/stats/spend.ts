import { isObject } from "../http/body";
import { HttpError, invalid } from "../http/errors";
import type { DayRelease } from "../privacy/release";
import { isCurrency } from "../sites/currency";
import { TOUCH_FIELD_MAX } from "../collect/touch";
import { isDay } from "../time/day";
import type { SpendPiece } from "./figures";

/** At most this many spend rows per POST /v1/spend. */
export const SPEND_MAX_ROWS = 1000;

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

const KEYS = new Set(["day", "source", "medium", "campaign", "cost", "currency", "platform_conversions"]);

function text(v: unknown, field: string, lower: boolean): string {
  if (typeof v !== "string" || v.trim() === "") throw invalid("required", `\`${field}\` must be a non-empty string.`, field);
  const t = v.trim();
  if (t.length > TOUCH_FIELD_MAX) throw invalid("too_long", `\`${field}\` is at most ${TOUCH_FIELD_MAX} characters.`, field);
  return lower ? t.toLowerCase() : t;
}

function amount(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 1e12) {
    throw invalid("invalid_number", `\`${field}\` must be a number from 0 to 1e12.`, field);
  }
  return v;
}

/**
 * Validates one spend row with the collection's normalisation (source and medium trimmed and
 * lower-cased, campaign trimmed and kept), so spend keys meet atom keys. Throws a 422 HttpError.
 */
export function parseSpendRow(v: unknown): SpendRow {
  if (!isObject(v)) throw invalid("invalid_row", "Each spend row is an object with day, source, campaign, cost and currency.");
  for (const key of Object.keys(v)) if (!KEYS.has(key)) throw invalid("unknown_field", `Unknown field \`${key}\`.`, key);
  if (typeof v.day !== "string" || !isDay(v.day)) throw invalid("invalid_day", "`day` must be a calendar day written YYYY-MM-DD.", "day");
  const medium = v.medium === undefined || v.medium === null ? "" : text(v.medium, "medium", true);
  if (typeof v.currency !== "string" || !isCurrency(v.currency)) {
    throw invalid("invalid_currency", "`currency` must be an ISO-4217 code such as EUR.", "currency");
  }
  return {
    day: v.day,
    source: text(v.source, "source", true),
    medium,
    campaign: text(v.campaign, "campaign", false),
    currency: v.currency,
    cost: amount(v.cost, "cost"),
    platform_conversions: v.platform_conversions === undefined || v.platform_conversions === null ? null : amount(v.platform_conversions, "platform_conversions"),
  };
}

/** Splits a body into valid rows and per-index errors (the /v1/events answer style). */
export function parseSpendBody(body: unknown): { rows: SpendRow[]; valid: number; rejected: { index: number; error: HttpError }[] } {
  if (!Array.isArray(body)) throw invalid("invalid_body", "Send the spend as a JSON array of rows.");
  if (body.length > SPEND_MAX_ROWS) throw invalid("too_many", `Send at most ${SPEND_MAX_ROWS} spend rows per request.`);
  const rows: SpendRow[] = [];
  const rejected: { index: number; error: HttpError }[] = [];
  body.forEach((v, index) => {
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
