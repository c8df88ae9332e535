//! Pasting a WeChat group's messages: the agent chooses the group's compound, checks the
//! requests read from it (critical first, the group's noise unticked with its reason) and
//! confirms them as tickets the dispatch catalogue sends on.

use crate::error::AppError;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::triage::reason_text;
use crate::pages::Nav;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use yihaotai_domain::ticket::Disposition;
use yihaotai_domain::triage::NotARequest;
use yihaotai_domain::vocab::{Channel, Lang, RequestType, Urgency};
use yihaotai_domain::{AreaId, HouseholdId};
use yihaotai_service::paste::{address_text, ConfirmedRequest, PasteChoice, PastePreview};
use yihaotai_service::tickets::IntakeInput;
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tickets/paste", get(paste_page).post(preview))
        .route("/tickets/paste/confirm", post(confirm))
}

#[derive(askama::Template)]
#[template(path = "triage/paste.html")]
struct PastePage {
    t: Tr,
    nav: Nav,
    text: String,
    compounds: Vec<(i64, String)>,
    compound: i64,
    building: String,
}

async fn paste_form(
    state: &AppState,
    staff: &Staff,
    form: PasteForm,
    error: Option<String>,
) -> Result<Response, AppError> {
    let compounds: Vec<(i64, String)> = state
        .service
        .compound_directory(&staff.user)
        .await
        .map_err(|e| AppError::page(e, staff.lang))?
        .into_iter()
        .map(|c| (c.id.0, c.name))
        .collect();
    let compound = match (form.compound(), compounds.as_slice()) {
        (Some(c), _) => c.0,
        (None, [only]) => only.0,
        _ => 0,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = PastePage {
        t: Tr::new(staff.lang),
        nav: Nav::new(staff, "paste").with_error(error),
        text: form.text,
        compounds,
        compound,
        building: form.building,
    };
    Ok((status, crate::render::html(&page)).into_response())
}

async fn paste_page(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    paste_form(&state, &staff, PasteForm::default(), None).await
}

/// One row of the confirmation table, as shown (and as posted back).
struct PreviewRow {
    include: bool,
    /// Why the row is unticked ("" for a request), its code posted back.
    skip: String,
    skip_code: String,
    /// The caller's name (the sender without the address in it).
    sender: String,
    sent_at: String,
    /// How many of the sender's messages the request joins.
    messages: usize,
    text: String,
    /// Those who said "+1", as recorded on the ticket.
    co: Vec<String>,
    category: String,
    urgency: String,
    epidemic: bool,
    /// The address read, and whether from the sender's name.
    address: String,
    address_from_sender: bool,
    household_id: String,
    household_address: String,
    /// The household is the nearest to a partial address, not an exact match.
    household_approx: bool,
    reasons: Vec<String>,
    suggestion: String,
}

#[derive(askama::Template)]
#[template(path = "triage/preview.html")]
struct PreviewPage {
    t: Tr,
    nav: Nav,
    rows: Vec<PreviewRow>,
    categories: Vec<(String, String)>,
    urgencies: Vec<(&'static str, &'static str)>,
    compound: i64,
    /// "锦绣花园（由群名识别）· 3栋"
    place: String,
    critical: usize,
    urgent: usize,
    total: usize,
    skipped: usize,
}

/// The counts at the top: what is in the table, and what was left unticked.
fn counts(rows: &[PreviewRow]) -> (usize, usize, usize, usize) {
    let needs = || rows.iter().filter(|r| r.skip.is_empty());
    (
        needs().filter(|r| r.urgency == "critical").count(),
        needs().filter(|r| r.urgency == "urgent").count(),
        needs().count(),
        rows.len() - needs().count(),
    )
}

async fn preview_page(
    state: &AppState,
    staff: &Staff,
    rows: Vec<PreviewRow>,
    compound: i64,
    place: String,
    error: Option<String>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let cats = state
        .service
        .categories()
        .await
        .map_err(|e| AppError::page(e, lang))?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (critical, urgent, total, skipped) = counts(&rows);
    let page = PreviewPage {
        t: Tr::new(lang),
        nav: Nav::new(staff, "paste").with_error(error),
        rows,
        categories: cats
            .iter()
            .filter(|c| c.active != 0)
            .map(|c| {
                (
                    c.code.clone(),
                    lang.pick(&c.name_zh, &c.name_en).to_string(),
                )
            })
            .collect(),
        urgencies: Urgency::ALL
            .iter()
            .map(|u| (u.code(), u.label(lang)))
            .collect(),
        compound,
        place,
        critical,
        urgent,
        total,
        skipped,
    };
    Ok((status, crate::render::html(&page)).into_response())
}

#[derive(serde::Deserialize, Default)]
struct PasteForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    compound: String,
    #[serde(default)]
    building: String,
}

impl PasteForm {
    fn compound(&self) -> Option<AreaId> {
        self.compound.trim().parse().ok().map(AreaId)
    }
}

fn place_text(p: &PastePreview, lang: Lang) -> String {
    let mut s = p.compound.name.clone();
    if p.compound_from_title {
        s.push_str(lang.pick("（由群名识别）", " (from the group's name)"));
    }
    if let Some(b) = &p.building {
        s.push_str(&format!(" · {b}{}", lang.pick("栋", "")));
    }
    s
}

