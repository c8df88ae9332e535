//! Administration: the area tree, agencies and accounts. Every call checks the caller's
//! role and that each record it touches lies within the areas the caller serves; records
//! outside those areas are reported as not found.

use crate::{Result, Service, ServiceError, User};
use yihaotai_domain::area::{check_nesting, AreaKind, AreaName, AreaPath, Scope};
use yihaotai_domain::role::{Role, Roles};
use yihaotai_domain::vocab::{ControlLevel, Lang};
use yihaotai_domain::{AgencyId, AreaId, UserId};
use yihaotai_store::agencies::{Agency, AgencyInput};
use yihaotai_store::areas::{Area, ControlChange, NewArea};
use yihaotai_store::audit::NewAudit;
pub use yihaotai_store::users::PasswordChanged;
use yihaotai_store::StoreError;

/// Who is making an administrative change: a logged-in user (scoped), or the machine's
/// operator through the CLI (unscoped, as they hold the database itself).
#[derive(Clone, Copy)]
pub enum Caller<'a> {
    System,
    User(&'a User),
}

impl Caller<'_> {
    pub(crate) fn user_id(&self) -> Option<UserId> {
        match self {
            Caller::System => None,
            Caller::User(u) => Some(u.id),
        }
    }
    pub(crate) fn covers(&self, p: &AreaPath) -> bool {
        match self {
            Caller::System => true,
            Caller::User(u) => u.scope().covers(p),
        }
    }
    /// Control levels (封控/管控) are set by administrators and leaders.
    pub fn require_control(&self) -> Result<()> {
        match self {
            Caller::System => Ok(()),
            Caller::User(u) => require_any_role(u, &[Role::Admin, Role::Leader]),
        }
    }
    pub fn require_admin(&self) -> Result<()> {
        match self {
            Caller::System => Ok(()),
            Caller::User(u) if u.roles.is_admin() => Ok(()),
            Caller::User(_) => Err(ServiceError::forbidden(
                "需要管理员角色",
                "this needs the administrator role",
            )),
        }
    }
}

pub fn require_any_role(user: &User, roles: &[Role]) -> Result<()> {
    if user.roles.any(roles) {
        Ok(())
    } else {
        let names_zh: Vec<&str> = roles.iter().map(|r| r.label(Lang::Zh)).collect();
        let names_en: Vec<&str> = roles.iter().map(|r| r.label(Lang::En)).collect();
        Err(ServiceError::forbidden(
            format!("需要以下角色之一：{}", names_zh.join("、")),
            format!("this needs one of the roles: {}", names_en.join(", ")),
        ))
    }
}

fn area_err(field: &str, e: yihaotai_domain::area::AreaError) -> ServiceError {
    ServiceError::invalid(field, e.localized(Lang::Zh), e.localized(Lang::En))
}

/// Parses a login name: 2–32 of a-z, 0-9, `.`, `_`, `-`.
pub fn parse_login(s: &str) -> Result<String> {
    let t = s.trim();
    let ok = (2..=32).contains(&t.len())
        && t.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(t.to_string())
    } else {
        Err(ServiceError::invalid(
            "login",
            "登录名须为2到32位小写字母、数字或 . _ -",
            "the login must be 2-32 characters of a-z, 0-9, '.', '_' or '-'",
        ))
    }
}

pub(crate) fn parse_display_name(s: &str) -> Result<String> {
    yihaotai_domain::person::parse_person_name(s).ok_or_else(|| {
        ServiceError::invalid(
            "display_name",
            "姓名须为1到32个字符",
            "the name must be 1-32 characters",
        )
    })
}

pub struct UserInput {
    pub login: String,
    pub display_name: String,
    pub password: Option<String>,
    pub roles: Roles,
    pub areas: Vec<AreaId>,
    pub agency: Option<AgencyId>,
}

impl Service {
    // --- areas ----------------------------------------------------------------------

    /// The areas the user serves, and everything beneath them.
    /// The area paths a caller serves: their own, or every street for the operator.
    pub(crate) async fn scope_of(&self, caller: Caller<'_>) -> Result<Vec<AreaPath>> {
        Ok(match caller {
            Caller::User(u) => u.scope().paths.clone(),
            Caller::System => self
                .store
                .all_areas()
                .await?
                .into_iter()
                .filter(|a| a.parent_id.is_none())
                .map(|a| a.path)
                .collect(),
        })
    }

