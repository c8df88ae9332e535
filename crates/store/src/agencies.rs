//! Handling units (承办单位): the areas and categories each serves, and the unit one level up.

use crate::{Millis, Result, Store, StoreError};
use yihaotai_domain::{AgencyId, AreaId};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AgencyRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub home_area_id: i64,
    pub home_area_path: String,
    pub home_area_name: String,
    pub is_forwarding_centre: i64,
    pub active: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Agency {
    #[serde(flatten)]
    pub row: AgencyRow,
    pub areas: Vec<AreaId>,
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AgencyInput {
    pub name: String,
    pub kind: String,
    pub parent: Option<AgencyId>,
    pub home_area: AreaId,
    pub is_forwarding_centre: bool,
    pub areas: Vec<AreaId>,
    pub categories: Vec<String>,
    pub active: bool,
}

/// One agency of an import batch (see [`Store::insert_agency_batch`]).
pub struct PlannedAgency<'a> {
    pub input: AgencyInput,
    pub parent_row: Option<usize>,
    pub audit: crate::audit::NewAudit<'a>,
}

const AGENCY_SELECT: &str = "SELECT g.id, g.name, g.kind, g.parent_id, g.home_area_id,
        a.path AS home_area_path, a.name AS home_area_name, g.is_forwarding_centre, g.active
    FROM agencies g JOIN areas a ON a.id = g.home_area_id";