async fn preview(
    State(state): State<AppState>,
    CsrfForm { staff, form }: CsrfForm<PasteForm>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    // A compound that is not a number is a tampered form: refuse it, never read it as none.
    if !form.compound.trim().is_empty() && form.compound().is_none() {
        let e = ServiceError::invalid("compound", "所选小区无效", "the compound is not valid");
        return paste_form(&state, &staff, form, Some(e.localized(lang))).await;
    }
    let choice = PasteChoice {
        compound: form.compound(),
        building: Some(form.building.clone()),
    };
    let p = match state
        .service
        .preview_paste(&staff.user, &form.text, &choice)
        .await
    {
        Ok(p) => p,
        Err(e @ ServiceError::Invalid { .. }) => {
            return paste_form(&state, &staff, form, Some(e.localized(lang))).await;
        }
        Err(e) => return Err(AppError::page(e, lang)),
    };
    let cats = state
        .service
        .categories()
        .await
        .map_err(|e| AppError::page(e, lang))?;
    let place = place_text(&p, lang);
    let compound = p.compound.id.0;
    let rows = p
        .requests
        .into_iter()
        .map(|r| {
            let co = r.co_requester_lines();
            let a = &r.triage.analysis;
            PreviewRow {
                include: r.skip.is_none(),
                skip: r
                    .skip
                    .map(|s| s.label(lang).to_string())
                    .unwrap_or_default(),
                skip_code: r.skip.map(|s| s.code().to_string()).unwrap_or_default(),
                sender: r.name.clone().or(r.sender.clone()).unwrap_or_default(),
                sent_at: r.sent_at.clone().unwrap_or_default(),
                messages: r.messages,
                co,
                category: a.category.as_str().to_string(),
                urgency: a.urgency.code().to_string(),
                epidemic: a.epidemic_related,
                address: if a.address.room.is_some() {
                    address_text(&a.address)
                } else {
                    String::new()
                },
                address_from_sender: r.address_from_sender,
                household_id: r
                    .triage
                    .household_id
                    .map(|h| h.to_string())
                    .unwrap_or_default(),
                household_address: r.triage.household_address.clone().unwrap_or_default(),
                household_approx: r.triage.household_exact == Some(false),
                reasons: a
                    .reasons
                    .iter()
                    .map(|x| reason_text(x, &cats, lang))
                    .collect(),
                suggestion: serde_json::to_string(&r.triage).unwrap_or_default(),
                text: r.text,
            }
        })
        .collect();
    preview_page(&state, &staff, rows, compound, place, None).await
}

#[derive(serde::Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    compound: String,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    epidemic: Vec<String>,
    #[serde(default)]
    sender: Vec<String>,
    #[serde(default)]
    sent_at: Vec<String>,
    #[serde(default)]
    content: Vec<String>,
    #[serde(default)]
    co: Vec<String>,
    #[serde(default)]
    skip: Vec<String>,
    #[serde(default)]
    category: Vec<String>,
    #[serde(default)]
    urgency: Vec<String>,
    #[serde(default)]
    household_id: Vec<String>,
    #[serde(default)]
    suggestion: Vec<String>,
}

impl ConfirmForm {
    /// The rows' indices in a list of ticks, or None when one is not a row of the table.
    fn ticks(list: &[String], n: usize) -> Option<Vec<usize>> {
        list.iter()
            .map(|s| s.trim().parse().ok().filter(|i| *i < n))
            .collect()
    }
}

#[derive(askama::Template)]
#[template(path = "triage/created.html")]
struct CreatedPage {
    t: Tr,
    nav: Nav,
    created: Vec<CreatedRow>,
}

struct CreatedRow {
    id: i64,
    number: String,
    urgency: &'static str,
    urgency_label: &'static str,
    title: String,
    agency: String,
    /// When the agency must accept it.
    accept_by: String,
}

fn tampered() -> ServiceError {
    ServiceError::invalid(
        "form",
        "确认表格不完整或已被改动，请重新粘贴",
        "the confirmation table is incomplete or was altered; paste again",
    )
}

