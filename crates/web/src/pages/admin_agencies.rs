//! Agencies (承办单位): list, create, and edit the areas and categories each serves.

use crate::error::AppError;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::{Nav, SavedFlag};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use yihaotai_domain::area::AreaKind;
use yihaotai_domain::vocab::Lang;
use yihaotai_domain::{AgencyId, AreaId};
use yihaotai_service::admin::Caller;
use yihaotai_service::model::AgencyInput;
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/agencies", get(list).post(create))
        .route("/admin/agencies/new", get(new_form))
        .route("/admin/agencies/{id}", get(edit_form).post(update))
}

/// The kinds of agency the demo and most streets use, with their labels.
pub use yihaotai_domain::agency::AGENCY_KINDS;

pub fn kind_label(code: &str, lang: Lang) -> String {
    AGENCY_KINDS
        .iter()
        .find(|k| k.0 == code)
        .map(|k| lang.pick(k.1, k.2).to_string())
        .unwrap_or_else(|| code.to_string())
}

struct Row {
    id: i64,
    name: String,
    kind: String,
    home: String,
    categories: Vec<String>,
    forwarding: bool,
    active: bool,
}

#[derive(askama::Template)]
#[template(path = "admin/agencies.html")]
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
    let cats = state
        .service
        .categories()
        .await
        .map_err(|e| AppError::page(e, lang))?;
    let rows = state
        .service
        .agencies_for(&staff.user)
        .await
        .map_err(|e| AppError::page(e, lang))?
        .into_iter()
        .map(|a| Row {
            id: a.row.id,
            kind: kind_label(&a.row.kind, lang),
            home: a.row.home_area_name.clone(),
            categories: a
                .categories
                .iter()
                .map(|c| crate::pages::category_label(&cats, c, lang))
                .collect(),
            forwarding: a.row.is_forwarding_centre != 0,
            active: a.row.active != 0,
            name: a.row.name,
        })
        .collect();
    Ok(crate::render::html(&ListPage {
        t: Tr::new(lang),
        nav: Nav::new(&staff, "agencies").with_saved(q.is_set()),
        rows,
    }))
}

#[derive(serde::Deserialize, Default)]
struct AgencyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    home_area: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    areas: Vec<String>,
    #[serde(default)]
    is_forwarding_centre: Option<String>,
    #[serde(default)]
    active: Option<String>,
}

/// The form as shown: strings, so a rejected submission is shown back as typed.
struct FormView {
    name: String,
    kind: String,
    home_area: String,
    parent: String,
    is_forwarding_centre: bool,
    active: bool,
}

#[derive(askama::Template)]
#[template(path = "admin/agency_form.html")]
struct FormPage {
    t: Tr,
    nav: Nav,
    title: String,
    action: String,
    f: FormView,
    kinds: Vec<(&'static str, &'static str)>,
    areas: Vec<(String, String)>,
    parents: Vec<(String, String)>,
    categories: Vec<(String, String, bool)>,
    serve_areas: Vec<(String, String, bool)>,
}

fn parse_id(field: &str, s: &str) -> Result<i64, ServiceError> {
    s.trim().parse::<i64>().map_err(|_| {
        ServiceError::invalid(
            field,
            format!("“{s}”不是有效的编号"),
            format!("'{s}' is not a valid id"),
        )
    })
}