macro_rules! write_agency_links {
    ($c:expr, $id:expr, $input:expr) => {{
        sqlx::query("DELETE FROM agency_areas WHERE agency_id = $1")
            .bind($id)
            .execute(&mut *$c)
            .await?;
        sqlx::query("DELETE FROM agency_categories WHERE agency_id = $1")
            .bind($id)
            .execute(&mut *$c)
            .await?;
        for a in &$input.areas {
            sqlx::query(
                "INSERT INTO agency_areas (agency_id, area_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind($id)
            .bind(a.0)
            .execute(&mut *$c)
            .await?;
        }
        for cat in &$input.categories {
            sqlx::query(
                "INSERT INTO agency_categories (agency_id, category) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind($id)
            .bind(cat)
            .execute(&mut *$c)
            .await?;
        }
    }};
}

impl Store {
    pub async fn insert_agency(
        &self,
        input: &AgencyInput,
        demo_key: Option<&str>,
        now: Millis,
        audit: Option<&crate::audit::NewAudit<'_>>,
    ) -> Result<AgencyId> {
        let id: i64 = in_tx!(self, |c| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO agencies (name, kind, parent_id, home_area_id, is_forwarding_centre, active, demo_key, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&input.name)
            .bind(&input.kind)
            .bind(input.parent.map(|p| p.0))
            .bind(input.home_area.0)
            .bind(input.is_forwarding_centre as i64)
            .bind(input.active as i64)
            .bind(demo_key)
            .bind(now)
            .fetch_one(&mut *c)
            .await?;
            write_agency_links!(c, id, input);
            insert_audit!(c, audit, Some(id));
            id
        });
        Ok(AgencyId(id))
    }

    /// Adds many agencies in one transaction, each with its audit entry: all or none.
    /// An agency's `parent_row` names an earlier agency of the same batch (its index),
    /// used when its `input.parent` is `None`. Returns the new ids in order.
    pub async fn insert_agency_batch(
        &self,
        batch: &[PlannedAgency<'_>],
        now: Millis,
    ) -> Result<Vec<AgencyId>> {
        let ids: Vec<i64> = in_tx!(self, |c| {
            let mut ids: Vec<i64> = Vec::with_capacity(batch.len());
            for p in batch {
                let parent = match (p.input.parent, p.parent_row) {
                    (Some(a), _) => Some(a.0),
                    (None, Some(i)) => Some(*ids.get(i).ok_or_else(|| {
                        StoreError::Corrupt(format!("planned agency {i} comes later"))
                    })?),
                    (None, None) => None,
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO agencies (name, kind, parent_id, home_area_id, is_forwarding_centre, active, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&p.input.name)
                .bind(&p.input.kind)
                .bind(parent)
                .bind(p.input.home_area.0)
                .bind(p.input.is_forwarding_centre as i64)
                .bind(p.input.active as i64)
                .bind(now)
                .fetch_one(&mut *c)
                .await?;
                write_agency_links!(c, id, p.input);
                insert_audit!(c, Some(&p.audit), Some(id));
                ids.push(id);
            }
            ids
        });
        Ok(ids.into_iter().map(AgencyId).collect())
    }

    pub async fn update_agency(
        &self,
        id: AgencyId,
        input: &AgencyInput,
        audit: Option<&crate::audit::NewAudit<'_>>,
    ) -> Result<()> {
        in_tx!(self, |c| {
            let n = sqlx::query(
                "UPDATE agencies SET name = $1, kind = $2, parent_id = $3, home_area_id = $4,
                   is_forwarding_centre = $5, active = $6 WHERE id = $7",
            )
            .bind(&input.name)
            .bind(&input.kind)
            .bind(input.parent.map(|p| p.0))
            .bind(input.home_area.0)
            .bind(input.is_forwarding_centre as i64)
            .bind(input.active as i64)
            .bind(id.0)
            .execute(&mut *c)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            write_agency_links!(c, id.0, input);
            insert_audit!(c, audit);
        });
        Ok(())
    }

    pub async fn agency(&self, id: AgencyId) -> Result<Agency> {
        let sql = format!("{AGENCY_SELECT} WHERE g.id = $1");
        let row: AgencyRow = on_read!(self, |p| {
            sqlx::query_as(&sql).bind(id.0).fetch_one(p).await?
        });
        self.agency_links(row).await
    }

    async fn agency_links(&self, row: AgencyRow) -> Result<Agency> {
        let areas: Vec<i64> = on_read!(self, |p| {
            sqlx::query_scalar(
                "SELECT area_id FROM agency_areas WHERE agency_id = $1 ORDER BY area_id",
            )
            .bind(row.id)
            .fetch_all(p)
            .await?
        });
        let categories: Vec<String> = on_read!(self, |p| {
            sqlx::query_scalar(
                "SELECT category FROM agency_categories WHERE agency_id = $1 ORDER BY category",
            )
            .bind(row.id)
            .fetch_all(p)
            .await?
        });
        Ok(Agency {
            row,
            areas: areas.into_iter().map(AreaId).collect(),
            categories,
        })
    }

    /// Agencies whose home area lies within one of the given paths.
    pub async fn agencies_within(
        &self,
        scope: &[yihaotai_domain::area::AreaPath],
    ) -> Result<Vec<Agency>> {
        let sql = format!("{AGENCY_SELECT} WHERE a.path LIKE $1 ORDER BY g.id");
        let mut rows: Vec<AgencyRow> = Vec::new();
        for s in scope {
            let pattern = format!("{}%", s.as_str());
            let found: Vec<AgencyRow> = on_read!(self, |p| {
                sqlx::query_as(&sql).bind(&pattern).fetch_all(p).await?
            });
            for r in found {
                if !rows.iter().any(|x| x.id == r.id) {
                    rows.push(r);
                }
            }
        }
        rows.sort_by_key(|r| r.id);
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.agency_links(r).await?);
        }
        Ok(out)
    }

    /// Agencies that declare `category` among those they handle, with their areas.
    pub async fn agencies_serving(&self, category: &str) -> Result<Vec<Agency>> {
        let sql = format!(
            "{AGENCY_SELECT} WHERE g.id IN (SELECT agency_id FROM agency_categories WHERE category = $1)
             ORDER BY g.id"
        );
        let rows: Vec<AgencyRow> = on_read!(self, |p| {
            sqlx::query_as(&sql).bind(category).fetch_all(p).await?
        });
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.agency_links(r).await?);
        }
        Ok(out)
    }
}
