//! Rendering askama templates into responses.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

pub fn html_string<T: askama::Template>(t: &T) -> String {
    t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "template failed to render");
        "<!doctype html><title>error</title><p>页面渲染失败 / page failed to render</p>".into()
    })
}

pub fn html<T: askama::Template>(t: &T) -> Response {
    match t.render() {
        Ok(s) => Html(s).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "page failed to render").into_response()
        }
    }
}
