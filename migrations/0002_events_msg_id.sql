-- Collection (docs/COLLECTION.md): every accepted hit gets an edge-assigned id, so a queue batch
-- delivered twice inserts nothing twice (events without event_id have no other key).
ALTER TABLE events ADD COLUMN msg_id TEXT;
CREATE UNIQUE INDEX events_msg_id ON events (msg_id);