    pub async fn areas_for(&self, user: &User) -> Result<Vec<Area>> {
        Ok(self.store.areas_within(&user.scope().paths).await?)
    }

    pub(crate) async fn area_in_scope(&self, caller: Caller<'_>, id: AreaId) -> Result<Area> {
        let area = self.store.area(id).await?;
        if caller.covers(&area.path) {
            Ok(area)
        } else {
            Err(ServiceError::out_of_scope())
        }
    }

    pub async fn area_for(&self, user: &User, id: AreaId) -> Result<Area> {
        self.area_in_scope(Caller::User(user), id).await
    }

    #[tracing::instrument(skip(self, caller, aliases))]
    pub async fn add_area(
        &self,
        caller: Caller<'_>,
        parent: Option<AreaId>,
        kind: AreaKind,
        name: &str,
        aliases: &[String],
    ) -> Result<Area> {
        caller.require_admin()?;
        let name = AreaName::parse(name).map_err(|e| area_err("name", e))?;
        let parent_area = match parent {
            Some(p) => Some(self.area_in_scope(caller, p).await?),
            None => {
                if !matches!(caller, Caller::System) {
                    return Err(ServiceError::forbidden(
                        "只能在您负责的区域下新建区域",
                        "new areas can only be added under an area you serve",
                    ));
                }
                None
            }
        };
        if let Some(p) = &parent_area {
            check_nesting(p.kind, kind).map_err(|e| area_err("kind", e))?;
        }
        let aliases = clean_aliases(aliases)?;
        let now = self.now();
        let new = NewArea {
            parent,
            kind,
            name: name.as_str(),
            aliases: &aliases,
            demo_key: None,
        };
        let parent_path = parent_area.as_ref().map(|p| p.path.clone());
        let after = serde_json::json!({
            "name": name.as_str(), "kind": kind, "parent": parent, "aliases": &aliases,
        });
        let audit = self.audit_entry(
            caller,
            "area.add",
            "area",
            None,
            parent_path.as_ref(),
            name.as_str(),
            None,
            Some(after),
        );
        let area = self.store.insert_area(&new, now, Some(&audit)).await?;
        Ok(area)
    }

    pub async fn rename_area(
        &self,
        caller: Caller<'_>,
        id: AreaId,
        name: &str,
        aliases: &[String],
    ) -> Result<Area> {
        caller.require_admin()?;
        let area = self.area_in_scope(caller, id).await?;
        let name = AreaName::parse(name).map_err(|e| area_err("name", e))?;
        let aliases = clean_aliases(aliases)?;
        let detail = format!("{} → {}", area.name, name.as_str());
        let audit = self.audit_entry(
            caller,
            "area.rename",
            "area",
            Some(id.0),
            Some(&area.path),
            &detail,
            Some(serde_json::json!({"name": &area.name, "aliases": &area.aliases})),
            Some(serde_json::json!({"name": name.as_str(), "aliases": &aliases})),
        );
        self.store
            .rename_area(id, name.as_str(), &aliases, Some(&audit))
            .await?;
        Ok(self.store.area(id).await?)
    }

    /// Sets 封控/管控/防范 on a compound or below, effective now or later; history is kept.
    pub async fn set_control_level(
        &self,
        caller: Caller<'_>,
        id: AreaId,
        level: ControlLevel,
        effective_at: Option<i64>,
        reason: &str,
    ) -> Result<Area> {
        caller.require_control()?;
        let area = self.area_in_scope(caller, id).await?;
        if !area.kind.takes_control_level() {
            let e = yihaotai_domain::area::AreaError::NoControlLevel(area.kind);
            return Err(area_err("area", e));
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(ServiceError::invalid(
                "reason",
                "请填写调整管控等级的依据（1到500字）",
                "give the reason for the change (1-500 characters)",
            ));
        }
        let now = self.now();
        let effective_at = effective_at.unwrap_or(now);
        if effective_at < now - 24 * 3600 * 1000 {
            return Err(ServiceError::invalid(
                "effective_at",
                "生效时间不能早于24小时之前",
                "the effective time cannot be more than 24 hours in the past",
            ));
        }
        let detail = format!("{} @ {effective_at}: {reason}", level.code());
        let audit = self.audit_entry(
            caller,
            "area.control_level",
            "area",
            Some(id.0),
            Some(&area.path),
            &detail,
            Some(serde_json::json!({"control_level": area.control_level, "since": area.control_since})),
            Some(serde_json::json!({"control_level": level, "effective_at": effective_at, "reason": reason})),
        );
        self.store
            .set_control_level(
                id,
                level,
                effective_at,
                reason,
                caller.user_id(),
                now,
                Some(&audit),
            )
            .await?;
        Ok(self.store.area(id).await?)
    }

