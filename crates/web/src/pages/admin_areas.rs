//! The area tree: view it, add and rename nodes, and set control levels with history.

use crate::error::AppError;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::{split_list, Nav, SavedFlag};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use yihaotai_domain::area::AreaKind;
use yihaotai_domain::role::Role;
use yihaotai_domain::vocab::{ControlLevel, Lang};
use yihaotai_domain::AreaId;
use yihaotai_service::admin::Caller;
use yihaotai_service::model::Area;
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/areas", get(tree))
        .route("/admin/areas/{id}", get(detail))
        .route("/admin/areas/{id}/rename", post(rename))
        .route("/admin/areas/{id}/children", post(add_child))
        .route("/admin/areas/{id}/control", post(set_control))
}

struct TreeRow {
    id: i64,
    depth: usize,
    name: String,
    kind: &'static str,
    level: Option<(&'static str, &'static str)>,
    aliases: String,
}

#[derive(askama::Template)]
#[template(path = "admin/areas.html")]
struct TreePage {
    t: Tr,
    nav: Nav,
    rows: Vec<TreeRow>,
}

fn level_pair(l: Option<ControlLevel>, lang: Lang) -> Option<(&'static str, &'static str)> {
    l.map(|l| (l.code(), l.label(lang)))
}

async fn tree(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    let lang = staff.lang;
    let areas = state
        .service
        .areas_for(&staff.user)
        .await
        .map_err(|e| AppError::page(e, lang))?;
    // Depth is relative to the shallowest node shown, so a community secretary's tree
    // starts at the left edge.
    let min = areas.iter().map(|a| a.path.ids().len()).min().unwrap_or(1);
    let rows = areas
        .iter()
        .map(|a| TreeRow {
            id: a.id.0,
            depth: (a.path.ids().len() - min).min(7),
            name: a.name.clone(),
            kind: a.kind.label(lang),
            level: level_pair(a.control_level, lang),
            aliases: a.aliases.join("，"),
        })
        .collect();
    Ok(crate::render::html(&TreePage {
        t: Tr::new(lang),
        nav: Nav::new(&staff, "areas"),
        rows,
    }))
}

#[derive(askama::Template)]
#[template(path = "admin/area.html")]
struct AreaPage {
    t: Tr,
    nav: Nav,
    area: Area,
    kind: &'static str,
    level: Option<(&'static str, &'static str)>,
    aliases: String,
    parent: Option<(i64, String)>,
    can_admin: bool,
    can_control: bool,
    child_kinds: Vec<(&'static str, &'static str)>,
    levels: Vec<(&'static str, &'static str, bool)>,
    /// (effective, level code, level label, reason, by)
    history: Vec<(String, &'static str, &'static str, String, String)>,
    children: Vec<(i64, String)>,
}

/// China Standard Time, for showing and reading times on pages.
fn cst() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::fixed(jiff::tz::offset(8))
}

pub fn format_ms(ms: i64) -> String {
    format_ms_as(ms, "%Y-%m-%d %H:%M")
}

/// The day only, China time ("2026-12-04"); empty for a time out of range.
pub fn format_day(ms: i64) -> String {
    format_ms_as(ms, "%Y-%m-%d")
}

fn format_ms_as(ms: i64, format: &str) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(cst()).strftime(format).to_string())
        .unwrap_or_default()
}

async fn area_page(
    state: &AppState,
    staff: &Staff,
    id: AreaId,
    error: Option<String>,
    saved: bool,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let svc = &state.service;
    let area = svc
        .area_for(&staff.user, id)
        .await
        .map_err(|e| AppError::page(e, lang))?;
    let parent = match area.parent_id {
        Some(p) => svc
            .area_for(&staff.user, p)
            .await
            .ok()
            .map(|a| (a.id.0, a.name)),
        None => None,
    };
    let history = svc
        .control_history(&staff.user, id)
        .await
        .map_err(|e| AppError::page(e, lang))?
        .into_iter()
        .map(|h| {
            let l = ControlLevel::parse(&h.level).unwrap_or(ControlLevel::None);
            (
                format_ms(h.effective_at),
                l.code(),
                l.label(lang),
                h.reason,
                h.set_by_name.unwrap_or_else(|| "—".into()),
            )
        })
        .collect();
    let children = svc
        .areas_for(&staff.user)
        .await
        .map_err(|e| AppError::page(e, lang))?
        .into_iter()
        .filter(|a| a.parent_id == Some(id))
        .map(|a| (a.id.0, a.name))
        .collect();
    let child_kinds = AreaKind::ALL
        .iter()
        .filter(|k| area.kind.may_contain(**k))
        .map(|k| (k.code(), k.label(lang)))
        .collect();
    let levels = ControlLevel::ALL
        .iter()
        .map(|l| (l.code(), l.label(lang), area.control_level == Some(*l)))
        .collect();
    let roles = &staff.user.roles;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = AreaPage {
        t: Tr::new(lang),
        nav: Nav::new(staff, "areas").with_error(error).with_saved(saved),
        kind: area.kind.label(lang),
        level: level_pair(area.control_level, lang),
        aliases: area.aliases.join("，"),
        parent,
        can_admin: roles.is_admin(),
        can_control: roles.any(&[Role::Admin, Role::Leader]) && area.kind.takes_control_level(),
        child_kinds,
        levels,
        history,
        children,
        area,
    };
    Ok((status, crate::render::html(&page)).into_response())
}

