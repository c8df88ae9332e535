//! The household card (一户一卡): search the households of one's areas by address in any
//! form, by name or by phone, or list those with a care tag; and read one card. What each
//! viewer sees of the residents is the service's view; these pages only draw it.

use crate::api::households::search_of;
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::extract::Staff;
use crate::i18n::Tr;
use crate::pages::tickets::RowView;
use crate::pages::Nav;
use crate::pages::SavedFlag;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use yihaotai_domain::household::{Change, Contact, Event};
use yihaotai_domain::vocab::{CareTag, Lang};
use yihaotai_domain::HouseholdId;
use yihaotai_service::households::{HouseholdCard, HouseholdListItem, ResidentView};
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/households", get(list))
        .route("/households/{id}", get(card))
        .route("/households/{id}/reveal", post(reveal))
        .route("/households/{id}/care", post(care))
        .route("/households/{id}/notes", post(notes))
        .route("/households/{id}/contact", post(contact))
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    care: Option<String>,
}

/// (code, label) of a care tag.
type Tag = (&'static str, &'static str);

fn tags(ts: &[CareTag], lang: Lang) -> Vec<Tag> {
    ts.iter().map(|t| (t.code(), t.label(lang))).collect()
}

struct ItemView {
    id: i64,
    address: String,
    residents: String,
    phones: String,
    tags: Vec<Tag>,
}

fn item_view(h: HouseholdListItem, lang: Lang) -> ItemView {
    ItemView {
        tags: tags(&h.care_tags, lang),
        id: h.id,
        address: h.address,
        residents: h.residents.join("、"),
        phones: h.phones.join("、"),
    }
}

#[derive(askama::Template)]
#[template(path = "households/list.html")]
struct ListPage {
    t: Tr,
    nav: Nav,
    q: String,
    /// (code, label, selected)
    care_choices: Vec<(&'static str, &'static str, bool)>,
    searched: bool,
    rows: Vec<ItemView>,
    /// A bad query's message, shown above the form (nothing was searched).
    problem: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let raw_q = q.q.clone().unwrap_or_default();
    let raw_care = q.care.clone().unwrap_or_default();
    let searched = !raw_q.trim().is_empty() || !raw_care.trim().is_empty();
    let mut problem = None;
    let mut rows = Vec::new();
    if searched {
        let found = async {
            let s = search_of(q.q.as_deref(), q.care.as_deref())?;
            state.service.search_households(&staff.user, &s).await
        }
        .await;
        match found {
            Ok(items) => rows = items.into_iter().map(|h| item_view(h, lang)).collect(),
            Err(e @ ServiceError::Invalid { .. }) => problem = Some(e.localized(lang)),
            Err(e) => return Err(AppError::page(e, lang)),
        }
    } else {
        // The page itself is for those who may search households.
        state
            .service
            .search_households(&staff.user, &Default::default())
            .await
            .map_err(|e| AppError::page(e, lang))?;
    }
    let care_choices = CareTag::ALL
        .iter()
        .map(|t| (t.code(), t.label(lang), t.code() == raw_care.trim()))
        .collect();
    Ok(crate::render::html(&ListPage {
        t: Tr::new(lang),
        nav: Nav::new(&staff, "households"),
        q: raw_q,
        care_choices,
        searched,
        rows,
        problem,
    }))
}

