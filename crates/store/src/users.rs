//! Staff accounts, their roles and areas, login sessions and API tokens.
//! Secrets are stored only as hashes made by the service; this module never sees a password.

use crate::{Millis, Result, Store, StoreError};
use yihaotai_domain::area::AreaPath;
use yihaotai_domain::role::{Role, Roles};
use yihaotai_domain::{AgencyId, AreaId, UserId};

#[derive(Debug, Clone, sqlx::FromRow)]
struct UserRaw {
    id: i64,
    login: String,
    display_name: String,
    password_hash: String,
    agency_id: Option<i64>,
    active: i64,
}

/// An account with everything needed to authorise its requests.
#[derive(Debug, Clone, serde::Serialize)]
pub struct User {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub agency_id: Option<AgencyId>,
    pub active: bool,
    pub roles: Roles,
    pub areas: Vec<UserArea>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct UserArea {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub path: String,
}

impl User {
    pub fn scope(&self) -> yihaotai_domain::area::Scope {
        yihaotai_domain::area::Scope::new(
            self.areas
                .iter()
                .map(|a| AreaPath::from_stored(a.path.clone()))
                .collect(),
        )
    }
}

pub struct NewUser<'a> {
    pub login: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub agency: Option<AgencyId>,
    pub roles: &'a Roles,
    pub areas: &'a [AreaId],
}

macro_rules! write_user_links {
    ($c:expr, $id:expr, $roles:expr, $areas:expr) => {{
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
            .bind($id)
            .execute(&mut *$c)
            .await?;
        sqlx::query("DELETE FROM user_areas WHERE user_id = $1")
            .bind($id)
            .execute(&mut *$c)
            .await?;
        for r in &$roles.0 {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind($id)
                .bind(r.code())
                .execute(&mut *$c)
                .await?;
        }
        for a in $areas {
            sqlx::query(
                "INSERT INTO user_areas (user_id, area_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind($id)
            .bind(a.0)
            .execute(&mut *$c)
            .await?;
        }
    }};
}
pub(crate) use write_user_links;

/// What a password change ended, for the page and the command line to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordChanged {
    pub sessions_ended: u64,
    pub tokens_revoked: u64,
}

/// A live login session as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: Millis,
}

impl Store {
    pub async fn insert_user(
        &self,
        u: &NewUser<'_>,
        now: Millis,
        audit: Option<&crate::audit::NewAudit<'_>>,
    ) -> Result<UserId> {
        let ids = self.insert_user_batch(&[(u, audit)], now).await?;
        ids.into_iter()
            .next()
            .ok_or_else(|| StoreError::Corrupt("no account was added".into()))
    }

