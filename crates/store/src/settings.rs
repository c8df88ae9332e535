//! Small key/value facts about the installation (for example, that the demo street is
//! loaded), and settings an administrator changes (the deadline policy). Every audited
//! change is also kept as a version with the time it took effect (`setting_history`), in
//! the same transaction, so the value in force at any past time can be read back.

use crate::{Millis, Result, Store};

/// One version of a setting. `value` is `None` where the setting was removed (the
/// built-in default applied from `effective_at`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SettingVersion {
    pub id: i64,
    pub value: Option<String>,
    pub effective_at: Millis,
    pub set_by: Option<i64>,
    pub set_by_name: Option<String>,
    pub set_at: Millis,
}

/// Keeps a version of `key` when the change is audited (an administrator's change).
macro_rules! insert_version {
    ($c:expr, $key:expr, $value:expr, $audit:expr) => {{
        if let Some(a) = $audit {
            let a: &$crate::audit::NewAudit<'_> = a;
            sqlx::query(
                "INSERT INTO setting_history (key, value, effective_at, set_by, set_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind($key)
            .bind($value)
            .bind(a.at)
            .bind(a.actor.map(|u| u.0))
            .bind(a.at)
            .execute(&mut *$c)
            .await?;
        }
    }};
}

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(on_read!(self, |p| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(p)
                .await?
        }))
    }

    pub async fn set_setting(
        &self,
        key: &str,
        value: &str,
        audit: Option<&crate::audit::NewAudit<'_>>,
    ) -> Result<()> {
        in_tx!(self, |c| {
            insert_audit!(c, audit);
            insert_version!(c, key, Some(value), audit);
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    pub async fn delete_setting(
        &self,
        key: &str,
        audit: Option<&crate::audit::NewAudit<'_>>,
    ) -> Result<()> {
        in_tx!(self, |c| {
            insert_audit!(c, audit);
            insert_version!(c, key, None::<&str>, audit);
            sqlx::query("DELETE FROM settings WHERE key = $1")
                .bind(key)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// The version of `key` in force at `at`: `None` when nothing was recorded by then,
    /// `Some(None)` when it had been removed.
    pub async fn setting_at(&self, key: &str, at: Millis) -> Result<Option<Option<String>>> {
        let row: Option<(Option<String>,)> = on_read!(self, |p| {
            sqlx::query_as(
                "SELECT value FROM setting_history WHERE key = $1 AND effective_at <= $2
                 ORDER BY effective_at DESC, id DESC LIMIT 1",
            )
            .bind(key)
            .bind(at)
            .fetch_optional(p)
            .await?
        });
        Ok(row.map(|(v,)| v))
    }

    /// Every version of `key`, newest first.
    pub async fn setting_versions(&self, key: &str) -> Result<Vec<SettingVersion>> {
        Ok(on_read!(self, |p| {
            sqlx::query_as(
                "SELECT h.id, h.value, h.effective_at, h.set_by, u.display_name AS set_by_name, h.set_at
                 FROM setting_history h LEFT JOIN users u ON u.id = h.set_by
                 WHERE h.key = $1 ORDER BY h.effective_at DESC, h.id DESC",
            )
            .bind(key)
            .fetch_all(p)
            .await?
        }))
    }
}
