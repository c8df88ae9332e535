//! `/admin/jobs`: the registry's timed jobs with their last run (when, how long, what it
//! did or why it failed), their totals, and who holds each lease — what an administrator
//! checks first when deadlines stop being flagged.

use crate::error::AppError;
use crate::extract::Staff;
use crate::i18n::Tr;
use crate::pages::admin_areas::format_ms;
use crate::pages::Nav;
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/jobs", get(show))
}

pub struct JobRow {
    pub name: &'static str,
    pub label: &'static str,
    pub period: String,
    /// Holder and expiry of the lease, or "every process".
    pub lease: String,
    pub last_run: String,
    pub duration: String,
    /// `ok`, `failed` or `never` (also the row's class).
    pub state: &'static str,
    pub outcome: String,
    pub runs: i64,
    pub failures: i64,
    pub last_error_at: String,
}

#[derive(askama::Template)]
#[template(path = "admin/jobs.html")]
struct Page {
    t: Tr,
    nav: Nav,
    rows: Vec<JobRow>,
}

fn seconds(d: std::time::Duration, t: &Tr) -> String {
    format!("{} {}", d.as_secs(), t.t("jobs.seconds"))
}

async fn show(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    let lang = staff.lang;
    let t = Tr::new(lang);
    let views = state
        .service
        .jobs_for(&staff.user)
        .await
        .map_err(|e| AppError::page(e, lang))?;
    let rows = views
        .into_iter()
        .map(|v| {
            let lease = match (v.spec.lease, &v.lease) {
                (None, _) => t.t("jobs.every_process").to_string(),
                (Some(_), Some((holder, until))) => {
                    format!("{holder} · {} {}", t.t("jobs.until"), format_ms(*until))
                }
                (Some(ttl), None) => format!("{} ({})", t.t("jobs.free"), seconds(ttl, &t)),
            };
            let (state, outcome, last_run, duration, runs, failures, last_error_at) =
                match &v.status {
                    None => (
                        "never",
                        String::new(),
                        String::new(),
                        String::new(),
                        0,
                        0,
                        String::new(),
                    ),
                    Some(s) => (
                        if s.ok == 1 { "ok" } else { "failed" },
                        match &s.error {
                            Some(e) => e.clone(),
                            None if s.summary.is_empty() => t.t("jobs.ok").to_string(),
                            None => s.summary.clone(),
                        },
                        format!("{} · {}", format_ms(s.started_at), s.holder),
                        format!("{} ms", s.duration_ms),
                        s.runs,
                        s.failures,
                        s.last_error_at.map(format_ms).unwrap_or_default(),
                    ),
                };
            JobRow {
                name: v.spec.name,
                label: v.spec.label(lang),
                period: seconds(v.spec.period, &t),
                lease,
                last_run,
                duration,
                state,
                outcome,
                runs,
                failures,
                last_error_at,
            }
        })
        .collect();
    let page = Page {
        nav: Nav::new(&staff, "jobs"),
        t,
        rows,
    };
    Ok(crate::render::html(&page))
}
