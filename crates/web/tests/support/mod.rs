//! The router-test harness shared by the suites in this folder: an app over a fresh test
//! database with the demo street, requests through `oneshot`, and logging in through the
//! form with its CSRF token. On SQLite, or PostgreSQL when YIHAOTAI_TEST_DATABASE_URL is set.
#![allow(dead_code, reason = "each suite uses a different part of it")]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use std::sync::Arc;
use tower::ServiceExt;
use yihaotai_service::{ManualClock, Service, ServiceConfig};
use yihaotai_store::testing::TestDb;
use yihaotai_web::{build_app, AppState, WebConfig};

pub const T0: i64 = 1_795_000_000_000;

pub struct App {
    pub _db: TestDb,
    pub app: Router,
    pub svc: Service,
    pub clock: Arc<ManualClock>,
}

pub async fn app() -> App {
    app_with(ServiceConfig::default()).await
}

/// The demo desk with this service configuration.
pub async fn app_with(config: ServiceConfig) -> App {
    let db = TestDb::new().await;
    let clock = Arc::new(ManualClock::new(T0));
    let svc = Service::new(db.store.clone(), clock.clone(), config);
    svc.bootstrap().await.unwrap();
    svc.load_demo().await.unwrap();
    let app = build_app(AppState::new(svc.clone(), WebConfig::default()));
    App {
        _db: db,
        app,
        svc,
        clock,
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(|c| {
                c.split(';')
                    .next()
                    .unwrap()
                    .split_once('=')
                    .unwrap()
                    .1
                    .to_string()
            })
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn is_problem(&self) -> bool {
        self.content_type() == "application/problem+json"
    }
}

/// An API client holding one user's bearer token.
pub struct ApiClient {
    app: Router,
    auth: String,
}

impl ApiClient {
    pub async fn new(a: &App, login: &str) -> ApiClient {
        let token = a.svc.create_api_token(login, "test").await.unwrap();
        ApiClient {
            app: a.app.clone(),
            auth: format!("Bearer {}", token.expose()),
        }
    }
    pub async fn send(&self, method: &str, uri: &str, body: Option<Body>) -> Resp {
        let b = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, &self.auth);
        let req = match body {
            Some(body) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(body)
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        send(&self.app, req).await
    }
    pub async fn get(&self, uri: &str) -> Resp {
        self.send("GET", uri, None).await
    }
    pub async fn post(&self, uri: &str, body: serde_json::Value) -> Resp {
        self.send("POST", uri, Some(Body::from(body.to_string())))
            .await
    }
    /// A JSON request of any method, with or without a body.
    pub async fn json(&self, method: &str, uri: &str, body: Option<serde_json::Value>) -> Resp {
        self.send(method, uri, body.map(|v| Body::from(v.to_string())))
            .await
    }
    /// Issues a ticket command and expects it to succeed; returns the ticket.
    pub async fn ok(&self, id: i64, command: &str, body: serde_json::Value) -> serde_json::Value {
        let r = self
            .post(&format!("/api/v1/tickets/{id}/{command}"), body)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{command}: {}", r.body);
        r.json()
    }
}

pub async fn send(app: &Router, req: Request<Body>) -> Resp {
    let r = app.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = axum::body::to_bytes(r.into_body(), 4 << 20).await.unwrap();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub fn get(uri: &str, cookies: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, cookies)
        .body(Body::empty())
        .unwrap()
}

pub fn post_form(uri: &str, cookies: &str, form: &[(&str, &str)]) -> Request<Body> {
    post_body(uri, cookies, serde_urlencoded::to_string(form).unwrap())
}

/// A form post whose body is already encoded (fields repeated as a browser posts them).
pub fn post_body(uri: &str, cookies: &str, body: String) -> Request<Body> {
    Request::post(uri)
        .header(header::COOKIE, cookies)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

pub fn csrf_in(html: &str) -> String {
    let i = html
        .find("name=\"_csrf\" value=\"")
        .expect("page has a CSRF field")
        + 20;
    html[i..i + html[i..].find('"').unwrap()].to_string()
}

/// Logs in through the form; returns the session cookie header and its CSRF token.
pub async fn login(app: &Router, login: &str, password: &str) -> (String, String) {
    let page = send(app, get("/login", "")).await;
    let pre = page.cookie("yht_pre").expect("pre-login cookie");
    let token = csrf_in(&page.body);
    let r = send(
        app,
        post_form(
            "/login",
            &format!("yht_pre={pre}"),
            &[
                ("_csrf", &token),
                ("login", login),
                ("password", password),
                ("next", "/"),
            ],
        ),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "login as {login}: {}",
        r.body
    );
    let session = r.cookie("yht_session").expect("session cookie");
    let cookies = format!("yht_session={session}");
    let home = send(app, get("/", &cookies)).await;
    assert_eq!(home.status, StatusCode::OK);
    (cookies, csrf_in(&home.body))
}
