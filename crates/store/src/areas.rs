//! The territory tree: nodes with materialised paths, and the history of control levels.

use crate::{Millis, Result, Store, StoreError};
use yihaotai_domain::area::{AreaKind, AreaPath};
use yihaotai_domain::vocab::ControlLevel;
use yihaotai_domain::{AreaId, UserId};

#[derive(Debug, Clone, sqlx::FromRow)]
struct AreaRaw {
    id: i64,
    parent_id: Option<i64>,
    kind: String,
    name: String,
    aliases: String,
    path: String,
    control_level: Option<String>,
    control_since: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Area {
    pub id: AreaId,
    pub parent_id: Option<AreaId>,
    pub kind: AreaKind,
    pub name: String,
    pub aliases: Vec<String>,
    pub path: AreaPath,
    pub control_level: Option<ControlLevel>,
    pub control_since: Option<Millis>,
}

impl TryFrom<AreaRaw> for Area {
    type Error = StoreError;
    fn try_from(r: AreaRaw) -> Result<Area> {
        Ok(Area {
            id: AreaId(r.id),
            parent_id: r.parent_id.map(AreaId),
            kind: AreaKind::parse(&r.kind).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            name: r.name,
            aliases: serde_json::from_str(&r.aliases).unwrap_or_default(),
            path: AreaPath::from_stored(r.path),
            control_level: r
                .control_level
                .as_deref()
                .map(ControlLevel::parse)
                .transpose()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            control_since: r.control_since,
        })
    }
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ControlChange {
    pub id: i64,
    pub area_id: i64,
    pub level: String,
    pub effective_at: Millis,
    pub reason: String,
    pub set_by: Option<i64>,
    pub set_by_name: Option<String>,
    pub set_at: Millis,
}

pub struct NewArea<'a> {
    pub parent: Option<AreaId>,
    pub kind: AreaKind,
    pub name: &'a str,
    pub aliases: &'a [String],
    pub demo_key: Option<&'a str>,
}

/// An area to add in a batch (`insert_area_batch`).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedArea {
    pub parent: PlannedParent,
    pub kind: AreaKind,
    pub name: String,
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlannedParent {
    Existing(AreaId),
    /// The area planned at this index earlier in the same batch.
    Planned(usize),
}

const AREA_COLS: &str = "id, parent_id, kind, name, aliases, path, control_level, control_since";

/// Lets the same insertion run on a SQLite or a PostgreSQL connection inside a
/// caller's transaction (the demo loader inserts thousands in one).
pub(crate) trait AreaExec<'c> {
    async fn insert_area(self, a: &NewArea<'_>, now: Millis) -> Result<Area>;
}

macro_rules! impl_area_exec {
    ($conn:ty) => {
        impl<'c> AreaExec<'c> for &'c mut $conn {
            async fn insert_area(self, a: &NewArea<'_>, now: Millis) -> Result<Area> {
                let parent_path: Option<String> = match a.parent {
                    Some(p) => Some(
                        sqlx::query_scalar("SELECT path FROM areas WHERE id = $1")
                            .bind(p.0)
                            .fetch_one(&mut *self)
                            .await?,
                    ),
                    None => None,
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO areas (parent_id, kind, name, aliases, demo_key, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(a.parent.map(|p| p.0))
                .bind(a.kind.code())
                .bind(a.name)
                .bind(serde_json::to_string(a.aliases).unwrap_or_else(|_| "[]".into()))
                .bind(a.demo_key)
                .bind(now)
                .fetch_one(&mut *self)
                .await?;
                let path = match parent_path {
                    Some(pp) => AreaPath::from_stored(pp).child(AreaId(id)),
                    None => AreaPath::root(AreaId(id)),
                };
                sqlx::query("UPDATE areas SET path = $1 WHERE id = $2")
                    .bind(path.as_str())
                    .bind(id)
                    .execute(&mut *self)
                    .await?;
                Ok(Area {
                    id: AreaId(id),
                    parent_id: a.parent,
                    kind: a.kind,
                    name: a.name.to_string(),
                    aliases: a.aliases.to_vec(),
                    path,
                    control_level: None,
                    control_since: None,
                })
            }
        }
    };
}
impl_area_exec!(sqlx::SqliteConnection);
impl_area_exec!(sqlx::PgConnection);

impl Store {
    pub async fn insert_area(
        &self,
        a: &NewArea<'_>,
        now: Millis,
        audit: Option<&crate::audit::NewAudit<'_>>,
    ) -> Result<Area> {
        let area = in_tx!(self, |c| {
            let area = c.insert_area(a, now).await?;
            insert_audit!(c, audit, Some(area.id.0));
            area
        });
        self.caches_changed().await;
        Ok(area)
    }

    /// Adds a batch of areas in one transaction, each with its audit entry: all or none.
    /// A planned area's parent is an existing area or one planned earlier in the batch.
    pub async fn insert_area_batch(
        &self,
        planned: &[PlannedArea],
        now: Millis,
        actor: Option<yihaotai_domain::UserId>,
    ) -> Result<Vec<Area>> {
        let added = in_tx!(self, |c| {
            let mut added: Vec<Area> = Vec::with_capacity(planned.len());
            for p in planned {
                let parent = match p.parent {
                    PlannedParent::Existing(id) => id,
                    PlannedParent::Planned(i) => added.get(i).map(|a| a.id).ok_or_else(|| {
                        crate::StoreError::Corrupt(format!("planned area {i} comes later"))
                    })?,
                };
                let new = NewArea {
                    parent: Some(parent),
                    kind: p.kind,
                    name: &p.name,
                    aliases: &p.aliases,
                    demo_key: None,
                };
                let area = (&mut *c).insert_area(&new, now).await?;
                let after = serde_json::json!({
                    "name": &p.name, "kind": p.kind, "parent": parent, "aliases": &p.aliases,
                })
                .to_string();
                let audit = crate::audit::NewAudit {
                    at: now,
                    actor,
                    action: "area.add",
                    target_kind: "area",
                    target_id: Some(area.id.0),
                    area_path: Some(area.path.as_str()),
                    detail: &p.name,
                    before: None,
                    after: Some(after),
                };
                insert_audit!(c, Some(&audit));
                added.push(area);
            }
            added
        });
        self.caches_changed().await;
        Ok(added)
    }

    pub async fn area(&self, id: AreaId) -> Result<Area> {
        let sql = format!("SELECT {AREA_COLS} FROM areas WHERE id = $1");
        let raw: AreaRaw = on_read!(self, |p| {
            sqlx::query_as(&sql).bind(id.0).fetch_one(p).await?
        });
        raw.try_into()
    }

    /// Every area within any of `scope` (a node and all beneath it), ordered by path.
    pub async fn areas_within(&self, scope: &[AreaPath]) -> Result<Vec<Area>> {
        let mut out: Vec<Area> = Vec::new();
        let sql = format!("SELECT {AREA_COLS} FROM areas WHERE path LIKE $1 ORDER BY path");
        for s in scope {
            let pattern = format!("{}%", s.as_str());
            let rows: Vec<AreaRaw> = on_read!(self, |p| {
                sqlx::query_as(&sql).bind(&pattern).fetch_all(p).await?
            });
            for r in rows {
                if !out.iter().any(|a| a.id.0 == r.id) {
                    out.push(r.try_into()?);
                }
            }
        }
        // Numerically by the ids along the path: parents before children, siblings in the
        // order they were added ("/1/9/" before "/1/10/", which text order would swap).
        out.sort_by_cached_key(|a| a.path.ids());
        Ok(out)
    }

    pub async fn all_areas(&self) -> Result<Vec<Area>> {
        let sql = format!("SELECT {AREA_COLS} FROM areas");
        let rows: Vec<AreaRaw> = on_read!(self, |p| { sqlx::query_as(&sql).fetch_all(p).await? });
        let mut out = rows
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<Vec<Area>>>()?;
        out.sort_by_cached_key(|a| a.path.ids());
        Ok(out)
    }

    pub async fn areas_by_ids(&self, ids: &[AreaId]) -> Result<Vec<Area>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.area(*id).await?);
        }
        Ok(out)
    }

    pub async fn area_by_demo_key(&self, key: &str) -> Result<Option<Area>> {
        let sql = format!("SELECT {AREA_COLS} FROM areas WHERE demo_key = $1");
        let raw: Option<AreaRaw> = on_read!(self, |p| {
            sqlx::query_as(&sql).bind(key).fetch_optional(p).await?
        });
        raw.map(TryInto::try_into).transpose()
    }

    pub async fn rename_area(
        &self,
        id: AreaId,
        name: &str,
        aliases: &[String],
        audit: Option<&crate::audit::NewAudit<'_>>,
    ) -> Result<()> {
        in_tx!(self, |c| {
            let n = sqlx::query("UPDATE areas SET name = $1, aliases = $2 WHERE id = $3")
                .bind(name)
                .bind(serde_json::to_string(aliases).unwrap_or_else(|_| "[]".into()))
                .bind(id.0)
                .execute(&mut *c)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            insert_audit!(c, audit);
        });
        // Users carry their areas' names.
        self.caches_changed().await;
        Ok(())
    }

    /// Records a control-level change in the history and, when it is already effective,
    /// on the area itself. A change that takes effect later is applied by
    /// [`Store::apply_due_control_levels`].
    #[allow(
        clippy::too_many_arguments,
        reason = "the change's fields and its audit entry"
    )]
    pub async fn set_control_level(
        &self,
        id: AreaId,
        level: ControlLevel,
        effective_at: Millis,
        reason: &str,
        by: Option<UserId>,
        now: Millis,
        audit: Option<&crate::audit::NewAudit<'_>>,
    ) -> Result<()> {
        in_tx!(self, |c| {
            insert_audit!(c, audit);
            sqlx::query(
                "INSERT INTO area_control_history (area_id, level, effective_at, reason, set_by, set_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.0)
            .bind(level.code())
            .bind(effective_at)
            .bind(reason)
            .bind(by.map(|u| u.0))
            .bind(now)
            .execute(&mut *c)
            .await?;
            if effective_at <= now {
                sqlx::query(
                    "UPDATE areas SET control_level = $1, control_since = $2 WHERE id = $3",
                )
                .bind(level.code())
                .bind(effective_at)
                .bind(id.0)
                .execute(&mut *c)
                .await?;
            }
        });
        Ok(())
    }

    /// Makes scheduled control levels current once their time has come; returns how many.
    pub async fn apply_due_control_levels(&self, now: Millis) -> Result<u64> {
        Ok(on_write!(self, |p| {
            sqlx::query(
                "UPDATE areas SET
                   control_level = (SELECT h.level FROM area_control_history h
                                    WHERE h.area_id = areas.id AND h.effective_at <= $1
                                    ORDER BY h.effective_at DESC, h.id DESC LIMIT 1),
                   control_since = (SELECT h.effective_at FROM area_control_history h
                                    WHERE h.area_id = areas.id AND h.effective_at <= $1
                                    ORDER BY h.effective_at DESC, h.id DESC LIMIT 1)
                 WHERE EXISTS (SELECT 1 FROM area_control_history h
                               WHERE h.area_id = areas.id AND h.effective_at <= $1
                                 AND (areas.control_since IS NULL OR h.effective_at > areas.control_since))",
            )
            .bind(now)
            .execute(p)
            .await?
            .rows_affected()
        }))
    }

    pub async fn control_history(&self, id: AreaId) -> Result<Vec<ControlChange>> {
        Ok(on_read!(self, |p| {
            sqlx::query_as(
                "SELECT h.id, h.area_id, h.level, h.effective_at, h.reason, h.set_by,
                        u.display_name AS set_by_name, h.set_at
                 FROM area_control_history h LEFT JOIN users u ON u.id = h.set_by
                 WHERE h.area_id = $1 ORDER BY h.effective_at DESC, h.id DESC",
            )
            .bind(id.0)
            .fetch_all(p)
            .await?
        }))
    }
}
