//! Operations: liveness, readiness (the database answers), Prometheus metrics, and the
//! middleware that counts requests.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

/// The process-wide Prometheus recorder (metrics has one global recorder per process).
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

impl Metrics {
    pub fn global() -> Metrics {
        static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
        let handle = HANDLE
            .get_or_init(|| {
                let recorder = PrometheusBuilder::new()
                    .set_buckets(&[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0])
                    .expect("static buckets are valid")
                    .build_recorder();
                let handle = recorder.handle();
                // Another recorder may already be installed (in tests that embed us);
                // then this handle simply renders what it sees.
                let _ = metrics::set_global_recorder(recorder);
                handle
            })
            .clone();
        Metrics { handle }
    }
    pub fn render(&self) -> String {
        self.handle.render()
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.service.ready().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(
                    axum::http::header::RETRY_AFTER,
                    crate::error::RETRY_AFTER_SECONDS,
                )],
                "database unreachable\n",
            )
                .into_response()
        }
    }
}

/// `/metrics` on the desk's own address: only with the configured token (a Prometheus
/// `bearer_token`); without a token configured the figures are served only on the
/// separate metrics address (`metrics_listen`), never to the public.
async fn metrics_text(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let sent = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match (&state.web.metrics_token, sent) {
        (Some(want), Some(sent)) if yihaotai_service::auth::same_secret(want, sent.trim()) => {
            metrics_body(&state)
        }
        (Some(_), _) => (
            StatusCode::UNAUTHORIZED,
            [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
            "metrics need the token set in metrics_token\n",
        )
            .into_response(),
        (None, _) => (
            StatusCode::NOT_FOUND,
            "metrics are served on the metrics_listen address, or here with metrics_token set\n",
        )
            .into_response(),
    }
}

/// The router of the separate metrics address: liveness and the figures, no login.
/// Bind it to an address only the monitoring system reaches.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/metrics",
            get(|State(s): State<AppState>| async move { metrics_body(&s) }),
        )
        .with_state(state)
}

fn metrics_body(state: &AppState) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// Counts every request by route template and status, and times it.
pub async fn track_metrics(State(_): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = method_label(req.method());
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    let labels = [
        ("method", method.to_string()),
        ("route", route),
        ("status", status),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels[..2])
        .record(start.elapsed().as_secs_f64());
    resp
}

/// The method as a metrics label: the standard ones by name, anything invented `other`,
/// so a client making up methods cannot grow the metrics without bound.
fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The whole-request limit: a handler (its body included) that has not answered in time
/// gets 503 with `Retry-After`, and its work is dropped. Live streams answer at once and
/// are not limited.
pub async fn request_deadline(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.web.limits.request_timeout;
    let path = req.uri().path().to_string();
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            tracing::warn!(%path, seconds = limit.as_secs(), "request timed out");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [
                    (
                        axum::http::header::RETRY_AFTER,
                        crate::error::RETRY_AFTER_SECONDS,
                    ),
                    (axum::http::header::CONNECTION, "close"),
                ],
                "请求处理超时，请稍后重试 / the request took too long; try again shortly\n",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn invented_methods_share_one_label() {
        let m = axum::http::Method::from_bytes(b"BREW").unwrap();
        assert_eq!(super::method_label(&m), "other");
        assert_eq!(super::method_label(&axum::http::Method::POST), "POST");
    }
}
