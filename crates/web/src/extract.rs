//! Request extractors: the user's language, the logged-in staff member behind a page, the
//! caller behind an API request, and forms whose CSRF token has been checked.

use crate::error::AppError;
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;
use yihaotai_domain::vocab::Lang;
use yihaotai_service::auth::same_secret;
use yihaotai_service::{ServiceError, User};

pub const SESSION_COOKIE: &str = "yht_session";
pub const LANG_COOKIE: &str = "yht_lang";
/// Double-submit token for the login form, which has no session yet.
pub const PRELOGIN_COOKIE: &str = "yht_pre";

/// The interface language: the `yht_lang` cookie, Chinese when absent.
#[derive(Debug, Clone, Copy)]
pub struct LangPref(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for LangPref {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        Ok(LangPref(
            jar.get(LANG_COOKIE)
                .and_then(|c| Lang::parse(c.value()))
                .unwrap_or_default(),
        ))
    }
}

/// A logged-in staff member viewing a page.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: User,
    pub csrf: String,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let LangPref(lang) = LangPref::from_request_parts(parts, state)
            .await
            .unwrap_or(LangPref(Lang::Zh));
        let jar = CookieJar::from_headers(&parts.headers);
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else {
            return Err(login_redirect(&next, false));
        };
        match state.service.session_user(&token).await {
            Ok((user, csrf)) => Ok(Staff { user, csrf, lang }),
            Err(ServiceError::Unauthenticated) => Err(login_redirect(&next, true)),
            Err(e) => Err(AppError::page(e, lang).into_response()),
        }
    }
}

/// To the login page, coming back to `next` afterwards.
fn login_redirect(next: &str, expired: bool) -> Response {
    let mut q = vec![("next", next)];
    if expired {
        q.push(("expired", "1"));
    }
    let qs = serde_urlencoded::to_string(q).unwrap_or_default();
    axum::response::Redirect::to(&format!("/login?{qs}")).into_response()
}

/// The caller of an API request: a bearer token, or a browser session (which must then
/// send its CSRF token in `X-CSRF-Token` for anything but GET and HEAD).
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub user: User,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let lang = parts
            .headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split([',', ';']).next())
            .and_then(Lang::parse)
            .unwrap_or_default();
        if let Some(auth) = parts.headers.get(axum::http::header::AUTHORIZATION) {
            let token = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(|| AppError::api(ServiceError::BadToken, lang))?;
            let user = match state.service.token_user(token).await {
                Ok(u) => u,
                Err(ServiceError::Unauthenticated) => {
                    return Err(AppError::api(ServiceError::BadToken, lang))
                }
                Err(e) => return Err(AppError::api(e, lang)),
            };
            return Ok(ApiCaller { user, lang });
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_string())
            .ok_or_else(|| AppError::api(ServiceError::Unauthenticated, lang))?;
        let (user, csrf) = state
            .service
            .session_user(&token)
            .await
            .map_err(|e| AppError::api(e, lang))?;
        if !parts.method.is_safe() {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !same_secret(sent, &csrf) {
                return Err(AppError::api(csrf_error(), lang));
            }
        }
        Ok(ApiCaller { user, lang })
    }
}

pub fn csrf_error() -> ServiceError {
    ServiceError::forbidden(
        "表单已过期或来源不明，请刷新页面后重试",
        "the form has expired or did not come from this site; reload the page and try again",
    )
}

/// The largest form a page accepts.
const FORM_LIMIT: usize = 1 << 20;

/// A form posted by a logged-in staff member, accepted only with the session's CSRF token
/// in its `_csrf` field. Repeated fields (checkboxes) deserialise into `Vec`s.
pub struct CsrfForm<T> {
    pub staff: Staff,
    pub form: T,
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let staff = Staff::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| {
            AppError::page(
                ServiceError::TooLarge {
                    limit_kb: FORM_LIMIT / 1024,
                },
                staff.lang,
            )
            .into_response()
        })?;
        let field: CsrfField = serde_html_form::from_bytes(&bytes).unwrap_or(CsrfField {
            csrf: String::new(),
        });
        if !same_secret(&field.csrf, &staff.csrf) {
            return Err(AppError::page(csrf_error(), staff.lang).into_response());
        }
        let form: T = serde_html_form::from_bytes(&bytes).map_err(|e| {
            let msg = crate::guard::plain_serde_message(&e.to_string());
            crate::error::bad_request_page(
                staff.lang,
                match staff.lang {
                    Lang::Zh => format!("表单内容无效：{msg}"),
                    Lang::En => format!("the form is not valid: {msg}"),
                },
            )
        })?;
        Ok(CsrfForm { staff, form })
    }
}
