//! Cross-process notices on PostgreSQL (LISTEN/NOTIFY), so a change saved by one app
//! process reaches the screens served by the others. On SQLite there is one process, and
//! these do nothing.

use crate::db::Pools;
use crate::{Result, Store};

/// A subscription to some channels.
pub struct Listener {
    inner: sqlx::postgres::PgListener,
}

/// One notice: the channel it came on and its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heard {
    pub channel: String,
    pub payload: String,
}

impl Listener {
    /// The next notice, or `None` when the connection was lost. Notices sent while it was
    /// down are gone, so a caller that keeps copies must forget them; the next call
    /// reconnects (an error means it could not).
    pub async fn recv(&mut self) -> Result<Option<Heard>> {
        Ok(self.inner.try_recv().await?.map(|n| Heard {
            channel: n.channel().to_string(),
            payload: n.payload().to_string(),
        }))
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
    pub async fn listen(&self, channels: &[&str]) -> Result<Option<Listener>> {
        match &self.pools {
            Pools::Postgres(p) => {
                let mut inner = sqlx::postgres::PgListener::connect_with(p).await?;
                inner.listen_all(channels.iter().copied()).await?;
                Ok(Some(Listener { inner }))
            }
            Pools::Sqlite { .. } => Ok(None),
        }
    }
}