/// A household on a ticket's page: the door, the residents, its other open tickets.
pub struct HomeView {
    pub id: i64,
    pub address: String,
    pub room: String,
    pub residents: Vec<ResidentRowView>,
    pub phones_full: bool,
    pub identities_hidden: bool,
    /// (id, number, urgency code, urgency label) of the household's other open tickets.
    pub others: Vec<(i64, String, String, &'static str)>,
}

pub fn home_view(
    c: yihaotai_service::households::HouseholdCard,
    ticket: i64,
    lang: Lang,
) -> HomeView {
    let others = c
        .tickets
        .iter()
        .filter(|t| {
            t.id != ticket && !matches!(t.status.as_str(), "closed" | "cancelled" | "merged")
        })
        .map(|t| {
            let label = yihaotai_domain::vocab::Urgency::parse(&t.urgency)
                .map(|u| u.label(lang))
                .unwrap_or("");
            (t.id, t.number.clone(), t.urgency.clone(), label)
        })
        .collect();
    HomeView {
        id: c.id,
        address: c.address,
        room: c.room,
        residents: c
            .residents
            .into_iter()
            .map(|r| resident_row(r, lang))
            .collect(),
        phones_full: c.phones_full,
        identities_hidden: c.identities_hidden,
        others,
    }
}

pub struct ResidentRowView {
    pub key: u32,
    pub name: Option<String>,
    pub age: Option<i64>,
    pub sex: String,
    pub relation: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub tags: Vec<Tag>,
    /// Someone the medical team must know about (any care tag).
    pub needs_care: bool,
    /// (code, label, recorded on: a date or empty)
    pub care: Vec<(&'static str, &'static str, String)>,
}

fn resident_row(r: ResidentView, lang: Lang) -> ResidentRowView {
    ResidentRowView {
        key: r.key,
        care: r
            .care
            .iter()
            .map(|(t, since)| {
                let day = since
                    .map(crate::pages::admin_areas::format_day)
                    .unwrap_or_default();
                (t.code(), t.label(lang), day)
            })
            .collect(),
        needs_care: !r.care_tags.is_empty(),
        tags: tags(&r.care_tags, lang),
        name: r.name,
        age: r.age,
        sex: r.sex.unwrap_or_default(),
        relation: r.relation,
        phone: r.phone,
        id_number: r.id_number,
    }
}

#[derive(askama::Template)]
#[template(path = "households/card.html")]
struct CardPage {
    t: Tr,
    nav: Nav,
    id: i64,
    address: String,
    building: String,
    entrance: String,
    room: String,
    areas: String,
    /// (code, label)
    level: Option<(&'static str, &'static str)>,
    residents: Vec<ResidentRowView>,
    phones_full: bool,
    identities_hidden: bool,
    notes: String,
    /// (name, phone, relation)
    contact: Option<(String, String, String)>,
    history: Vec<HistoryRow>,
    may_edit: bool,
    may_reveal: bool,
    /// (code, label) of every care tag, for the add form.
    all_tags: Vec<Tag>,
    rows: Vec<RowView>,
    table_id: &'static str,
    show_agency: bool,
    empty: String,
    next_url: Option<String>,
}

struct HistoryRow {
    at: String,
    actor: String,
    what: String,
    reason: String,
}

/// One event in words, naming the resident by name (the history is shown only to those
/// who see names).
fn describe(e: &Event, c: &HouseholdCard, t: &Tr, lang: Lang) -> String {
    let who = |key: &u32| {
        c.residents
            .iter()
            .find(|r| r.key == *key)
            .and_then(|r| r.name.clone())
            .unwrap_or_else(|| format!("#{key}"))
    };
    match e {
        Event::Registered { members } => {
            format!("{} {}", t.t("household.ev_registered"), members.len())
        }
        Event::CareAdded { key, tag, .. } => {
            format!(
                "{} {}：{}",
                t.t("household.ev_care_added"),
                who(key),
                tag.label(lang)
            )
        }
        Event::CareRemoved { key, tag } => {
            format!(
                "{} {}：{}",
                t.t("household.ev_care_removed"),
                who(key),
                tag.label(lang)
            )
        }
        Event::NotesSet { .. } => t.t("household.ev_notes").to_string(),
        Event::EmergencyContactSet { contact: Some(ct) } => {
            format!("{} {}", t.t("household.ev_contact"), ct.name)
        }
        Event::EmergencyContactSet { contact: None } => {
            t.t("household.ev_contact_cleared").to_string()
        }
    }
}

async fn render_card(
    state: &AppState,
    staff: &Staff,
    c: HouseholdCard,
    error: Option<String>,
    saved: bool,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let t = Tr::new(lang);
    let history = c
        .history
        .iter()
        .rev()
        .map(|h| HistoryRow {
            at: crate::pages::admin_areas::format_ms(h.at),
            actor: h.actor.clone().unwrap_or_default(),
            what: describe(&h.event, &c, &t, lang),
            reason: h.reason.clone(),
        })
        .collect();
    let rows =
        crate::pages::tickets::row_views(&state.service, &staff.user, c.tickets, lang).await?;
    Ok(crate::render::html(&CardPage {
        empty: t.t("household.no_tickets").to_string(),
        t,
        nav: Nav::new(staff, "households")
            .with_error(error)
            .with_saved(saved),
        id: c.id,
        address: c.address,
        building: c.building,
        entrance: c.entrance.unwrap_or_default(),
        room: c.room,
        areas: c.area_names.join(" / "),
        level: c.control_level.map(|l| (l.code(), l.label(lang))),
        residents: c
            .residents
            .into_iter()
            .map(|r| resident_row(r, lang))
            .collect(),
        phones_full: c.phones_full,
        identities_hidden: c.identities_hidden,
        notes: c.notes,
        contact: c.emergency_contact.map(|k| (k.name, k.phone, k.relation)),
        history,
        may_edit: c.may_edit,
        may_reveal: c.may_reveal,
        all_tags: CareTag::ALL
            .iter()
            .map(|t| (t.code(), t.label(lang)))
            .collect(),
        rows,
        table_id: "household-tickets",
        show_agency: true,
        next_url: None,
    }))
}

fn household_id(raw: &str) -> Result<HouseholdId, ServiceError> {
    raw.parse()
        .map(HouseholdId)
        .map_err(|_| ServiceError::NotFound)
}

async fn card(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<SavedFlag>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let c = async {
        state
            .service
            .household_card(&staff.user, household_id(&id)?)
            .await
    }
    .await
    .map_err(|e| AppError::page(e, lang))?;
    render_card(&state, &staff, c, None, q.is_set()).await
}

#[derive(serde::Deserialize)]
struct RevealForm {
    #[serde(default)]
    reason: String,
}

/// The card with the phones in full, on this response only (no redirect, so the numbers
/// stay out of the address bar and history); the service logs who asked and why.
async fn reveal(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { staff, form }: CsrfForm<RevealForm>,
) -> Result<Response, AppError> {
    let hid = household_id(&id).map_err(|e| AppError::page(e, staff.lang))?;
    match state
        .service
        .reveal_household_phones(&staff.user, hid, &form.reason)
        .await
    {
        Ok(c) => render_card(&state, &staff, c, None, false).await,
        Err(e) => after_error(&state, &staff, hid, e).await,
    }
}

/// A refusal the person can act on comes back on the card; anything else is an error page.
async fn after_error(
    state: &AppState,
    staff: &Staff,
    id: HouseholdId,
    e: ServiceError,
) -> Result<Response, AppError> {
    match e {
        e if crate::pages::tickets::is_user_error(&e) => {
            let msg = e.localized(staff.lang);
            let c = state
                .service
                .household_card(&staff.user, id)
                .await
                .map_err(|e| AppError::page(e, staff.lang))?;
            render_card(state, staff, c, Some(msg), false).await
        }
        e => Err(AppError::page(e, staff.lang)),
    }
}

async fn after_change(
    state: &AppState,
    staff: &Staff,
    id: HouseholdId,
    r: Result<(), ServiceError>,
) -> Result<Response, AppError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/households/{}?saved=1", id.0)).into_response()),
        Err(e) => after_error(state, staff, id, e).await,
    }
}

