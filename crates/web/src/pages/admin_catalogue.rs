//! The dispatch catalogue (派单目录): which agency each category goes to in each area.
//! Desk staff read it; administrators set and remove rules for the areas they serve.

use crate::error::AppError;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::{Nav, SavedFlag};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use yihaotai_domain::area::AreaKind;
use yihaotai_domain::ticket::DispatchMode;
use yihaotai_domain::{AgencyId, AreaId};
use yihaotai_service::admin::Caller;
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/catalogue", get(list).post(set))
        .route("/admin/catalogue/{id}/delete", post(delete))
}

struct Row {
    /// `None` for a rule shown as it stood at a past time (nothing to remove there).
    id: Option<i64>,
    category: String,
    area: String,
    agency: String,
    mode: &'static str,
}

/// The add form as typed, so a refused submission is shown back unchanged.
#[derive(serde::Deserialize, Default)]
struct RuleForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    mode: String,
}

#[derive(askama::Template)]
#[template(path = "admin/catalogue.html")]
struct Page {
    t: Tr,
    nav: Nav,
    rows: Vec<Row>,
    categories: Vec<(String, String, bool)>,
    areas: Vec<(String, String, bool)>,
    agencies: Vec<(String, String, bool)>,
    modes: Vec<(&'static str, &'static str, bool)>,
    /// The time asked for (`?at=`), as typed back into the form, when the catalogue is
    /// shown as it stood then.
    at: Option<String>,
    versions: Vec<VersionRow>,
}

/// One change to the catalogue: when it took effect, the rule, and who made it.
struct VersionRow {
    effective: String,
    area: String,
    category: String,
    /// `None` where the rule was removed.
    agency: Option<String>,
    mode: &'static str,
    by: String,
}

/// `?at=2026-11-23T20:00`: the catalogue as it stood then (China Standard Time).
#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    at: Option<String>,
}

/// How many changes the page lists.
const VERSIONS_SHOWN: usize = 50;

async fn page(
    state: &AppState,
    staff: &Staff,
    f: &RuleForm,
    error: Option<String>,
    saved: bool,
    at: Option<(String, i64)>,
) -> Result<Page, AppError> {
    let lang = staff.lang;
    let svc = &state.service;
    let err = |e: ServiceError| AppError::page(e, lang);
    let cats = svc.categories().await.map_err(err)?;
    let mode_label = |m: &str| DispatchMode::parse(m).map(|m| m.label(lang)).unwrap_or("?");
    let rows = match at {
        None => svc
            .dispatch_rules_for(&staff.user)
            .await
            .map_err(err)?
            .into_iter()
            .map(|r| Row {
                id: Some(r.id),
                category: crate::pages::category_label(&cats, &r.category, lang),
                area: r.area_name,
                agency: r.agency_name,
                mode: mode_label(&r.mode),
            })
            .collect(),
        Some((_, ms)) => svc
            .dispatch_rules_at(&staff.user, ms)
            .await
            .map_err(err)?
            .into_iter()
            .map(|r| Row {
                id: None,
                category: crate::pages::category_label(&cats, &r.category, lang),
                area: r.area_name,
                agency: r.agency_name.unwrap_or_default(),
                mode: mode_label(r.mode.as_deref().unwrap_or("")),
            })
            .collect(),
    };
    let versions = svc
        .dispatch_rule_versions(&staff.user, VERSIONS_SHOWN)
        .await
        .map_err(err)?
        .into_iter()
        .map(|v| VersionRow {
            effective: if v.effective_at == 0 {
                Tr::new(lang).t("catalogue.since_always").to_string()
            } else {
                crate::pages::admin_areas::format_ms(v.effective_at)
            },
            area: v.area_name,
            category: crate::pages::category_label(&cats, &v.category, lang),
            agency: v.agency_id.and(v.agency_name),
            mode: v.mode.as_deref().map_or("", mode_label),
            by: v.set_by_name.unwrap_or_default(),
        })
        .collect();
    let (areas, agencies) = if staff.user.roles.is_admin() {
        let areas = svc.areas_for(&staff.user).await.map_err(err)?;
        let agencies = svc.agencies_for(&staff.user).await.map_err(err)?;
        (
            areas
                .iter()
                .filter(|a| a.kind <= AreaKind::Zone)
                .map(|a| {
                    let id = a.id.0.to_string();
                    let on = id == f.area;
                    (id, format!("{}（{}）", a.name, a.kind.label(lang)), on)
                })
                .collect(),
            agencies
                .iter()
                .filter(|a| a.row.active != 0)
                .map(|a| {
                    let id = a.row.id.to_string();
                    let on = id == f.agency;
                    (id, a.row.name.clone(), on)
                })
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Page {
        t: Tr::new(lang),
        nav: Nav::new(staff, "catalogue")
            .with_error(error)
            .with_saved(saved),
        rows,
        categories: crate::pages::category_choices(&cats, lang, &f.category),
        areas,
        agencies,
        modes: DispatchMode::ALL
            .iter()
            .map(|m| (m.code(), m.label(lang), m.code() == f.mode))
            .collect(),
        at: at.map(|(typed, _)| typed),
        versions,
    })
}

async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let saved = SavedFlag { saved: q.saved }.is_set();
    let typed = q.at.unwrap_or_default();
    let at = match crate::pages::admin_areas::parse_local_datetime("at", &typed) {
        Ok(ms) => ms.map(|ms| (typed.trim().to_string(), ms)),
        Err(e) => {
            // A time that cannot be read: say so over today's catalogue.
            let msg = e.localized(staff.lang);
            let p = page(&state, &staff, &RuleForm::default(), Some(msg), false, None).await?;
            return Ok((StatusCode::BAD_REQUEST, crate::render::html(&p)).into_response());
        }
    };
    let p = page(&state, &staff, &RuleForm::default(), None, saved, at).await?;
    Ok(crate::render::html(&p).into_response())
}

fn parse_id(field: &str, s: &str) -> Result<i64, ServiceError> {
    s.trim().parse::<i64>().map_err(|_| {
        ServiceError::invalid(
            field,
            format!(
                "请选择{}",
                if field == "area" {
                    "区域"
                } else {
                    "承办单位"
                }
            ),
            format!("choose the {field}"),
        )
    })
}

async fn set(
    State(state): State<AppState>,
    CsrfForm { staff, form }: CsrfForm<RuleForm>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let outcome = async {
        let area = AreaId(parse_id("area", &form.area)?);
        let agency = AgencyId(parse_id("agency", &form.agency)?);
        state
            .service
            .set_dispatch_rule(
                Caller::User(&staff.user),
                &form.category,
                area,
                agency,
                &form.mode,
            )
            .await
    }
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to("/admin/catalogue?saved=1").into_response()),
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Forbidden { .. })) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let p = page(&state, &staff, &form, Some(e.localized(lang)), false, None).await?;
            Ok((status, crate::render::html(&p)).into_response())
        }
        Err(e) => Err(AppError::page(e, lang)),
    }
}

#[derive(serde::Deserialize)]
struct Empty {}

async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { staff, form: _ }: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    state
        .service
        .delete_dispatch_rule(Caller::User(&staff.user), id)
        .await
        .map_err(|e| AppError::page(e, staff.lang))?;
    Ok(Redirect::to("/admin/catalogue?saved=1").into_response())
}
