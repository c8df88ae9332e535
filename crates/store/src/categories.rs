//! The configurable category catalogue (类别), seeded from the domain's built-ins.

use crate::{Result, Store};
use yihaotai_domain::vocab::BUILTIN_CATEGORIES;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct CategoryRow {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub priority: i64,
    pub active: i64,
}

impl Store {
    /// Inserts the built-in categories that are missing; never overwrites an admin's edits.
    pub async fn seed_categories(&self) -> Result<()> {
        in_tx!(self, |c| {
            for (i, (code, zh, en, prio)) in BUILTIN_CATEGORIES.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO categories (code, name_zh, name_en, priority, active, sort)
                     VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT (code) DO NOTHING",
                )
                .bind(code)
                .bind(zh)
                .bind(en)
                .bind(*prio as i64)
                .bind(i as i64)
                .execute(&mut *c)
                .await?;
            }
        });
        self.caches_changed().await;
        Ok(())
    }

    /// The catalogue, from [`crate::cache`] when a copy is fresh (intake checks every
    /// request's category against it). Code that writes `categories` calls
    /// `self.caches_changed()` after committing.
    pub async fn categories(&self) -> Result<Vec<CategoryRow>> {
        if let Some(rows) = self.caches.categories() {
            return Ok(rows);
        }
        let generation = self.caches.generation();
        let rows: Vec<CategoryRow> = on_read!(self, |p| {
            sqlx::query_as(
                "SELECT code, name_zh, name_en, priority, active FROM categories ORDER BY sort, code",
            )
            .fetch_all(p)
            .await?
        });
        self.caches.put_categories(generation, rows.clone());
        Ok(rows)
    }
}