#[derive(serde::Deserialize)]
struct CareForm {
    #[serde(default)]
    resident: String,
    #[serde(default)]
    tag: String,
    /// `add` or `remove`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

async fn care(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { staff, form }: CsrfForm<CareForm>,
) -> Result<Response, AppError> {
    let hid = household_id(&id).map_err(|e| AppError::page(e, staff.lang))?;
    let r = async {
        let key: u32 = form.resident.trim().parse().map_err(|_| {
            ServiceError::invalid(
                "resident",
                format!("住户成员编号“{}”无效", form.resident),
                format!("'{}' is not a resident number", form.resident),
            )
        })?;
        let tag = CareTag::parse(form.tag.trim()).map_err(|e| {
            ServiceError::invalid("tag", e.localized(Lang::Zh), e.localized(Lang::En))
        })?;
        let change = match form.action.as_str() {
            "remove" => Change::RemoveCare { key, tag },
            _ => Change::AddCare {
                key,
                tag,
                since: state.service.now(),
            },
        };
        state
            .service
            .change_household(&staff.user, hid, &change, &form.reason)
            .await
    }
    .await;
    after_change(&state, &staff, hid, r).await
}

#[derive(serde::Deserialize)]
struct NotesForm {
    #[serde(default)]
    notes: String,
    #[serde(default)]
    reason: String,
}

async fn notes(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { staff, form }: CsrfForm<NotesForm>,
) -> Result<Response, AppError> {
    let hid = household_id(&id).map_err(|e| AppError::page(e, staff.lang))?;
    let change = Change::SetNotes { notes: form.notes };
    let r = state
        .service
        .change_household(&staff.user, hid, &change, &form.reason)
        .await;
    after_change(&state, &staff, hid, r).await
}

#[derive(serde::Deserialize)]
struct ContactForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    relation: String,
    #[serde(default)]
    reason: String,
}

async fn contact(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { staff, form }: CsrfForm<ContactForm>,
) -> Result<Response, AppError> {
    let hid = household_id(&id).map_err(|e| AppError::page(e, staff.lang))?;
    // An empty form clears the contact.
    let empty = form.name.trim().is_empty() && form.phone.trim().is_empty();
    let contact = (!empty).then_some(Contact {
        name: form.name,
        phone: form.phone,
        relation: form.relation,
    });
    let r = state
        .service
        .change_household(
            &staff.user,
            hid,
            &Change::SetEmergencyContact { contact },
            &form.reason,
        )
        .await;
    after_change(&state, &staff, hid, r).await
}
