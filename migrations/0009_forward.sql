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
