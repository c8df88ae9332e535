//! Cross-process notices on PostgreSQL (LISTEN/NOTIFY), so a change saved by one app
//! process reaches the screens served by the others. On SQLite there is one process, and
//! these do nothing.

use crate::db::Pools;
use crate::{Result, Store};

/// A subscription to one channel.
pub struct Listener {
    inner: sqlx::postgres::PgListener,
}

impl Listener {
    /// The next payload; an error means the connection was lost (sqlx reconnects on the
    /// next call).
    pub async fn recv(&mut self) -> Result<String> {
        Ok(self.inner.recv().await?.payload().to_string())
    }
}

impl Store {
    pub async fn notify(&self, channel: &str, payload: &str) -> Result<()> {
        if let Pools::Postgres(p) = &self.pools {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(p)
                .await?;
        }
        Ok(())
    }

    /// `None` on SQLite, where every screen is served by this process.
    pub async fn listen(&self, channel: &str) -> Result<Option<Listener>> {
        match &self.pools {
            Pools::Postgres(p) => {
                let mut inner = sqlx::postgres::PgListener::connect_with(p).await?;
                inner.listen(channel).await?;
                Ok(Some(Listener { inner }))
            }
            Pools::Sqlite { .. } => Ok(None),
        }
    }
}
