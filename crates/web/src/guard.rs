//! The edge of every request, in one place: control characters are refused in any text
//! a client sends (address, query, form field or JSON string), and the plain-text
//! rejections of axum's extractors (a bad id in the path, a malformed query, an oversized
//! or mistyped body) are said again as the desk says every error — problem details for
//! the API, the error page for pages — in the caller's language, with the field named
//! and no internal type names.

use crate::error::{AppError, Face};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use yihaotai_domain::vocab::Lang;
use yihaotai_service::ServiceError;

/// The largest body the desk reads (axum's default limit, said here so it is one number).
pub const BODY_LIMIT: usize = 2 << 20;

/// Line breaks and tabs are how people format a report; every other control character is
/// a paste accident or an attack, and PostgreSQL refuses NUL outright.
pub fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

fn face_of(req_path: &str) -> Face {
    if req_path.starts_with("/api/") {
        Face::Api
    } else {
        Face::Page
    }
}

/// The caller's language: the API's Accept-Language, or the pages' cookie.
pub fn lang_of(headers: &axum::http::HeaderMap, face: Face) -> Lang {
    match face {
        Face::Api => headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split([',', ';']).next())
            .and_then(Lang::parse)
            .unwrap_or_default(),
        Face::Page => axum_extra::extract::CookieJar::from_headers(headers)
            .get(crate::extract::LANG_COOKIE)
            .and_then(|c| Lang::parse(c.value()))
            .unwrap_or_default(),
    }
}

fn control_error(field: &str) -> ServiceError {
    ServiceError::invalid(
        field,
        "含有不可见的控制字符，请删除后重试",
        "contains invisible control characters; remove them and try again",
    )
}

fn too_large() -> ServiceError {
    ServiceError::TooLarge {
        limit_kb: BODY_LIMIT / 1024,
    }
}

/// Refuses control characters anywhere in the request's text before any handler sees it.
pub async fn refuse_control_characters(req: Request, next: Next) -> Response {
    let face = face_of(req.uri().path());
    let lang = lang_of(req.headers(), face);
    let fail = |e: ServiceError| {
        AppError {
            error: e,
            lang,
            face,
        }
        .into_response()
    };
    if let Some(field) = control_in_uri(req.uri()) {
        return fail(control_error(&field));
    }
    let kind = body_kind(req.headers());
    if kind == BodyKind::Other {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => return fail(too_large()),
    };
    let found = match kind {
        BodyKind::Form => form_control(&bytes),
        BodyKind::Json => json_control(&bytes),
        BodyKind::Other => None,
    };
    if let Some(field) = found {
        return fail(control_error(&field));
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Form,
    Json,
    Other,
}

fn body_kind(h: &axum::http::HeaderMap) -> BodyKind {
    let ct = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("application/x-www-form-urlencoded") {
        BodyKind::Form
    } else if ct.starts_with("application/json") || ct.contains("+json") {
        BodyKind::Json
    } else {
        BodyKind::Other
    }
}

/// The first path segment or query parameter that decodes to a control character.
fn control_in_uri(uri: &axum::http::Uri) -> Option<String> {
    let path = uri.path();
    let decoded: Vec<u8> = percent_decode(path.as_bytes());
    if has_control(&String::from_utf8_lossy(&decoded)) {
        return Some("path".into());
    }
    let q = uri.query()?;
    form_control(q.as_bytes())
}

fn form_control(bytes: &[u8]) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).ok()?;
    pairs
        .into_iter()
        .find(|(k, v)| has_control(k) || has_control(v))
        .map(|(k, _)| k.chars().filter(|c| !c.is_control()).take(40).collect())
}

fn json_control(bytes: &[u8]) -> Option<String> {
    // Malformed JSON is the handler's to report, with its own words.
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let mut path = String::new();
    walk(&v, &mut path).then_some(path)
}

/// Depth-first: true when a string (or key) under `v` has a control character; `path`
/// is then where (`residents[2].name`).
fn walk(v: &serde_json::Value, path: &mut String) -> bool {
    use serde_json::Value as V;
    match v {
        V::String(s) => has_control(s),
        V::Array(items) => items.iter().enumerate().any(|(i, item)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let hit = walk(item, path);
            if !hit {
                path.truncate(len);
            }
            hit
        }),
        V::Object(map) => map.iter().any(|(k, item)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.extend(k.chars().filter(|c| !c.is_control()).take(40));
            let hit = has_control(k) || walk(item, path);
            if !hit {
                path.truncate(len);
            }
            hit
        }),
        _ => false,
    }
}

