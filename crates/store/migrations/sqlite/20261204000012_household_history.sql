-- The household card becomes a record with a history (yihaotai_store::streams): the card's
-- state and version on `households`, its events in `household_events`. A household stored
-- before this release has version 0 and no events: its first change writes a `registered`
-- event with the card as the rows held it, then the change.
ALTER TABLE households ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE households ADD COLUMN state_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE households ADD COLUMN state TEXT NOT NULL DEFAULT '';
CREATE TABLE household_events (
    stream_id INTEGER NOT NULL REFERENCES households(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    at INTEGER NOT NULL,
    PRIMARY KEY (stream_id, seq)
);
