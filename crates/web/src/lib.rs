//! yihaotai's HTTP face: staff pages (server-rendered), the JSON API under `/api/v1`,
//! health, readiness and metrics. `build_app` assembles the router; `serve` runs it on a
//! listener the caller already bound, until the shutdown future completes.

pub mod api;
pub mod error;
pub mod extract;
pub mod guard;
pub mod i18n;
pub mod live;
pub mod ops;
pub mod pages;
pub mod render;
pub mod server;

use axum::http::{header, HeaderName, HeaderValue};
use axum::Router;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use yihaotai_service::Service;

pub use error::AppError;

/// Web settings that are not the service's business.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Timeouts and the connection bound.
    pub limits: server::Limits,
    /// When set, `/metrics` on the desk's own address answers only a request bearing
    /// this token; when unset it is served only on a separate metrics address.
    pub metrics_token: Option<String>,
}

#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    pub web: WebConfig,
    pub metrics: ops::Metrics,
    /// Ends the live streams (`/events`) when the server stops.
    pub shutdown: live::Shutdown,
}

impl AppState {
    pub fn new(service: Service, web: WebConfig) -> AppState {
        AppState {
            service,
            web,
            metrics: ops::Metrics::global(),
            shutdown: live::Shutdown::default(),
        }
    }
}

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn build_app(state: AppState) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
        let id = req
            .headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
    });
    Router::new()
        .merge(pages::router())
        .merge(live::router())
        .nest("/api/v1", api::router())
        .merge(ops::router())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::track_metrics,
        ))
        .layer(axum::middleware::from_fn(guard::refuse_control_characters))
        .layer(axum::middleware::from_fn(guard::explain_rejections))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            state.web.limits.body_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::request_deadline,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
            ),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
        .with_state(state)
}

pub use server::serve;

/// An address nothing answers: the error page, or problem details under `/api/`.
async fn not_found(req: axum::extract::Request) -> axum::response::Response {
    use axum::response::IntoResponse;
    let face = if req.uri().path().starts_with("/api/") {
        error::Face::Api
    } else {
        error::Face::Page
    };
    let lang = guard::lang_of(req.headers(), face);
    AppError {
        error: yihaotai_service::ServiceError::NotFound,
        lang,
        face,
    }
    .into_response()
}

/// Ten seconds is plenty for a page; a request past that is stuck.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
