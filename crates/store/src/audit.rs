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
    /// The record before the change and after it, as JSON, where the change has them.
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

pub struct NewAudit<'a> {
    pub at: Millis,
    pub actor: Option<UserId>,
    pub action: &'a str,
    pub target_kind: &'a str,
    /// `None` for a record not yet added: the write that adds it fills in its id.
    pub target_id: Option<i64>,
    pub area_path: Option<&'a str>,
    pub detail: &'a str,
    /// The record before the change, as JSON (`None` for an addition).
    pub before: Option<String>,
    /// The record after the change, as JSON (`None` for a removal).
    pub after: Option<String>,
}

/// One audit row; binds `at, actor_id, action, target_kind, target_id, area_path, detail,
/// before_json, after_json`.
pub(crate) const INSERT_AUDIT: &str =
    "INSERT INTO audit_log (at, actor_id, action, target_kind, target_id, area_path, detail,
       before_json, after_json)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// Writes an audit row on a connection inside the transaction of the change it records,
/// so the change and its audit commit or fail together. `$target` (the id of a record
/// the transaction added) replaces the entry's own target id when given.
macro_rules! insert_audit {
    ($c:expr, $audit:expr) => {
        insert_audit!($c, $audit, None::<i64>)
    };
    ($c:expr, $audit:expr, $target:expr) => {{
        if let Some(a) = $audit {
            let a: &$crate::audit::NewAudit<'_> = a;
            sqlx::query($crate::audit::INSERT_AUDIT)
                .bind(a.at)
                .bind(a.actor.map(|u| u.0))
                .bind(a.action)
                .bind(a.target_kind)
                .bind($target.or(a.target_id))
                .bind(a.area_path)
                .bind(a.detail)
                .bind(a.before.as_deref())
                .bind(a.after.as_deref())
                .execute(&mut *$c)
                .await?;
        }
    }};
}

impl Store {
    /// An audit entry alone, for what changes no record (a phone revealed, a login).
    pub async fn audit(&self, e: &NewAudit<'_>) -> Result<()> {
        in_tx!(self, |c| insert_audit!(c, Some(e)));
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
                    l.target_id, l.detail, l.before_json, l.after_json
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
