//! Connecting, migrating, and the two-backend dispatch used by every query module.

use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Connection;
use std::str::FromStr;
use std::time::Duration;

/// How long a request waits for a PostgreSQL connection. Short, so that during an outage
/// a client hears 503 in a few seconds instead of hanging; under normal load a connection
/// frees up in milliseconds. (SQLite's writer is a queue by design and keeps a long wait.)
const PG_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long opening the first PostgreSQL connection may take before we say so.
const PG_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long `/readyz` waits for the database: a load balancer probing it wants a quick
/// answer, and a database that takes longer than this to say `1` is not ready.
const READY_TIMEOUT: Duration = Duration::from_millis(1500);

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The pools. SQLite gets a single-connection writer (so writers queue in the app instead
/// of failing with SQLITE_BUSY) and a reader pool; PostgreSQL uses one pool for both.
#[derive(Clone, Debug)]
pub(crate) enum Pools {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pools: Pools,
    /// SQLite's group-commit writer for new tickets.
    pub(crate) batcher: Option<std::sync::Arc<crate::tickets::Batcher>>,
    /// Token→user and category copies, shared by every clone of this store.
    pub(crate) caches: std::sync::Arc<crate::cache::Caches>,
}

/// Runs the same body against whichever backend is connected. The body is compiled
/// once per backend, so it may use any query that both accept.
macro_rules! on_read {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pools {
            $crate::db::Pools::Sqlite { read: $p, .. } => $body,
            $crate::db::Pools::Postgres($p) => $body,
        }
    };
}

macro_rules! on_write {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pools {
            $crate::db::Pools::Sqlite { write: $p, .. } => $body,
            $crate::db::Pools::Postgres($p) => $body,
        }
    };
}

/// Runs `body` inside one write transaction on either backend, committing when it returns Ok.
macro_rules! in_tx {
    ($store:expr, |$c:ident| $body:expr) => {
        match &$store.pools {
            $crate::db::Pools::Sqlite { write, .. } => {
                let mut tx = write.begin().await?;
                let out = {
                    let $c = &mut *tx;
                    $body
                };
                tx.commit().await?;
                out
            }
            $crate::db::Pools::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let out = {
                    let $c = &mut *tx;
                    $body
                };
                tx.commit().await?;
                out
            }
        }
    };
}

impl Store {
    /// Connects to `sqlite://PATH` (created when absent) or `postgres://…`.
    /// Any other scheme is refused with a message that names the accepted forms.
    pub async fn connect(url: &str) -> Result<Store> {
        let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Self::connect_sqlite(url).await,
            "postgres" | "postgresql" => Self::connect_postgres(url).await,
            _ => Err(StoreError::BadUrl(redact_url(url))),
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Store> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unreachable(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an acknowledged write has been fsynced, so a crash loses nothing we confirmed.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await
            .map_err(|e| StoreError::Unreachable(e.to_string()))?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.read_only(false))
            .await
            .map_err(|e| StoreError::Unreachable(e.to_string()))?;
        let batcher = Some(std::sync::Arc::new(crate::tickets::Batcher::start(
            write.clone(),
        )));
        Ok(Store {
            pools: Pools::Sqlite { read, write },
            batcher,
            caches: Default::default(),
        })
    }

