//! Triage over JSON: what a resident said becomes suggested category, urgency, care signals
//! and address (with the household it points to), for the desk to confirm at intake.

use super::schema::{Problem, TriageOut};
use super::tickets::{json_body, Refusal};
use crate::error::AppError;
use crate::extract::ApiCaller;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::ToSchema;

/// A request is at most a few thousand characters, and triage reads only the first 8 KB
/// of it (the lexicon's `max_bytes`); a body past this is a paste gone wrong.
pub const TRIAGE_BODY_LIMIT: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/triage",
        post(analyze).layer(DefaultBodyLimit::max(TRIAGE_BODY_LIMIT)),
    )
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TriageBody {
    /// What the resident said or wrote, as the agent took it down.
    #[serde(default)]
    text: String,
}

/// Reads a request: suggested category, urgency, care signals and address, with the
/// household it points to and the phrases behind each answer.
#[utoipa::path(
    post, path = "/api/v1/triage", tag = "triage", operation_id = "triage",
    request_body = TriageBody,
    responses(
        (status = 200, body = TriageOut),
        (status = 413, description = "The body is over 64 KB", body = Problem),
        (status = 422, description = "The text is empty or unreadable", body = Problem),
    ),
)]
pub(crate) async fn analyze(
    State(s): State<AppState>,
    c: ApiCaller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<TriageOut>, Refusal> {
    let b: TriageBody = json_body(body, TRIAGE_BODY_LIMIT, c.lang)?;
    let r = s
        .service
        .analyze_text(&c.user, &b.text)
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(TriageOut::from(&r)))
}
