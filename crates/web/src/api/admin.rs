//! Areas, agencies and users over JSON. The same service calls as the pages, so the same
//! scoping applies: records outside the caller's areas are 404.

use super::schema::{
    AgencyList, AgencyOut, AreaList, AreaOut, ControlChangeOut, ControlHistory, Problem, UserList,
    UserOut,
};
use super::{parse_rfc3339, ApiJson};
use crate::error::AppError;
use crate::extract::ApiCaller;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::ToSchema;
use yihaotai_domain::area::AreaKind;
use yihaotai_domain::role::Roles;
use yihaotai_domain::vocab::{ControlLevel, Lang};
use yihaotai_domain::{AgencyId, AreaId, UserId};
use yihaotai_service::admin::{Caller, UserInput};
use yihaotai_service::model::AgencyInput;
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

fn vocab_err(e: yihaotai_domain::vocab::UnknownCode) -> ServiceError {
    ServiceError::invalid(e.field, e.localized(Lang::Zh), e.localized(Lang::En))
}

/// The areas the caller serves, from the top of their scope down.
#[utoipa::path(
    get, path = "/api/v1/areas", tag = "areas", operation_id = "list_areas",
    responses(
        (status = 200, body = AreaList),
    ),
)]
pub(crate) async fn list_areas(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<AreaList>, AppError> {
    let areas = s
        .service
        .areas_for(&c.user)
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(AreaList {
        areas: areas.iter().map(AreaOut::from).collect(),
    }))
}

/// One area.
#[utoipa::path(
    get, path = "/api/v1/areas/{id}", tag = "areas", operation_id = "get_area",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = AreaOut),
        (status = 404, description = "No such area in the caller's scope", body = Problem),
    ),
)]
pub(crate) async fn get_area(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<AreaOut>, AppError> {
    let a = s
        .service
        .area_for(&c.user, AreaId(id))
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(AreaOut::from(&a)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAreaBody {
    parent_id: i64,
    kind: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
}

/// Adds an area under a parent (administrators).
#[utoipa::path(
    post, path = "/api/v1/areas", tag = "areas", operation_id = "add_area",
    request_body = NewAreaBody,
    responses(
        (status = 201, body = AreaOut),
        (status = 403, description = "Administrators only", body = Problem),
        (status = 422, description = "A field is invalid; `field` names it", body = Problem),
    ),
)]
pub(crate) async fn add_area(
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
    Ok((StatusCode::CREATED, Json(AreaOut::from(&r))).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RenameBody {
    name: String,
    #[serde(default)]
    aliases: Option<Vec<String>>,
}

/// Renames an area, and replaces its aliases when given (administrators).
#[utoipa::path(
    patch, path = "/api/v1/areas/{id}", tag = "areas", operation_id = "rename_area",
    params(("id" = i64, Path)),
    request_body = RenameBody,
    responses(
        (status = 200, body = AreaOut),
        (status = 403, description = "Administrators only", body = Problem),
        (status = 404, description = "No such area in the caller's scope", body = Problem),
        (status = 422, description = "A field is invalid; `field` names it", body = Problem),
    ),
)]
pub(crate) async fn rename_area(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<RenameBody>,
) -> Result<Json<AreaOut>, AppError> {
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
    Ok(Json(AreaOut::from(&r)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ControlBody {
    level: String,
    #[serde(default)]
    effective_at: Option<String>,
    reason: String,
}

/// Sets an area's control level from a time, with the reason (kept in its history).
#[utoipa::path(
    post, path = "/api/v1/areas/{id}/control-level", tag = "areas", operation_id = "set_control",
    params(("id" = i64, Path)),
    request_body = ControlBody,
    responses(
        (status = 200, body = AreaOut),
        (status = 403, description = "The caller may not set control levels", body = Problem),
        (status = 404, description = "No such area in the caller's scope", body = Problem),
        (status = 422, description = "A field is invalid; `field` names it", body = Problem),
    ),
)]
pub(crate) async fn set_control(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ControlBody>,
) -> Result<Json<AreaOut>, AppError> {
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
    Ok(Json(AreaOut::from(&r)))
}

/// The area's control levels over time.
#[utoipa::path(
    get, path = "/api/v1/areas/{id}/control-level", tag = "areas", operation_id = "control_history",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = ControlHistory),
        (status = 404, description = "No such area in the caller's scope", body = Problem),
    ),
)]
pub(crate) async fn control_history(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<ControlHistory>, AppError> {
    let h = s
        .service
        .control_history(&c.user, AreaId(id))
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(ControlHistory {
        history: h.iter().map(ControlChangeOut::from).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgencyBody {
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

/// The agencies serving the caller's areas.
#[utoipa::path(
    get, path = "/api/v1/agencies", tag = "agencies", operation_id = "list_agencies",
    responses(
        (status = 200, body = AgencyList),
    ),
)]
pub(crate) async fn list_agencies(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<AgencyList>, AppError> {
    let list = s
        .service
        .agencies_for(&c.user)
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(AgencyList {
        agencies: list.iter().map(AgencyOut::from).collect(),
    }))
}

/// One agency.
#[utoipa::path(
    get, path = "/api/v1/agencies/{id}", tag = "agencies", operation_id = "get_agency",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = AgencyOut),
        (status = 404, description = "No such agency in the caller's scope", body = Problem),
    ),
)]
pub(crate) async fn get_agency(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<AgencyOut>, AppError> {
    let a = s
        .service
        .agency_for(&c.user, AgencyId(id))
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(AgencyOut::from(&a)))
}