    async fn connect_postgres(url: &str) -> Result<Store> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unreachable(format!("the URL does not parse: {e}")))?
            // The server's NOTICEs (such as the migrator's "relation already exists,
            // skipping") are chatter for an operator; warnings and errors still come through.
            .options([("client_min_messages", "warning")]);
        // One direct attempt first: the pool retries a refused connection until its
        // acquire timeout and then reports only "timed out", while this names the cause.
        match tokio::time::timeout(PG_CONNECT_TIMEOUT, PgConnection::connect_with(&opts)).await {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
            }
            Ok(Err(e)) => return Err(e.into()),
            Err(_) => {
                return Err(StoreError::Unreachable(format!(
                    "no answer within {} s (is the host right, and is a firewall dropping the connection?)",
                    PG_CONNECT_TIMEOUT.as_secs()
                )))
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(PG_ACQUIRE_TIMEOUT)
            .connect_lazy_with(opts);
        Ok(Store {
            pools: Pools::Postgres(pool),
            batcher: None,
            caches: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies pending migrations; returns how many were applied.
    pub async fn migrate(&self) -> Result<usize> {
        let before = self.applied_migrations().await.unwrap_or(0);
        match &self.pools {
            Pools::Sqlite { write, .. } => SQLITE_MIGRATOR.run(write).await?,
            Pools::Postgres(p) => POSTGRES_MIGRATOR.run(p).await?,
        }
        let after = self.applied_migrations().await?;
        Ok(after.saturating_sub(before))
    }

    /// Applies the migrations up to and including `last` (a migration's version, the number
    /// its file name starts with) and no later one: for tests of the upgrade from a database
    /// an earlier release made.
    #[doc(hidden)]
    pub async fn migrate_through(&self, last: i64) -> Result<()> {
        let upto = |m: &sqlx::migrate::Migrator| sqlx::migrate::Migrator {
            migrations: m
                .migrations
                .iter()
                .filter(|x| x.version <= last)
                .cloned()
                .collect::<Vec<_>>()
                .into(),
            ignore_missing: m.ignore_missing,
            locking: m.locking,
            no_tx: m.no_tx,
        };
        match &self.pools {
            Pools::Sqlite { write, .. } => upto(&SQLITE_MIGRATOR).run(write).await?,
            Pools::Postgres(p) => upto(&POSTGRES_MIGRATOR).run(p).await?,
        }
        Ok(())
    }

    /// Runs a script of SQL statements as they are (a fixture's rows), in one transaction.
    #[doc(hidden)]
    pub async fn execute_script(&self, sql: &str) -> Result<()> {
        in_tx!(self, |c| {
            sqlx::raw_sql(sql).execute(&mut *c).await?;
        });
        Ok(())
    }

    async fn applied_migrations(&self) -> Result<usize> {
        let n: i64 = on_read!(self, |p| {
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(p)
                .await?
        });
        Ok(n as usize)
    }

    /// Keeps the query planner's statistics current, so the queues pick their partial
    /// indexes as tables grow. SQLite gathers them only on request (`PRAGMA optimize`,
    /// bounded by `analysis_limit` so a large table is sampled, not read); PostgreSQL's
    /// autovacuum already does it. Cheap when nothing changed; run after migrating and
    /// from housekeeping.
    pub async fn optimize(&self) -> Result<()> {
        if let Pools::Sqlite { write, .. } = &self.pools {
            let mut c = write.acquire().await?;
            sqlx::query("PRAGMA analysis_limit = 1000")
                .execute(&mut *c)
                .await?;
            // 0x10002: also tables never analysed before, as on a fresh start.
            sqlx::query("PRAGMA optimize = 0x10002")
                .execute(&mut *c)
                .await?;
        }
        Ok(())
    }

    /// Reachability check for `/readyz`, answered within `READY_TIMEOUT` either way.
    pub async fn ping(&self) -> Result<()> {
        let ping = async {
            let _: i64 = on_read!(self, |p| {
                sqlx::query_scalar("SELECT CAST(1 AS BIGINT)")
                    .fetch_one(p)
                    .await?
            });
            Ok(())
        };
        tokio::time::timeout(READY_TIMEOUT, ping)
            .await
            .unwrap_or_else(|_| {
                Err(StoreError::Unreachable(format!(
                    "no answer within {} ms",
                    READY_TIMEOUT.as_millis()
                )))
            })
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres(p) => p.close().await,
        }
    }

    /// The migration names for each backend, so a test can check the two lists match.
    pub fn migration_names() -> (Vec<String>, Vec<String>) {
        let names = |m: &sqlx::migrate::Migrator| {
            m.iter()
                .map(|x| format!("{}_{}", x.version, x.description))
                .collect()
        };
        (names(&SQLITE_MIGRATOR), names(&POSTGRES_MIGRATOR))
    }
}

/// Hides a password in a database URL so it can be printed or logged.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:****@h/db"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn migration_lists_match() {
        let (s, p) = Store::migration_names();
        assert!(!s.is_empty());
        assert_eq!(
            s, p,
            "migrations/sqlite and migrations/postgres must list the same versions"
        );
    }

    #[tokio::test]
    async fn unknown_scheme_is_refused() {
        let e = Store::connect("mysql://root@localhost/x")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::BadUrl(_)));
        assert!(e.to_string().contains("sqlite://"));
    }
}
