//! Areas, agencies and users over JSON. The same service calls as the pages, so the same
//! scoping applies: records outside the caller's areas are 404.

use super::{parse_rfc3339, rfc3339, ApiJson};
use crate::error::AppError;
use crate::extract::ApiCaller;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use yihaotai_domain::area::AreaKind;
use yihaotai_domain::role::Roles;
use yihaotai_domain::vocab::{ControlLevel, Lang};
use yihaotai_domain::{AgencyId, AreaId, UserId};
use yihaotai_service::admin::{Caller, UserInput};
use yihaotai_service::model::Area;
use yihaotai_service::model::{Agency, AgencyInput};
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/areas", get(list_areas).post(add_area))
        .route("/areas/{id}", get(get_area).patch(rename_area))
        .route(
            "/areas/{id}/control-level",
            post(set_control).get(control_history),
        )
        .route("/agencies", get(list_agencies).post(create_agency))
        .route("/agencies/{id}", get(get_agency).put(update_agency))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", get(get_user))
}

fn area_json(a: &Area) -> Value {
    json!({
        "id": a.id.0,
        "parent_id": a.parent_id.map(|p| p.0),
        "kind": a.kind.code(),
        "name": a.name,
        "aliases": a.aliases,
        "path": a.path.as_str(),
        "control_level": a.control_level.map(|l| l.code()),
        "control_since": a.control_since.map(rfc3339),
    })
}

fn vocab_err(e: yihaotai_domain::vocab::UnknownCode) -> ServiceError {
    ServiceError::invalid(e.field, e.localized(Lang::Zh), e.localized(Lang::En))
}

async fn list_areas(State(s): State<AppState>, c: ApiCaller) -> Result<Json<Value>, AppError> {
    let areas = s
        .service
        .areas_for(&c.user)
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(
        json!({ "areas": areas.iter().map(area_json).collect::<Vec<_>>() }),
    ))
}