    /// Adds many accounts in one transaction, each with its audit entry: all or none (a
    /// login taken meanwhile refuses the whole batch with `Conflict`).
    pub async fn insert_user_batch(
        &self,
        batch: &[(&NewUser<'_>, Option<&crate::audit::NewAudit<'_>>)],
        now: Millis,
    ) -> Result<Vec<UserId>> {
        let ids: Vec<i64> = in_tx!(self, |c| {
            let mut ids = Vec::with_capacity(batch.len());
            for (u, audit) in batch {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (login, display_name, password_hash, agency_id, active, created_at, password_changed_at)
                     VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING id",
                )
                .bind(u.login)
                .bind(u.display_name)
                .bind(u.password_hash)
                .bind(u.agency.map(|a| a.0))
                .bind(now)
                .fetch_one(&mut *c)
                .await?;
                write_user_links!(c, id, u.roles, u.areas);
                insert_audit!(c, *audit, Some(id));
                ids.push(id);
            }
            ids
        });
        self.caches_changed().await;
        Ok(ids.into_iter().map(UserId).collect())
    }

    pub async fn update_user_access(
        &self,
        id: UserId,
        display_name: &str,
        agency: Option<AgencyId>,
        roles: &Roles,
        areas: &[AreaId],
        audit: Option<&crate::audit::NewAudit<'_>>,
    ) -> Result<()> {
        in_tx!(self, |c| {
            let n = sqlx::query("UPDATE users SET display_name = $1, agency_id = $2 WHERE id = $3")
                .bind(display_name)
                .bind(agency.map(|a| a.0))
                .bind(id.0)
                .execute(&mut *c)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            write_user_links!(c, id.0, roles, areas);
            insert_audit!(c, audit);
        });
        self.caches_changed().await;
        Ok(())
    }

    async fn complete_user(&self, raw: UserRaw) -> Result<User> {
        let roles: Vec<String> = on_read!(self, |p| {
            sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
                .bind(raw.id)
                .fetch_all(p)
                .await?
        });
        let areas: Vec<UserArea> = on_read!(self, |p| {
            sqlx::query_as(
                "SELECT a.id, a.name, a.kind, a.path FROM user_areas ua JOIN areas a ON a.id = ua.area_id
                 WHERE ua.user_id = $1 ORDER BY a.path",
            )
            .bind(raw.id)
            .fetch_all(p)
            .await?
        });
        let mut rs: Vec<Role> = Vec::with_capacity(roles.len());
        for r in roles {
            rs.push(Role::parse(&r).map_err(|e| StoreError::Corrupt(e.to_string()))?);
        }
        rs.sort();
        Ok(User {
            id: UserId(raw.id),
            login: raw.login,
            display_name: raw.display_name,
            password_hash: raw.password_hash,
            agency_id: raw.agency_id.map(AgencyId),
            active: raw.active != 0,
            roles: Roles(rs),
            areas,
        })
    }

    const USER_COLS: &'static str =
        "SELECT id, login, display_name, password_hash, agency_id, active FROM users";

    pub async fn user(&self, id: UserId) -> Result<User> {
        let sql = format!("{} WHERE id = $1", Self::USER_COLS);
        let raw: UserRaw = on_read!(self, |p| {
            sqlx::query_as(&sql).bind(id.0).fetch_one(p).await?
        });
        self.complete_user(raw).await
    }

    pub async fn user_by_login(&self, login: &str) -> Result<Option<User>> {
        let sql = format!("{} WHERE login = $1", Self::USER_COLS);
        let raw: Option<UserRaw> = on_read!(self, |p| {
            sqlx::query_as(&sql).bind(login).fetch_optional(p).await?
        });
        match raw {
            Some(r) => Ok(Some(self.complete_user(r).await?)),
            None => Ok(None),
        }
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let sql = format!("{} ORDER BY login", Self::USER_COLS);
        let raws: Vec<UserRaw> = on_read!(self, |p| { sqlx::query_as(&sql).fetch_all(p).await? });
        let mut out = Vec::with_capacity(raws.len());
        for r in raws {
            out.push(self.complete_user(r).await?);
        }
        Ok(out)
    }

    /// Sets a new password hash and, in the same transaction, ends every session of the
    /// account, revokes its API tokens and writes `audit`: whoever knew the old password
    /// may have made a token with it, so nothing made before the change keeps working.
    pub async fn set_password_hash(
        &self,
        id: UserId,
        hash: &str,
        now: Millis,
        audit: &crate::audit::NewAudit<'_>,
    ) -> Result<PasswordChanged> {
        let changed = in_tx!(self, |c| {
            let n = sqlx::query(
                "UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
            )
            .bind(hash)
            .bind(now)
            .bind(id.0)
            .execute(&mut *c)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            let sessions_ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *c)
                .await?
                .rows_affected();
            let tokens_revoked =
                sqlx::query("UPDATE api_tokens SET revoked = 1 WHERE user_id = $1 AND revoked = 0")
                    .bind(id.0)
                    .execute(&mut *c)
                    .await?
                    .rows_affected();
            insert_audit!(c, Some(audit));
            PasswordChanged {
                sessions_ended,
                tokens_revoked,
            }
        });
        self.caches_changed().await;
        Ok(changed)
    }

    pub async fn set_user_active(
        &self,
        id: UserId,
        active: bool,
        audit: Option<&crate::audit::NewAudit<'_>>,
    ) -> Result<()> {
        in_tx!(self, |c| {
            insert_audit!(c, audit);
            let n = sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
                .bind(active as i64)
                .bind(id.0)
                .execute(&mut *c)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            if !active {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id.0)
                    .execute(&mut *c)
                    .await?;
                sqlx::query("UPDATE api_tokens SET revoked = 1 WHERE user_id = $1")
                    .bind(id.0)
                    .execute(&mut *c)
                    .await?;
            }
        });
        // Disabling revokes the account's tokens: no copy may outlive that.
        self.caches_changed().await;
        Ok(())
    }

    // --- sessions -------------------------------------------------------------------

    pub async fn insert_session(
        &self,
        token_hash: &str,
        user: UserId,
        csrf: &str,
        now: Millis,
        expires_at: Millis,
    ) -> Result<()> {
        on_write!(self, |p| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user.0)
            .bind(csrf)
            .bind(now)
            .bind(expires_at)
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>> {
        Ok(on_read!(self, |p| {
            sqlx::query_as(
                "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(p)
            .await?
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_write!(self, |p| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    pub async fn delete_expired_sessions(&self, now: Millis) -> Result<u64> {
        Ok(on_write!(self, |p| {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(p)
                .await?
                .rows_affected()
        }))
    }

    // --- API tokens -----------------------------------------------------------------

    pub async fn insert_api_token(
        &self,
        user: UserId,
        name: &str,
        token_hash: &str,
        now: Millis,
        expires_at: Option<Millis>,
        audit: Option<&crate::audit::NewAudit<'_>>,
    ) -> Result<i64> {
        Ok(in_tx!(self, |c| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at, revoked)
                 VALUES ($1, $2, $3, $4, $5, 0) RETURNING id",
            )
            .bind(user.0)
            .bind(name)
            .bind(token_hash)
            .bind(now)
            .bind(expires_at)
            .fetch_one(&mut *c)
            .await?;
            insert_audit!(c, audit);
            id
        }))
    }

    /// The user, with roles and areas, that a live (unrevoked, unexpired) token belongs to.
    /// Answered from [`crate::cache`] when a copy is fresh: every request of an API client
    /// asks this, and it costs four statements.
    pub async fn user_by_api_token(&self, token_hash: &str, now: Millis) -> Result<Option<User>> {
        if let Some(u) = self.caches.token_user(token_hash, now) {
            return Ok(Some(u));
        }
        let generation = self.caches.generation();
        let row: Option<(i64, Option<i64>)> = on_read!(self, |p| {
            sqlx::query_as(
                "SELECT user_id, expires_at FROM api_tokens WHERE token_hash = $1 AND revoked = 0
                 AND (expires_at IS NULL OR expires_at > $2)",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(p)
            .await?
        });
        let Some((user_id, expires_at)) = row else {
            return Ok(None);
        };
        let user = self.user(UserId(user_id)).await?;
        self.caches
            .put_token_user(token_hash, generation, user.clone(), expires_at);
        Ok(Some(user))
    }

    /// The user a live (unrevoked, unexpired) token belongs to.
    pub async fn api_token_user(&self, token_hash: &str, now: Millis) -> Result<Option<UserId>> {
        let id: Option<i64> = on_read!(self, |p| {
            sqlx::query_scalar(
                "SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked = 0
                 AND (expires_at IS NULL OR expires_at > $2)",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(p)
            .await?
        });
        Ok(id.map(UserId))
    }
}
