//! Intake (登记诉求): the form an agent fills in while the resident is on the line. Open
//! tickets from the same caller are offered as follow-ups before a new one is made.

use super::{is_user_error, page_err, row_view, AreaNames, Categories, RowView};
use crate::error::AppError;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::Nav;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use yihaotai_domain::person::{mask_middle, Phone};
use yihaotai_domain::ticket::{DispatchMode, Disposition, EmergencyService};
use yihaotai_domain::vocab::{CareTag, Channel, Lang, RequestType, Urgency};
use yihaotai_domain::{AgencyId, AreaId, HouseholdId};
use yihaotai_service::tickets::IntakeInput;
use yihaotai_service::ServiceError;

#[derive(serde::Deserialize, Clone)]
pub struct IntakeForm {
    #[serde(default)]
    content: String,
    #[serde(default)]
    caller_name: String,
    #[serde(default)]
    caller_phone: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    request_type: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    epidemic: Option<String>,
    #[serde(default)]
    confidential: Option<String>,
    #[serde(default)]
    household_q: String,
    #[serde(default)]
    household_id: String,
    /// A household chosen from the picker's list (which works without JavaScript).
    #[serde(default)]
    household_pick: String,
    #[serde(default)]
    disposition: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    emergency: String,
    #[serde(default)]
    transfer_note: String,
    #[serde(default)]
    dispatch_agency: String,
    #[serde(default)]
    dispatch_mode: String,
    #[serde(default)]
    suggestion: String,
    /// The compound triage read from the address, when no household was picked.
    #[serde(default)]
    area_id: String,
    #[serde(default)]
    force_new: Option<String>,
    /// Why the agent keeps an urgency below triage's (see `settle_urgency`).
    #[serde(default)]
    downgrade_reason: String,
    /// `find` looks up households (the picker without JavaScript); anything else creates.
    #[serde(default)]
    action: String,
}

impl Default for IntakeForm {
    fn default() -> Self {
        IntakeForm {
            content: String::new(),
            caller_name: String::new(),
            caller_phone: String::new(),
            channel: Channel::Hotline12345.code().into(),
            request_type: RequestType::Help.code().into(),
            category: String::new(),
            urgency: Urgency::Normal.code().into(),
            epidemic: None,
            confidential: None,
            household_q: String::new(),
            household_id: String::new(),
            household_pick: String::new(),
            disposition: "dispatch".into(),
            answer: String::new(),
            emergency: EmergencyService::Ambulance.code().into(),
            transfer_note: String::new(),
            // At 3 a.m. the catalogue's agency is the right one far more often than not.
            dispatch_agency: AUTO.into(),
            dispatch_mode: DispatchMode::Direct.code().into(),
            suggestion: String::new(),
            area_id: String::new(),
            force_new: None,
            downgrade_reason: String::new(),
            action: String::new(),
        }
    }
}

/// A household offered by the picker.
#[derive(serde::Serialize)]
pub struct HitView {
    id: i64,
    address: String,
    residents: String,
    phones: String,
    care: String,
}

type Choice = (&'static str, &'static str, bool);

#[derive(askama::Template)]
#[template(path = "tickets/intake.html")]
struct IntakePage {
    t: Tr,
    nav: Nav,
    f: IntakeForm,
    channels: Vec<Choice>,
    request_types: Vec<Choice>,
    categories: Vec<(String, String, bool)>,
    urgencies: Vec<Choice>,
    emergencies: Vec<Choice>,
    agencies: Vec<(String, String, bool)>,
    modes: Vec<Choice>,
    followups: Vec<RowView>,
    hits: Vec<HitView>,
    searched: bool,
    /// Care tag code → label, for the triage reasons drawn by `app.js`.
    care_labels: String,
}

impl IntakeForm {
    fn epidemic_on(&self) -> bool {
        self.epidemic.is_some()
    }
    fn confidential_on(&self) -> bool {
        self.confidential.is_some()
    }
}

fn choices<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    current: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| (code(*v), label(*v), code(*v) == current))
        .collect()
}

struct Extra {
    error: Option<String>,
    followups: Vec<RowView>,
    hits: Option<Vec<HitView>>,
}