    pub async fn control_history(&self, user: &User, id: AreaId) -> Result<Vec<ControlChange>> {
        self.area_for(user, id).await?;
        Ok(self.store.control_history(id).await?)
    }

    // --- agencies -------------------------------------------------------------------

    pub async fn agencies_for(&self, user: &User) -> Result<Vec<Agency>> {
        Ok(self.store.agencies_within(&user.scope().paths).await?)
    }

    pub async fn agency_for(&self, user: &User, id: AgencyId) -> Result<Agency> {
        let a = self.store.agency(id).await?;
        if user
            .scope()
            .covers(&AreaPath::from_stored(a.row.home_area_path.clone()))
        {
            Ok(a)
        } else {
            Err(ServiceError::out_of_scope())
        }
    }

    async fn check_agency_input(
        &self,
        caller: Caller<'_>,
        input: &AgencyInput,
    ) -> Result<AreaPath> {
        if input.name.trim().is_empty() || input.name.chars().count() > 64 {
            return Err(ServiceError::invalid(
                "name",
                "单位名称须为1到64个字符",
                "the agency name must be 1-64 characters",
            ));
        }
        if input.kind.trim().is_empty() || input.kind.len() > 32 {
            return Err(ServiceError::invalid(
                "kind",
                "请填写单位类型",
                "give the agency kind",
            ));
        }
        let home = self
            .area_in_scope(caller, input.home_area)
            .await
            .map_err(|_| {
                ServiceError::invalid(
                    "home_area",
                    "所属区域不存在或不在您负责的范围内",
                    "the home area does not exist or is outside the areas you serve",
                )
            })?;
        for a in &input.areas {
            self.area_in_scope(caller, *a).await.map_err(|_| {
                ServiceError::invalid(
                    "areas",
                    format!("服务区域 {a} 不存在或不在您负责的范围内"),
                    format!("served area {a} does not exist or is outside the areas you serve"),
                )
            })?;
        }
        let known: Vec<String> = self
            .store
            .categories()
            .await?
            .into_iter()
            .map(|c| c.code)
            .collect();
        for c in &input.categories {
            if !known.contains(c) {
                return Err(ServiceError::invalid(
                    "categories",
                    format!("未知类别“{c}”"),
                    format!("unknown category '{c}'"),
                ));
            }
        }
        if let Some(p) = input.parent {
            // Escalation follows the parent, so it must be an agency the caller already
            // answers for; a missing one and another community's are refused alike.
            let refused = || {
                ServiceError::invalid(
                    "parent",
                    "上级单位不存在或不在您负责的范围内",
                    "the parent agency does not exist or is outside the areas you serve",
                )
            };
            let parent = self.store.agency(p).await.map_err(|_| refused())?;
            if !caller.covers(&AreaPath::from_stored(parent.row.home_area_path.clone())) {
                return Err(refused());
            }
        }
        Ok(home.path)
    }

    pub async fn create_agency(&self, caller: Caller<'_>, input: &AgencyInput) -> Result<Agency> {
        caller.require_admin()?;
        let path = self.check_agency_input(caller, input).await?;
        let audit = self.audit_entry(
            caller,
            "agency.create",
            "agency",
            None,
            Some(&path),
            &input.name,
            None,
            serde_json::to_value(input).ok(),
        );
        let id = self
            .store
            .insert_agency(input, None, self.now(), Some(&audit))
            .await?;
        Ok(self.store.agency(id).await?)
    }

