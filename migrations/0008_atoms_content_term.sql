-- Issue 10 (CONTRACT.md v1.1 "below the campaign", docs/PRIVACY.md §9): atoms are kept per
-- (day, goal, model, source, medium, campaign, content, term) and carry the hierarchical marks of
-- privacy/hierarchy.ts (HierMark). Existing atoms become content and term '(none)' — what a touch
-- without them always was — and keep their release; their marks are day units, and a campaign
-- released on its own is its one '(none)' content and term released on its own (exactly what
-- markHierarchy with privacy.period "day" decides for a campaign of one child).
--   grain            0 day, 1 week, 2 month (the unit the atom belongs to; NULL while undecided)
--   unit_from/to     the days of that unit: a range uses the atom only when it holds them all
--   content_release  1 content released on its own, 0 in the unit's (other) content, NULL unless release = 1
--   term_release     the same for the term inside a released content
-- rollup_days.release_period is the privacy.period the day's marks were made with (NULL: "day",
-- as every mark before 0008 was); marks of another period are stale like marks of another k.
CREATE TABLE atoms_0007 AS SELECT * FROM atoms;
DROP TABLE atoms;
CREATE TABLE atoms (
  site                TEXT NOT NULL,
  day                 TEXT NOT NULL,
  goal                TEXT NOT NULL,
  model               TEXT NOT NULL,
  source              TEXT NOT NULL,
  medium              TEXT NOT NULL,
  campaign            TEXT NOT NULL,
  content             TEXT NOT NULL DEFAULT '(none)',
  term                TEXT NOT NULL DEFAULT '(none)',
  clicks              INTEGER NOT NULL DEFAULT 0,
  visitors            INTEGER NOT NULL DEFAULT 0,
  conversions         INTEGER NOT NULL DEFAULT 0,  -- distinct conversions that gave it credit
  credit              REAL NOT NULL DEFAULT 0,
  revenue             REAL NOT NULL DEFAULT 0,
  revenue_by_currency TEXT NOT NULL DEFAULT '{}',
  release             INTEGER,                     -- 1 alone, 0 pooled, -1 withheld, NULL undecided
  grain               INTEGER,                     -- 0 day, 1 week, 2 month; NULL undecided
  unit_from           TEXT,
  unit_to             TEXT,
  content_release     INTEGER,
  term_release        INTEGER,
  PRIMARY KEY (site, day, goal, model, source, medium, campaign, content, term)
) WITHOUT ROWID;
INSERT INTO atoms (site, day, goal, model, source, medium, campaign, content, term, clicks, visitors, conversions, credit, revenue, revenue_by_currency,
                   release, grain, unit_from, unit_to, content_release, term_release)
  SELECT site, day, goal, model, source, medium, campaign, '(none)', '(none)', clicks, visitors, conversions, credit, revenue, revenue_by_currency,
         release, IIF(release IS NULL, NULL, 0), IIF(release IS NULL, NULL, day), IIF(release IS NULL, NULL, day),
         IIF(release = 1, 1, NULL), IIF(release = 1, 1, NULL)
  FROM atoms_0007;
DROP TABLE atoms_0007;
ALTER TABLE rollup_days ADD COLUMN release_period TEXT;
-- Spend below the campaign (CONTRACT.md v1.1: ad- and keyword-level cost): content and term join
-- the key; '' = not given (the row is at the level above), as medium '' means every medium.
-- Existing rows are campaign-level.
CREATE TABLE spend_0007 AS SELECT * FROM spend;
DROP TABLE spend;
CREATE TABLE spend (
  site                 TEXT NOT NULL,
  day                  TEXT NOT NULL,
  source               TEXT NOT NULL,
  medium               TEXT NOT NULL,
  campaign             TEXT NOT NULL,
  content              TEXT NOT NULL DEFAULT '',
  term                 TEXT NOT NULL DEFAULT '',
  currency             TEXT NOT NULL,
  cost                 REAL NOT NULL,
  platform_conversions REAL,
  PRIMARY KEY (site, day, source, medium, campaign, content, term, currency)
) WITHOUT ROWID;
INSERT INTO spend (site, day, source, medium, campaign, content, term, currency, cost, platform_conversions)
  SELECT site, day, source, medium, campaign, '', '', currency, cost, platform_conversions FROM spend_0007;
DROP TABLE spend_0007;