async fn get_area(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let a = s
        .service
        .area_for(&c.user, AreaId(id))
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(area_json(&a)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAreaBody {
    parent_id: i64,
    kind: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
}

async fn add_area(
    State(s): State<AppState>,
    c: ApiCaller,
    ApiJson(b): ApiJson<NewAreaBody>,
) -> Result<Response, AppError> {
    let r = async {
        Caller::User(&c.user).require_admin()?;
        let kind = AreaKind::parse(&b.kind).map_err(vocab_err)?;
        s.service
            .add_area(
                Caller::User(&c.user),
                Some(AreaId(b.parent_id)),
                kind,
                &b.name,
                &b.aliases,
            )
            .await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    Ok((StatusCode::CREATED, Json(area_json(&r))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenameBody {
    name: String,
    #[serde(default)]
    aliases: Option<Vec<String>>,
}

async fn rename_area(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<RenameBody>,
) -> Result<Json<Value>, AppError> {
    let r = async {
        Caller::User(&c.user).require_admin()?;
        let aliases = match b.aliases {
            Some(a) => a,
            None => s.service.area_for(&c.user, AreaId(id)).await?.aliases,
        };
        s.service
            .rename_area(Caller::User(&c.user), AreaId(id), &b.name, &aliases)
            .await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(area_json(&r)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlBody {
    level: String,
    #[serde(default)]
    effective_at: Option<String>,
    reason: String,
}

async fn set_control(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ControlBody>,
) -> Result<Json<Value>, AppError> {
    let r = async {
        Caller::User(&c.user).require_control()?;
        let level = ControlLevel::parse(&b.level).map_err(vocab_err)?;
        let at = b
            .effective_at
            .as_deref()
            .map(|t| parse_rfc3339("effective_at", t))
            .transpose()?;
        s.service
            .set_control_level(Caller::User(&c.user), AreaId(id), level, at, &b.reason)
            .await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(area_json(&r)))
}

async fn control_history(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let h = s
        .service
        .control_history(&c.user, AreaId(id))
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    let items: Vec<Value> = h
        .iter()
        .map(|x| {
            json!({
                "level": x.level, "effective_at": rfc3339(x.effective_at), "reason": x.reason,
                "set_by": x.set_by, "set_by_name": x.set_by_name, "set_at": rfc3339(x.set_at),
            })
        })
        .collect();
    Ok(Json(json!({ "history": items })))
}

fn agency_json(a: &Agency) -> Value {
    json!({
        "id": a.row.id,
        "name": a.row.name,
        "kind": a.row.kind,
        "parent_id": a.row.parent_id,
        "home_area_id": a.row.home_area_id,
        "is_forwarding_centre": a.row.is_forwarding_centre != 0,
        "active": a.row.active != 0,
        "areas": a.areas.iter().map(|x| x.0).collect::<Vec<_>>(),
        "categories": a.categories,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgencyBody {
    name: String,
    kind: String,
    #[serde(default)]
    parent_id: Option<i64>,
    home_area_id: i64,
    #[serde(default)]
    is_forwarding_centre: bool,
    #[serde(default)]
    areas: Vec<i64>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

impl AgencyBody {
    fn input(self) -> AgencyInput {
        AgencyInput {
            name: self.name,
            kind: self.kind,
            parent: self.parent_id.map(AgencyId),
            home_area: AreaId(self.home_area_id),
            is_forwarding_centre: self.is_forwarding_centre,
            areas: self.areas.into_iter().map(AreaId).collect(),
            categories: self.categories,
            active: self.active,
        }
    }
}

async fn list_agencies(State(s): State<AppState>, c: ApiCaller) -> Result<Json<Value>, AppError> {
    let list = s
        .service
        .agencies_for(&c.user)
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(
        json!({ "agencies": list.iter().map(agency_json).collect::<Vec<_>>() }),
    ))
}

async fn get_agency(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let a = s
        .service
        .agency_for(&c.user, AgencyId(id))
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(agency_json(&a)))
}

async fn create_agency(
    State(s): State<AppState>,
    c: ApiCaller,
    ApiJson(b): ApiJson<AgencyBody>,
) -> Result<Response, AppError> {
    let a = s
        .service
        .create_agency(Caller::User(&c.user), &b.input())
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok((StatusCode::CREATED, Json(agency_json(&a))).into_response())
}

async fn update_agency(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AgencyBody>,
) -> Result<Json<Value>, AppError> {
    let a = s
        .service
        .update_agency(Caller::User(&c.user), AgencyId(id), &b.input())
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(agency_json(&a)))
}

fn user_json(u: &yihaotai_service::User) -> Value {
    json!({
        "id": u.id.0,
        "login": u.login,
        "display_name": u.display_name,
        "roles": u.roles.0.iter().map(|r| r.code()).collect::<Vec<_>>(),
        "agency_id": u.agency_id.map(|a| a.0),
        "active": u.active,
        "areas": u.areas,
    })
}

async fn list_users(State(s): State<AppState>, c: ApiCaller) -> Result<Json<Value>, AppError> {
    let list = s
        .service
        .users_for(&c.user)
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(
        json!({ "users": list.iter().map(user_json).collect::<Vec<_>>() }),
    ))
}

async fn get_user(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let u = s
        .service
        .user_for(&c.user, UserId(id))
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(user_json(&u)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserBody {
    login: String,
    display_name: String,
    password: String,
    roles: Vec<String>,
    areas: Vec<i64>,
    #[serde(default)]
    agency_id: Option<i64>,
}

async fn create_user(
    State(s): State<AppState>,
    c: ApiCaller,
    ApiJson(b): ApiJson<UserBody>,
) -> Result<Response, AppError> {
    let r = async {
        Caller::User(&c.user).require_admin()?;
        let roles = Roles::parse_list(&b.roles.join(",")).map_err(vocab_err)?;
        let input = UserInput {
            login: b.login,
            display_name: b.display_name,
            password: Some(b.password),
            roles,
            areas: b.areas.into_iter().map(AreaId).collect(),
            agency: b.agency_id.map(AgencyId),
        };
        s.service.create_user(Caller::User(&c.user), &input).await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    Ok((StatusCode::CREATED, Json(user_json(&r))).into_response())
}