/// Creates an agency (administrators).
#[utoipa::path(
    post, path = "/api/v1/agencies", tag = "agencies", operation_id = "create_agency",
    request_body = AgencyBody,
    responses(
        (status = 201, body = AgencyOut),
        (status = 403, description = "Administrators only", body = Problem),
        (status = 422, description = "A field is invalid; `field` names it", body = Problem),
    ),
)]
pub(crate) async fn create_agency(
    State(s): State<AppState>,
    c: ApiCaller,
    ApiJson(b): ApiJson<AgencyBody>,
) -> Result<Response, AppError> {
    let a = s
        .service
        .create_agency(Caller::User(&c.user), &b.input())
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok((StatusCode::CREATED, Json(AgencyOut::from(&a))).into_response())
}

/// Replaces an agency's details (administrators).
#[utoipa::path(
    put, path = "/api/v1/agencies/{id}", tag = "agencies", operation_id = "update_agency",
    params(("id" = i64, Path)),
    request_body = AgencyBody,
    responses(
        (status = 200, body = AgencyOut),
        (status = 403, description = "Administrators only", body = Problem),
        (status = 404, description = "No such agency in the caller's scope", body = Problem),
        (status = 422, description = "A field is invalid; `field` names it", body = Problem),
    ),
)]
pub(crate) async fn update_agency(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AgencyBody>,
) -> Result<Json<AgencyOut>, AppError> {
    let a = s
        .service
        .update_agency(Caller::User(&c.user), AgencyId(id), &b.input())
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(AgencyOut::from(&a)))
}

/// The user accounts in the caller's areas (administrators).
#[utoipa::path(
    get, path = "/api/v1/users", tag = "users", operation_id = "list_users",
    responses(
        (status = 200, body = UserList),
        (status = 403, description = "Administrators only", body = Problem),
    ),
)]
pub(crate) async fn list_users(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<UserList>, AppError> {
    let list = s
        .service
        .users_for(&c.user)
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(UserList {
        users: list.iter().map(|u| UserOut::of(u, true)).collect(),
    }))
}

/// One user account (administrators).
#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "users", operation_id = "get_user",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = UserOut),
        (status = 403, description = "Administrators only", body = Problem),
        (status = 404, description = "No such user in the caller's scope", body = Problem),
    ),
)]
pub(crate) async fn get_user(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<UserOut>, AppError> {
    let u = s
        .service
        .user_for(&c.user, UserId(id))
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(UserOut::of(&u, true)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserBody {
    login: String,
    display_name: String,
    password: String,
    roles: Vec<String>,
    areas: Vec<i64>,
    #[serde(default)]
    agency_id: Option<i64>,
}

/// Creates a user account (administrators).
#[utoipa::path(
    post, path = "/api/v1/users", tag = "users", operation_id = "create_user",
    request_body = UserBody,
    responses(
        (status = 201, body = UserOut),
        (status = 403, description = "Administrators only", body = Problem),
        (status = 422, description = "A field is invalid; `field` names it", body = Problem),
    ),
)]
pub(crate) async fn create_user(
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
    Ok((StatusCode::CREATED, Json(UserOut::of(&r, true))).into_response())
}
