-- Notices through an outbox: a row is written in the transaction that stores a ticket's
-- events (the ticket and the sequence number of its last event), taken by the process
-- that committed it once the notice is delivered, and otherwise delivered later by any
-- process's relay. A crash between the commit and the notice delays an alarm, never
-- loses it.
CREATE TABLE ticket_outbox (
    id BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ticket_outbox_created ON ticket_outbox(created_at, id);
