//! Counters for login throttling: one row per client address (`addr`) and per account
//! (`login`), counting attempts since the row's window started. Each attempt is counted by
//! one upsert that increments and returns the count, so concurrent guesses are counted one
//! by one (on SQLite by the single writer, on PostgreSQL by the row lock of the upsert),
//! and app processes sharing one PostgreSQL database share the counts.

use crate::{Millis, Result, Store};

/// Which counter: attempts from one client address, or attempts at one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleScope {
    Address,
    Login,
}

impl ThrottleScope {
    fn code(self) -> &'static str {
        match self {
            ThrottleScope::Address => "addr",
            ThrottleScope::Login => "login",
        }
    }
}

/// A counter after an attempt was added to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct ThrottleCount {
    /// Attempts in the current window, this one included.
    pub attempts: i64,
    pub window_start: Millis,
}

impl Store {
    /// Counts one attempt and returns the count. A window older than `window_ms` starts
    /// over at `now` with this attempt as its first.
    pub async fn throttle_hit(
        &self,
        scope: ThrottleScope,
        subject: &str,
        now: Millis,
        window_ms: Millis,
    ) -> Result<ThrottleCount> {
        Ok(on_write!(self, |p| {
            sqlx::query_as(
                "INSERT INTO login_throttle (scope, subject, window_start, attempts)
                 VALUES ($1, $2, $3, 1)
                 ON CONFLICT (scope, subject) DO UPDATE SET
                   attempts = CASE WHEN login_throttle.window_start <= $4 THEN 1
                                   ELSE login_throttle.attempts + 1 END,
                   window_start = CASE WHEN login_throttle.window_start <= $4 THEN $3
                                       ELSE login_throttle.window_start END
                 RETURNING attempts, window_start",
            )
            .bind(scope.code())
            .bind(subject)
            .bind(now)
            .bind(now - window_ms)
            .fetch_one(p)
            .await?
        }))
    }

    /// Takes back one counted attempt: a successful login, or one refused before its
    /// password was checked for a reason that is not the caller's (a busy server).
    pub async fn throttle_release(&self, scope: ThrottleScope, subject: &str) -> Result<()> {
        on_write!(self, |p| {
            sqlx::query(
                "UPDATE login_throttle SET attempts = attempts - 1
                 WHERE scope = $1 AND subject = $2 AND attempts > 0",
            )
            .bind(scope.code())
            .bind(subject)
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// The attempts counted now, without adding one (0 when there is no counter).
    pub async fn throttle_count(&self, scope: ThrottleScope, subject: &str) -> Result<i64> {
        let n: Option<i64> = on_read!(self, |p| {
            sqlx::query_scalar(
                "SELECT attempts FROM login_throttle WHERE scope = $1 AND subject = $2",
            )
            .bind(scope.code())
            .bind(subject)
            .fetch_optional(p)
            .await?
        });
        Ok(n.unwrap_or(0))
    }

    /// Drops counters whose window started before `before`, so the table holds only the
    /// addresses and accounts tried recently.
    pub async fn delete_stale_throttle(&self, before: Millis) -> Result<u64> {
        Ok(on_write!(self, |p| {
            sqlx::query("DELETE FROM login_throttle WHERE window_start < $1")
                .bind(before)
                .execute(p)
                .await?
                .rows_affected()
        }))
    }
}
