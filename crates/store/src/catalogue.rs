//! The dispatch catalogue (派单目录): category × area → agency, with the dispatch mode.
//! Looking a ticket up walks its area path; the deepest area with a rule wins. Every change
//! is also kept as a version with the time it took effect (`dispatch_rule_history`), in the
//! same transaction, so the catalogue in force at any past time can be read back.

use crate::{Millis, Result, Store};
use yihaotai_domain::demo::DemoDispatchRule;
use yihaotai_domain::{AgencyId, AreaId, UserId};

const DEMO_MARKER: &str = "demo_dispatch_rules_loaded";

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct DispatchRule {
    pub id: i64,
    pub category: String,
    pub area_id: i64,
    pub area_name: String,
    pub area_path: String,
    pub agency_id: i64,
    pub agency_name: String,
    /// `direct` (直派) or `forward` (分转).
    pub mode: String,
    pub updated_at: Millis,
}

const RULE_SELECT: &str =
    "SELECT r.id, r.category, r.area_id, a.name AS area_name, a.path AS area_path,
        r.agency_id, g.name AS agency_name, r.mode, r.updated_at
    FROM dispatch_rules r JOIN areas a ON a.id = r.area_id JOIN agencies g ON g.id = r.agency_id";

/// One version of one rule (a category in an area): `agency_id` is `None` from the time the
/// rule was removed.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct RuleVersion {
    pub id: i64,
    pub category: String,
    pub area_id: i64,
    pub area_name: String,
    pub area_path: String,
    pub agency_id: Option<i64>,
    pub agency_name: Option<String>,
    pub mode: Option<String>,
    pub effective_at: Millis,
    pub set_by: Option<i64>,
    pub set_by_name: Option<String>,
}

const VERSION_SELECT: &str =
    "SELECT h.id, h.category, h.area_id, a.name AS area_name, a.path AS area_path, h.agency_id,
        g.name AS agency_name, h.mode, h.effective_at, h.set_by, u.display_name AS set_by_name
    FROM dispatch_rule_history h JOIN areas a ON a.id = h.area_id
    LEFT JOIN agencies g ON g.id = h.agency_id LEFT JOIN users u ON u.id = h.set_by";

/// Keeps a version of the rule for a category in an area, in the transaction that changes
/// it: `$agency` `None` where it was removed.
macro_rules! insert_rule_version {
    ($c:expr, $category:expr, $area:expr, $agency:expr, $mode:expr, $at:expr, $by:expr) => {{
        // Never earlier than the rule's last version: two processes' clocks may differ by
        // a little, and the history must stay in the order the changes were made.
        sqlx::query(
            "INSERT INTO dispatch_rule_history
               (category, area_id, agency_id, mode, effective_at, set_by, set_at)
             SELECT $1, $2, $3, $4,
               CASE WHEN MAX(effective_at) > $5 THEN MAX(effective_at) ELSE $5 END, $6, $5
             FROM dispatch_rule_history WHERE category = $1 AND area_id = $2",
        )
        .bind($category)
        .bind($area)
        .bind($agency)
        .bind($mode)
        .bind($at)
        .bind($by)
        .execute(&mut *$c)
        .await?;
    }};
}

/// A rule as an administrator sets it; an existing rule for the same category and area is
/// replaced.
pub struct NewDispatchRule<'a> {
    pub category: &'a str,
    pub area: AreaId,
    pub agency: AgencyId,
    pub mode: &'a str,
    pub by: Option<UserId>,
}

impl Store {
    /// Every rule, ordered for reading: by area path, then category.
    pub async fn dispatch_rules(&self) -> Result<Vec<DispatchRule>> {
        let sql = format!("{RULE_SELECT} ORDER BY a.path, r.category, r.id");
        Ok(on_read!(self, |p| {
            sqlx::query_as(&sql).fetch_all(p).await?
        }))
    }

    pub async fn dispatch_rule(&self, id: i64) -> Result<DispatchRule> {
        let sql = format!("{RULE_SELECT} WHERE r.id = $1");
        Ok(on_read!(self, |p| {
            sqlx::query_as(&sql).bind(id).fetch_one(p).await?
        }))
    }

    /// The rule for `category` on the deepest of `areas` (a ticket's area and its
    /// ancestors, in any order) that has one.
    pub async fn find_dispatch_rule(
        &self,
        category: &str,
        areas: &[AreaId],
    ) -> Result<Option<DispatchRule>> {
        if areas.is_empty() {
            return Ok(None);
        }
        let list: Vec<String> = (0..areas.len()).map(|i| format!("${}", i + 2)).collect();
        // The deepest area has the longest path.
        let sql = format!(
            "{RULE_SELECT} WHERE r.category = $1 AND r.area_id IN ({}) AND g.active = 1
             ORDER BY LENGTH(a.path) DESC, r.id LIMIT 1",
            list.join(", ")
        );
        Ok(on_read!(self, |p| {
            let mut q = sqlx::query_as(&sql).bind(category);
            for a in areas {
                q = q.bind(a.0);
            }
            q.fetch_optional(p).await?
        }))
    }

