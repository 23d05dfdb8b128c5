-- 0004 (docs/ROLLUP.md, docs/COLLECTION.md):
-- rollup_days.upto pins the highest events.rowid a roll covers, so every invocation of a roll that
-- spans several runs sees the same events (the touch cap ranks them once and for all); `written`
-- counts the atoms a chunked write has upserted, so a day too large for one invocation's write
-- resumes after them.
ALTER TABLE rollup_days ADD COLUMN upto INTEGER;
ALTER TABLE rollup_days ADD COLUMN written INTEGER NOT NULL DEFAULT 0;
-- Dead letters name their site (erased with it) and are purged after 30 days.
ALTER TABLE dead_letters ADD COLUMN site TEXT;
CREATE INDEX dead_letters_site ON dead_letters (site);
CREATE INDEX dead_letters_received ON dead_letters (received_at);
-- One row per visitor who clicked a tracked link on a day: a visitor's clicks count once a day.
CREATE TABLE link_visitors (
  site    TEXT NOT NULL,
  day     TEXT NOT NULL,
  code    TEXT NOT NULL,
  visitor TEXT NOT NULL,
  PRIMARY KEY (site, day, code, visitor)
) WITHOUT ROWID;
-- An erased site's tombstone, kept 14 days (longer than any queued message lives): writes for a
-- site erased after they were received — queued hits, retries, other isolates' cached sites — are
-- refused at write time, also when the id is re-created meanwhile.
CREATE TABLE erased_sites (
  site      TEXT PRIMARY KEY,
  erased_at INTEGER NOT NULL                 -- unix ms
) WITHOUT ROWID;
