//! The audit log: who did what to which record, including every reveal of a phone number.

use crate::{Millis, Result, Store};
use yihaotai_domain::UserId;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Millis,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<i64>,
    pub detail: String,
}

pub struct NewAudit<'a> {
    pub actor: Option<UserId>,
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: Option<i64>,
    pub area_path: Option<&'a str>,
    pub detail: &'a str,
}

/// One audit row; binds `at, actor_id, action, target_kind, target_id, area_path, detail`.
/// Shared with the writes that audit inside their own transaction.
pub(crate) const INSERT_AUDIT: &str =
    "INSERT INTO audit_log (at, actor_id, action, target_kind, target_id, area_path, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

impl Store {
    pub async fn audit(&self, e: &NewAudit<'_>, now: Millis) -> Result<()> {
        on_write!(self, |p| {
            sqlx::query(INSERT_AUDIT)
                .bind(now)
                .bind(e.actor.map(|u| u.0))
                .bind(e.action)
                .bind(e.target_kind)
                .bind(e.target_id)
                .bind(e.area_path)
                .bind(e.detail)
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// The newest entries whose area lies within one of `scope` (plus, when
    /// `include_unscoped`, those recorded without an area), newest first.
    pub async fn audit_entries(
        &self,
        scope: &[yihaotai_domain::area::AreaPath],
        include_unscoped: bool,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let mut filter = crate::path_filter("l.area_path", 2, scope.len());
        if include_unscoped {
            filter = format!("({filter} OR l.area_path IS NULL)");
        }
        let sql = format!(
            "SELECT l.id, l.at, l.actor_id, u.display_name AS actor_name, l.action, l.target_kind,
                    l.target_id, l.detail
             FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id
             WHERE {filter} ORDER BY l.id DESC LIMIT $1"
        );
        Ok(on_read!(self, |p| {
            let mut q = sqlx::query_as(&sql).bind(limit);
            for s in scope {
                q = q.bind(format!("{}%", s.as_str()));
            }
            q.fetch_all(p).await?
        }))
    }
}
