import { getSiteCached } from "../sites/cache";
import type { SiteRecord } from "../db/sites";
import type { Problem } from "../http/errors";
import type { CleanEvent } from "./event";
import { checkHit, type CheckedHit, type HitContext, type HitFields } from "./hit";

/**
 * The hits of one browser request (pixel, beacon, Plausible drop-in), checked: each against its
 * site (collect/hit.ts checkHit), and against the request's other hits for a repeated event_id.
 * Checking costs no D1 read when the isolate is warm (sites are cached).
 */

export interface BrowserHit extends CheckedHit {
  site: SiteRecord | null;
  /** the name as sent (`n`), for the live view of a hit whose name is wrong */
  sentName: unknown;
}

/** Checks every hit of one request; a later copy of an event_id already in this request is a duplicate. */
export async function checkHits(db: D1Database, list: readonly HitFields[], ctx: HitContext): Promise<BrowserHit[]> {
  const seen = new Set<string>();
  const out: BrowserHit[] = [];
  for (const fields of list) {
    const site = typeof fields.s === "string" && fields.s !== "" ? await getSiteCached(db, fields.s) : null;
    const checked = checkHit(fields, site?.config ?? null, ctx);
    const e = checked.event;
    if (e && e.event_id !== null && checked.problems.length === 0) {
      const key = `${e.site}\u0000${e.event_id}`;
      if (seen.has(key)) checked.problems.push({ code: "duplicate", message: "This event_id was already sent in this request.", field: "i" });
      seen.add(key);
    }
    out.push({ ...checked, site, sentName: fields.n });
  }
  return out;
}

/** True for a hit that passed every check: stored, or for a test event shown only (ingest/browser.ts storeHits). */
export function isAccepted(h: BrowserHit): h is BrowserHit & { event: CleanEvent; site: SiteRecord } {
  return h.problems.length === 0 && h.event !== null && h.site !== null;
}

/**
 * The validation report of one hit (`debug=1`): the visitor hash is never revealed. `warnings`
 * (only when there are any): what was left out of a hit that is still stored, such as a bad click id.
 */
export function report(h: CheckedHit): { ok: boolean; errors: Problem[]; warnings?: Problem[]; event: CleanEvent | null } {
  return { ok: h.problems.length === 0, errors: h.problems, ...(h.warnings && h.warnings.length > 0 ? { warnings: h.warnings } : {}), event: h.event };
}

/** The report of a beacon array: every hit's report, plus all errors with their index in front of the field. */
export function reportAll(hits: readonly CheckedHit[]): { ok: boolean; errors: Problem[]; reports: ReturnType<typeof report>[] } {
  const errors = hits.flatMap((h, i) => h.problems.map((p) => ({ ...p, field: p.field === undefined ? String(i) : `${i}.${p.field}` })));
  return { ok: errors.length === 0, errors, reports: hits.map(report) };
}
