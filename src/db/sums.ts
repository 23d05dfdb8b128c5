import { chunks } from "./atoms";
import { SITES_PER_SCAN } from "./rollup";

/**
 * Month sums (migration 0010, docs/SCALING.md "Month sums"): the sums of a calendar month's marked
 * atoms per (goal, model, kind, key). Every unit of the release lies inside one calendar month, so
 * they are sums of whole units, and a range that holds a whole month may read them instead of its
 * atoms (db/stats.ts readDecidedRows). They are rebuilt from the atoms, never patched.
 */

/** Forgets a month's sums and their state. */
const DELETE_SUMS = `
  DELETE FROM month_sums
  WHERE site = ?1 AND month = ?2`;

const DELETE_STATE = `
  DELETE FROM month_sums_state
  WHERE site = ?1 AND month = ?2`;

/**
 * The month's state, written only when every rolled day of it is marked for one k with one
 * privacy.period — NULL ("day") or 'auto' (a roll under way or a re-mark half done, whose days say
 * 'remark:…', leaves the month without sums: reads use its atoms).
 */
const INSERT_STATE = `
  INSERT INTO month_sums_state (site, month, k, period, days, stamp, currencies)
  SELECT ?1, ?2, MIN(release_k), MIN(release_period), COUNT(*), SUM(updated_at),
         (SELECT json_group_array(DISTINCT j.key)
          FROM atoms AS a, json_each(a.revenue_by_currency) AS j
          WHERE a.site = ?1 AND a.day BETWEEN ?3 AND ?4)
  FROM rollup_days
  WHERE site = ?1 AND day BETWEEN ?3 AND ?4
  HAVING COUNT(*) > 0 AND COUNT(release_k) = COUNT(*) AND MIN(release_k) = MAX(release_k)
     AND COUNT(DISTINCT COALESCE(release_period, '')) = 1 AND COALESCE(MIN(release_period), 'auto') = 'auto'`;

/**
 * The sums, from the month's atoms, when the state was written. `tagged` gives each atom once per
 * kind it counts in, with the key that kind keeps (labels as the read shows them: a content's name
 * where it is released on its own, else (other)); the counts and each currency's amounts are then
 * grouped by it, and the suppressed campaign atoms counted per day (a campaign atom is the sum of
 * its contents and terms).
 */
const INSERT_SUMS = `
  WITH marked AS (
    SELECT goal, model, day, grain, release, source, medium, campaign,
           IIF(content_release = 1, content, '(other)') AS content,
           IIF(content_release = 1 AND term_release = 1, term, '(other)') AS term,
           clicks, visitors, conversions, credit, revenue, revenue_by_currency
    FROM atoms
    WHERE site = ?1 AND day BETWEEN ?3 AND ?4
      AND EXISTS (SELECT 1 FROM month_sums_state WHERE site = ?1 AND month = ?2)
  ),
  tagged AS (
    SELECT goal, model, 'row' AS kind, '' AS day, grain, source, medium, campaign, content, term,
           clicks, visitors, conversions, credit, revenue, revenue_by_currency
    FROM marked WHERE release = 1
    UNION ALL
    SELECT goal, model, 'pool', '', 0, '', '', '', '', '',
           clicks, visitors, conversions, credit, revenue, revenue_by_currency
    FROM marked WHERE release = 0
    UNION ALL
    SELECT goal, model, 'total', '', 0, '', '', '', '', '',
           clicks, visitors, conversions, credit, revenue, revenue_by_currency
    FROM marked WHERE release >= 0
    UNION ALL
    SELECT goal, model, 'day', day, 0, '', '', '', '', '',
           clicks, visitors, conversions, credit, revenue, revenue_by_currency
    FROM marked WHERE release >= 0 AND grain = 0
    UNION ALL
    SELECT goal, model, 'coarse', '', 0, '', '', '', '', '',
           clicks, visitors, conversions, credit, revenue, revenue_by_currency
    FROM marked WHERE release >= 0 AND grain > 0
  )
  INSERT INTO month_sums (site, month, goal, model, kind, day, grain, source, medium, campaign, content, term, currency,
                          clicks, visitors, conversions, credit, revenue, suppressed, withheld)
  SELECT ?1, ?2, goal, model, kind, day, grain, source, medium, campaign, content, term, '',
         SUM(clicks), SUM(visitors), SUM(conversions), SUM(credit), SUM(revenue), 0, 0
  FROM tagged
  GROUP BY goal, model, kind, day, grain, source, medium, campaign, content, term
  UNION ALL
  SELECT ?1, ?2, goal, model, kind, day, grain, source, medium, campaign, content, term, j.key,
         0, 0, 0, 0, SUM(j.value), 0, 0
  FROM tagged, json_each(tagged.revenue_by_currency) AS j
  GROUP BY goal, model, kind, day, grain, source, medium, campaign, content, term, j.key
  UNION ALL
  SELECT ?1, ?2, goal, model, 'suppressed', day, 0, '', '', '', '', '', '',
         0, 0, 0, 0, 0,
         COUNT(DISTINCT IIF(release <= 0, json_array(source, medium, campaign), NULL)) AS suppressed,
         MAX(release < 0)
  FROM marked
  GROUP BY goal, model, day
  HAVING suppressed > 0`;

