//! The dispatch catalogue (派单目录): category × area → agency, with the dispatch mode.
//! Looking a ticket up walks its area path; the deepest area with a rule wins.

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
            insert_audit!(c, audit, Some(id));
            id
        }))
    }

    /// Removes a rule; `NotFound` when there is none with that id.
    pub async fn delete_dispatch_rule(
        &self,
        id: i64,
        audit: Option<&crate::audit::NewAudit<'_>>,
    ) -> Result<()> {
        in_tx!(self, |c| {
            let n = sqlx::query("DELETE FROM dispatch_rules WHERE id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(crate::StoreError::NotFound);
            }
            insert_audit!(c, audit);
        });
        Ok(())
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
            }
            added
        });
        Ok(added)
    }
}
