//! The household card (一户一卡): search the households of one's areas by address in any
//! form, by name or by phone, or list those with a care tag; and read one card. What each
//! viewer sees of the residents is the service's view; these pages only draw it.

use crate::api::households::search_of;
use crate::error::AppError;
use crate::extract::Staff;
use crate::i18n::Tr;
use crate::pages::tickets::RowView;
use crate::pages::Nav;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use yihaotai_domain::vocab::{CareTag, Lang};
use yihaotai_domain::HouseholdId;
use yihaotai_service::households::{HouseholdListItem, ResidentView};
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/households", get(list))
        .route("/households/{id}", get(card))
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
    pub name: Option<String>,
    pub age: Option<i64>,
    pub sex: String,
    pub relation: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub tags: Vec<Tag>,
    /// Someone the medical team must know about (any care tag).
    pub needs_care: bool,
}

fn resident_row(r: ResidentView, lang: Lang) -> ResidentRowView {
    ResidentRowView {
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
    rows: Vec<RowView>,
    table_id: &'static str,
    show_agency: bool,
    empty: String,
    next_url: Option<String>,
}

async fn card(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let c = async {
        let id: i64 = id.parse().map_err(|_| ServiceError::NotFound)?;
        state
            .service
            .household_card(&staff.user, HouseholdId(id))
            .await
    }
    .await
    .map_err(|e| AppError::page(e, lang))?;
    let t = Tr::new(lang);
    let rows =
        crate::pages::tickets::row_views(&state.service, &staff.user, c.tickets, lang).await?;
    Ok(crate::render::html(&CardPage {
        empty: t.t("household.no_tickets").to_string(),
        t,
        nav: Nav::new(&staff, "households"),
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
        rows,
        table_id: "household-tickets",
        show_agency: true,
        next_url: None,
    }))
}