/// `%XX` escapes decoded; anything else (a stray `%`) kept as it is.
pub fn percent_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' && i + 2 < s.len() {
            let hex = std::str::from_utf8(&s[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// Says axum's own plain-text rejections again in the desk's words. Handlers' own errors
/// already come as problem details or pages and pass untouched.
pub async fn explain_rejections(req: Request, next: Next) -> Response {
    let face = face_of(req.uri().path());
    let lang = lang_of(req.headers(), face);
    let resp = next.run(req).await;
    let status = resp.status();
    // axum's rejections are text/plain; a 405 from the router has no body at all.
    let plain = match resp.headers().get(header::CONTENT_TYPE) {
        Some(v) => v.to_str().is_ok_and(|v| v.starts_with("text/plain")),
        None => true,
    };
    if !status.is_client_error() || !plain {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let error = rejection_error(status, &text);
    let mut out = AppError { error, lang, face }.into_response();
    // Keep the status the extractor chose (400, 405, 413, 415, 422) and what it told
    // the client beyond the text.
    *out.status_mut() = status;
    for h in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = parts.headers.get(&h) {
            out.headers_mut().insert(h, v.clone());
        }
    }
    out
}

/// What a rejection meant, as an error naming the field where one is known.
fn rejection_error(status: StatusCode, text: &str) -> ServiceError {
    if status == StatusCode::PAYLOAD_TOO_LARGE || text.contains("length limit exceeded") {
        return too_large();
    }
    if status == StatusCode::METHOD_NOT_ALLOWED {
        return ServiceError::invalid(
            "method",
            "该地址不接受这种请求方法",
            "this address does not accept that method",
        );
    }
    if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        return ServiceError::invalid(
            "content-type",
            "请求内容类型不对：请用 application/json（接口）或表单提交",
            "wrong content type: send application/json (API) or a form",
        );
    }
    if text.starts_with("Invalid URL") || text.contains("Cannot parse") {
        return ServiceError::invalid(
            "path",
            "地址中的编号无效：应为数字",
            "the id in the address is not valid: it must be a number",
        );
    }
    let detail = plain_serde_message(text);
    let field = serde_field(text).unwrap_or_else(|| {
        if text.contains("query string") {
            "query".into()
        } else {
            "body".into()
        }
    });
    ServiceError::invalid(
        &field,
        format!("请求内容无效：{detail}"),
        format!("the request is not valid: {detail}"),
    )
}

/// A JSON body that does not fit the call, as invalid input naming the field.
pub fn json_error(e: &dyn std::fmt::Display) -> ServiceError {
    let text = e.to_string();
    let detail = plain_serde_message(&text);
    let field = serde_field(&text).unwrap_or_else(|| "body".into());
    ServiceError::invalid(
        &field,
        format!("请求内容不符合该接口的格式：{detail}"),
        format!("the request body does not fit this call: {detail}"),
    )
}

/// The field a serde message names (`missing field \`x\``, `unknown field \`x\``).
pub fn serde_field(msg: &str) -> Option<String> {
    for marker in ["missing field `", "unknown field `", "duplicate field `"] {
        if let Some(i) = msg.find(marker) {
            let rest = &msg[i + marker.len()..];
            return rest.split('`').next().map(str::to_string);
        }
    }
    None
}

/// A serde message without the prefixes axum adds and without Rust type names:
/// "expected struct IntakeBody with 14 elements" becomes "expected a JSON object".
pub fn plain_serde_message(msg: &str) -> String {
    let mut s = msg;
    for prefix in [
        "Failed to deserialize the JSON body into the target type: ",
        "Failed to deserialize query string: ",
        "Failed to deserialize form body: ",
        "Failed to deserialize form: ",
        "Failed to parse the request body as JSON: ",
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
        }
    }
    let mut out = String::new();
    let mut words = s.split(' ').peekable();
    while let Some(w) = words.next() {
        if w == "struct" || w == "enum" || w == "tuple" {
            // "struct Name", then perhaps "with N elements"
            let _name = words.next();
            if words.peek() == Some(&"with") {
                words.next();
                words.next();
                let tail = words.next().unwrap_or("");
                let punct: String = tail.chars().filter(|c| !c.is_alphanumeric()).collect();
                out.push_str(&format!("a JSON object{punct} "));
            } else {
                out.push_str("a JSON object ");
            }
            continue;
        }
        out.push_str(w);
        out.push(' ');
    }
    out.trim_end().chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_where_they_are() {
        assert!(has_control("a\u{0}b"));
        assert!(has_control("a\u{7f}"));
        assert!(!has_control("第一行\n第二行\t备注\r\n"));
        let v = br#"{"content":"ok","residents":[{"name":"ok"},{"name":"x\u0000"}]}"#;
        assert_eq!(json_control(v).as_deref(), Some("residents[1].name"));
        assert_eq!(json_control(br#"{"a":"fine"}"#), None);
        assert_eq!(
            form_control(b"_csrf=x&reason=a%00b").as_deref(),
            Some("reason")
        );
        assert_eq!(form_control(b"reason=a%0Ab"), None);
        let uri: axum::http::Uri = "/tickets/1%00?q=x".parse().unwrap();
        assert_eq!(control_in_uri(&uri).as_deref(), Some("path"));
        let uri: axum::http::Uri = "/tickets?q=%01".parse().unwrap();
        assert_eq!(control_in_uri(&uri).as_deref(), Some("q"));
    }

    #[test]
    fn serde_messages_lose_their_type_names() {
        let m = "Failed to deserialize the JSON body into the target type: invalid type: string \"x\", expected struct IntakeBody with 14 elements at line 1 column 3";
        let p = plain_serde_message(m);
        assert!(!p.contains("IntakeBody"), "{p}");
        assert!(p.contains("expected a JSON object"), "{p}");
        assert_eq!(
            serde_field("unknown field `foo`, expected one of `a`, `b`").as_deref(),
            Some("foo")
        );
    }
}
