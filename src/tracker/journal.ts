/**
 * The touch journal as the browser keeps it (docs/JOURNAL.md). Pure: no DOM, no storage, no
 * clock — the tracker passes those in, and test/tracker/ checks every rule here in workerd.
 *
 * A journal is kept in exactly the wire form of src/collect/journal.ts (`encodeJournal`), so the
 * stored text is also what a conversion sends as `j`: `[[t, source, medium, campaign, content?, term?], …]`,
 * t in unix seconds, oldest first. The browser never writes view-throughs, so `view` never appears.
 * There is no identifier in it, ever: only campaign data and times.
 *
 * Terse on purpose: every byte ships in /t.js (budget 1,000 bytes gzipped).
 */

/** One touch in wire form. `content` and `term` appear (string or null) only when one of them is set. */
export type Row = [t: number, source: string, medium: string, campaign: string, content?: string | null, term?: string | null];

/** Most touches a journal holds (src/collect/journal.ts JOURNAL_MAX). */
export const MAX_TOUCHES = 10;
/** Longest encoded journal the collector accepts (src/collect/journal.ts). */
export const MAX_CHARS = 4096;
/**
 * The click window the browser applies, in seconds: the contract's default of 30 days. The script
 * cannot know the site's `click_window_days`; attribution applies the site's own window on the server.
 */
export const WINDOW = 30 * 86400;

/**
 * The journal at `now` (unix seconds) after adding `row`, if any: touches past the window are
 * dropped, a repeat of the latest touch only moves that touch's time (reloading a campaign page
 * is not a second contact), only the newest MAX_TOUCHES are kept, and the oldest go while the
 * encoded journal is longer than MAX_CHARS. `rows` may be anything parsed from storage: a value
 * that is not an array of rows makes it throw, and the tracker then starts an empty journal.
 */
export function journal(rows: Row[], now: number, row?: Row): Row[] {
  const key = (r?: Row) => JSON.stringify(r?.slice(1));
  rows = rows.filter((r) => r[0] > now - WINDOW);
  if (row) {
    if (key(rows.at(-1)) == key(row)) rows.pop();
    rows.push(row);
  }
  while (rows.length > MAX_TOUCHES || JSON.stringify(rows).length > MAX_CHARS) rows.shift();
  return rows;
}
