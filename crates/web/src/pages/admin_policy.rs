//! Deadlines (时限规则): the rule table in force and the working calendar, readable by desk
//! staff; a city administrator edits it as TOML, checked before anything is saved.

use crate::error::AppError;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::{Nav, SavedFlag};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use yihaotai_domain::ticket::{Policy, Span};
use yihaotai_domain::vocab::Lang;
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/policy", get(show).post(save))
        .route("/admin/policy/reset", post(reset))
}

struct RuleRow {
    n: usize,
    urgency: String,
    epidemic: String,
    request_types: String,
    accept: String,
    contact: String,
    resolve: String,
}

#[derive(askama::Template)]
#[template(path = "admin/policy.html")]
struct Page {
    t: Tr,
    nav: Nav,
    rules: Vec<RuleRow>,
    resupervise: String,
    holidays: Vec<String>,
    makeup: Vec<String>,
    builtin: bool,
    may_edit: bool,
    toml: String,
    /// Saved versions, newest first: (in force from, set by, built-in or saved rules).
    versions: Vec<(String, String, &'static str)>,
}

fn rows(p: &Policy, lang: Lang) -> Vec<RuleRow> {
    let any = lang.pick("不限", "any");
    let span = |s: Span| s.label(lang);
    p.rules
        .iter()
        .enumerate()
        .map(|(i, r)| RuleRow {
            n: i + 1,
            urgency: r
                .urgency
                .map(|u| u.label(lang).to_string())
                .unwrap_or_else(|| any.into()),
            epidemic: match r.epidemic_related {
                None => any.into(),
                Some(true) => lang.pick("涉疫", "yes").into(),
                Some(false) => lang.pick("非涉疫", "no").into(),
            },
            request_types: if r.request_types.is_empty() {
                any.into()
            } else {
                r.request_types
                    .iter()
                    .map(|t| t.label(lang))
                    .collect::<Vec<_>>()
                    .join(lang.pick("、", ", "))
            },
            accept: span(r.accept_within),
            contact: r.contact_within.map(span).unwrap_or_else(|| "—".into()),
            resolve: span(r.resolve_within),
        })
        .collect()
}

/// `2026-02-15 至 2026-02-23、2026-04-04 至 2026-04-06`: runs of consecutive days read as
/// the holiday periods of the notice they come from.
fn date_ranges(ds: &[jiff::civil::Date], lang: Lang) -> Vec<String> {
    let mut sorted = ds.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut runs: Vec<(jiff::civil::Date, jiff::civil::Date)> = Vec::new();
    for d in sorted {
        match runs.last_mut() {
            Some((_, end)) if end.tomorrow().ok() == Some(d) => *end = d,
            _ => runs.push((d, d)),
        }
    }
    runs.iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}{}{b}", lang.pick(" 至 ", " to "))
            }
        })
        .collect()
}

async fn page(
    state: &AppState,
    staff: &Staff,
    typed: Option<String>,
    error: Option<String>,
    saved: bool,
) -> Result<Page, AppError> {
    let lang = staff.lang;
    let svc = &state.service;
    let view = svc
        .policy_view(&staff.user)
        .await
        .map_err(|e| AppError::page(e, lang))?;
    let p = &view.policy;
    let dates = |ds: &[jiff::civil::Date]| date_ranges(ds, lang);
    Ok(Page {
        t: Tr::new(lang),
        nav: Nav::new(staff, "policy")
            .with_error(error)
            .with_saved(saved),
        rules: rows(p, lang),
        resupervise: p.resupervise_after.label(lang),
        holidays: dates(&p.calendar.holidays),
        makeup: dates(&p.calendar.makeup_workdays),
        builtin: view.builtin,
        may_edit: svc.may_edit_policy(&staff.user).await,
        toml: typed.unwrap_or(view.toml),
        versions: svc
            .policy_versions(&staff.user)
            .await
            .map_err(|e| AppError::page(e, lang))?
            .into_iter()
            .map(|v| {
                (
                    if v.effective_at == 0 {
                        Tr::new(lang).t("policy.since_always").to_string()
                    } else {
                        crate::pages::admin_areas::format_ms(v.effective_at)
                    },
                    v.set_by_name.unwrap_or_default(),
                    if v.value.is_some() {
                        "policy.custom"
                    } else {
                        "policy.builtin"
                    },
                )
            })
            .collect(),
    })
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SavedFlag>,
) -> Result<Response, AppError> {
    let p = page(&state, &staff, None, None, q.is_set()).await?;
    Ok(crate::render::html(&p).into_response())
}

#[derive(serde::Deserialize)]
struct PolicyForm {
    #[serde(default)]
    policy: String,
}

async fn save(
    State(state): State<AppState>,
    CsrfForm { staff, form }: CsrfForm<PolicyForm>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    match state.service.set_policy(&staff.user, &form.policy).await {
        Ok(_) => Ok(Redirect::to("/admin/policy?saved=1").into_response()),
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Forbidden { .. })) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let p = page(
                &state,
                &staff,
                Some(form.policy),
                Some(e.localized(lang)),
                false,
            )
            .await?;
            Ok((status, crate::render::html(&p)).into_response())
        }
        Err(e) => Err(AppError::page(e, lang)),
    }
}

#[derive(serde::Deserialize)]
struct Empty {}

async fn reset(
    State(state): State<AppState>,
    CsrfForm { staff, form: _ }: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    state
        .service
        .reset_policy(&staff.user)
        .await
        .map_err(|e| AppError::page(e, staff.lang))?;
    Ok(Redirect::to("/admin/policy?saved=1").into_response())
}
