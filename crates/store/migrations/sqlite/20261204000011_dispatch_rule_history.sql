-- Every version of a dispatch catalogue rule with the time it took effect, so that a figure
-- for a past period (how many tickets went where the catalogue said) can use the catalogue
-- then in force. A NULL agency means the rule was removed from then on.
CREATE TABLE dispatch_rule_history (
    id INTEGER PRIMARY KEY,
    category TEXT NOT NULL,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    agency_id INTEGER REFERENCES agencies(id),
    mode TEXT,
    effective_at INTEGER NOT NULL,
    set_by INTEGER REFERENCES users(id),
    set_at INTEGER NOT NULL
);
CREATE INDEX dispatch_rule_history_rule ON dispatch_rule_history (category, area_id, effective_at);
-- A rule set before this release has been in force since before anything was recorded.
INSERT INTO dispatch_rule_history (category, area_id, agency_id, mode, effective_at, set_by, set_at)
SELECT category, area_id, agency_id, mode, 0, updated_by, updated_at FROM dispatch_rules;
