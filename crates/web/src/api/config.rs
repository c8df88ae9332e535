//! The desk's configuration over JSON: the dispatch catalogue (`/dispatch-rules`), what it
//! suggests (`/dispatch-suggestion`), and the deadline policy (`/policy`). Same service
//! calls and checks as the pages.

use super::{rfc3339, ApiJson};
use crate::error::AppError;
use crate::extract::ApiCaller;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use yihaotai_domain::{AgencyId, AreaId, HouseholdId, TicketId};
use yihaotai_service::admin::Caller;
use yihaotai_service::catalogue::DispatchSuggestion;
use yihaotai_service::model::DispatchRule;
use yihaotai_service::policy::PolicyView;
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dispatch-rules", get(list_rules).post(set_rule))
        .route("/dispatch-rules/{id}", delete(delete_rule))
        .route("/dispatch-suggestion", get(suggest))
        .route("/policy", get(get_policy).put(put_policy))
}

fn rule_json(r: &DispatchRule) -> Value {
    json!({
        "id": r.id,
        "category": r.category,
        "area_id": r.area_id,
        "area_name": r.area_name,
        "agency_id": r.agency_id,
        "agency_name": r.agency_name,
        "mode": r.mode,
        "updated_at": rfc3339(r.updated_at),
    })
}

async fn list_rules(State(s): State<AppState>, c: ApiCaller) -> Result<Json<Value>, AppError> {
    let rules = s
        .service
        .dispatch_rules_for(&c.user)
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(
        json!({ "rules": rules.iter().map(rule_json).collect::<Vec<_>>() }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleBody {
    category: String,
    area_id: i64,
    agency_id: i64,
    #[serde(default = "direct")]
    mode: String,
}

fn direct() -> String {
    "direct".into()
}

async fn set_rule(
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
    Ok((StatusCode::CREATED, Json(rule_json(&r))).into_response())
}

async fn delete_rule(
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

#[derive(Deserialize)]
struct SuggestQuery {
    #[serde(default)]
    ticket_id: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    area_id: Option<String>,
    #[serde(default)]
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

fn suggestion_json(s: Option<DispatchSuggestion>) -> Value {
    json!({ "suggestion": s.map(|s| json!({
        "agency_id": s.agency_id,
        "agency_name": s.agency_name,
        "mode": s.mode.code(),
        "rule_id": s.rule_id,
        "area_name": s.area_name,
    })) })
}

/// `?ticket_id=` for a ticket, or `?category=` with `household_id=` or `area_id=` for a
/// request being recorded.
async fn suggest(
    State(s): State<AppState>,
    c: ApiCaller,
    Query(q): Query<SuggestQuery>,
) -> Result<Json<Value>, AppError> {
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
    Ok(Json(suggestion_json(r)))
}

fn policy_json(v: &PolicyView) -> Value {
    json!({
        "builtin": v.builtin,
        "policy": &*v.policy,
        "toml": v.toml,
    })
}

async fn get_policy(State(s): State<AppState>, c: ApiCaller) -> Result<Json<Value>, AppError> {
    let v = s
        .service
        .policy_view(&c.user)
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(policy_json(&v)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyBody {
    /// The whole policy as TOML, as the admin page edits it.
    toml: String,
}

async fn put_policy(
    State(s): State<AppState>,
    c: ApiCaller,
    ApiJson(b): ApiJson<PolicyBody>,
) -> Result<Json<Value>, AppError> {
    let v = async {
        s.service.set_policy(&c.user, &b.toml).await?;
        s.service.policy_view(&c.user).await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(policy_json(&v)))
}
