//! Leases for timed jobs: with several app processes on one PostgreSQL, a job runs in the
//! process that holds its lease, not in every process.

use crate::{Millis, Result, Store};

impl Store {
    /// Takes or renews the lease `name` for `holder` until `until`; true when held.
    pub async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        now: Millis,
        until: Millis,
    ) -> Result<bool> {
        let n = on_write!(self, |p| {
            sqlx::query(
                "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                 WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= $4",
            )
            .bind(name)
            .bind(holder)
            .bind(until)
            .bind(now)
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }
}
