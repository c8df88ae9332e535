//! Leases for timed jobs, and each job's last run. With several app processes on one
//! PostgreSQL, a leased job runs in the process that holds its lease, not in every process.
//! A lease's expiry is set and compared on the **database's** clock, so processes whose
//! clocks disagree still agree on who holds it; the holder renews it while the job runs.

use crate::{Backend, Millis, Result, Store};

/// Milliseconds since the epoch on the database's own clock, as SQL for each engine.
fn db_now(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
        Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
    }
}

/// One run of a timed job, as the registry records it.
#[derive(Debug, Clone)]
pub struct JobRunRecord<'a> {
    pub name: &'a str,
    pub holder: &'a str,
    pub started_at: Millis,
    pub finished_at: Millis,
    pub duration_ms: i64,
    /// `None` when the run succeeded.
    pub error: Option<&'a str>,
    pub summary: &'a str,
}

/// A job's last run and its totals.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct JobStatus {
    pub name: String,
    pub holder: String,
    pub started_at: Millis,
    pub finished_at: Millis,
    pub duration_ms: i64,
    pub ok: i64,
    pub summary: String,
    pub error: Option<String>,
    pub runs: i64,
    pub failures: i64,
    pub last_ok_at: Option<Millis>,
    pub last_error_at: Option<Millis>,
}

impl Store {
    /// Takes or renews the lease `name` for `holder` for `ttl_ms` from the database's
    /// clock; true when `holder` holds it now. Another holder's lease is taken only once
    /// it has expired on the same clock.
    pub async fn try_lease(&self, name: &str, holder: &str, ttl_ms: i64) -> Result<bool> {
        let now = db_now(self.backend());
        let sql = format!(
            "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, {now} + $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= {now}"
        );
        let n = on_write!(self, |p| {
            sqlx::query(&sql)
                .bind(name)
                .bind(holder)
                .bind(ttl_ms)
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// Gives the lease up at once (a process stopping), if `holder` holds it.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        on_write!(self, |p| {
            sqlx::query("DELETE FROM job_leases WHERE name = $1 AND holder = $2")
                .bind(name)
                .bind(holder)
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// Who holds the lease `name` and until when (database clock), if anyone.
    pub async fn lease_holder(&self, name: &str) -> Result<Option<(String, Millis)>> {
        Ok(on_read!(self, |p| {
            sqlx::query_as("SELECT holder, expires_at FROM job_leases WHERE name = $1")
                .bind(name)
                .fetch_optional(p)
                .await?
        }))
    }

    /// Records a job's run over its status row, counting runs and failures.
    pub async fn record_job_run(&self, r: &JobRunRecord<'_>) -> Result<()> {
        let ok = i64::from(r.error.is_none());
        on_write!(self, |p| {
            sqlx::query(
                "INSERT INTO job_status (name, holder, started_at, finished_at, duration_ms, ok,
                    summary, error, runs, failures, last_ok_at, last_error_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, 1 - $6,
                    CASE WHEN $6 = 1 THEN $4 END, CASE WHEN $6 = 0 THEN $4 END)
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,
                    started_at = excluded.started_at, finished_at = excluded.finished_at,
                    duration_ms = excluded.duration_ms, ok = excluded.ok,
                    summary = excluded.summary, error = excluded.error,
                    runs = job_status.runs + 1,
                    failures = job_status.failures + excluded.failures,
                    last_ok_at = COALESCE(excluded.last_ok_at, job_status.last_ok_at),
                    last_error_at = COALESCE(excluded.last_error_at, job_status.last_error_at)",
            )
            .bind(r.name)
            .bind(r.holder)
            .bind(r.started_at)
            .bind(r.finished_at)
            .bind(r.duration_ms)
            .bind(ok)
            .bind(r.summary)
            .bind(r.error)
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// Every job's status row, by name.
    pub async fn job_statuses(&self) -> Result<Vec<JobStatus>> {
        Ok(on_read!(self, |p| {
            sqlx::query_as(
                "SELECT name, holder, started_at, finished_at, duration_ms, ok, summary, error,
                        runs, failures, last_ok_at, last_error_at
                 FROM job_status ORDER BY name",
            )
            .fetch_all(p)
            .await?
        }))
    }
}
