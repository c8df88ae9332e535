//! Staff pages, one module per page group. Every handler takes a `Staff` (or a
//! `CsrfForm`), so no page is reachable without a live session.

pub mod admin_agencies;
pub mod admin_areas;
pub mod admin_catalogue;
pub mod admin_jobs;
pub mod admin_policy;
pub mod admin_users;
pub mod auth;
pub mod home;
pub mod household_lists;
pub mod households;
pub mod paste;
pub mod tickets;
pub mod triage;

use crate::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use yihaotai_domain::role::Role;

/// What the layout needs to draw the header.
pub struct Nav {
    pub name: String,
    pub is_admin: bool,
    /// Records requests, dispatches, calls back: agents, dispatchers, leaders, admins.
    pub is_desk: bool,
    /// Works an agency's inbox.
    pub is_handler: bool,
    /// Sees the alarm for critical tickets nobody accepted in time.
    pub is_leader: bool,
    pub csrf: String,
    pub active: &'static str,
    pub error: Option<String>,
    pub saved: bool,
}

impl Nav {
    pub fn new(staff: &crate::extract::Staff, active: &'static str) -> Nav {
        let roles = &staff.user.roles;
        Nav {
            name: staff.user.display_name.clone(),
            is_admin: roles.is_admin(),
            is_desk: roles.is_desk(),
            is_handler: roles.has(Role::Handler) && staff.user.agency_id.is_some(),
            is_leader: roles.any(&[Role::Admin, Role::Leader]),
            csrf: staff.csrf.clone(),
            active,
            error: None,
            saved: false,
        }
    }
    pub fn with_error(mut self, e: Option<String>) -> Nav {
        self.error = e;
        self
    }
    pub fn with_saved(mut self, saved: bool) -> Nav {
        self.saved = saved;
        self
    }
}

/// `?saved=1` after a successful form post.
#[derive(serde::Deserialize, Default)]
pub struct SavedFlag {
    #[serde(default)]
    pub saved: Option<String>,
}

impl SavedFlag {
    pub fn is_set(&self) -> bool {
        self.saved.is_some()
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(home::router())
        .merge(households::router())
        .merge(household_lists::router())
        .merge(admin_areas::router())
        .merge(admin_agencies::router())
        .merge(admin_users::router())
        .merge(admin_catalogue::router())
        .merge(admin_policy::router())
        .merge(admin_jobs::router())
        .merge(tickets::router())
        .merge(triage::router())
        .merge(paste::router())
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .route("/favicon.ico", get(favicon))
        .route("/api/docs", get(crate::api::doc::page))
}

/// The desk's mark for the browser tab: 一 in white on the alarm red.
async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/favicon.svg"),
    )
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.js"),
    )
}

/// Splits "a, b，c" into trimmed non-empty parts.
/// The active categories as the options of a select: (code, label, selected).
pub fn category_choices(
    cats: &[yihaotai_service::model::CategoryRow],
    lang: yihaotai_domain::vocab::Lang,
    current: &str,
) -> Vec<(String, String, bool)> {
    cats.iter()
        .filter(|c| c.active != 0)
        .map(|c| {
            (
                c.code.clone(),
                lang.pick(&c.name_zh, &c.name_en).to_string(),
                c.code == current,
            )
        })
        .collect()
}

/// A category's name in the viewer's language; its code when it is not in the catalogue.
pub fn category_label(
    cats: &[yihaotai_service::model::CategoryRow],
    code: &str,
    lang: yihaotai_domain::vocab::Lang,
) -> String {
    cats.iter()
        .find(|c| c.code == code)
        .map(|c| lang.pick(&c.name_zh, &c.name_en).to_string())
        .unwrap_or_else(|| code.to_string())
}

pub fn split_list(s: &str) -> Vec<String> {
    s.split([',', '，', '、'])
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}
