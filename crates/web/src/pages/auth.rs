//! Logging in and out, and switching the interface language.

use crate::extract::{LangPref, Staff, LANG_COOKIE, PRELOGIN_COOKIE, SESSION_COOKIE};
use crate::i18n::Tr;
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use std::net::{IpAddr, SocketAddr};
use yihaotai_domain::vocab::Lang;
use yihaotai_service::auth::{random_hex, same_secret};
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(switch_lang))
}

#[derive(askama::Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    t: Tr,
    csrf: String,
    next: String,
    login: String,
    error: Option<String>,
    notice: String,
}

#[derive(serde::Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    out: Option<String>,
}

/// Only same-site paths may be redirected to after login.
/// Browsers drop tabs and newlines from URLs and read `\\` as `/`, so `/%09/evil` or
/// `/\tevil` would leave the site; any control character or whitespace is refused, and
/// what remains must parse as a path on this origin.
fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else {
        return "/".to_string();
    };
    let decoded = String::from_utf8_lossy(&crate::guard::percent_decode(n.as_bytes())).into_owned();
    let clean = |s: &str| {
        !s.chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    };
    let same_site = n.starts_with('/')
        && !n.starts_with("//")
        && clean(n)
        && clean(&decoded)
        && !decoded.starts_with("//")
        && n.parse::<axum::http::uri::PathAndQuery>().is_ok();
    if same_site {
        n.to_string()
    } else {
        "/".to_string()
    }
}

fn cookie(
    name: &'static str,
    value: String,
    secure: bool,
    max_age_s: i64,
    http_only: bool,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(http_only)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time_secs(max_age_s))
        .build()
}

fn time_secs(s: i64) -> cookie::time::Duration {
    cookie::time::Duration::seconds(s)
}

async fn login_page(
    State(state): State<AppState>,
    LangPref(lang): LangPref,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> Response {
    let token = jar
        .get(PRELOGIN_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 48)
        .unwrap_or_else(|| random_hex(24));
    let t = Tr::new(lang);
    let notice = if q.expired.is_some() {
        t.t("login.expired").to_string()
    } else if q.out.is_some() {
        t.t("login.logged_out").to_string()
    } else {
        String::new()
    };
    let page = LoginPage {
        t,
        csrf: token.clone(),
        next: safe_next(q.next.as_deref()),
        login: String::new(),
        error: None,
        notice,
    };
    let jar = jar.add(cookie(
        PRELOGIN_COOKIE,
        token,
        state.web.secure_cookies,
        3600,
        true,
    ));
    (jar, crate::render::html(&page)).into_response()
}

#[derive(serde::Deserialize)]
struct LoginForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The address a login comes from, for throttling: the peer of the connection, or, when
/// the settings say the desk is reached only through a proxy (`trust_forwarded_for`), the
/// last `X-Forwarded-For` entry, the one that proxy added (earlier ones are whatever the
/// client sent). Absent when the listener gives no connection info (router tests).
struct ClientAddr(Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = || {
            parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .last()
                .and_then(|a| a.trim().parse::<IpAddr>().ok())
        };
        if state.service.config.trust_forwarded_for {
            Ok(ClientAddr(forwarded().or(peer)))
        } else {
            Ok(ClientAddr(peer))
        }
    }
}

