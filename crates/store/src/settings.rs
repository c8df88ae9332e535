//! Small key/value facts about the installation (for example, that the demo street is loaded).

use crate::{Result, Store};

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
            sqlx::query("DELETE FROM settings WHERE key = $1")
                .bind(key)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }
}
