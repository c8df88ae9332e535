//! Loads the fictional demo street in one transaction. Idempotent: a second load finds the
//! marker and changes nothing.

use crate::areas::{AreaExec, NewArea};
use crate::{Millis, Result, Store};
use yihaotai_domain::area::AreaKind;
use yihaotai_domain::demo::DemoStreet;

const MARKER: &str = "demo_street_loaded";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoLoad {
    Loaded {
        areas: usize,
        agencies: usize,
        households: usize,
        residents: usize,
        users: usize,
    },
    AlreadyPresent,
}

impl Store {
    pub async fn demo_loaded(&self) -> Result<bool> {
        Ok(self.setting(MARKER).await?.is_some())
    }

    /// Loads `street`; `password_hashes[i]` is the hash for `street.users[i]`.
    pub async fn load_demo(
        &self,
        street: &DemoStreet,
        password_hashes: &[String],
        now: Millis,
    ) -> Result<DemoLoad> {
        assert_eq!(street.users.len(), password_hashes.len());
        self.seed_categories().await?;
        let compound_of: Vec<Option<usize>> = (0..street.areas.len())
            .map(|i| {
                let mut at = Some(i);
                while let Some(j) = at {
                    if street.areas[j].kind == AreaKind::Compound {
                        return Some(j);
                    }
                    at = street.areas[j].parent;
                }
                None
            })
            .collect();
        let residents: usize = street.households.iter().map(|h| h.residents.len()).sum();
        let loaded = in_tx!(self, |c| {
            // The marker is written first inside the transaction: a concurrent second loader
            // blocks on it (or fails on its key) instead of loading the street twice.
            let fresh = sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            )
            .bind(MARKER)
            .bind(now.to_string())
            .execute(&mut *c)
            .await?
            .rows_affected()
                == 1;
            if fresh {
                let mut area_ids: Vec<i64> = Vec::with_capacity(street.areas.len());
                for a in &street.areas {
                    let new = NewArea {
                        parent: a.parent.map(|p| yihaotai_domain::AreaId(area_ids[p])),
                        kind: a.kind,
                        name: &a.name,
                        aliases: &a.aliases,
                        demo_key: Some(&a.key),
                    };
                    let area = (&mut *c).insert_area(&new, now).await?;
                    if let Some(level) = a.control {
                        sqlx::query(
                            "UPDATE areas SET control_level = $1, control_since = $2 WHERE id = $3",
                        )
                        .bind(level.code())
                        .bind(now)
                        .bind(area.id.0)
                        .execute(&mut *c)
                        .await?;
                        sqlx::query(
                            "INSERT INTO area_control_history (area_id, level, effective_at, reason, set_by, set_at)
                             VALUES ($1, $2, $3, $4, NULL, $3)",
                        )
                        .bind(area.id.0)
                        .bind(level.code())
                        .bind(now)
                        .bind("演示数据初始管控等级")
                        .execute(&mut *c)
                        .await?;
                    }
                    area_ids.push(area.id.0);
                }
                let mut agency_ids: Vec<i64> = Vec::with_capacity(street.agencies.len());
                for g in &street.agencies {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO agencies (name, kind, parent_id, home_area_id, is_forwarding_centre, active, demo_key, created_at)
                         VALUES ($1, $2, $3, $4, $5, 1, $6, $7) RETURNING id",
                    )
                    .bind(&g.name)
                    .bind(&g.kind)
                    .bind(g.parent.map(|p| agency_ids[p]))
                    .bind(area_ids[g.home_area])
                    .bind(g.is_forwarding_centre as i64)
                    .bind(&g.key)
                    .bind(now)
                    .fetch_one(&mut *c)
                    .await?;
                    for a in &g.serves_areas {
                        sqlx::query(
                            "INSERT INTO agency_areas (agency_id, area_id) VALUES ($1, $2)",
                        )
                        .bind(id)
                        .bind(area_ids[*a])
                        .execute(&mut *c)
                        .await?;
                    }
                    for cat in &g.categories {
                        sqlx::query(
                            "INSERT INTO agency_categories (agency_id, category) VALUES ($1, $2)",
                        )
                        .bind(id)
                        .bind(cat)
                        .execute(&mut *c)
                        .await?;
                    }
                    agency_ids.push(id);
                }
                for h in &street.households {
                    let compound = compound_of[h.area].unwrap_or(h.area);
                    let hid: i64 = sqlx::query_scalar(
                        "INSERT INTO households (area_id, compound_id, building, entrance, room, address, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(area_ids[h.area])
                    .bind(area_ids[compound])
                    .bind(&h.building)
                    .bind(&h.entrance)
                    .bind(&h.room)
                    .bind(&h.address)
                    .bind(now)
                    .fetch_one(&mut *c)
                    .await?;
                    for r in &h.residents {
                        let tags: Vec<&str> = r.care_tags.iter().map(|t| t.code()).collect();
                        sqlx::query(
                            "INSERT INTO residents (household_id, name, phone, id_number, birth_year, gender, relation, care_tags, created_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(hid)
                        .bind(&r.name)
                        .bind(r.phone.as_ref().map(|p| p.as_str()))
                        .bind(&r.id_number)
                        .bind(r.birth_year as i64)
                        .bind(r.gender.to_string())
                        .bind(r.relation)
                        .bind(tags.join(","))
                        .bind(now)
                        .execute(&mut *c)
                        .await?;
                    }
                }
                for (u, hash) in street.users.iter().zip(password_hashes) {
                    let roles = yihaotai_domain::role::Roles(u.roles.clone());
                    let uid: i64 = sqlx::query_scalar(
                        "INSERT INTO users (login, display_name, password_hash, agency_id, active, created_at, password_changed_at)
                         VALUES ($1, $2, $3, $4, 1, $5, $5)
                         ON CONFLICT (login) DO UPDATE SET display_name = excluded.display_name RETURNING id",
                    )
                    .bind(u.login)
                    .bind(&u.display_name)
                    .bind(hash)
                    .bind(u.agency.map(|a| agency_ids[a]))
                    .bind(now)
                    .fetch_one(&mut *c)
                    .await?;
                    let areas: Vec<yihaotai_domain::AreaId> = u
                        .areas
                        .iter()
                        .map(|a| yihaotai_domain::AreaId(area_ids[*a]))
                        .collect();
                    crate::users::write_user_links!(c, uid, roles, &areas);
                }
            }
            fresh
        });
        self.caches_changed().await;
        Ok(if loaded {
            DemoLoad::Loaded {
                areas: street.areas.len(),
                agencies: street.agencies.len(),
                households: street.households.len(),
                residents,
                users: street.users.len(),
            }
        } else {
            DemoLoad::AlreadyPresent
        })
    }
}
