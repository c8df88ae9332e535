//! The JSON API under `/api/v1`: bearer-token or session callers, problem-details errors,
//! RFC 3339 timestamps.

pub mod admin;
pub mod config;
pub mod doc;
pub mod households;
pub mod schema;
pub mod tickets;
pub mod triage;

use crate::error::AppError;
use crate::extract::ApiCaller;
use crate::AppState;
use axum::extract::{FromRequest, Request};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use yihaotai_domain::vocab::Lang;
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .merge(doc::router())
        .merge(admin::router())
        .merge(config::router())
        .merge(tickets::router())
        .merge(triage::router())
        .merge(households::router())
}

/// A JSON body whose errors come back as problem details naming the fault.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let lang = req
            .headers()
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split([',', ';']).next())
            .and_then(Lang::parse)
            .unwrap_or_default();
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rej) if rej.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::api(
                    ServiceError::TooLarge {
                        limit_kb: crate::guard::BODY_LIMIT / 1024,
                    },
                    lang,
                ))
            }
            Err(rej) => Err(AppError::api(
                crate::guard::json_error(&rej.body_text()),
                lang,
            )),
        }
    }
}

/// RFC 3339 with the China offset, the API's one time format.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        })
        .unwrap_or_default()
}

pub fn parse_rfc3339(field: &str, s: &str) -> Result<i64, ServiceError> {
    s.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| {
            ServiceError::invalid(
                field,
                format!("时间“{s}”无效，应为RFC 3339格式，如 2026-11-23T20:00:00+08:00"),
                format!("'{s}' is not an RFC 3339 time such as 2026-11-23T20:00:00+08:00"),
            )
        })
}

/// Who the caller is: their account, roles and the areas they serve.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "me", operation_id = "me",
    responses(
        (status = 200, body = schema::UserOut),
        (status = 401, description = "No valid session or bearer token", body = schema::Problem),
    ),
)]
pub(crate) async fn me(caller: ApiCaller) -> Json<schema::UserOut> {
    Json(schema::UserOut::of(&caller.user, false))
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_round_trip() {
        let s = super::rfc3339(1_795_000_000_000);
        assert!(s.ends_with("+08:00"), "{s}");
        assert_eq!(super::parse_rfc3339("t", &s).unwrap(), 1_795_000_000_000);
        assert!(super::parse_rfc3339("t", "yesterday").is_err());
    }
}