    pub async fn update_agency(
        &self,
        caller: Caller<'_>,
        id: AgencyId,
        input: &AgencyInput,
    ) -> Result<Agency> {
        caller.require_admin()?;
        let existing = self.store.agency(id).await?;
        if !caller.covers(&AreaPath::from_stored(existing.row.home_area_path.clone())) {
            return Err(ServiceError::out_of_scope());
        }
        if input.parent == Some(id) {
            return Err(ServiceError::invalid(
                "parent",
                "上级单位不能是它自己",
                "an agency cannot be its own parent",
            ));
        }
        let path = self.check_agency_input(caller, input).await?;
        let audit = self.audit_entry(
            caller,
            "agency.update",
            "agency",
            Some(id.0),
            Some(&path),
            &input.name,
            serde_json::to_value(&existing).ok(),
            serde_json::to_value(input).ok(),
        );
        self.store.update_agency(id, input, Some(&audit)).await?;
        Ok(self.store.agency(id).await?)
    }

    // --- users ----------------------------------------------------------------------

    fn user_within(scope: &Scope, u: &User) -> bool {
        scope.covers_all(
            u.areas
                .iter()
                .map(|a| AreaPath::from_stored(a.path.clone()))
                .collect::<Vec<_>>()
                .iter(),
        )
    }