/**
 * Statements rebuilding the sums of `site`'s `month` ('YYYY-MM') from its atoms: to run in one
 * batch (one transaction), after the marks of any of its days were written. The month gets sums
 * only when every rolled day of it is marked for one k and period; otherwise it has none until it is.
 * NOTE: whoever rewrites marks without changing a day's release_k, release_period or updated_at (which is how
 * reads and staleSumMonths notice a change) must add these statements to the same batch.
 */
export function refreshMonthSums(db: D1Database, site: string, month: string): D1PreparedStatement[] {
  const first = `${month}-01`;
  const last = `${month}-31`;
  return [
    db.prepare(DELETE_SUMS).bind(site, month),
    db.prepare(DELETE_STATE).bind(site, month),
    db.prepare(INSERT_STATE).bind(site, month, first, last),
    db.prepare(INSERT_SUMS).bind(site, month, first, last),
  ];
}

/** Statements per month refreshMonthSums runs (for the rollup's query budget). */
export const REFRESH_STATEMENTS = 4;

/**
 * Months whose sums are missing or out of date: every rolled day of the month is marked for the
 * site's k, and the month's state does not say exactly that (another k, other days, another
 * updated_at). Newest first, for up to SITES_PER_SCAN sites per statement.
 */
const STALE_MONTHS = `
  SELECT r.site AS site, substr(r.day, 1, 7) AS month
  FROM json_each(?1) AS p
  JOIN rollup_days AS r ON r.site = p.value ->> 0
  LEFT JOIN month_sums_state AS s ON s.site = r.site AND s.month = substr(r.day, 1, 7)
  GROUP BY r.site, substr(r.day, 1, 7)
  HAVING SUM(r.release_k IS (p.value ->> 1) AND r.release_period IS (p.value ->> 2)) = COUNT(*)
     AND (MAX(s.k) IS NULL OR MAX(s.k) <> MAX(p.value ->> 1) OR MAX(s.period) IS NOT MAX(p.value ->> 2)
          OR MAX(s.days) <> COUNT(*) OR MAX(s.stamp) <> SUM(r.updated_at))
  ORDER BY month DESC
  LIMIT ?2`;

/** Months to refresh (STALE_MONTHS), at most `limit` per SITES_PER_SCAN sites. */
export async function staleSumMonths(db: D1Database, sites: readonly { site: string; k: number; period: "auto" | "day" }[], limit: number): Promise<{ site: string; month: string }[]> {
  const out: { site: string; month: string }[] = [];
  for (const chunk of chunks(sites, SITES_PER_SCAN)) {
    const { results } = await db
      .prepare(STALE_MONTHS)
      .bind(JSON.stringify(chunk.map((s) => [s.site, s.k, s.period === "auto" ? "auto" : null])), limit)
      .all<{ site: string; month: string }>();
    out.push(...results);
  }
  return out;
}
