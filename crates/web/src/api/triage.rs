//! Triage over JSON: what a resident said becomes suggested category, urgency, care signals
//! and address (with the household it points to), for the desk to confirm at intake.

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
use serde_json::{json, Value};

/// A request is at most a few thousand characters, and triage reads only the first 8 KB
/// of it (the lexicon's `max_bytes`); a body past this is a paste gone wrong.
pub const TRIAGE_BODY_LIMIT: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/triage",
        post(analyze).layer(DefaultBodyLimit::max(TRIAGE_BODY_LIMIT)),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TriageBody {
    #[serde(default)]
    text: String,
}

async fn analyze(
    State(s): State<AppState>,
    c: ApiCaller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, Refusal> {
    let b: TriageBody = json_body(body, TRIAGE_BODY_LIMIT, c.lang)?;
    let r = s
        .service
        .analyze_text(&c.user, &b.text)
        .await
        .map_err(|e| AppError::api(e, c.lang))?;
    let a = &r.analysis;
    Ok(Json(json!({
        "category": a.category.as_str(),
        "urgency": a.urgency.code(),
        "epidemic_related": a.epidemic_related,
        "care_signals": a.care_signals.iter().map(|t| t.code()).collect::<Vec<_>>(),
        "address": if a.address.is_empty() { Value::Null } else { json!({
            "compound": a.address.compound,
            "building": a.address.building,
            "entrance": a.address.entrance,
            "room": a.address.room,
        }) },
        "compound_id": a.compound_id.map(|x| x.0),
        "household_id": r.household_id,
        "household_address": r.household_address,
        "household_confidence": r.household_confidence,
        "household_exact": r.household_exact,
        "confidence": a.confidence,
        "reasons": a.reasons.iter().map(|x| json!({
            "field": x.field, "value": x.value, "phrase": x.phrase,
        })).collect::<Vec<_>>(),
    })))
}
