-- The live test view (docs/LIVE.md): a site's test session, and the hits received while it lasts.
-- Rows hold only what an events row may hold: scrubbed URL, landing touch, name, value, currency,
-- the event_id as stored, validation errors. Never an IP address, user agent, e-mail or phone.
CREATE TABLE live_sessions (
  site     TEXT PRIMARY KEY,
  started  INTEGER NOT NULL,                 -- unix ms: hits before it belong to an earlier session
  until    INTEGER NOT NULL                  -- unix ms: the session ends (POST again moves it)
) WITHOUT ROWID;

-- At most 200 a site (trimmed on write); purged hourly once the site's session is over.
CREATE TABLE live_hits (
  id       INTEGER PRIMARY KEY,
  site     TEXT NOT NULL,
  at       INTEGER NOT NULL,                 -- unix ms the hit was received
  via      TEXT NOT NULL,                    -- pixel | beacon | server | link | plausible | segment
  name     TEXT,
  outcome  TEXT NOT NULL,                    -- accepted | duplicate | dropped | test
  reason   TEXT,                             -- bot | foreign_origin | invalid | unknown_event | consent | rate_limited
  url      TEXT,
  source   TEXT,
  medium   TEXT,
  campaign TEXT,
  content  TEXT,
  term     TEXT,
  value    REAL,
  currency TEXT,
  event_id TEXT,
  errors   TEXT NOT NULL                     -- JSON [{code, message, field}]
);
CREATE INDEX live_hits_site_at ON live_hits (site, at);
