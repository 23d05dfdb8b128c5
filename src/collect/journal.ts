import { invalid } from "../http/errors";
import { CLICK_IDS, deriveTouch, deriveUrlTouch, type LandingTouch } from "./landing";
import { normalizeTouch, type Touch } from "./touch";

/**
 * The touch journal a browser conversion carries (`j` on /p.gif and /e), documented in
 * docs/JOURNAL.md. Wire form: a JSON array (in the pixel: URL-encoded JSON text) of compact
 * touches, oldest first or in any order. A row is either
 *
 *   [t, source, medium, campaign, content?, term?, view?]   a touch, or a utm landing's raw utm_* values
 *   [t, x]                                                  a raw landing: a click id name or a referrer host
 *
 * t is unix seconds; content and term may be null or omitted; view is 1 for a view-through.
 * The tracker (src/tracker/) sends landings unresolved and the collector resolves them here with
 * the code that derives a pageview's own landing touch (src/collect/landing.ts), so the browser
 * ships no classification lists and the journey's touch is exactly the landing pageview's.
 */

/** Most touches a decoded journal keeps: the newest. */
export const JOURNAL_MAX = 10;
/** Longest a decoded journal may be, in encodeJournal characters: the oldest touches go first. */
export const JOURNAL_MAX_CHARS = 4096;

const UTM = ["source", "medium", "campaign", "content", "term"] as const;
/** The page a raw landing is replayed on: only its query string is read, so any URL will do. */
const LANDING_PAGE = "https://journal.invalid/";
/** A referrer host as the tracker writes it: no scheme, path, query, fragment, credentials or spaces. */
const HOST = /^[^\s/?#@\\]+$/;

/** Encodes touches in the wire form (resolved touches; the tracker writes raw landings). */
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

/** A row checked for shape: its time in unix ms, its index (for error fields) and its landing. */
interface Row {
  time: number;
  i: number;
  /** `[x]` for a raw landing, else the five utm_* values (string, null or undefined) */
  landing: unknown[];
  view: boolean;
}

const badRow = (field: string) =>
  invalid("invalid_touch", "Each journal touch is [time, source, medium, campaign, content?, term?, view?] or [time, click id or referrer host].", field);

/** Checks one row's shape (throws a 422 with its field); resolving it is left to `resolve`. */
function checkRow(row: unknown, i: number): Row {
  if (!Array.isArray(row) || row.length < 2 || row.length > 7) throw badRow(`j.${i}`);
  const [t, ...rest] = row as unknown[];
  if (typeof t !== "number" || !Number.isFinite(t) || t < 0 || t > 1e11) {
    throw invalid("invalid_touch", "A journal touch's time is unix seconds.", `j.${i}.0`);
  }
  if (rest.length === 1) {
    // A host's syntax is checked here; whether it parses is known when the row is resolved.
    if (typeof rest[0] !== "string" || !HOST.test(rest[0])) throw invalid("invalid_touch", "A raw landing [time, x] names a click id or a referrer host.", `j.${i}.1`);
  } else {
    for (const [k, v] of rest.slice(0, 5).entries()) {
      if (v !== undefined && v !== null && typeof v !== "string") throw invalid("invalid_touch", "Journal touch fields are strings or null.", `j.${i}.${k + 1}`);
    }
  }
  return { time: Math.round(t * 1000), i, landing: rest.slice(0, 5), view: rest[5] === 1 || rest[5] === true };
}

/**
 * The touch of one row by the landing pageview's own rules (src/collect/landing.ts `deriveTouch`):
 * `[t, x]` is a page with click id `x`, else a visit referred by host `x` (search → organic,
 * social → social, else referral from the host); a longer row is a page with those utm_* values,
 * so they are trimmed, source and medium lower-cased, cut to 200 characters, dropped when they
 * look like personal data, and a missing source is "(not set)". Null when nothing is left (every
 * utm value blank or personal data): such a landing carried no campaign touch.
 */
function resolve({ time, i, landing, view }: Row): Touch | null {
  const page = new URL(LANDING_PAGE);
  let derived: LandingTouch;
  const [x] = landing;
  if (landing.length === 1 && typeof x === "string") {
    if (CLICK_IDS.some(([id]) => id === x)) {
      page.searchParams.set(x, "");
      derived = deriveUrlTouch(page);
    } else {
      let referrer: URL | null = null;
      try {
        referrer = new URL(`https://${x}/`);
      } catch {}
      if (!referrer) throw invalid("invalid_touch", "A raw landing [time, x] names a click id or a referrer host.", `j.${i}.1`);
      derived = deriveTouch(null, referrer, []);
    }
  } else {
    for (const [k, v] of landing.entries()) if (typeof v === "string") page.searchParams.set(`utm_${UTM[k]}`, v);
    derived = deriveUrlTouch(page);
  }
  return derived.touch_kind === "landing" ? normalizeTouch({ ...derived, time, view }) : null;
}

/**
 * Decodes a journal and resolves its raw landings, oldest first. Throws a 422 HttpError (field
 * `j`…) when it is malformed: not JSON, not an array, or a row of neither form. Limits are not
 * errors: the newest JOURNAL_MAX touches are kept, then the oldest go while the encoded journal is
 * longer than JOURNAL_MAX_CHARS (the tracker leaves capping to the collector; the body limits of
 * /e and /p.gif bound what arrives). A row that resolves to no touch is left out.
 */
export function decodeJournal(input: unknown): Touch[] {
  let value = input;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      throw invalid("invalid_journal", "The touch journal `j` is not valid JSON.", "j");
    }
  }
  if (!Array.isArray(value)) throw invalid("invalid_journal", "The touch journal `j` must be an array of touches.", "j");
  const rows = value.map(checkRow).sort((a, b) => b.time - a.time || b.i - a.i);
  // Newest first, resolving only until the journal is full.
  const touches: Touch[] = [];
  for (const row of rows) {
    if (touches.length === JOURNAL_MAX) break;
    const touch = resolve(row);
    if (touch) touches.unshift(touch);
  }
  while (touches.length > 0 && encodeJournal(touches).length > JOURNAL_MAX_CHARS) touches.shift();
  return touches;
}
