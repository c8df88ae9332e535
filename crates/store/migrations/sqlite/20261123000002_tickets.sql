-- Work orders: an append-only event log per ticket, and one projection row per ticket
-- written in the same transaction. `state` is the domain's Ticket as JSON; the other
-- columns exist to be filtered and sorted on.

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    urgency TEXT NOT NULL,
    urgency_rank INTEGER NOT NULL,
    category TEXT NOT NULL,
    request_type TEXT NOT NULL,
    channel TEXT NOT NULL,
    epidemic_related INTEGER NOT NULL,
    confidential INTEGER NOT NULL,
    area_id INTEGER REFERENCES areas(id),
    area_path TEXT NOT NULL,
    household_id INTEGER REFERENCES households(id),
    caller_phone TEXT,
    title TEXT NOT NULL,
    assigned_agency_id INTEGER REFERENCES agencies(id),
    accept_by INTEGER,
    contact_by INTEGER,
    resolve_by INTEGER,
    accepted_at INTEGER,
    first_contact_at INTEGER,
    resolved_at INTEGER,
    closed_at INTEGER,
    supervision_level INTEGER NOT NULL DEFAULT 0,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    reopen_count INTEGER NOT NULL DEFAULT 0,
    return_pending INTEGER NOT NULL DEFAULT 0,
    extension_pending INTEGER NOT NULL DEFAULT 0,
    breaches TEXT NOT NULL DEFAULT '',
    overdue INTEGER NOT NULL DEFAULT 0,
    registered_at INTEGER NOT NULL,
    registered_by INTEGER REFERENCES users(id),
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    suggestion TEXT NOT NULL DEFAULT '',
    search_text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tickets_queue ON tickets(status, urgency_rank, id);
CREATE INDEX tickets_agency ON tickets(assigned_agency_id, status, urgency_rank, id);
CREATE INDEX tickets_area ON tickets(area_path, id);
CREATE INDEX tickets_phone ON tickets(caller_phone, status);
CREATE INDEX tickets_household ON tickets(household_id, status);
CREATE INDEX tickets_open_deadlines ON tickets(resolve_by) WHERE closed_at IS NULL;
CREATE INDEX tickets_registered ON tickets(registered_at, id);

CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    agency_id INTEGER REFERENCES agencies(id),
    at INTEGER NOT NULL,
    UNIQUE (ticket_id, seq)
);

CREATE TABLE ticket_numbers (
    day TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);

-- Full text over jieba-segmented content: the app writes space-separated words.
CREATE VIRTUAL TABLE ticket_fts USING fts5(terms, content='', tokenize='unicode61');