fn to_input(f: &AgencyForm) -> Result<AgencyInput, ServiceError> {
    let parent = if f.parent.trim().is_empty() {
        None
    } else {
        Some(AgencyId(parse_id("parent", &f.parent)?))
    };
    let areas = f
        .areas
        .iter()
        .map(|a| parse_id("areas", a).map(AreaId))
        .collect::<Result<Vec<_>, _>>()?;
    if !AGENCY_KINDS.iter().any(|k| k.0 == f.kind) {
        return Err(ServiceError::invalid(
            "kind",
            "请选择单位类型",
            "choose the agency kind",
        ));
    }
    Ok(AgencyInput {
        name: f.name.trim().to_string(),
        kind: f.kind.clone(),
        parent,
        home_area: AreaId(parse_id("home_area", &f.home_area)?),
        is_forwarding_centre: f.is_forwarding_centre.is_some(),
        areas,
        categories: f.categories.clone(),
        active: f.active.is_some(),
    })
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    editing: Option<AgencyId>,
    f: &AgencyForm,
    error: Option<String>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let svc = &state.service;
    let err = |e: ServiceError| AppError::page(e, lang);
    let scope_areas = svc.areas_for(&staff.user).await.map_err(err)?;
    let agencies = svc.agencies_for(&staff.user).await.map_err(err)?;
    let cats = svc.categories().await.map_err(err)?;
    let (title, action) = match editing {
        Some(id) => (f.name.clone(), format!("/admin/agencies/{}", id.0)),
        None => (
            Tr::new(lang).t("agencies.new").to_string(),
            "/admin/agencies".into(),
        ),
    };
    let page = FormPage {
        t: Tr::new(lang),
        nav: Nav::new(staff, "agencies").with_error(error.clone()),
        title,
        action,
        kinds: AGENCY_KINDS
            .iter()
            .map(|k| (k.0, lang.pick(k.1, k.2)))
            .collect(),
        areas: scope_areas
            .iter()
            .filter(|a| a.kind <= AreaKind::Compound)
            .map(|a| {
                (
                    a.id.0.to_string(),
                    format!("{}（{}）", a.name, a.kind.label(lang)),
                )
            })
            .collect(),
        parents: agencies
            .iter()
            .filter(|a| Some(AgencyId(a.row.id)) != editing)
            .map(|a| (a.row.id.to_string(), a.row.name.clone()))
            .collect(),
        categories: cats
            .iter()
            .map(|c| {
                (
                    c.code.clone(),
                    lang.pick(&c.name_zh, &c.name_en).to_string(),
                    f.categories.contains(&c.code),
                )
            })
            .collect(),
        serve_areas: scope_areas
            .iter()
            .filter(|a| a.kind <= AreaKind::Zone)
            .map(|a| {
                (
                    a.id.0.to_string(),
                    a.name.clone(),
                    f.areas.contains(&a.id.0.to_string()),
                )
            })
            .collect(),
        f: FormView {
            name: f.name.clone(),
            kind: f.kind.clone(),
            home_area: f.home_area.clone(),
            parent: f.parent.clone(),
            is_forwarding_centre: f.is_forwarding_centre.is_some(),
            active: f.active.is_some(),
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
    if !staff.user.roles.is_admin() {
        return Err(AppError::page(
            ServiceError::forbidden("需要管理员角色", "this needs the administrator role"),
            staff.lang,
        ));
    }
    let f = AgencyForm {
        active: Some("1".into()),
        kind: "community_committee".into(),
        ..Default::default()
    };
    form_page(&state, &staff, None, &f, None).await
}

async fn edit_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let a = state
        .service
        .agency_for(&staff.user, AgencyId(id))
        .await
        .map_err(|e| AppError::page(e, staff.lang))?;
    let f = AgencyForm {
        name: a.row.name.clone(),
        kind: a.row.kind.clone(),
        home_area: a.row.home_area_id.to_string(),
        parent: a.row.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        categories: a.categories.clone(),
        areas: a.areas.iter().map(|x| x.0.to_string()).collect(),
        is_forwarding_centre: (a.row.is_forwarding_centre != 0).then(|| "1".into()),
        active: (a.row.active != 0).then(|| "1".into()),
    };
    form_page(&state, &staff, Some(AgencyId(id)), &f, None).await
}

async fn save(
    state: &AppState,
    staff: &Staff,
    editing: Option<AgencyId>,
    form: &AgencyForm,
) -> Result<Response, AppError> {
    let caller = Caller::User(&staff.user);
    let result = match to_input(form) {
        Ok(input) => match editing {
            Some(id) => state.service.update_agency(caller, id, &input).await,
            None => state.service.create_agency(caller, &input).await,
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/agencies?saved=1").into_response()),
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict { .. })) => {
            form_page(state, staff, editing, form, Some(e.localized(staff.lang))).await
        }
        Err(e) => Err(AppError::page(e, staff.lang)),
    }
}

async fn create(
    State(state): State<AppState>,
    CsrfForm { staff, form }: CsrfForm<AgencyForm>,
) -> Result<Response, AppError> {
    save(&state, &staff, None, &form).await
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { staff, form }: CsrfForm<AgencyForm>,
) -> Result<Response, AppError> {
    save(&state, &staff, Some(AgencyId(id)), &form).await
}