    /// Accounts all of whose areas lie within the admin's areas.
    pub async fn users_for(&self, user: &User) -> Result<Vec<User>> {
        Caller::User(user).require_admin()?;
        let scope = user.scope();
        Ok(self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| Self::user_within(&scope, u))
            .collect())
    }

    async fn user_in_scope(&self, caller: Caller<'_>, id: UserId) -> Result<User> {
        let u = self.store.user(id).await?;
        match caller {
            Caller::System => Ok(u),
            Caller::User(me) if Self::user_within(&me.scope(), &u) => Ok(u),
            Caller::User(_) => Err(ServiceError::out_of_scope()),
        }
    }

    pub async fn user_for(&self, admin: &User, id: UserId) -> Result<User> {
        Caller::User(admin).require_admin()?;
        self.user_in_scope(Caller::User(admin), id).await
    }

    pub(crate) async fn check_user_access(
        &self,
        caller: Caller<'_>,
        input: &UserInput,
    ) -> Result<Option<AreaPath>> {
        if input.roles.0.is_empty() {
            return Err(ServiceError::invalid(
                "roles",
                "至少选择一个角色",
                "choose at least one role",
            ));
        }
        if input.areas.is_empty() {
            return Err(ServiceError::invalid(
                "areas",
                "至少选择一个负责区域",
                "choose at least one area",
            ));
        }
        let mut first = None;
        for a in &input.areas {
            let area = self.area_in_scope(caller, *a).await.map_err(|_| {
                ServiceError::invalid(
                    "areas",
                    format!("区域 {a} 不存在或不在您负责的范围内"),
                    format!("area {a} does not exist or is outside the areas you serve"),
                )
            })?;
            first.get_or_insert(area.path);
        }
        if let Some(g) = input.agency {
            let refused = || {
                ServiceError::invalid(
                    "agency",
                    "所属单位不存在或不在您负责的范围内",
                    "the agency does not exist or is outside the areas you serve",
                )
            };
            let agency = self.store.agency(g).await.map_err(|_| refused())?;
            if !caller.covers(&AreaPath::from_stored(agency.row.home_area_path)) {
                return Err(refused());
            }
        }
        if input.roles.has(Role::Handler) && input.agency.is_none() {
            return Err(ServiceError::invalid(
                "agency",
                "承办人员必须指定所属单位",
                "a handler must belong to an agency",
            ));
        }
        Ok(first)
    }

    /// Stands up a new installation: the street (the root of the area tree) and its first
    /// administrator, on a database with no areas and no accounts; refused on any other.
    /// Everything is checked before anything is written.
    pub async fn init_street(
        &self,
        street: &str,
        login: &str,
        display_name: &str,
        password: &str,
    ) -> Result<(Area, User)> {
        let users = self.store.users().await?.len();
        let areas = self.store.all_areas().await?;
        // An init stopped between its two writes left the street and no account: running
        // it again with the same street finishes it.
        let left_over = match areas.as_slice() {
            [only] if users == 0 && only.kind == AreaKind::Street && only.name == street.trim() => {
                Some(only.clone())
            }
            _ => None,
        };
        if left_over.is_none() && (users > 0 || !areas.is_empty()) {
            let areas = areas.len();
            return Err(ServiceError::invalid(
                "database",
                format!("数据库已有账号 {users} 个、区域 {areas} 个：init 只用于新数据库"),
                format!(
                    "the database already has accounts ({users}) and areas ({areas}): init is for a new database"
                ),
            ));
        }
        AreaName::parse(street).map_err(|e| area_err("street", e))?;
        parse_login(login)?;
        parse_display_name(display_name)?;
        crate::auth::check_new_password(password)?;
        let area = match left_over {
            Some(a) => a,
            None => {
                self.add_area(Caller::System, None, AreaKind::Street, street, &[])
                    .await?
            }
        };
        let input = UserInput {
            login: login.to_string(),
            display_name: display_name.to_string(),
            password: Some(password.to_string()),
            roles: Roles(vec![Role::Admin]),
            areas: vec![area.id],
            agency: None,
        };
        let user = self.create_user(Caller::System, &input).await?;
        Ok((area, user))
    }

    pub async fn create_user(&self, caller: Caller<'_>, input: &UserInput) -> Result<User> {
        caller.require_admin()?;
        let login = parse_login(&input.login)?;
        let name = parse_display_name(&input.display_name)?;
        let password = input.password.as_deref().ok_or_else(|| {
            ServiceError::invalid("password", "请设置初始密码", "set an initial password")
        })?;
        crate::auth::check_new_password(password)?;
        let path = self.check_user_access(caller, input).await?;
        let hash = self.passwords.hash(password).await?;
        let after = serde_json::json!({
            "login": &login, "display_name": &name, "agency": input.agency,
            "roles": &input.roles, "areas": &input.areas,
        });
        let audit = self.audit_entry(
            caller,
            "user.create",
            "user",
            None,
            path.as_ref(),
            &login,
            None,
            Some(after),
        );
        let id = self
            .store
            .insert_user(
                &yihaotai_store::users::NewUser {
                    login: &login,
                    display_name: &name,
                    password_hash: &hash,
                    agency: input.agency,
                    roles: &input.roles,
                    areas: &input.areas,
                },
                self.now(),
                Some(&audit),
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ServiceError::Conflict {
                    zh: format!("登录名“{login}”已被使用"),
                    en: format!("the login '{login}' is already taken"),
                },
                other => other.into(),
            })?;
        Ok(self.store.user(id).await?)
    }

    pub async fn update_user(
        &self,
        caller: Caller<'_>,
        id: UserId,
        input: &UserInput,
    ) -> Result<User> {
        caller.require_admin()?;
        let existing = self.user_in_scope(caller, id).await?;
        let name = parse_display_name(&input.display_name)?;
        let path = self.check_user_access(caller, input).await?;
        if let Caller::User(me) = caller {
            if me.id == id && me.roles.is_admin() && !input.roles.is_admin() {
                return Err(ServiceError::invalid(
                    "roles",
                    "不能取消自己的管理员角色",
                    "you cannot remove your own administrator role",
                ));
            }
        }
        let audit = self.audit_entry(
            caller,
            "user.update",
            "user",
            Some(id.0),
            path.as_ref(),
            &existing.login,
            Some(serde_json::json!({
                "display_name": &existing.display_name, "agency": existing.agency_id,
                "roles": &existing.roles,
                "areas": existing.areas.iter().map(|a| a.id).collect::<Vec<_>>(),
            })),
            Some(serde_json::json!({
                "display_name": &name, "agency": input.agency, "roles": &input.roles,
                "areas": &input.areas,
            })),
        );
        self.store
            .update_user_access(
                id,
                &name,
                input.agency,
                &input.roles,
                &input.areas,
                Some(&audit),
            )
            .await?;
        Ok(self.store.user(id).await?)
    }

    /// Sets a new password. In the same transaction every session of the account ends and
    /// every API token it has is revoked (whoever knew the old password may hold either),
    /// and the change is audited; other processes forget their copies through the notice
    /// bus. Returns what was ended, for the page and the command line to say.
    pub async fn set_user_password(
        &self,
        caller: Caller<'_>,
        id: UserId,
        password: &str,
    ) -> Result<PasswordChanged> {
        if !matches!(caller, Caller::User(me) if me.id == id) {
            caller.require_admin()?;
        }
        let u = self.user_in_scope(caller, id).await?;
        crate::auth::check_new_password(password)?;
        let hash = self.passwords.hash(password).await?;
        let changed = self
            .store
            .set_password_hash(
                id,
                &hash,
                self.now(),
                &NewAudit {
                    at: self.now(),
                    actor: caller.user_id(),
                    action: "user.password",
                    target_kind: "user",
                    target_id: Some(id.0),
                    area_path: u.areas.first().map(|a| a.path.as_str()),
                    detail: &u.login,
                    before: None,
                    after: None,
                },
            )
            .await?;
        tracing::info!(
            user = %id,
            sessions_ended = changed.sessions_ended,
            tokens_revoked = changed.tokens_revoked,
            "password changed"
        );
        Ok(changed)
    }

    pub async fn set_user_active(
        &self,
        caller: Caller<'_>,
        id: UserId,
        active: bool,
    ) -> Result<()> {
        caller.require_admin()?;
        if matches!(caller, Caller::User(me) if me.id == id) && !active {
            return Err(ServiceError::invalid(
                "active",
                "不能停用自己的账号",
                "you cannot disable your own account",
            ));
        }
        let u = self.user_in_scope(caller, id).await?;
        let path = u
            .areas
            .first()
            .map(|a| AreaPath::from_stored(a.path.clone()));
        let action = if active {
            "user.enable"
        } else {
            "user.disable"
        };
        let audit = self.audit_entry(
            caller,
            action,
            "user",
            Some(id.0),
            path.as_ref(),
            &u.login,
            Some(serde_json::json!({"active": u.active})),
            Some(serde_json::json!({"active": active})),
        );
        Ok(self.store.set_user_active(id, active, Some(&audit)).await?)
    }

    pub async fn user_by_login(&self, login: &str) -> Result<User> {
        self.store
            .user_by_login(login.trim())
            .await?
            .ok_or_else(|| {
                ServiceError::invalid(
                    "login",
                    format!("没有名为“{}”的账号", login.trim()),
                    format!("no account named '{}'", login.trim()),
                )
            })
    }

    pub async fn all_users(&self) -> Result<Vec<User>> {
        Ok(self.store.users().await?)
    }

    pub async fn audit_for(
        &self,
        user: &User,
        limit: i64,
    ) -> Result<Vec<yihaotai_store::audit::AuditEntry>> {
        Caller::User(user).require_admin()?;
        Ok(self
            .store
            .audit_entries(&user.scope().paths, false, limit)
            .await?)
    }

    /// The audit entry of an admin change, with the record before and after it; the store
    /// writes it in the transaction of the change, so neither is kept without the other.
    #[allow(
        clippy::too_many_arguments,
        reason = "one entry's fields, each named at the call"
    )]
    pub(crate) fn audit_entry<'a>(
        &self,
        caller: Caller<'_>,
        action: &'a str,
        kind: &'a str,
        id: Option<i64>,
        path: Option<&'a AreaPath>,
        detail: &'a str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> NewAudit<'a> {
        NewAudit {
            at: self.now(),
            actor: caller.user_id(),
            action,
            target_kind: kind,
            target_id: id,
            area_path: path.map(|p| p.as_str()),
            detail,
            before: before.map(|v| v.to_string()),
            after: after.map(|v| v.to_string()),
        }
    }
}

pub(crate) fn clean_aliases(aliases: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for a in aliases {
        let t = a.trim();
        if t.is_empty() {
            continue;
        }
        let n = AreaName::parse(t).map_err(|e| area_err("aliases", e))?;
        if !out.iter().any(|x: &String| x == n.as_str()) {
            out.push(n.as_str().to_string());
        }
    }
    Ok(out)
}
