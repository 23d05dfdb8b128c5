-- Issue 10 item 6 (docs/SCALING.md "Month sums"): the sums of a calendar month's marked atoms per
-- (goal, model, kind, key), so a range reads the whole months it holds as a few rows per key
-- instead of every atom. Every unit of the release lies inside one calendar month, so a month's
-- sums are sums of whole units. Kept by the rollup (rollup/sums.ts refreshStaleMonths).
--   kind 'row'        atoms released on their own, keyed by grain, touch and released labels
--                     (content: its name where content_release = 1, else '(other)'; term likewise)
--   kind 'pool'       atoms in a pool (release = 0): `other`
--   kind 'total'      every atom not withheld (release >= 0): `totals`
--   kind 'day'        single-day units not withheld, keyed by day: group=day rows
--   kind 'coarse'     week and month units not withheld: group=day `other`
--   kind 'suppressed' per day: campaign atoms pooled or withheld, and whether the day is withheld
-- currency ''  = the counts and `revenue`; currency 'XYZ' = the sum of that currency's amounts.
CREATE TABLE month_sums (
  site        TEXT NOT NULL,
  month       TEXT NOT NULL,               -- 'YYYY-MM'
  goal        TEXT NOT NULL,
  model       TEXT NOT NULL,
  kind        TEXT NOT NULL,
  day         TEXT NOT NULL DEFAULT '',
  grain       INTEGER NOT NULL DEFAULT 0,
  source      TEXT NOT NULL DEFAULT '',
  medium      TEXT NOT NULL DEFAULT '',
  campaign    TEXT NOT NULL DEFAULT '',
  content     TEXT NOT NULL DEFAULT '',
  term        TEXT NOT NULL DEFAULT '',
  currency    TEXT NOT NULL DEFAULT '',
  clicks      INTEGER NOT NULL DEFAULT 0,
  visitors    INTEGER NOT NULL DEFAULT 0,
  conversions INTEGER NOT NULL DEFAULT 0,
  credit      REAL NOT NULL DEFAULT 0,
  revenue     REAL NOT NULL DEFAULT 0,
  suppressed  INTEGER NOT NULL DEFAULT 0,
  withheld    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (site, month, model, goal, kind, day, grain, source, medium, campaign, content, term, currency)
) WITHOUT ROWID;
-- What a month's sums were built from: every rolled day of the month marked for k with one
-- privacy.period (`period`), `days` of them,
-- `stamp` the sum of their updated_at, `currencies` the codes met (JSON array). A read uses the
-- sums only while rollup_days still says exactly that, for the site's k and currency.
CREATE TABLE month_sums_state (
  site       TEXT NOT NULL,
  month      TEXT NOT NULL,
  k          INTEGER NOT NULL,
  period     TEXT,                          -- the days' release_period: 'auto', or NULL (privacy.period "day")
  days       INTEGER NOT NULL,
  stamp      INTEGER NOT NULL,
  currencies TEXT NOT NULL,
  PRIMARY KEY (site, month)
) WITHOUT ROWID;
