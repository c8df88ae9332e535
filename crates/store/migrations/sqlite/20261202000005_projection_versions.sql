-- Versions on what is stored, so a later format can be read or rebuilt: the snapshot a
-- ticket row keeps (`state`, read back as the ticket) and each event's payload. Version 1
-- is the format of 2026-12-02; a snapshot older than the code's is rebuilt from the events.
-- The defaults are the current versions: a migration that changes a format bumps both.
ALTER TABLE tickets ADD COLUMN state_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE ticket_events ADD COLUMN schema_version INTEGER NOT NULL DEFAULT 1;

-- The callback's outcome (回访: reached, solved, satisfied), projected so the three rates
-- are a query. NULL until a callback is recorded.
ALTER TABLE tickets ADD COLUMN callback_contacted INTEGER;
ALTER TABLE tickets ADD COLUMN callback_solved TEXT;
ALTER TABLE tickets ADD COLUMN callback_satisfaction TEXT;
UPDATE tickets SET
    callback_contacted = json_extract(state, '$.callback.contacted'),
    callback_solved = json_extract(state, '$.callback.solved'),
    callback_satisfaction = json_extract(state, '$.callback.satisfaction')
WHERE json_extract(state, '$.callback') IS NOT NULL;
CREATE INDEX tickets_callback ON tickets(registered_at) WHERE callback_solved IS NOT NULL;