async fn render(
    state: &AppState,
    staff: &Staff,
    f: IntakeForm,
    extra: Extra,
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let svc = &state.service;
    let cats = svc.categories().await.map_err(page_err(lang))?;
    let agencies = svc
        .agencies_for(&staff.user)
        .await
        .map_err(page_err(lang))?;
    let page = IntakePage {
        t: Tr::new(lang),
        nav: Nav::new(staff, "intake").with_error(extra.error),
        channels: choices(Channel::ALL, |c| c.code(), |c| c.label(lang), &f.channel),
        request_types: choices(
            RequestType::ALL,
            |c| c.code(),
            |c| c.label(lang),
            &f.request_type,
        ),
        urgencies: choices(Urgency::ALL, |c| c.code(), |c| c.label(lang), &f.urgency),
        emergencies: choices(
            EmergencyService::ALL,
            |c| c.code(),
            |c| c.label(lang),
            &f.emergency,
        ),
        modes: choices(
            DispatchMode::ALL,
            |c| c.code(),
            |c| c.label(lang),
            &f.dispatch_mode,
        ),
        categories: crate::pages::category_choices(&cats, lang, &f.category),
        agencies: agencies
            .iter()
            .filter(|a| a.row.active != 0)
            .map(|a| {
                let id = a.row.id.to_string();
                let on = id == f.dispatch_agency;
                (id, a.row.name.clone(), on)
            })
            .collect(),
        followups: extra.followups,
        searched: extra.hits.is_some(),
        care_labels: serde_json::to_string(
            &CareTag::ALL
                .iter()
                .map(|c| (c.code(), c.label(lang)))
                .collect::<std::collections::HashMap<_, _>>(),
        )
        .unwrap_or_default(),
        hits: extra.hits.unwrap_or_default(),
        f,
    };
    Ok((status, crate::render::html(&page)).into_response())
}

pub async fn form(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    let extra = Extra {
        error: None,
        followups: Vec::new(),
        hits: None,
    };
    render(&state, &staff, IntakeForm::default(), extra, StatusCode::OK).await
}

fn parse_code<T>(
    field: &str,
    s: &str,
    parse: impl Fn(&str) -> Result<T, yihaotai_domain::vocab::UnknownCode>,
) -> Result<T, ServiceError> {
    parse(s).map_err(|e| ServiceError::invalid(field, e.localized(Lang::Zh), e.to_string()))
}

fn parse_id(field: &str, s: &str) -> Result<Option<i64>, ServiceError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| {
        ServiceError::invalid(
            field,
            format!("“{s}”不是有效的编号"),
            format!("'{s}' is not a valid id"),
        )
    })
}

fn to_input(f: &IntakeForm) -> Result<IntakeInput, ServiceError> {
    let disposition = match f.disposition.as_str() {
        "answer" => Disposition::AnswerAndClose {
            answer: f.answer.clone(),
        },
        "transfer" => Disposition::TransferEmergency {
            service: EmergencyService::parse(&f.emergency).map_err(|e| {
                ServiceError::invalid("emergency", e.localized(Lang::Zh), e.to_string())
            })?,
            note: f.transfer_note.clone(),
        },
        _ => Disposition::Dispatch,
    };
    let agency = if f.dispatch_agency.trim() == AUTO {
        None
    } else {
        parse_id("dispatch_agency", &f.dispatch_agency)?
    };
    let dispatch_to = match (&disposition, agency) {
        (Disposition::Dispatch, Some(a)) => Some((
            AgencyId(a),
            parse_code("dispatch_mode", &f.dispatch_mode, DispatchMode::parse)?,
        )),
        _ => None,
    };
    let phone = f.caller_phone.trim();
    Ok(IntakeInput {
        channel: parse_code("channel", &f.channel, Channel::parse)?,
        request_type: parse_code("request_type", &f.request_type, RequestType::parse)?,
        category: f.category.trim().to_string(),
        urgency: parse_code("urgency", &f.urgency, Urgency::parse)?,
        epidemic_related: f.epidemic_on(),
        confidential: f.confidential_on(),
        caller_name: Some(f.caller_name.trim().to_string()).filter(|n| !n.is_empty()),
        caller_phone: (!phone.is_empty()).then(|| phone.to_string()),
        household: parse_id("household_id", &f.household_id)?.map(HouseholdId),
        area: parse_id("area_id", &f.area_id)?.map(AreaId),
        content: f.content.clone(),
        disposition,
        dispatch_to,
        suggestion: Some(f.suggestion.trim().to_string()).filter(|s| !s.is_empty()),
        downgrade_reason: Some(f.downgrade_reason.trim().to_string()).filter(|s| !s.is_empty()),
    })
}

/// The dispatch choice that asks the catalogue for the agency.
const AUTO: &str = "auto";

