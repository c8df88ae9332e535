-- The job registry's record: one row per timed job, rewritten after each run by the
-- process that ran it (see yihaotai_service::jobs).
CREATE TABLE job_status (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    error TEXT,
    runs INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    last_ok_at INTEGER,
    last_error_at INTEGER
);
