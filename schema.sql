-- edgetally schema snapshot: the reviewed result of applying migrations/ in order.
-- test/db/schema.test.ts proves that the migrations build exactly this.
-- Privacy rule for every table: no raw IP address, user agent, e-mail or phone number.

-- A tracked site. Keys are stored only as SHA-256 hashes (hex); `secret` keys the
-- per-site noise PRF (never leaves the database, not rotated with the keys).
CREATE TABLE sites (
  id              TEXT PRIMARY KEY,
  config          TEXT NOT NULL,             -- JSON: domains, timezone, currency, privacy, attribution, goals, funnels, collect
  ingest_key_hash TEXT NOT NULL UNIQUE,
  read_key_hash   TEXT NOT NULL UNIQUE,
  secret          TEXT NOT NULL,
  created_at      INTEGER NOT NULL,          -- unix ms
  updated_at      INTEGER NOT NULL           -- unix ms
);

-- An erased site's tombstone, kept 14 days (longer than any queued message lives): writes for a
-- site erased after they were received — queued hits, retries, other isolates' cached sites — are
-- refused at write time, also when the id is re-created meanwhile (0004).
CREATE TABLE erased_sites (
  site      TEXT PRIMARY KEY,
  erased_at INTEGER NOT NULL                 -- unix ms
) WITHOUT ROWID;

-- One random salt per site and site-local day; deleted within 48 h of the day's end.
CREATE TABLE salts (
  site       TEXT NOT NULL,
  day        TEXT NOT NULL,                  -- YYYY-MM-DD in the site's timezone
  salt       TEXT NOT NULL,                  -- base64url, 32 random bytes
  expires_at INTEGER NOT NULL,               -- unix ms: day end + 48 h
  PRIMARY KEY (site, day)
) WITHOUT ROWID;