async fn login_submit(
    State(state): State<AppState>,
    LangPref(lang): LangPref,
    ClientAddr(from): ClientAddr,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    let expected = jar.get(PRELOGIN_COOKIE).map(|c| c.value().to_string());
    let fail = |jar: CookieJar, msg: String, status: axum::http::StatusCode| {
        let token = expected.clone().unwrap_or_else(|| random_hex(24));
        let page = LoginPage {
            t: Tr::new(lang),
            csrf: token.clone(),
            next: safe_next(Some(&f.next)),
            login: f.login.chars().take(64).collect(),
            error: Some(msg),
            notice: String::new(),
        };
        let jar = jar.add(cookie(
            PRELOGIN_COOKIE,
            token,
            state.web.secure_cookies,
            3600,
            true,
        ));
        (status, jar, crate::render::html(&page)).into_response()
    };
    match &expected {
        Some(e) if same_secret(e, &f.csrf) => {}
        _ => {
            let msg = crate::extract::csrf_error().localized(lang);
            return fail(jar, msg, axum::http::StatusCode::FORBIDDEN);
        }
    }
    match state.service.login(&f.login, &f.password, from).await {
        Ok(s) => {
            let ttl_s = (s.expires_at - state.service.now()) / 1000;
            let jar = jar
                .remove(Cookie::build(PRELOGIN_COOKIE).path("/").build())
                .add(cookie(
                    SESSION_COOKIE,
                    s.token.expose().to_string(),
                    state.web.secure_cookies,
                    ttl_s,
                    true,
                ));
            (jar, Redirect::to(&safe_next(Some(&f.next)))).into_response()
        }
        Err(e) => {
            let status = axum::http::StatusCode::from_u16(e.status())
                .unwrap_or(axum::http::StatusCode::UNAUTHORIZED);
            let mut resp = fail(jar, e.localized(lang), status);
            if let Some(s) = retry_after_s(&e) {
                resp.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, s.into());
            }
            resp
        }
    }
}

/// When a refused login may be tried again, for `Retry-After`.
fn retry_after_s(e: &ServiceError) -> Option<u64> {
    match e {
        ServiceError::Throttled { minutes } => Some((*minutes).max(1) as u64 * 60),
        ServiceError::Busy => Some(5),
        _ => None,
    }
}

#[derive(serde::Deserialize)]
struct CsrfOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    staff: Staff,
    jar: CookieJar,
    Form(f): Form<CsrfOnly>,
) -> Response {
    if !same_secret(&f.csrf, &staff.csrf) {
        return crate::error::AppError::page(crate::extract::csrf_error(), staff.lang)
            .into_response();
    }
    if let Some(c) = jar.get(SESSION_COOKIE) {
        if let Err(e) = state.service.logout(c.value()).await {
            return crate::error::AppError::page(e, staff.lang).into_response();
        }
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/").build());
    (jar, Redirect::to("/login?out=1")).into_response()
}

#[derive(serde::Deserialize)]
struct LangQuery {
    next: Option<String>,
}

async fn switch_lang(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(code): Path<String>,
    Query(q): Query<LangQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    // Back to the page the switch was clicked on, when it was one of ours.
    let back = q.next.or_else(|| {
        headers
            .get(axum::http::header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(url_path)
    });
    let jar = jar.add(cookie(
        LANG_COOKIE,
        lang.code().to_string(),
        state.web.secure_cookies,
        365 * 24 * 3600,
        false,
    ));
    (jar, Redirect::to(&safe_next(back.as_deref()))).into_response()
}

/// The path and query of an absolute URL, for same-site redirects.
fn url_path(u: &str) -> Option<String> {
    let rest = u.split_once("://")?.1;
    let i = rest.find('/')?;
    Some(rest[i..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_same_site_only() {
        assert_eq!(safe_next(Some("/admin/areas")), "/admin/areas");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
        // Tabs and newlines, raw or encoded, would be dropped by the browser.
        assert_eq!(safe_next(Some("/\t/evil.example/")), "/");
        assert_eq!(safe_next(Some("/%09/evil.example/")), "/");
        assert_eq!(safe_next(Some("/%0a/evil.example/")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example/")), "/");
        assert_eq!(safe_next(Some("/%2F/evil.example/")), "/");
        assert_eq!(safe_next(Some("/%5Cevil.example/")), "/");
        assert_eq!(
            safe_next(Some("/tickets?q=%E6%B0%B4")),
            "/tickets?q=%E6%B0%B4"
        );
        assert_eq!(
            url_path("http://127.0.0.1:8080/admin?x=1").as_deref(),
            Some("/admin?x=1")
        );
    }
}