async fn confirm(
    State(state): State<AppState>,
    CsrfForm { staff, form }: CsrfForm<ConfirmForm>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let n = form.content.len();
    let aligned = [
        form.sender.len(),
        form.sent_at.len(),
        form.co.len(),
        form.skip.len(),
        form.category.len(),
        form.urgency.len(),
        form.household_id.len(),
        form.suggestion.len(),
    ]
    .iter()
    .all(|l| *l == n);
    let compound = form.compound.trim().parse::<i64>().ok();
    let include = ConfirmForm::ticks(&form.include, n);
    let epidemic = ConfirmForm::ticks(&form.epidemic, n);
    let (Some(compound), Some(include), Some(epidemic), true, false) =
        (compound, include, epidemic, aligned, n == 0)
    else {
        return Err(AppError::page(tampered(), lang));
    };
    // Rebuild the rows as posted, so a refusal shows the agent's own corrections.
    let rows: Vec<PreviewRow> = (0..n)
        .map(|i| {
            let skip = NotARequest::parse(&form.skip[i]);
            PreviewRow {
                include: include.contains(&i),
                skip: skip.map(|s| s.label(lang).to_string()).unwrap_or_default(),
                skip_code: skip.map(|s| s.code().to_string()).unwrap_or_default(),
                sender: form.sender[i].clone(),
                sent_at: form.sent_at[i].clone(),
                messages: 1,
                text: form.content[i].clone(),
                co: form.co[i]
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
                category: form.category[i].clone(),
                urgency: form.urgency[i].clone(),
                epidemic: epidemic.contains(&i),
                address: String::new(),
                address_from_sender: false,
                household_id: form.household_id[i].clone(),
                household_address: String::new(),
                household_approx: false,
                reasons: Vec::new(),
                suggestion: form.suggestion[i].clone(),
            }
        })
        .collect();
    let place = state
        .service
        .compound_directory(&staff.user)
        .await
        .map_err(|e| AppError::page(e, lang))?
        .into_iter()
        .find(|c| c.id.0 == compound)
        .map(|c| c.name);
    let Some(place) = place else {
        return Err(AppError::page(
            ServiceError::invalid(
                "compound",
                "所选小区不存在或不在您负责的区域内，请重新粘贴并选择小区",
                "the compound does not exist or is outside the areas you serve; paste again and choose one",
            ),
            lang,
        ));
    };
    let mut confirmed = Vec::new();
    for (i, r) in rows.iter().enumerate().filter(|(_, r)| r.include) {
        match confirmed_row(i, r) {
            Ok(c) => confirmed.push(c),
            Err(e) => {
                let msg = e.localized(lang);
                return preview_page(&state, &staff, rows, compound, place, Some(msg)).await;
            }
        }
    }
    if confirmed.is_empty() {
        let e = ServiceError::invalid("include", "没有勾选任何一条", "no request is ticked");
        let msg = e.localized(lang);
        return preview_page(&state, &staff, rows, compound, place, Some(msg)).await;
    }
    let made = match state
        .service
        .confirm_paste(&staff.user, AreaId(compound), confirmed)
        .await
    {
        Ok(made) => made,
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict { .. })) => {
            let msg = e.localized(lang);
            return preview_page(&state, &staff, rows, compound, place, Some(msg)).await;
        }
        Err(e) => return Err(AppError::page(e, lang)),
    };
    let agencies = state
        .service
        .agencies_for(&staff.user)
        .await
        .unwrap_or_default();
    let created = made
        .iter()
        .map(|m| {
            let t = &m.record.ticket;
            CreatedRow {
                id: m.record.id.0,
                number: m.record.number.clone(),
                urgency: t.urgency.code(),
                urgency_label: t.urgency.label(lang),
                title: t.content.chars().take(40).collect(),
                agency: t
                    .assigned
                    .map(|a| {
                        agencies
                            .iter()
                            .find(|g| g.row.id == a.0)
                            .map(|g| g.row.name.clone())
                            .unwrap_or_else(|| format!("#{}", a.0))
                    })
                    .unwrap_or_default(),
                accept_by: t
                    .deadlines
                    .accept_by
                    .map(|d| crate::pages::admin_areas::format_ms(d.as_millisecond()))
                    .unwrap_or_default(),
            }
        })
        .collect();
    Ok(crate::render::html(&CreatedPage {
        t: Tr::new(lang),
        nav: Nav::new(&staff, "paste"),
        created,
    }))
}

/// One ticked row as an intake, or the error that names it.
fn confirmed_row(i: usize, r: &PreviewRow) -> Result<ConfirmedRequest, ServiceError> {
    let row_err = |field: &str, zh: String, en: String| {
        ServiceError::invalid(
            &format!("{field}#{}", i + 1),
            format!("第{}条：{zh}", i + 1),
            format!("request {}: {en}", i + 1),
        )
    };
    let urgency = Urgency::parse(&r.urgency)
        .map_err(|e| row_err("urgency", e.localized(Lang::Zh), e.localized(Lang::En)))?;
    let household = match r.household_id.trim() {
        "" => None,
        h => Some(HouseholdId(h.parse().map_err(|_| {
            row_err(
                "household_id",
                format!("住户编号“{h}”无效"),
                format!("household id '{h}' is not a number"),
            )
        })?)),
    };
    Ok(ConfirmedRequest {
        row: i,
        input: IntakeInput {
            channel: Channel::Wechat,
            request_type: if urgency == Urgency::Consult {
                RequestType::Consult
            } else {
                RequestType::Help
            },
            category: r.category.clone(),
            urgency,
            epidemic_related: r.epidemic,
            confidential: false,
            caller_name: Some(r.sender.trim().to_string()).filter(|s| !s.is_empty()),
            caller_phone: None,
            household,
            area: None,
            content: r.text.clone(),
            disposition: Disposition::Dispatch,
            dispatch_to: None,
            suggestion: Some(r.suggestion.clone()).filter(|s| !s.is_empty()),
            downgrade_reason: None,
        },
        co_requesters: r.co.clone(),
    })
}