-- Raw events, kept RAW_RETENTION_DAYS (default 8) days for the rollup's re-roll window.
CREATE TABLE events (
  rowid       INTEGER PRIMARY KEY,
  site        TEXT NOT NULL,
  day         TEXT NOT NULL,                 -- site-local day of `ts`
  ts          INTEGER NOT NULL,              -- event time, unix ms
  received_at INTEGER NOT NULL,              -- unix ms
  name        TEXT NOT NULL,                 -- 'pageview' or a goal name
  event_id    TEXT,                          -- optional dedup id
  via         TEXT NOT NULL,                 -- 'pixel' | 'beacon' | 'server'
  visitor     TEXT,                          -- keyed daily hash; NULL when it cannot be derived
  url         TEXT,                          -- scrubbed of PII
  touch_kind  TEXT,                          -- 'landing' (utm/click id/referrer), 'direct' (no referrer: direct if first of the visitor's day), NULL (navigation)
  source      TEXT,
  medium      TEXT,
  campaign    TEXT,
  content     TEXT,
  term        TEXT,
  value       REAL,                          -- major units
  currency    TEXT,                          -- ISO-4217
  journey     TEXT,                          -- JSON touches of a conversion (docs/JOURNAL.md)
  country     TEXT,                          -- coarse context from request.cf
  device      TEXT                           -- 'desktop' | 'mobile' | 'tablet' | NULL
  , msg_id    TEXT);                         -- 0002 (ALTER TABLE, hence the layout): edge-assigned id of an accepted hit, unique
CREATE INDEX events_site_day ON events (site, day, rowid);
CREATE INDEX events_site_received ON events (site, received_at);
CREATE UNIQUE INDEX events_msg_id ON events (msg_id);      -- a redelivered queue batch inserts nothing twice

-- First sighting of an event_id, for the 48-hour dedup across pixel, beacon and server.
-- `claim` is the write batch that won the id; the event insert of that batch checks it.
CREATE TABLE dedup (
  site       TEXT NOT NULL,
  event_id   TEXT NOT NULL,
  first_seen INTEGER NOT NULL,               -- unix ms
  claim      TEXT NOT NULL,
  PRIMARY KEY (site, event_id)
) WITHOUT ROWID;
CREATE INDEX dedup_first_seen ON dedup (first_seen);

-- Tracked links (/l/:code) and their clicks per site-local day.
CREATE TABLE links (
  code        TEXT PRIMARY KEY,
  site        TEXT NOT NULL,
  destination TEXT NOT NULL,
  source      TEXT NOT NULL,
  medium      TEXT NOT NULL,
  campaign    TEXT NOT NULL,
  content     TEXT,
  term        TEXT,
  created_at  INTEGER NOT NULL
);
CREATE INDEX links_site ON links (site);

-- Who clicked a link on a day (the visitor hash only): a visitor's clicks of a link count once a day (0004).
CREATE TABLE link_visitors (
  site    TEXT NOT NULL,
  day     TEXT NOT NULL,
  code    TEXT NOT NULL,
  visitor TEXT NOT NULL,
  PRIMARY KEY (site, day, code, visitor)
) WITHOUT ROWID;

CREATE TABLE link_clicks (
  site   TEXT NOT NULL,
  day    TEXT NOT NULL,
  code   TEXT NOT NULL,
  clicks INTEGER NOT NULL,
  PRIMARY KEY (site, day, code)
) WITHOUT ROWID;

-- Daily atoms: what the rollup computes and the only thing the stats API reads.
-- goal is a goal name or '(macro)' (all macro goals together); model one of the six.
-- Counts are noisy where the site sets epsilon (docs/PRIVACY.md); revenue in the site's currency,
-- revenue_by_currency a JSON object of every currency seen. Keyed view first inside a day, so one
-- view (goal, model) of a range is one seek per day. `release` is decided at rollup time
-- (0003; docs/PRIVACY.md "Release at rollup time"); content, term and the hierarchical marks
-- grain, unit_from, unit_to, content_release, term_release (0008; docs/PRIVACY.md §9).
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

-- Funnel steps per day: visitors reaching step `step` (0-based) in order on that day, always
-- noised (docs/PRIVACY.md "Funnels"), with the funnel's steps as they were when the day was rolled.
CREATE TABLE funnel_days (
  site     TEXT NOT NULL,
  day      TEXT NOT NULL,
  funnel   TEXT NOT NULL,
  step     INTEGER NOT NULL,
  visitors INTEGER NOT NULL, steps TEXT,  -- 0005 (ALTER TABLE, hence the layout): JSON array of the funnel's steps
  PRIMARY KEY (site, day, funnel, step)
) WITHOUT ROWID;

-- Rollup progress per site and day: the cursor that lets a large day resume across invocations.
CREATE TABLE rollup_days (
  site       TEXT NOT NULL,
  day        TEXT NOT NULL,
  status     TEXT NOT NULL,                  -- 'running' | 'done'
  cursor     INTEGER NOT NULL DEFAULT 0,     -- last events.rowid folded in
  events     INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, release_k INTEGER,  -- 0003 (ALTER TABLE): the k of the day's atoms' release marks
  upto INTEGER,                              -- 0004: the highest events.rowid this roll covers (pinned while it runs)
  written INTEGER NOT NULL DEFAULT 0,        -- 0004: atoms a chunked write of this roll has upserted
  release_period TEXT,                       -- 0008: privacy.period of the release marks (NULL: "day")
  PRIMARY KEY (site, day)
) WITHOUT ROWID;

-- Scratch partial sums of an unfinished day's rollup (cleared when the day is done).
CREATE TABLE rollup_scratch (
  site     TEXT NOT NULL,
  day      TEXT NOT NULL,
  key      TEXT NOT NULL,
  state    TEXT NOT NULL,
  PRIMARY KEY (site, day, key)
) WITHOUT ROWID;

-- Imported ad spend. medium '' means "every medium of that source and campaign"; content and term
-- '' mean campaign-level spend (0008: the key for ad- and keyword-level cost of CONTRACT.md v1.1).
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

-- Daily reference exchange rates (0006): on each day, `rate` units of `currency` buy one unit of
-- that day's `base` (the base itself is a row at 1). Cron fetch from FX_URL, PUT /v1/admin/fx/:day.
CREATE TABLE fx_rates (
  day      TEXT NOT NULL,                 -- the date the source names
  currency TEXT NOT NULL,                 -- ISO-4217
  rate     REAL NOT NULL,                 -- units of currency per one base
  base     TEXT NOT NULL,
  PRIMARY KEY (currency, day)             -- conversions seek the latest day of a currency
) WITHOUT ROWID;
CREATE INDEX fx_rates_day ON fx_rates (day);

-- Queue messages that failed every retry, kept for inspection and replay.
-- Purged after 30 days; erased with their site (0004 added `site`, NULL when the body names none).
CREATE TABLE dead_letters (
  id          INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  body        TEXT NOT NULL,
  error       TEXT
, site TEXT);
CREATE INDEX dead_letters_site ON dead_letters (site);
CREATE INDEX dead_letters_received ON dead_letters (received_at);

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
-- Conversion forwarding (docs/FORWARDING.md): the state of each (site, destination, event) and the
-- last outcome of each destination. Never an identifier: no IP address, user agent, e-mail, phone
-- or click id — those travel only in the forward queue's messages, to the platform.
CREATE TABLE forward_outbox (
  site        TEXT NOT NULL,
  destination TEXT NOT NULL,
  event_key   TEXT NOT NULL,                 -- the stored event's event_id as stored (keyed hash), else its message id
  job         TEXT NOT NULL,                 -- the queue job that claimed it: another job for the same key is a copy
  state       TEXT NOT NULL,                 -- pending | delivered | failed | expired
  created_at  INTEGER NOT NULL,              -- unix ms
  updated_at  INTEGER NOT NULL,              -- unix ms
  PRIMARY KEY (site, destination, event_key)
) WITHOUT ROWID;

-- Counters of outbox rows purged after FORWARD_KEEP_MS (src/db/forward.ts purgeForward), so the
-- status counts stay whole while the outbox stays small.
CREATE TABLE forward_status (
  site               TEXT NOT NULL,
  destination        TEXT NOT NULL,
  delivered          INTEGER NOT NULL DEFAULT 0,
  failed             INTEGER NOT NULL DEFAULT 0,
  expired            INTEGER NOT NULL DEFAULT 0,
  last_delivered_at  INTEGER,                -- unix ms
  last_error_at      INTEGER,                -- unix ms
  last_error_status  INTEGER,                -- the platform's HTTP status (0: network error or timeout)
  last_error_message TEXT,                   -- the platform's message, as it answered
  PRIMARY KEY (site, destination)
) WITHOUT ROWID;

-- Sums of each calendar month's marked atoms (migration 0010; docs/SCALING.md "Month sums"):
-- kinds row, pool, total, day, coarse, suppressed; currency '' = counts, 'XYZ' = that currency's amounts.
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
