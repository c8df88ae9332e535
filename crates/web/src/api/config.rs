//! The desk's configuration over JSON: the dispatch catalogue (`/dispatch-rules`), what it
//! suggests (`/dispatch-suggestion`), and the deadline policy (`/policy`). Same service
//! calls and checks as the pages.

use super::schema::{PolicyOut, Problem, RuleList, RuleOut, RuleVersionList, SuggestionAnswer};
use super::ApiJson;
use crate::error::AppError;
use crate::extract::ApiCaller;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use yihaotai_domain::{AgencyId, AreaId, HouseholdId, TicketId};
use yihaotai_service::admin::Caller;
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dispatch-rules", get(list_rules).post(set_rule))
        .route("/dispatch-rules/{id}", delete(delete_rule))
        .route("/dispatch-rules/history", get(rule_history))
        .route("/dispatch-suggestion", get(suggest))
        .route("/policy", get(get_policy).put(put_policy))
}

/// The dispatch catalogue within the caller's areas.
#[utoipa::path(
    get, path = "/api/v1/dispatch-rules", tag = "catalogue", operation_id = "list_rules",
    responses(
        (status = 200, body = RuleList),
        (status = 403, description = "Desk staff and administrators only", body = Problem),
    ),
)]
pub(crate) async fn list_rules(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<RuleList>, AppError> {
    let rules = s
        .service
        .dispatch_rules_for(&c.user)
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(RuleList {
        rules: rules.iter().map(RuleOut::from).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct HistoryQuery {
    /// The catalogue as it stood at this time (RFC 3339): the rules then in force, one
    /// version per category and area. Without it, the latest changes, newest first.
    #[serde(default)]
    at: Option<String>,
    /// How many changes to list without `at` (1–1000, 100 unless given).
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    limit: Option<String>,
}

/// The catalogue's versions within the caller's areas, each with the time it took effect:
/// its latest changes, or (`?at=`) the catalogue as it stood at a past time, so a figure
/// for last month can use last month's catalogue.
#[utoipa::path(
    get, path = "/api/v1/dispatch-rules/history", tag = "catalogue", operation_id = "rule_history",
    params(HistoryQuery),
    responses(
        (status = 200, body = RuleVersionList),
        (status = 403, description = "Desk staff and administrators only", body = Problem),
        (status = 422, description = "A parameter is invalid; `field` names it", body = Problem),
    ),
)]
pub(crate) async fn rule_history(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<HistoryQuery>,
) -> Result<Json<RuleVersionList>, AppError> {
    let r = async {
        let at = q.at.as_deref().map(str::trim).filter(|v| !v.is_empty());
        if let Some(at) = at {
            let ms = super::parse_rfc3339("at", at)?;
            return s.service.dispatch_rules_at(&c.user, ms).await;
        }
        let limit = match id_param("limit", &q.limit)? {
            None => 100,
            Some(n @ 1..=1000) => n as usize,
            Some(n) => {
                return Err(ServiceError::invalid(
                    "limit",
                    format!("条数须在 1 到 1000 之间，收到 {n}"),
                    format!("limit must be between 1 and 1000, got {n}"),
                ))
            }
        };
        s.service.dispatch_rule_versions(&c.user, limit).await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(RuleVersionList {
        versions: r.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleBody {
    category: String,
    area_id: i64,
    agency_id: i64,
    #[serde(default = "direct")]
    mode: String,
}

fn direct() -> String {
    "direct".into()
}

/// Sets the agency for a category in an area, replacing the rule there (administrators).
#[utoipa::path(
    post, path = "/api/v1/dispatch-rules", tag = "catalogue", operation_id = "set_rule",
    request_body = RuleBody,
    responses(
        (status = 201, body = RuleOut),
        (status = 403, description = "Administrators only", body = Problem),
        (status = 422, description = "A field is invalid; `field` names it", body = Problem),
    ),
)]
pub(crate) async fn set_rule(
    State(s): State<AppState>,
    c: ApiCaller,
    ApiJson(b): ApiJson<RuleBody>,
) -> Result<Response, AppError> {
    let r = s
        .service
        .set_dispatch_rule(
            Caller::User(&c.user),
            &b.category,
            AreaId(b.area_id),
            AgencyId(b.agency_id),
            &b.mode,
        )
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok((StatusCode::CREATED, Json(RuleOut::from(&r))).into_response())
}

/// Removes a catalogue rule (administrators).
#[utoipa::path(
    delete, path = "/api/v1/dispatch-rules/{id}", tag = "catalogue", operation_id = "delete_rule",
    params(("id" = i64, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Administrators only", body = Problem),
        (status = 404, description = "No such rule in the caller's scope", body = Problem),
    ),
)]
pub(crate) async fn delete_rule(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    s.service
        .delete_dispatch_rule(Caller::User(&c.user), id)
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SuggestQuery {
    /// A recorded ticket: its category and place decide.
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    ticket_id: Option<String>,
    /// For a request being recorded: its category, with `household_id` or `area_id`.
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    area_id: Option<String>,
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    household_id: Option<String>,
}

fn id_param(field: &str, v: &Option<String>) -> Result<Option<i64>, ServiceError> {
    match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            ServiceError::invalid(
                field,
                format!("“{v}”不是有效的编号"),
                format!("'{v}' is not a valid id"),
            )
        }),
    }
}

/// Where the catalogue sends a ticket, or a request being recorded.
///
/// `?ticket_id=` for a ticket, or `?category=` with `household_id=` or `area_id=` for a
/// request being recorded.
#[utoipa::path(
    get, path = "/api/v1/dispatch-suggestion", tag = "catalogue", operation_id = "suggest",
    params(SuggestQuery),
    responses(
        (status = 200, body = SuggestionAnswer),
        (status = 404, description = "No such ticket in the caller's areas", body = Problem),
        (status = 422, description = "A parameter is invalid; `field` names it", body = Problem),
    ),
)]
pub(crate) async fn suggest(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<SuggestQuery>,
) -> Result<Json<SuggestionAnswer>, AppError> {
    let r = async {
        if let Some(t) = id_param("ticket_id", &q.ticket_id)? {
            return s.service.suggest_for_ticket(&c.user, TicketId(t)).await;
        }
        let category = q
            .category
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                ServiceError::invalid(
                    "category",
                    "请给出 ticket_id，或 category 以及 household_id 或 area_id",
                    "give ticket_id, or category with household_id or area_id",
                )
            })?;
        let household = id_param("household_id", &q.household_id)?.map(HouseholdId);
        let area = id_param("area_id", &q.area_id)?.map(AreaId);
        s.service
            .suggest_for_intake(&c.user, category, household, area)
            .await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(SuggestionAnswer::from(r)))
}

