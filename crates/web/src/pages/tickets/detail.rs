//! One ticket: its header, caller, content, deadlines and whole timeline, with the forms of
//! the commands that fit its state and the viewer's role; and the logged phone reveal.

use super::{due, is_user_error, page_err, status_label, Categories, Due};
use crate::error::AppError;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::{Nav, SavedFlag};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use yihaotai_domain::ticket::{
    Clock, Closure, CommandKind, DispatchMode, Event, Satisfaction, Solved,
};
use yihaotai_domain::{AgencyId, TicketId};
use yihaotai_service::ServiceError;

type Choice = (&'static str, &'static str);

/// Which command forms to draw: allowed by role, and fitting the ticket's state.
#[derive(Default)]
struct Can {
    dispatch: bool,
    accept: bool,
    contact: bool,
    request_return: bool,
    review_return: bool,
    request_extension: bool,
    review_extension: bool,
    resolve: bool,
    callback: bool,
    reopen: bool,
    escalate: bool,
    supervise: bool,
    merge: bool,
    cancel: bool,
    note: bool,
}

impl Can {
    fn any_action(&self) -> bool {
        self.dispatch
            || self.accept
            || self.contact
            || self.request_return
            || self.review_return
            || self.request_extension
            || self.review_extension
            || self.resolve
            || self.callback
            || self.reopen
    }
    fn any_review(&self) -> bool {
        self.escalate || self.supervise || self.merge || self.cancel
    }
}

struct TimelineRow {
    at: String,
    code: String,
    label: String,
    actor: String,
    agency: String,
    detail: String,
}

struct DeadlineRow {
    label: &'static str,
    due: Due,
    state: &'static str,
}

#[derive(askama::Template)]
#[template(path = "tickets/detail.html")]
struct DetailPage {
    t: Tr,
    nav: Nav,
    id: i64,
    number: String,
    status: &'static str,
    status_label: String,
    urgency: &'static str,
    urgency_label: &'static str,
    category: String,
    channel: &'static str,
    request_type: &'static str,
    epidemic: bool,
    confidential: bool,
    registered_at: String,
    caller_visible: bool,
    caller_name: Option<String>,
    phone_masked: Option<String>,
    revealed: Option<String>,
    may_reveal: bool,
    content: String,
    area: String,
    household: Option<i64>,
    /// The household as this viewer may see it: the door, the residents, its other open
    /// tickets.
    home: Option<crate::pages::households::HomeView>,
    agency: Option<String>,
    mode: Option<&'static str>,
    assisting: Vec<String>,
    supervision: u8,
    escalation: u8,
    /// How many times it went back to the handler after a failed callback (重办).
    reopened: u32,
    deadlines: Vec<DeadlineRow>,
    result: Option<String>,
    closure: Option<String>,
    cancel_reason: Option<String>,
    merged_into: Option<i64>,
    return_pending: Option<String>,
    /// What triage on save did to the urgency the agent chose, if anything.
    triage_note: Option<String>,
    extension_pending: Option<(String, String)>,
    timeline: Vec<TimelineRow>,
    can: Can,
    agencies: Vec<(i64, String)>,
    /// The catalogue's agency for this ticket (0: none), preselected in the dispatch forms.
    suggested_id: i64,
    suggested_mode: &'static str,
    /// "医疗保障组（直派） · 望江街道"
    suggested_text: Option<String>,
    modes: Vec<Choice>,
    solved: Vec<Choice>,
    satisfaction: Vec<Choice>,
}

