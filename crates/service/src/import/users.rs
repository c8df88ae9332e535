//! Staff accounts from a spreadsheet: one row per person with their login, name, roles,
//! the areas they serve and their agency. Every row is checked by the same rules as the
//! account page, first; the accounts are added in one transaction, each with its audit
//! entry, so a file with any bad row changes nothing. Each new account gets a random
//! initial password, returned once to whoever ran the import (never stored in clear or
//! logged). A login already there is left as it is.
//!
//! Columns (recognised by the headers people use, in any order): 登录名, 姓名, 角色
//! (坐席、派单员… or the codes, several separated by 、), 负责区域 (areas by name or
//! path) and optionally 所属单位 (an agency by name).

use super::agencies::AreaNames;
use super::table::{self, Table};
use super::RowError;
use crate::admin::{Caller, UserInput};
use crate::{Result, Service, ServiceError};
use yihaotai_domain::role::{Role, Roles};
use yihaotai_domain::vocab::Lang;
use yihaotai_domain::AgencyId;
use yihaotai_store::users::NewUser;

const COLUMNS: &[(&str, &[&str])] = &[
    ("登录名", &["账号", "用户名", "login", "username"]),
    ("姓名", &["名字", "显示名", "name", "display_name"]),
    ("角色", &["岗位", "roles", "role"]),
    (
        "负责区域",
        &["服务区域", "区域", "所属区域", "areas", "area"],
    ),
    ("所属单位", &["单位", "承办单位", "agency"]),
];

/// What an import did, or (`dry_run`) would do.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct UserImport {
    /// The logins added (or that would be), in the file's order.
    pub added: Vec<String>,
    /// Each new account's login and initial password, shown once (empty on a dry run).
    #[serde(skip)]
    pub passwords: Vec<(String, String)>,
    /// Rows naming a login that is already there.
    pub unchanged: usize,
    /// Every problem found; when there is any, nothing was written.
    pub errors: Vec<RowError>,
    pub dry_run: bool,
}

/// A role as people write it: the code or the label in either language.
fn parse_role(s: &str) -> Option<Role> {
    Role::parse(s).ok().or_else(|| {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.label(Lang::Zh) == s || r.label(Lang::En).eq_ignore_ascii_case(s))
    })
}

