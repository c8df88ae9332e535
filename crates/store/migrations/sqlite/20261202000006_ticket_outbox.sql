-- Notices through an outbox: a row is written in the transaction that stores a ticket's
-- events (the ticket and the sequence number of its last event), taken by the process
-- that committed it once the notice is delivered, and otherwise delivered later by any
-- process's relay. A crash between the commit and the notice delays an alarm, never
-- loses it.
CREATE TABLE ticket_outbox (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    seq INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX ticket_outbox_created ON ticket_outbox(created_at, id);