    /// Sets (inserts or replaces) the rule for a category in an area; returns its id.
    pub async fn set_dispatch_rule(
        &self,
        r: &NewDispatchRule<'_>,
        now: Millis,
        audit: Option<&crate::audit::NewAudit<'_>>,
    ) -> Result<i64> {
        Ok(in_tx!(self, |c| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO dispatch_rules (category, area_id, agency_id, mode, updated_by, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (category, area_id) DO UPDATE SET agency_id = excluded.agency_id,
                   mode = excluded.mode, updated_by = excluded.updated_by, updated_at = excluded.updated_at
                 RETURNING id",
            )
            .bind(r.category)
            .bind(r.area.0)
            .bind(r.agency.0)
            .bind(r.mode)
            .bind(r.by.map(|u| u.0))
            .bind(now)
            .fetch_one(&mut *c)
            .await?;
            insert_rule_version!(
                c,
                r.category,
                r.area.0,
                Some(r.agency.0),
                Some(r.mode),
                now,
                r.by.map(|u| u.0)
            );
            insert_audit!(c, audit, Some(id));
            id
        }))
    }

    /// Removes a rule from `now`; `NotFound` when there is none with that id.
    pub async fn delete_dispatch_rule(
        &self,
        id: i64,
        now: Millis,
        by: Option<UserId>,
        audit: Option<&crate::audit::NewAudit<'_>>,
    ) -> Result<()> {
        in_tx!(self, |c| {
            let gone: Option<(String, i64)> = sqlx::query_as(
                "DELETE FROM dispatch_rules WHERE id = $1 RETURNING category, area_id",
            )
            .bind(id)
            .fetch_optional(&mut *c)
            .await?;
            let Some((category, area)) = gone else {
                return Err(crate::StoreError::NotFound);
            };
            insert_rule_version!(
                c,
                category,
                area,
                None::<i64>,
                None::<&str>,
                now,
                by.map(|u| u.0)
            );
            insert_audit!(c, audit);
        });
        Ok(())
    }

    /// The catalogue as it stood at `at`: for each category and area, the newest version
    /// in force by then, leaving out rules removed by then. Ordered like `dispatch_rules`.
    pub async fn dispatch_rules_at(&self, at: Millis) -> Result<Vec<RuleVersion>> {
        let sql = format!(
            "{VERSION_SELECT} WHERE h.agency_id IS NOT NULL AND h.id = (
               SELECT h2.id FROM dispatch_rule_history h2
               WHERE h2.category = h.category AND h2.area_id = h.area_id AND h2.effective_at <= $1
               ORDER BY h2.effective_at DESC, h2.id DESC LIMIT 1)
             ORDER BY a.path, h.category, h.id"
        );
        Ok(on_read!(self, |p| {
            sqlx::query_as(&sql).bind(at).fetch_all(p).await?
        }))
    }

    /// The versions of the rules on areas within `scope` (`None`: everywhere), newest
    /// first, at most `limit`.
    pub async fn dispatch_rule_versions(
        &self,
        scope: Option<&[yihaotai_domain::area::AreaPath]>,
        limit: i64,
    ) -> Result<Vec<RuleVersion>> {
        let filter = match scope {
            None => "1 = 1".to_string(),
            Some(paths) => crate::path_filter("a.path", 2, paths.len()),
        };
        let sql = format!(
            "{VERSION_SELECT} WHERE {filter} ORDER BY h.effective_at DESC, h.id DESC LIMIT $1"
        );
        Ok(on_read!(self, |p| {
            let mut q = sqlx::query_as(&sql).bind(limit);
            for path in scope.unwrap_or(&[]) {
                q = q.bind(format!("{}%", path.as_str()));
            }
            q.fetch_all(p).await?
        }))
    }

    /// Adds the demo street's catalogue once, by the demo keys of its areas and agencies,
    /// so a demo database loaded before the catalogue existed gets it too. Never replaces
    /// a rule an administrator has set. Returns how many rules were added.
    pub async fn load_demo_dispatch_rules(
        &self,
        rules: &[DemoDispatchRule],
        now: Millis,
    ) -> Result<usize> {
        let added = in_tx!(self, |c| {
            let fresh = sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            )
            .bind(DEMO_MARKER)
            .bind(now.to_string())
            .execute(&mut *c)
            .await?
            .rows_affected()
                == 1;
            let mut added = 0;
            if fresh {
                for r in rules {
                    added += sqlx::query(
                        "INSERT INTO dispatch_rules (category, area_id, agency_id, mode, updated_by, updated_at)
                         SELECT $1, a.id, g.id, $2, NULL, $3 FROM areas a, agencies g
                         WHERE a.demo_key = $4 AND g.demo_key = $5
                         ON CONFLICT (category, area_id) DO NOTHING",
                    )
                    .bind(r.category)
                    .bind(r.mode.code())
                    .bind(now)
                    .bind(&r.area_key)
                    .bind(&r.agency_key)
                    .execute(&mut *c)
                    .await?
                    .rows_affected() as usize;
                }
                // The demo street's tickets go back weeks: its catalogue has been in
                // force since before any of them.
                sqlx::query(
                    "INSERT INTO dispatch_rule_history
                       (category, area_id, agency_id, mode, effective_at, set_by, set_at)
                     SELECT r.category, r.area_id, r.agency_id, r.mode, 0, NULL, $1
                     FROM dispatch_rules r WHERE NOT EXISTS (
                       SELECT 1 FROM dispatch_rule_history h
                       WHERE h.category = r.category AND h.area_id = r.area_id)",
                )
                .bind(now)
                .execute(&mut *c)
                .await?;
            }
            added
        });
        Ok(added)
    }
}
