//! Accounts: list, create, edit roles and areas, reset passwords, disable; and the audit log.

use crate::error::AppError;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::admin_areas::format_ms;
use crate::pages::{Nav, SavedFlag};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use yihaotai_domain::area::AreaKind;
use yihaotai_domain::role::{Role, Roles};
use yihaotai_domain::{AgencyId, AreaId, UserId};
use yihaotai_service::admin::{Caller, UserInput};
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/users/new", get(new_form))
        .route("/admin/users/{id}", get(edit_form).post(update))
        .route("/admin/users/{id}/password", post(set_password))
        .route("/admin/users/{id}/active", post(set_active))
        .route("/admin/audit", get(audit))
}

struct Row {
    id: i64,
    login: String,
    name: String,
    roles: Vec<&'static str>,
    areas: Vec<String>,
    active: bool,
}

#[derive(askama::Template)]
#[template(path = "admin/users.html")]
struct ListPage {
    t: Tr,
    nav: Nav,
    rows: Vec<Row>,
}

async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SavedFlag>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let rows = state
        .service
        .users_for(&staff.user)
        .await
        .map_err(|e| AppError::page(e, lang))?
        .into_iter()
        .map(|u| Row {
            id: u.id.0,
            login: u.login,
            name: u.display_name,
            roles: u.roles.0.iter().map(|r| r.label(lang)).collect(),
            areas: u.areas.into_iter().map(|a| a.name).collect(),
            active: u.active,
        })
        .collect();
    Ok(crate::render::html(&ListPage {
        t: Tr::new(lang),
        nav: Nav::new(&staff, "users").with_saved(q.is_set()),
        rows,
    }))
}

#[derive(serde::Deserialize, Default)]
struct UserForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    areas: Vec<String>,
    #[serde(default)]
    agency: String,
}

struct FormView {
    login: String,
    display_name: String,
    agency: String,
}

#[derive(askama::Template)]
#[template(path = "admin/user_form.html")]
struct FormPage {
    t: Tr,
    nav: Nav,
    title: String,
    action: String,
    editing: Option<i64>,
    active: bool,
    f: FormView,
    roles: Vec<(&'static str, &'static str, bool)>,
    areas: Vec<(String, String, bool)>,
    agencies: Vec<(String, String)>,
}

