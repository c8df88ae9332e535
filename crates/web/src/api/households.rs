//! Household cards over JSON (一户一卡): search the households of the caller's areas and
//! read one card. What a caller sees of each resident is the service's view
//! (`yihaotai_service::households`): lists always mask phones.

use crate::error::AppError;
use crate::extract::ApiCaller;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yihaotai_domain::vocab::{CareTag, Lang};
use yihaotai_domain::HouseholdId;
use yihaotai_service::households::{
    HouseholdCard, HouseholdListItem, HouseholdSearch, ResidentView,
};
use yihaotai_service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/households", get(list))
        .route("/households/{id}", get(show))
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct HouseholdParams {
    /// An address in any form ("12-2-502", "锦绣花园12栋2单元502"), a resident's name, a
    /// phone (spaces, dashes and +86 allowed) or its last four digits.
    #[param(example = "12-2-502")]
    q: Option<String>,
    /// A care tag code: every household with a resident carrying it.
    #[param(example = "elderly_alone")]
    care: Option<String>,
}

/// A household in a list.
#[derive(Serialize, ToSchema)]
pub(crate) struct HouseholdItemOut {
    id: i64,
    address: String,
    residents: Vec<String>,
    /// Always masked (138****5678).
    phones: Vec<String>,
    /// Care tag codes.
    care_tags: Vec<String>,
}

/// Households found, in address order.
#[derive(Serialize, ToSchema)]
pub(crate) struct HouseholdList {
    households: Vec<HouseholdItemOut>,
}

/// One resident as the caller may see them.
#[derive(Serialize, ToSchema)]
pub(crate) struct ResidentOut {
    /// Absent when the caller may see the door but not who is behind it.
    name: Option<String>,
    age: Option<i64>,
    sex: Option<String>,
    relation: String,
    /// In full for the roles that must call, masked otherwise.
    phone: Option<String>,
    /// Always masked.
    id_number: Option<String>,
    care_tags: Vec<String>,
}

/// A ticket of the household.
#[derive(Serialize, ToSchema)]
pub(crate) struct HouseholdTicketOut {
    id: i64,
    number: String,
    status: String,
    urgency: String,
    category: String,
}

/// A household's card.
#[derive(Serialize, ToSchema)]
pub(crate) struct HouseholdOut {
    id: i64,
    address: String,
    building: String,
    entrance: Option<String>,
    room: String,
    /// Area names from the street down.
    areas: Vec<String>,
    /// The strictest control level in force on the household's areas.
    control_level: Option<String>,
    residents: Vec<ResidentOut>,
    phones_full: bool,
    identities_hidden: bool,
    tickets: Vec<HouseholdTicketOut>,
}

fn codes(tags: &[CareTag]) -> Vec<String> {
    tags.iter().map(|t| t.code().to_string()).collect()
}

fn item_out(h: HouseholdListItem) -> HouseholdItemOut {
    HouseholdItemOut {
        care_tags: codes(&h.care_tags),
        id: h.id,
        address: h.address,
        residents: h.residents,
        phones: h.phones,
    }
}

fn resident_out(r: ResidentView) -> ResidentOut {
    ResidentOut {
        care_tags: codes(&r.care_tags),
        name: r.name,
        age: r.age,
        sex: r.sex,
        relation: r.relation,
        phone: r.phone,
        id_number: r.id_number,
    }
}

fn card_out(c: HouseholdCard) -> HouseholdOut {
    HouseholdOut {
        id: c.id,
        address: c.address,
        building: c.building,
        entrance: c.entrance,
        room: c.room,
        areas: c.area_names,
        control_level: c.control_level.map(|l| l.code().to_string()),
        residents: c.residents.into_iter().map(resident_out).collect(),
        phones_full: c.phones_full,
        identities_hidden: c.identities_hidden,
        tickets: c
            .tickets
            .into_iter()
            .map(|t| HouseholdTicketOut {
                id: t.id,
                number: t.number,
                status: t.status,
                urgency: t.urgency,
                category: t.category,
            })
            .collect(),
    }
}

/// Parses `?q=&care=` for the page and the API alike; a bad care tag names the field.
pub(crate) fn search_of(
    q: Option<&str>,
    care: Option<&str>,
) -> Result<HouseholdSearch, ServiceError> {
    let care = care
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            CareTag::parse(c).map_err(|e| {
                ServiceError::invalid("care", e.localized(Lang::Zh), e.localized(Lang::En))
            })
        })
        .transpose()?;
    Ok(HouseholdSearch {
        q: q.unwrap_or("").trim().to_string(),
        care,
    })
}

/// Households of the caller's areas by address, name or phone, or by care tag.
#[utoipa::path(
    get, path = "/api/v1/households", tag = "households", operation_id = "households",
    params(HouseholdParams),
    responses(
        (status = 200, body = HouseholdList),
        (status = 403, description = "The caller does not record requests", body = super::schema::Problem),
        (status = 422, description = "A parameter is invalid; `field` names it", body = super::schema::Problem),
    ),
)]
pub(crate) async fn list(
    State(s): State<AppState>,
    c: ApiCaller,
    RawQuery(raw): RawQuery,
) -> Result<Json<HouseholdList>, AppError> {
    let items = async {
        let p: HouseholdParams = super::tickets::query_params(raw.as_deref())?;
        let search = search_of(p.q.as_deref(), p.care.as_deref())?;
        s.service.search_households(&c.user, &search).await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(HouseholdList {
        households: items.into_iter().map(item_out).collect(),
    }))
}

/// One household's card: the door, the residents as the caller may see them, the area's
/// control level and the household's tickets.
#[utoipa::path(
    get, path = "/api/v1/households/{id}", tag = "households", operation_id = "household",
    params(("id" = i64, Path, description = "The household's id")),
    responses(
        (status = 200, body = HouseholdOut),
        (status = 404, description = "No such household the caller serves", body = super::schema::Problem),
    ),
)]
pub(crate) async fn show(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<HouseholdOut>, AppError> {
    let card = async {
        let id: i64 = id.parse().map_err(|_| ServiceError::NotFound)?;
        s.service.household_card(&c.user, HouseholdId(id)).await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(card_out(card)))
}
