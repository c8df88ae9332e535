-- Every version of a setting with the time it took effect (the deadline policy first), so
-- that a figure for a past period can use the rules then in force. A NULL value means the
-- setting was removed: the built-in default applied from then on.
CREATE TABLE setting_history (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    value TEXT,
    effective_at INTEGER NOT NULL,
    set_by INTEGER REFERENCES users(id),
    set_at INTEGER NOT NULL
);
CREATE INDEX setting_history_key ON setting_history (key, effective_at);
-- A policy saved before this release has been in force since before anything was
-- recorded.
INSERT INTO setting_history (key, value, effective_at, set_by, set_at)
SELECT key, value, 0, NULL, 0 FROM settings WHERE key = 'deadline_policy';
