//! Triage pages: the leader's clusters of similar requests and the lexicon's reload button
//! (pasting a group chat is in `paste`).

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
use yihaotai_domain::ticket::DispatchMode;
use yihaotai_domain::triage::Reason;
use yihaotai_domain::vocab::{CareTag, Lang, Urgency};
use yihaotai_domain::{AgencyId, TicketId};
use yihaotai_service::clusters::ClusterAction;
use yihaotai_service::model::CategoryRow;
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/clusters", get(clusters))
        .route("/clusters/handle", post(handle_cluster))
        .route("/admin/triage", get(lexicon_page))
        .route("/admin/triage/reload", post(reload))
        .route("/admin/triage/try", post(try_text))
}

fn page_err(lang: Lang) -> impl Fn(ServiceError) -> AppError {
    move |e| AppError::page(e, lang)
}

/// A triage reason as the desk reads it: 紧急：降压药…吃完, not urgent：降压药…吃完.
pub(crate) fn reason_text(r: &Reason, cats: &[CategoryRow], lang: Lang) -> String {
    // The model's answers carry their field in the value: "urgency:critical".
    if let Some((field, code)) = r.value.split_once(':') {
        if matches!(r.field.as_str(), "model" | "runner_up") {
            let inner = Reason {
                field: field.to_string(),
                value: code.to_string(),
                phrase: r.phrase.clone(),
            };
            let head = match r.field.as_str() {
                "model" => lang.pick("模型", "model"),
                _ => lang.pick("次选", "runner-up"),
            };
            return format!("{head} · {}", reason_text(&inner, cats, lang));
        }
    }
    let value = match r.field.as_str() {
        "category" => cats
            .iter()
            .find(|c| c.code == r.value)
            .map(|c| lang.pick(&c.name_zh, &c.name_en).to_string()),
        // The short form, as in the tables: 紧急, not 紧急（当日）.
        "urgency" => Urgency::parse(&r.value).ok().map(|u| {
            let l = u.label(lang);
            l.split(['（', '(']).next().unwrap_or(l).trim().to_string()
        }),
        "care" => CareTag::parse(&r.value)
            .ok()
            .map(|c| c.label(lang).to_string()),
        "epidemic" => Some(lang.pick("涉疫", "epidemic").to_string()),
        "negated" => Some(lang.pick("已排除", "ruled out").to_string()),
        "verify" => Some(lang.pick("请核实", "check").to_string()),
        _ => None,
    }
    .unwrap_or_else(|| r.value.clone());
    format!("{value}{}{}", lang.pick("：", ": "), r.phrase)
}

struct ClusterBlock {
    place: String,
    category: String,
    /// The catalogue's agency for the cluster's first request (0: none), preselected.
    suggested: i64,
    /// (id, number, title, status code, status label, registered)
    rows: Vec<(i64, String, String, String, String, String)>,
}

#[derive(askama::Template)]
#[template(path = "triage/clusters.html")]
struct ClustersPage {
    t: Tr,
    nav: Nav,
    rule: String,
    clusters: Vec<ClusterBlock>,
    agencies: Vec<(i64, String)>,
}

async fn clusters(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SavedFlag>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let svc = &state.service;
    let rule = svc.config.cluster_rule;
    let found = svc
        .clusters_for(&staff.user, &rule)
        .await
        .map_err(page_err(lang))?;
    let cats = svc.categories().await.map_err(page_err(lang))?;
    let cat = |c: &str| {
        cats.iter()
            .find(|x| x.code == c)
            .map(|x| lang.pick(&x.name_zh, &x.name_en).to_string())
            .unwrap_or_else(|| c.to_string())
    };
    let mut suggested = Vec::with_capacity(found.len());
    for c in &found {
        let s = match c.tickets.first() {
            Some(r) => svc
                .suggest_dispatch(&r.category, &r.area_path)
                .await
                .map_err(page_err(lang))?,
            None => None,
        };
        suggested.push(s.map_or(0, |s| s.agency_id));
    }
    let clusters = found
        .into_iter()
        .zip(suggested)
        .map(|(c, suggested)| ClusterBlock {
            place: c.place,
            category: cat(&c.category),
            suggested,
            rows: c
                .tickets
                .into_iter()
                .map(|r| {
                    let status = yihaotai_domain::ticket::Status::parse(&r.status)
                        .map(|s| s.label(lang).to_string())
                        .unwrap_or(r.status.clone());
                    (
                        r.id,
                        r.number,
                        r.title,
                        r.status,
                        status,
                        crate::pages::admin_areas::format_ms(r.registered_at),
                    )
                })
                .collect(),
        })
        .collect();
    let agencies = svc
        .agencies_for(&staff.user)
        .await
        .map_err(page_err(lang))?
        .into_iter()
        .filter(|a| a.row.active != 0)
        .map(|a| (a.row.id, a.row.name))
        .collect();
    let rule = match lang {
        Lang::Zh => format!(
            "规则：同一楼栋或小区，{}小时内同类诉求不少于{}件",
            rule.window_ms / 3_600_000,
            rule.min_count
        ),
        Lang::En => format!(
            "Rule: at least {} similar requests from one building or compound within {} hours",
            rule.min_count,
            rule.window_ms / 3_600_000
        ),
    };
    Ok(crate::render::html(&ClustersPage {
        t: Tr::new(lang),
        nav: Nav::new(&staff, "clusters").with_saved(q.is_set()),
        rule,
        clusters,
        agencies,
    }))
}