impl Service {
    /// Imports staff accounts from `file_name`'s `bytes` as `caller` (an administrator, or
    /// the operator at the command line). With `dry_run`, checks and reports without
    /// writing.
    pub async fn import_users(
        &self,
        caller: Caller<'_>,
        file_name: &str,
        bytes: &[u8],
        sheet: Option<&str>,
        dry_run: bool,
    ) -> Result<UserImport> {
        caller.require_admin()?;
        let t: Table = table::read(file_name, bytes, sheet)?;
        let cols = table::columns(&t.headers, COLUMNS);
        table::require(
            &t.headers,
            &[
                ("登录名", cols[0]),
                ("姓名", cols[1]),
                ("角色", cols[2]),
                ("负责区域", cols[3]),
            ],
        )?;
        let (c_login, c_name, c_roles, c_areas) = (
            cols[0].unwrap_or(0),
            cols[1].unwrap_or(0),
            cols[2].unwrap_or(0),
            cols[3].unwrap_or(0),
        );
        let header = |c: usize| t.headers.get(c).cloned().unwrap_or_default();
        let areas = AreaNames::new(&self.store.all_areas().await?, caller);
        let agencies = self.agencies_of(caller).await?;
        let mut out = UserImport {
            dry_run,
            ..UserImport::default()
        };
        let mut planned: Vec<(UserInput, String, Option<yihaotai_domain::area::AreaPath>)> =
            Vec::new();
        for row in &t.rows {
            let err = |column: usize, value: &str, zh: String, en: String| RowError {
                row: row.number,
                column: header(column),
                value: value.to_string(),
                zh,
                en,
            };
            let before = out.errors.len();
            let login_s = row.get(c_login);
            let login = match crate::admin::parse_login(login_s) {
                Ok(l) => Some(l),
                Err(e) => {
                    out.errors.push(err(
                        c_login,
                        login_s,
                        e.localized(Lang::Zh),
                        e.localized(Lang::En),
                    ));
                    None
                }
            };
            if let Some(l) = &login {
                if self.store.user_by_login(l).await?.is_some() {
                    out.unchanged += 1;
                    continue;
                }
                if planned.iter().any(|(p, _, _)| &p.login == l) {
                    out.errors.push(err(
                        c_login,
                        login_s,
                        "与文件中更早的一行重复".into(),
                        "repeats an earlier row".into(),
                    ));
                }
            }
            let name = match crate::admin::parse_display_name(row.get(c_name)) {
                Ok(n) => Some(n),
                Err(e) => {
                    out.errors.push(err(
                        c_name,
                        row.get(c_name),
                        e.localized(Lang::Zh),
                        e.localized(Lang::En),
                    ));
                    None
                }
            };
            let mut roles: Vec<Role> = Vec::new();
            for part in table::split_list(row.get(c_roles)) {
                match parse_role(&part) {
                    Some(r) if !roles.contains(&r) => roles.push(r),
                    Some(_) => {}
                    None => {
                        let labels: Vec<&str> =
                            Role::ALL.iter().map(|r| r.label(Lang::Zh)).collect();
                        out.errors.push(err(
                            c_roles,
                            &part,
                            format!("不是角色：可填 {}", labels.join("、")),
                            "not a role: use a role the account page offers".into(),
                        ));
                    }
                }
            }
            roles.sort();
            let mut served = Vec::new();
            let mut served_paths: Vec<String> = Vec::new();
            for part in table::split_list(row.get(c_areas)) {
                match areas.find(&part) {
                    Ok(a) => {
                        served.push(a.id);
                        served_paths.push(a.path.as_str().to_string());
                    }
                    Err((zh, en)) => out.errors.push(err(c_areas, &part, zh, en)),
                }
            }
            let mut agency: Option<AgencyId> = None;
            if let Some(c) = cols[4] {
                let g = row.get(c).trim();
                if !g.is_empty() {
                    let named: Vec<_> = agencies.iter().filter(|a| a.row.name == g).collect();
                    // Two compounds may each have an agency of this name: the one whose
                    // home area holds, or lies within, an area the account serves.
                    let fits: Vec<_> = if named.len() > 1 {
                        named
                            .iter()
                            .filter(|a| {
                                let home = a.row.home_area_path.as_str();
                                served_paths
                                    .iter()
                                    .any(|p| p.starts_with(home) || home.starts_with(p.as_str()))
                            })
                            .collect()
                    } else {
                        named.iter().collect()
                    };
                    match fits.as_slice() {
                        [a] => agency = Some(AgencyId(a.row.id)),
                        _ if named.len() > 1 => out.errors.push(err(
                            c,
                            g,
                            format!(
                                "有{}个单位叫这个名字，无法按负责区域确定是哪一个",
                                named.len()
                            ),
                            format!(
                                "{} agencies have this name and the areas served do not tell which",
                                named.len()
                            ),
                        )),
                        _ => out.errors.push(err(
                            c,
                            g,
                            "没有这个单位：请先导入承办单位".into(),
                            "no such agency: import the agencies first".into(),
                        )),
                    }
                }
            }
            let (Some(login), Some(name)) = (login, name) else {
                continue;
            };
            if out.errors.len() > before {
                continue;
            }
            let input = UserInput {
                login: login.clone(),
                display_name: name.clone(),
                password: None,
                roles: Roles(roles),
                areas: served,
                agency,
            };
            // The account page's own rules: a role, an area, all within the caller's.
            match self.check_user_access(caller, &input).await {
                Ok(path) => {
                    planned.push((input, name, path));
                    out.added.push(login);
                }
                Err(e) => {
                    let column = match &e {
                        ServiceError::Invalid { field, .. } if field == "roles" => Some(c_roles),
                        // An agency the role needs, in a file without the column: the row
                        // error names the column to add.
                        ServiceError::Invalid { field, .. } if field == "agency" => cols[4],
                        _ => Some(c_areas),
                    };
                    out.errors.push(RowError {
                        column: column.map_or_else(|| "所属单位".to_string(), header),
                        value: column.map(|c| row.get(c)).unwrap_or_default().to_string(),
                        ..err(0, "", e.localized(Lang::Zh), e.localized(Lang::En))
                    });
                }
            }
        }
        if !out.errors.is_empty() || dry_run || planned.is_empty() {
            if !out.errors.is_empty() {
                out.added.clear();
            }
            return Ok(out);
        }
        let mut passwords = Vec::with_capacity(planned.len());
        let mut hashes = Vec::with_capacity(planned.len());
        for (input, _, _) in &planned {
            let pw = crate::auth::random_hex(9);
            hashes.push(self.passwords.hash(&pw).await?);
            passwords.push((input.login.clone(), pw));
        }
        let afters: Vec<String> = planned
            .iter()
            .map(|(i, _, _)| {
                serde_json::json!({
                    "login": &i.login, "display_name": &i.display_name, "agency": i.agency,
                    "roles": &i.roles, "areas": &i.areas,
                })
                .to_string()
            })
            .collect();
        let now = self.now();
        let batch: Vec<(NewUser<'_>, yihaotai_store::audit::NewAudit<'_>)> = planned
            .iter()
            .zip(&hashes)
            .zip(&afters)
            .map(|(((i, name, path), hash), after)| {
                (
                    NewUser {
                        login: &i.login,
                        display_name: name,
                        password_hash: hash,
                        agency: i.agency,
                        roles: &i.roles,
                        areas: &i.areas,
                    },
                    yihaotai_store::audit::NewAudit {
                        at: now,
                        actor: caller.user_id(),
                        action: "user.create",
                        target_kind: "user",
                        target_id: None,
                        area_path: path.as_ref().map(|p| p.as_str()),
                        detail: &i.login,
                        before: None,
                        after: Some(after.clone()),
                    },
                )
            })
            .collect();
        let refs: Vec<(&NewUser<'_>, Option<&yihaotai_store::audit::NewAudit<'_>>)> =
            batch.iter().map(|(u, a)| (u, Some(a))).collect();
        self.store
            .insert_user_batch(&refs, now)
            .await
            .map_err(|e| match e {
                yihaotai_store::StoreError::Conflict(_) => ServiceError::Conflict {
                    zh: "导入期间有登录名被占用，未导入任何账号，请重试".into(),
                    en: "a login was taken while importing; nothing was imported, try again".into(),
                },
                other => other.into(),
            })?;
        out.passwords = passwords;
        Ok(out)
    }
}
