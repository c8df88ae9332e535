//! The web layer's error: HTML for pages, JSON problem details for the API. 5xx are logged
//! with their source; the client never sees internals.

use crate::i18n::Tr;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use yihaotai_domain::vocab::Lang;
use yihaotai_service::ServiceError;

/// Where the error is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Page,
    Api,
}

#[derive(Debug)]
pub struct AppError {
    pub error: ServiceError,
    pub lang: Lang,
    pub face: Face,
}

impl AppError {
    pub fn page(error: ServiceError, lang: Lang) -> AppError {
        AppError {
            error,
            lang,
            face: Face::Page,
        }
    }
    pub fn api(error: ServiceError, lang: Lang) -> AppError {
        AppError {
            error,
            lang,
            face: Face::Api,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "errors/error.html")]
struct ErrorPage {
    t: Tr,
    status: u16,
    message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(error = ?self.error, "request failed");
        }
        let message = self.error.localized(self.lang);
        let mut resp = self.render(status, message);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        resp
    }
}

/// What a client is told to wait before trying again when the database is unreachable.
pub const RETRY_AFTER_SECONDS: &str = "5";

impl AppError {
    fn render(self, status: StatusCode, message: String) -> Response {
        match self.face {
            Face::Page => {
                if status == StatusCode::UNAUTHORIZED {
                    return Redirect::to("/login?expired=1").into_response();
                }
                let page = ErrorPage {
                    t: Tr::new(self.lang),
                    status: status.as_u16(),
                    message,
                };
                (status, crate::render::html(&page)).into_response()
            }
            Face::Api => {
                let field = match &self.error {
                    ServiceError::Invalid { field, .. } => Some(field.clone()),
                    ServiceError::TooLarge { .. } => Some("body".to_string()),
                    _ => None,
                };
                crate::api::schema::Problem::new(status, message, field).into_response()
            }
        }
    }
}

/// Renders a full error page with a given status, for handlers that fail before a
/// service call (e.g. a malformed form).
pub fn bad_request_page(lang: Lang, message: String) -> Response {
    let page = ErrorPage {
        t: Tr::new(lang),
        status: 400,
        message,
    };
    (
        StatusCode::BAD_REQUEST,
        Html(crate::render::html_string(&page)),
    )
        .into_response()
}