fn to_input(f: &UserForm) -> Result<UserInput, ServiceError> {
    let roles = Roles::parse_list(&f.roles.join(",")).map_err(|e| {
        ServiceError::invalid(
            "roles",
            e.localized(yihaotai_domain::vocab::Lang::Zh),
            e.to_string(),
        )
    })?;
    let areas = f
        .areas
        .iter()
        .map(|a| {
            a.trim().parse::<i64>().map(AreaId).map_err(|_| {
                ServiceError::invalid(
                    "areas",
                    format!("“{a}”不是有效的区域编号"),
                    format!("'{a}' is not an area id"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let agency = if f.agency.trim().is_empty() {
        None
    } else {
        Some(AgencyId(f.agency.trim().parse().map_err(|_| {
            ServiceError::invalid("agency", "所属单位编号无效", "the agency id is not valid")
        })?))
    };
    Ok(UserInput {
        login: f.login.clone(),
        display_name: f.display_name.clone(),
        password: (!f.password.is_empty()).then(|| f.password.clone()),
        roles,
        areas,
        agency,
    })
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    editing: Option<(UserId, bool)>,
    f: &UserForm,
    error: Option<String>,
    saved: bool,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let svc = &state.service;
    let err = |e: ServiceError| AppError::page(e, lang);
    if !staff.user.roles.is_admin() {
        return Err(err(ServiceError::forbidden(
            "需要管理员角色",
            "this needs the administrator role",
        )));
    }
    let areas = svc.areas_for(&staff.user).await.map_err(err)?;
    let agencies = svc.agencies_for(&staff.user).await.map_err(err)?;
    let t = Tr::new(lang);
    let page = FormPage {
        title: match editing {
            Some(_) => format!("{}（{}）", f.display_name, f.login),
            None => t.t("users.new").to_string(),
        },
        action: match editing {
            Some((id, _)) => format!("/admin/users/{}", id.0),
            None => "/admin/users".into(),
        },
        editing: editing.map(|(id, _)| id.0),
        active: editing.map(|(_, a)| a).unwrap_or(true),
        nav: Nav::new(staff, "users")
            .with_error(error.clone())
            .with_saved(saved),
        t,
        roles: Role::ALL
            .iter()
            .map(|r| {
                (
                    r.code(),
                    r.label(lang),
                    f.roles.iter().any(|x| x == r.code()),
                )
            })
            .collect(),
        areas: areas
            .iter()
            .filter(|a| a.kind <= AreaKind::Compound)
            .map(|a| {
                let id = a.id.0.to_string();
                let on = f.areas.contains(&id);
                (id, format!("{}（{}）", a.name, a.kind.label(lang)), on)
            })
            .collect(),
        agencies: agencies
            .iter()
            .map(|a| (a.row.id.to_string(), a.row.name.clone()))
            .collect(),
        f: FormView {
            login: f.login.clone(),
            display_name: f.display_name.clone(),
            agency: f.agency.clone(),
        },
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, crate::render::html(&page)).into_response())
}

async fn new_form(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    form_page(&state, &staff, None, &UserForm::default(), None, false).await
}

async fn edit_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<SavedFlag>,
) -> Result<Response, AppError> {
    let u = state
        .service
        .user_for(&staff.user, UserId(id))
        .await
        .map_err(|e| AppError::page(e, staff.lang))?;
    let f = UserForm {
        login: u.login.clone(),
        display_name: u.display_name.clone(),
        password: String::new(),
        roles: u.roles.0.iter().map(|r| r.code().to_string()).collect(),
        areas: u.areas.iter().map(|a| a.id.to_string()).collect(),
        agency: u.agency_id.map(|a| a.0.to_string()).unwrap_or_default(),
    };
    form_page(&state, &staff, Some((u.id, u.active)), &f, None, q.is_set()).await
}

async fn create(
    State(state): State<AppState>,
    CsrfForm { staff, form }: CsrfForm<UserForm>,
) -> Result<Response, AppError> {
    let r = match to_input(&form) {
        Ok(input) => {
            state
                .service
                .create_user(Caller::User(&staff.user), &input)
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(u) => Ok(Redirect::to(&format!("/admin/users/{}?saved=1", u.id.0)).into_response()),
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict { .. })) => {
            form_page(
                &state,
                &staff,
                None,
                &form,
                Some(e.localized(staff.lang)),
                false,
            )
            .await
        }
        Err(e) => Err(AppError::page(e, staff.lang)),
    }
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { staff, mut form }: CsrfForm<UserForm>,
) -> Result<Response, AppError> {
    let id = UserId(id);
    let existing = state
        .service
        .user_for(&staff.user, id)
        .await
        .map_err(|e| AppError::page(e, staff.lang))?;
    form.login = existing.login.clone();
    let r = match to_input(&form) {
        Ok(input) => {
            state
                .service
                .update_user(Caller::User(&staff.user), id, &input)
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users/{}?saved=1", id.0)).into_response()),
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict { .. })) => {
            form_page(
                &state,
                &staff,
                Some((id, existing.active)),
                &form,
                Some(e.localized(staff.lang)),
                false,
            )
            .await
        }
        Err(e) => Err(AppError::page(e, staff.lang)),
    }
}

#[derive(serde::Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
}

async fn set_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { staff, form }: CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    state
        .service
        .set_user_password(Caller::User(&staff.user), UserId(id), &form.password)
        .await
        .map_err(|e| AppError::page(e, staff.lang))?;
    Ok(Redirect::to(&format!("/admin/users/{id}?saved=1")).into_response())
}

#[derive(serde::Deserialize)]
struct ActiveForm {
    #[serde(default)]
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { staff, form }: CsrfForm<ActiveForm>,
) -> Result<Response, AppError> {
    state
        .service
        .set_user_active(Caller::User(&staff.user), UserId(id), form.active == "1")
        .await
        .map_err(|e| AppError::page(e, staff.lang))?;
    Ok(Redirect::to(&format!("/admin/users/{id}?saved=1")).into_response())
}

#[derive(askama::Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    t: Tr,
    nav: Nav,
    rows: Vec<AuditRow>,
}

struct AuditRow {
    at: String,
    by: String,
    action: String,
    target: String,
    detail: String,
    /// The record before and after the change, as the store kept them (JSON).
    before: Option<String>,
    after: Option<String>,
}

async fn audit(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    let rows = state
        .service
        .audit_for(&staff.user, 300)
        .await
        .map_err(|e| AppError::page(e, staff.lang))?
        .into_iter()
        .map(|e| AuditRow {
            at: format_ms(e.at),
            by: e.actor_name.unwrap_or_else(|| "CLI".into()),
            action: e.action,
            target: format!(
                "{} {}",
                e.target_kind,
                e.target_id.map(|i| i.to_string()).unwrap_or_default()
            ),
            detail: e.detail,
            before: e.before_json,
            after: e.after_json,
        })
        .collect();
    Ok(crate::render::html(&AuditPage {
        t: Tr::new(staff.lang),
        nav: Nav::new(&staff, "audit"),
        rows,
    }))
}