/// Renders the ticket page; `error` re-shows it after a refused form, with its status.
pub(super) async fn detail_page(
    state: &AppState,
    staff: &Staff,
    id: TicketId,
    error: Option<ServiceError>,
    revealed: Option<String>,
    saved: bool,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let svc = &state.service;
    let view = svc
        .ticket_view(&staff.user, id)
        .await
        .map_err(page_err(lang))?;
    let now = svc.now();
    let cats = Categories::new(&svc.categories().await.map_err(page_err(lang))?);
    let rec = &view.record;
    let t = &rec.ticket;

    // Names for every agency the page mentions: those in the viewer's areas, then any
    // other the ticket was sent to.
    let scoped = svc
        .agencies_for(&staff.user)
        .await
        .map_err(page_err(lang))?;
    let mut names: HashMap<i64, String> = scoped
        .iter()
        .map(|a| (a.row.id, a.row.name.clone()))
        .collect();
    let events: Vec<(Option<Event>, &yihaotai_service::model::StoredEvent)> = view
        .events
        .iter()
        .map(|s| (serde_json::from_str::<Event>(&s.payload).ok(), s))
        .collect();
    let mut wanted: Vec<AgencyId> = t.assigned.into_iter().chain(t.assisting.clone()).collect();
    for (e, _) in &events {
        use yihaotai_domain::ticket::EventKind as K;
        match e.as_ref().map(|e| &e.kind) {
            Some(K::Dispatched {
                agency, assisting, ..
            }) => {
                wanted.push(*agency);
                wanted.extend(assisting.iter().copied());
            }
            Some(K::Escalated { to, .. }) => wanted.push(*to),
            _ => {}
        }
    }
    for a in wanted {
        if let std::collections::hash_map::Entry::Vacant(v) = names.entry(a.0) {
            if let Ok(n) = svc.agency_name(a).await {
                v.insert(n);
            }
        }
    }
    let name_of = |a: AgencyId| {
        names
            .get(&a.0)
            .cloned()
            .unwrap_or_else(|| format!("#{}", a.0))
    };

    // Triage on save changed or was overridden: said at the top, not only in the timeline.
    let triage_note = events.iter().find_map(|(e, _)| {
        use yihaotai_domain::ticket::EventKind as K;
        let ev = e.as_ref()?;
        matches!(
            ev.kind,
            K::UrgencyRaised { .. } | K::DowngradeConfirmed { .. }
        )
        .then(|| super::labels::event_detail(ev, &names, lang))
    });
    let timeline = events
        .iter()
        .map(|(e, s)| TimelineRow {
            at: crate::pages::admin_areas::format_ms(s.at),
            code: s.kind.clone(),
            label: super::labels::event_label(&s.kind, lang),
            actor: s
                .actor_name
                .clone()
                .unwrap_or_else(|| lang.pick("系统", "system").to_string()),
            agency: s.agency_name.clone().unwrap_or_default(),
            detail: e
                .as_ref()
                .map(|e| super::labels::event_detail(e, &names, lang))
                .unwrap_or_default(),
        })
        .collect();

    let deadlines = Clock::ALL
        .iter()
        .filter_map(|c| {
            let at = t.deadlines.get(*c)?.as_millisecond();
            let met = t.clock_met(*c);
            let d = due(Some(at), met || t.is_terminal(), now, c.code())?;
            let state = if met {
                "met"
            } else if t.is_overdue(*c, jiff::Timestamp::from_millisecond(now).ok()?) {
                "past"
            } else {
                "open"
            };
            Some(DeadlineRow {
                label: c.label(lang),
                due: d,
                state,
            })
        })
        .collect();

    let allowed = |k: CommandKind| view.allowed.contains(&k);
    // Exactly the commands the service offers (its role table and the domain's dry run
    // of decide agree); the page decides nothing of its own.
    let can = Can {
        dispatch: allowed(CommandKind::Dispatch),
        accept: allowed(CommandKind::Accept),
        contact: allowed(CommandKind::RecordContact),
        request_return: allowed(CommandKind::RequestReturn),
        review_return: allowed(CommandKind::ApproveReturn) || allowed(CommandKind::RefuseReturn),
        request_extension: allowed(CommandKind::RequestExtension),
        review_extension: allowed(CommandKind::ApproveExtension)
            || allowed(CommandKind::RefuseExtension),
        resolve: allowed(CommandKind::Resolve),
        callback: allowed(CommandKind::Callback),
        reopen: allowed(CommandKind::Reopen),
        escalate: allowed(CommandKind::Escalate),
        supervise: allowed(CommandKind::Supervise),
        merge: allowed(CommandKind::Merge),
        cancel: allowed(CommandKind::Cancel),
        note: allowed(CommandKind::AddNote),
    };
    let suggestion = if can.dispatch || can.review_return {
        // The ticket is loaded and its access checked above: ask the catalogue directly.
        svc.suggest_dispatch(t.category.as_str(), &rec.area_path)
            .await
            .map_err(page_err(lang))?
            .filter(|s| Some(AgencyId(s.agency_id)) != t.assigned)
    } else {
        None
    };
    let mut agencies: Vec<(i64, String)> = scoped
        .iter()
        .filter(|a| a.row.active != 0)
        .map(|a| (a.row.id, a.row.name.clone()))
        .collect();
    if let Some(s) = &suggestion {
        // A district department may lie above the viewer's areas: offer it all the same.
        if !agencies.iter().any(|a| a.0 == s.agency_id) {
            agencies.insert(0, (s.agency_id, s.agency_name.clone()));
        }
    }

    let status = match &error {
        Some(e) => StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
        None => StatusCode::OK,
    };
    let closure = t.closure.as_ref().map(|c| match c {
        Closure::AnsweredOnSpot { answer } => {
            format!(
                "{}：{answer}",
                lang.pick("当场答复", "Answered on the call")
            )
        }
        Closure::TransferredEmergency { service, note } => {
            format!("{} {note}", service.label(lang))
        }
        Closure::AfterCallback => lang
            .pick("回访后归档", "Closed after the callback")
            .to_string(),
    });
    let area = super::AreaNames::load(svc, &staff.user)
        .await
        .label(&rec.area_path)
        .unwrap_or_default();
    // The household is a help, not the ticket: a household the viewer may not see (or
    // one since removed) leaves the page without it.
    let home = match svc.household_of_ticket(&staff.user, rec).await {
        Ok(Some(c)) => Some(crate::pages::households::home_view(c, rec.id.0, lang)),
        Ok(None) | Err(_) => None,
    };
    let page = DetailPage {
        t: Tr::new(lang),
        nav: Nav::new(staff, "search")
            .with_error(error.map(|e| e.localized(lang)))
            .with_saved(saved),
        id: rec.id.0,
        number: rec.number.clone(),
        status: t.status.code(),
        status_label: status_label(t.status.code(), lang),
        urgency: t.urgency.code(),
        urgency_label: t.urgency.label(lang),
        category: cats.label(t.category.as_str(), lang),
        channel: t.channel.label(lang),
        request_type: t.request_type.label(lang),
        epidemic: t.epidemic_related,
        confidential: t.confidential,
        registered_at: crate::pages::admin_areas::format_ms(t.registered_at.as_millisecond()),
        caller_visible: view.caller_visible,
        caller_name: t.caller_name.clone().filter(|_| view.caller_visible),
        phone_masked: view.phone_masked.clone(),
        revealed,
        may_reveal: view.may_reveal,
        content: t.content.clone(),
        area,
        household: t.household.map(|h| h.0),
        home,
        agency: t.assigned.map(name_of),
        mode: t.dispatch_mode.map(|m| m.label(lang)),
        assisting: t.assisting.iter().map(|a| name_of(*a)).collect(),
        supervision: t.supervision_level,
        escalation: t.escalation_level,
        reopened: t.reopen_count,
        deadlines,
        result: t.result.clone(),
        closure,
        cancel_reason: t.cancel_reason.clone(),
        merged_into: t.merged_into.map(|m| m.0),
        return_pending: t.return_pending.clone(),
        triage_note,
        extension_pending: t.extension_pending.as_ref().map(|p| {
            (
                crate::pages::admin_areas::format_ms(p.until.as_millisecond()),
                p.reason.clone(),
            )
        }),
        timeline,
        can,
        agencies,
        suggested_id: suggestion.as_ref().map_or(0, |s| s.agency_id),
        suggested_mode: suggestion
            .as_ref()
            .map_or(DispatchMode::Direct, |s| s.mode)
            .code(),
        suggested_text: suggestion.as_ref().map(|s| {
            let source = if s.rule_id.is_some() {
                s.area_name.clone()
            } else {
                format!(
                    "{} · {}",
                    s.area_name,
                    Tr::new(lang).t("ticket.suggested_from_agency")
                )
            };
            format!("{}（{}） · {}", s.agency_name, s.mode.label(lang), source)
        }),
        modes: DispatchMode::ALL
            .iter()
            .map(|m| (m.code(), m.label(lang)))
            .collect(),
        solved: Solved::ALL
            .iter()
            .map(|m| (m.code(), m.label(lang)))
            .collect(),
        satisfaction: Satisfaction::ALL
            .iter()
            .map(|m| (m.code(), m.label(lang)))
            .collect(),
    };
    Ok((status, crate::render::html(&page)).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<SavedFlag>,
) -> Result<Response, AppError> {
    detail_page(&state, &staff, TicketId(id), None, None, q.is_set()).await
}

#[derive(serde::Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    reason: String,
}

/// Shows the full number on this response only (no redirect, so it stays out of the
/// address bar and history); the service logs who asked and why.
pub async fn reveal(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { staff, form }: CsrfForm<RevealForm>,
) -> Result<Response, AppError> {
    let id = TicketId(id);
    match state
        .service
        .reveal_phone(&staff.user, id, &form.reason)
        .await
    {
        Ok(phone) => detail_page(&state, &staff, id, None, Some(phone), false).await,
        Err(e) if is_user_error(&e) => detail_page(&state, &staff, id, Some(e), None, false).await,
        Err(e) => Err(AppError::page(e, staff.lang)),
    }
}
