-- The release decided at rollup time (docs/PRIVACY.md "Release at rollup time").
-- atoms are re-keyed view first inside a day — (site, day, goal, model, touch) — so one view of a
-- range is one seek per day, and gain `release`: 1 = released on its own, 0 = in its day's pool,
-- -1 = its day is withheld in this view, NULL = not decided (the API then releases in the Worker).
-- rollup_days.release_k is the k the day's marks were made with; marks of any other k are ignored.
CREATE TABLE atoms_0002 AS SELECT * FROM atoms;
DROP TABLE atoms;
CREATE TABLE atoms (
  site                TEXT NOT NULL,
  day                 TEXT NOT NULL,
  goal                TEXT NOT NULL,
  model               TEXT NOT NULL,
  source              TEXT NOT NULL,
  medium              TEXT NOT NULL,
  campaign            TEXT NOT NULL,
  clicks              INTEGER NOT NULL DEFAULT 0,
  visitors            INTEGER NOT NULL DEFAULT 0,
  conversions         INTEGER NOT NULL DEFAULT 0,  -- distinct conversions that gave it credit
  credit              REAL NOT NULL DEFAULT 0,
  revenue             REAL NOT NULL DEFAULT 0,
  revenue_by_currency TEXT NOT NULL DEFAULT '{}',
  release             INTEGER,                     -- 1 alone, 0 pooled, -1 withheld, NULL undecided
  PRIMARY KEY (site, day, goal, model, source, medium, campaign)
) WITHOUT ROWID;
INSERT INTO atoms (site, day, goal, model, source, medium, campaign, clicks, visitors, conversions, credit, revenue, revenue_by_currency)
  SELECT site, day, goal, model, source, medium, campaign, clicks, visitors, conversions, credit, revenue, revenue_by_currency FROM atoms_0002;
DROP TABLE atoms_0002;
ALTER TABLE rollup_days ADD COLUMN release_k INTEGER;
