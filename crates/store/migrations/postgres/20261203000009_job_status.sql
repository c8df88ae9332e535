-- The job registry's record: one row per timed job, rewritten after each run by the
-- process that ran it (see yihaotai_service::jobs).
CREATE TABLE job_status (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    ok BIGINT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    error TEXT,
    runs BIGINT NOT NULL DEFAULT 0,
    failures BIGINT NOT NULL DEFAULT 0,
    last_ok_at BIGINT,
    last_error_at BIGINT
);