/// The deadline policy in force.
#[utoipa::path(
    get, path = "/api/v1/policy", tag = "policy", operation_id = "get_policy",
    responses(
        (status = 200, body = PolicyOut),
        (status = 403, description = "Desk staff and administrators only", body = Problem),
    ),
)]
pub(crate) async fn get_policy(
    State(s): State<AppState>,
    c: ApiCaller,
) -> Result<Json<PolicyOut>, AppError> {
    let v = s
        .service
        .policy_view(&c.user)
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(PolicyOut::from(&v)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyBody {
    /// The whole policy as TOML, as the admin page edits it.
    toml: String,
}

/// Replaces the deadline policy with the TOML given (administrators).
#[utoipa::path(
    put, path = "/api/v1/policy", tag = "policy", operation_id = "put_policy",
    request_body = PolicyBody,
    responses(
        (status = 200, body = PolicyOut),
        (status = 403, description = "Administrators only", body = Problem),
        (status = 422, description = "The TOML is not a valid policy; the detail says where", body = Problem),
    ),
)]
pub(crate) async fn put_policy(
    State(s): State<AppState>,
    c: ApiCaller,
    ApiJson(b): ApiJson<PolicyBody>,
) -> Result<Json<PolicyOut>, AppError> {
    let v = async {
        s.service.set_policy(&c.user, &b.toml).await?;
        s.service.policy_view(&c.user).await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(PolicyOut::from(&v)))
}
