-- The dispatch catalogue (派单目录): which agency a category of request in an area goes
-- to, and whether directly (直派) or through a centre (分转). The most specific area wins.
CREATE TABLE dispatch_rules (
    id INTEGER PRIMARY KEY,
    category TEXT NOT NULL REFERENCES categories(code),
    area_id INTEGER NOT NULL REFERENCES areas(id),
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    mode TEXT NOT NULL,
    updated_by INTEGER REFERENCES users(id),
    updated_at INTEGER NOT NULL,
    UNIQUE (category, area_id)
);
CREATE INDEX dispatch_rules_area ON dispatch_rules(area_id);

-- Queues over few rows of a large table: the dispatcher's pending reviews, and the open
-- tickets that the overdue and supervision boards read, each in the order they are shown.
CREATE INDEX tickets_pending_review ON tickets(urgency_rank, id)
    WHERE (status IN ('registered', 'return_requested') OR extension_pending = 1);
CREATE INDEX tickets_open_overdue ON tickets(urgency_rank, id)
    WHERE closed_at IS NULL AND overdue = 1;
CREATE INDEX tickets_open_supervised ON tickets(urgency_rank, id)
    WHERE closed_at IS NULL AND supervision_level > 0;
