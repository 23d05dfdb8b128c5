import { invalid } from "../http/errors";
import { normalizeTouch, type Touch } from "./touch";

/**
 * The touch journal a browser conversion carries (`j` on /p.gif and /e), documented in
 * docs/JOURNAL.md. Wire form: a JSON array (in the pixel: URL-encoded JSON text) of compact
 * touches, oldest first or in any order:
 *
 *   [[t, source, medium, campaign, content?, term?, view?], …]
 *
 * t is unix seconds; content and term may be null or omitted; view is 1 for a view-through.
 * At most JOURNAL_MAX touches; anything else is a validation error with field `j`.
 */
export const JOURNAL_MAX = 10;

/** Encodes touches in the wire form (the tracker does the same in the browser). */
export function encodeJournal(touches: Touch[]): string {
  return JSON.stringify(
    touches.map((t) => {
      const row: (string | number | null)[] = [Math.floor(t.time / 1000), t.source, t.medium, t.campaign];
      if (t.content !== null || t.term !== null || t.view) row.push(t.content, t.term);
      if (t.view) row.push(1);
      return row;
    }),
  );
}

/** Decodes and normalises a journal; throws a 422 HttpError (field `j`) when it is malformed. */
export function decodeJournal(input: unknown): Touch[] {
  let value = input;
  if (typeof value === "string") {
    if (value.length > 4096) throw invalid("journal_too_long", "The touch journal `j` is longer than 4096 characters.", "j");
    try {
      value = JSON.parse(value);
    } catch {
      throw invalid("invalid_journal", "The touch journal `j` is not valid JSON.", "j");
    }
  }
  if (!Array.isArray(value)) throw invalid("invalid_journal", "The touch journal `j` must be an array of touches.", "j");
  if (value.length > JOURNAL_MAX) throw invalid("journal_too_long", `The touch journal holds at most ${JOURNAL_MAX} touches.`, "j");
  return value.map((row, i) => {
    if (!Array.isArray(row) || row.length < 2 || row.length > 7) {
      throw invalid("invalid_touch", "Each journal touch is [time, source, medium, campaign, content?, term?, view?].", `j.${i}`);
    }
    const [t, source, medium, campaign, content, term, view] = row as unknown[];
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0 || t > 1e11) {
      throw invalid("invalid_touch", "A journal touch's time is unix seconds.", `j.${i}.0`);
    }
    if (typeof source !== "string" || source.trim() === "") throw invalid("invalid_touch", "A journal touch needs a source.", `j.${i}.1`);
    for (const [k, v] of [[2, medium], [3, campaign], [4, content], [5, term]] as const) {
      if (v !== undefined && v !== null && typeof v !== "string") throw invalid("invalid_touch", "Journal touch fields are strings or null.", `j.${i}.${k}`);
    }
    return normalizeTouch({ time: Math.round(t * 1000), source, medium, campaign, content, term, view: view === 1 || view === true });
  });
}
