/**
 * The touch journal as the browser keeps it (docs/JOURNAL.md). Pure: no DOM, no storage, no
 * clock — the tracker passes those in, and test/tracker/ checks every rule here in workerd.
 *
 * The stored text is also what a conversion sends as `j`: rows `[t, …]`, t in unix seconds,
 * oldest first, each an unresolved landing (src/tracker/landing.ts) that the collector resolves
 * (src/collect/journal.ts). There is no identifier in it, ever: only campaign data and times.
 *
 * Terse on purpose: every byte ships in /t.js (budget 1,000 bytes gzipped).
 */

/**
 * One raw landing: `[t, utm_source, utm_medium, utm_campaign, utm_content, utm_term]` or
 * `[t, click id or referrer host]`. An absent utm value is undefined in memory and null in JSON.
 */
export type Row = [t: number, ...landing: (string | null | undefined)[]];

/** Most touches a journal holds (src/collect/journal.ts JOURNAL_MAX). */
export const MAX_TOUCHES = 10;
/**
 * The click window the browser applies, in seconds: the contract's default of 30 days. The script
 * cannot know the site's `click_window_days`; attribution applies the site's own window on the server.
 */
export const WINDOW = 30 * 86400;

/**
 * The journal at `now` (unix seconds) after adding `row`, if any: touches past the window are
 * dropped, a repeat of the latest touch only moves that touch's time (reloading a campaign page
 * is not a second contact), and only the newest MAX_TOUCHES are kept. The collector caps an
 * over-long journal itself (src/collect/journal.ts). `rows` may be anything parsed from storage:
 * a value that is not an array of rows makes it throw, and the tracker then starts an empty journal.
 */
export function journal(rows: Row[], now: number, row?: Row): Row[] {
  const key = (r?: Row) => JSON.stringify(r?.slice(1));
  rows = rows.filter((r) => r[0] > now - WINDOW);
  if (row) {
    if (key(rows.at(-1)) == key(row)) rows.pop();
    rows.push(row);
  }
  return rows.slice(-MAX_TOUCHES);
}