#[derive(serde::Deserialize)]
struct HandleForm {
    #[serde(default)]
    ticket: Vec<i64>,
    #[serde(default)]
    agency: Option<i64>,
    #[serde(default)]
    action: String,
}

async fn handle_cluster(
    State(state): State<AppState>,
    CsrfForm { staff, form }: CsrfForm<HandleForm>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let ids: Vec<TicketId> = form.ticket.iter().map(|i| TicketId(*i)).collect();
    let action = match (form.action.as_str(), form.agency) {
        ("dispatch", Some(a)) => ClusterAction::DispatchAll {
            agency: AgencyId(a),
            mode: DispatchMode::Direct,
        },
        ("merge", _) if !ids.is_empty() => ClusterAction::MergeInto { main: ids[0] },
        _ => {
            return Err(AppError::page(
                ServiceError::invalid(
                    "action",
                    "请选择处理方式",
                    "choose how to handle the cluster",
                ),
                lang,
            ))
        }
    };
    state
        .service
        .handle_cluster(&staff.user, &ids, &action)
        .await
        .map_err(page_err(lang))?;
    Ok(Redirect::to("/clusters?saved=1").into_response())
}

#[derive(askama::Template)]
#[template(path = "triage/admin.html")]
struct LexiconPage {
    t: Tr,
    nav: Nav,
    source: String,
    sample: String,
    /// (category, urgency code, urgency label, household, reasons)
    result: Option<(String, &'static str, &'static str, String, Vec<String>)>,
}

fn lexicon_source(state: &AppState, lang: Lang) -> String {
    match &state.service.config.triage_lexicon {
        Some(p) => p.display().to_string(),
        None => lang
            .pick(
                "内置词库（可在配置中设置 triage_lexicon 使用自定义文件）",
                "built-in lexicon (set triage_lexicon in the configuration to use your own file)",
            )
            .to_string(),
    }
}

async fn lexicon_page(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    if !staff.user.roles.is_admin() {
        return Err(AppError::page(
            ServiceError::forbidden("需要管理员角色", "this needs the administrator role"),
            staff.lang,
        ));
    }
    Ok(crate::render::html(&LexiconPage {
        t: Tr::new(staff.lang),
        source: lexicon_source(&state, staff.lang),
        nav: Nav::new(&staff, "lexicon"),
        sample: "锦绣花园3栋2单元501，老人胸口疼得厉害".into(),
        result: None,
    }))
}

#[derive(serde::Deserialize)]
struct Empty {}

async fn reload(
    State(state): State<AppState>,
    CsrfForm { staff, .. }: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    match state.service.reload_triage_as(&staff.user).await {
        Ok(()) => Ok(crate::render::html(&LexiconPage {
            t: Tr::new(lang),
            source: lexicon_source(&state, lang),
            nav: Nav::new(&staff, "lexicon").with_saved(true),
            sample: String::new(),
            result: None,
        })),
        Err(e @ ServiceError::Invalid { .. }) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            crate::render::html(&LexiconPage {
                t: Tr::new(lang),
                source: lexicon_source(&state, lang),
                nav: Nav::new(&staff, "lexicon").with_error(Some(e.localized(lang))),
                sample: String::new(),
                result: None,
            }),
        )
            .into_response()),
        Err(e) => Err(AppError::page(e, lang)),
    }
}

#[derive(serde::Deserialize)]
struct TryForm {
    #[serde(default)]
    text: String,
}

async fn try_text(
    State(state): State<AppState>,
    CsrfForm { staff, form }: CsrfForm<TryForm>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let r = state.service.analyze_text(&staff.user, &form.text).await;
    let (result, error) = match r {
        Ok(r) => {
            let a = &r.analysis;
            (
                Some((
                    a.category.as_str().to_string(),
                    a.urgency.code(),
                    a.urgency.label(lang),
                    r.household_address.clone().unwrap_or_else(|| "—".into()),
                    a.reasons
                        .iter()
                        .map(|x| format!("{}：{}", x.value, x.phrase))
                        .collect(),
                )),
                None,
            )
        }
        Err(e @ ServiceError::Invalid { .. }) => (None, Some(e.localized(lang))),
        Err(e) => return Err(AppError::page(e, lang)),
    };
    Ok(crate::render::html(&LexiconPage {
        t: Tr::new(lang),
        source: lexicon_source(&state, lang),
        nav: Nav::new(&staff, "lexicon").with_error(error),
        sample: form.text,
        result,
    }))
}