async fn detail(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<SavedFlag>,
) -> Result<Response, AppError> {
    area_page(&state, &staff, AreaId(id), None, q.is_set()).await
}

/// After a form: redirect on success; on bad input, show the page again with the message.
async fn after_form(
    state: &AppState,
    staff: &Staff,
    id: AreaId,
    result: Result<AreaId, ServiceError>,
) -> Result<Response, AppError> {
    match result {
        Ok(target) => {
            Ok(Redirect::to(&format!("/admin/areas/{}?saved=1", target.0)).into_response())
        }
        Err(
            e @ (ServiceError::Invalid { .. }
            | ServiceError::Forbidden { .. }
            | ServiceError::Conflict { .. }),
        ) => area_page(state, staff, id, Some(e.localized(staff.lang)), false).await,
        Err(e) => Err(AppError::page(e, staff.lang)),
    }
}

#[derive(serde::Deserialize)]
struct RenameForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    aliases: String,
}

async fn rename(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { staff, form }: CsrfForm<RenameForm>,
) -> Result<Response, AppError> {
    let id = AreaId(id);
    let r = state
        .service
        .rename_area(
            Caller::User(&staff.user),
            id,
            &form.name,
            &split_list(&form.aliases),
        )
        .await
        .map(|a| a.id);
    after_form(&state, &staff, id, r).await
}

#[derive(serde::Deserialize)]
struct ChildForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    aliases: String,
}

async fn add_child(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { staff, form }: CsrfForm<ChildForm>,
) -> Result<Response, AppError> {
    let id = AreaId(id);
    let r = match AreaKind::parse(&form.kind) {
        Ok(kind) => state
            .service
            .add_area(
                Caller::User(&staff.user),
                Some(id),
                kind,
                &form.name,
                &split_list(&form.aliases),
            )
            .await
            .map(|a| a.id),
        Err(e) => Err(ServiceError::invalid(
            "kind",
            e.localized(Lang::Zh),
            e.localized(Lang::En),
        )),
    };
    after_form(&state, &staff, id, r).await
}

#[derive(serde::Deserialize)]
struct ControlForm {
    #[serde(default)]
    level: String,
    #[serde(default)]
    effective_at: String,
    #[serde(default)]
    reason: String,
}

/// Reads a `datetime-local` value of the form field `field` as China Standard Time.
pub fn parse_local_datetime(field: &str, s: &str) -> Result<Option<i64>, ServiceError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let dt: jiff::civil::DateTime = s.parse().map_err(|_| {
        ServiceError::invalid(
            field,
            format!("时间“{s}”格式无效，应为 2026-11-23T20:00"),
            format!("time '{s}' is not valid; use 2026-11-23T20:00"),
        )
    })?;
    let ts = cst()
        .to_timestamp(dt)
        .map_err(|_| ServiceError::invalid(field, "时间超出范围", "time out of range"))?;
    Ok(Some(ts.as_millisecond()))
}

async fn set_control(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { staff, form }: CsrfForm<ControlForm>,
) -> Result<Response, AppError> {
    let id = AreaId(id);
    let r = async {
        let level = ControlLevel::parse(&form.level).map_err(|e| {
            ServiceError::invalid("level", e.localized(Lang::Zh), e.localized(Lang::En))
        })?;
        let at = parse_local_datetime("effective_at", &form.effective_at)?;
        state
            .service
            .set_control_level(Caller::User(&staff.user), id, level, at, &form.reason)
            .await
            .map(|a| a.id)
    }
    .await;
    after_form(&state, &staff, id, r).await
}
