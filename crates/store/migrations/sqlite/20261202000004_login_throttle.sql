-- Login throttling by atomic counters, one row per client address ('addr', ip) and per
-- account ('login', normalised login), each with its attempts since window_start. A
-- single upsert increments and reads a row, so concurrent guesses cannot all pass the
-- check; several app processes on one PostgreSQL database share the counts.
-- login_failures (one row per failure, read then written) is no longer used.
CREATE TABLE login_throttle (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (scope, subject)
);
CREATE INDEX login_throttle_window ON login_throttle(window_start);