/// Fills in the catalogue's agency when the form asked for it.
async fn resolve_auto(
    state: &AppState,
    staff: &Staff,
    f: &IntakeForm,
    input: &mut IntakeInput,
) -> Result<(), ServiceError> {
    if f.dispatch_agency.trim() != AUTO || !matches!(input.disposition, Disposition::Dispatch) {
        return Ok(());
    }
    state
        .service
        .dispatch_by_catalogue(&staff.user, input, "dispatch_agency")
        .await
}

pub async fn create(
    State(state): State<AppState>,
    CsrfForm { staff, mut form }: CsrfForm<IntakeForm>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    if !form.household_pick.trim().is_empty() {
        form.household_id = std::mem::take(&mut form.household_pick);
    }
    let svc = &state.service;
    let mut extra = Extra {
        error: None,
        followups: Vec::new(),
        hits: None,
    };
    if form.action == "find" {
        let hits = svc
            .find_households(&staff.user, &form.household_q)
            .await
            .map_err(page_err(lang))?;
        extra.hits = Some(hits.into_iter().map(|h| hit_view(h, lang)).collect());
        return render(&state, &staff, form, extra, StatusCode::OK).await;
    }
    let mut input = match to_input(&form) {
        Ok(i) => i,
        Err(e) => {
            extra.error = Some(e.localized(lang));
            return render(
                &state,
                &staff,
                form,
                extra,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    // A critical request is never held back by the follow-up offer: it is saved at once
    // and linked to the caller's open tickets afterwards.
    let critical = matches!(svc.urgency_on_save(&input), Ok(Urgency::Critical));
    let mut link_to = Vec::new();
    if form.force_new.is_none() && (input.caller_phone.is_some() || input.household.is_some()) {
        // A bad phone number is reported by the intake below, with the field named.
        if let Ok(rows) = svc
            .open_tickets_of_caller(&staff.user, input.caller_phone.as_deref(), input.household)
            .await
        {
            if critical {
                link_to = rows;
            } else if !rows.is_empty() {
                let cats = Categories::new(&svc.categories().await.map_err(page_err(lang))?);
                let now = svc.now();
                let areas = AreaNames::load(svc, &staff.user).await;
                extra.followups = rows
                    .into_iter()
                    .map(|r| row_view(r, &cats, &areas, lang, now))
                    .collect();
                return render(&state, &staff, form, extra, StatusCode::OK).await;
            }
        }
    }
    let outcome = match resolve_auto(&state, &staff, &form, &mut input).await {
        Ok(()) => svc.intake(&staff.user, input).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(r) => {
            if let Err(e) = svc.link_to_open(&staff.user, &r.record, &link_to).await {
                // The ticket is saved and alarming; a missing cross-reference must not
                // turn that into an error page.
                tracing::warn!(error = %e, "could not link a critical ticket to the open ones");
            }
            Ok(Redirect::to(&format!("/tickets/{}?saved=1", r.record.id.0)).into_response())
        }
        Err(e) if is_user_error(&e) => {
            extra.error = Some(e.localized(lang));
            render(
                &state,
                &staff,
                form,
                extra,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(AppError::page(e, lang)),
    }
}

fn mask_phones(list: &str) -> String {
    list.split(['、', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match Phone::parse(p) {
            Ok(p) => p.masked(),
            Err(_) => mask_middle(p, 3, 4),
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn care_labels(list: &str, lang: Lang) -> String {
    let mut out: Vec<&str> = Vec::new();
    for code in list.split(['、', ',']).map(str::trim) {
        if let Ok(tag) = CareTag::parse(code) {
            let l = tag.label(lang);
            if !out.contains(&l) {
                out.push(l);
            }
        }
    }
    out.join("、")
}

fn hit_view(h: yihaotai_service::model::HouseholdHit, lang: Lang) -> HitView {
    HitView {
        id: h.id,
        address: h.address,
        residents: h.residents,
        phones: mask_phones(&h.phones),
        care: care_labels(&h.care_tags, lang),
    }
}

#[derive(serde::Deserialize)]
pub struct HouseholdQuery {
    #[serde(default)]
    q: String,
}

/// The picker's look-up, as JSON for `app.js`. Phones are masked, as in every list.
pub async fn households(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<HouseholdQuery>,
) -> Result<Json<Vec<HitView>>, AppError> {
    let hits = state
        .service
        .find_households(&staff.user, &q.q)
        .await
        .map_err(|e| AppError::api(e, staff.lang))?;
    Ok(Json(
        hits.into_iter().map(|h| hit_view(h, staff.lang)).collect(),
    ))
}
