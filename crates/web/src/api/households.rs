//! Household cards over JSON (一户一卡): search the households of the caller's areas and
//! read one card. What a caller sees of each resident is the service's view
//! (`yihaotai_service::households`): lists always mask phones.

use super::tickets::{json_body, Refusal};
use crate::error::AppError;
use crate::extract::ApiCaller;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yihaotai_domain::household::{Change, Contact};
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
        .route("/households/{id}/changes", post(change))
        .route("/households/{id}/reveal-phones", post(reveal))
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
    /// The resident's number within the household, which changes name.
    key: u32,
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

/// One change in the card's history.
#[derive(Serialize, ToSchema)]
pub(crate) struct HouseholdEventOut {
    /// RFC 3339, China time.
    at: String,
    actor: Option<String>,
    /// `registered`, `care_added`, `care_removed`, `notes_set`, `emergency_contact_set`.
    kind: String,
    /// The event's fields (resident `key`, `tag`, `since`, `notes`, `contact`…).
    #[schema(value_type = Object)]
    event: serde_json::Value,
    reason: String,
}

/// The emergency contact, phone masked unless revealed.
#[derive(Serialize, ToSchema)]
pub(crate) struct ContactOut {
    name: String,
    phone: String,
    relation: String,
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
    notes: String,
    emergency_contact: Option<ContactOut>,
    /// Oldest first.
    history: Vec<HouseholdEventOut>,
    may_edit: bool,
    may_reveal: bool,
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
        key: r.key,
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
        notes: c.notes,
        emergency_contact: c.emergency_contact.map(|k| ContactOut {
            name: k.name,
            phone: k.phone,
            relation: k.relation,
        }),
        history: c
            .history
            .into_iter()
            .map(|h| HouseholdEventOut {
                at: super::rfc3339(h.at),
                actor: h.actor,
                kind: h.event.kind().to_string(),
                event: serde_json::to_value(&h.event).unwrap_or_default(),
                reason: h.reason,
            })
            .collect(),
        may_edit: c.may_edit,
        may_reveal: c.may_reveal,
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

/// The longest change a card takes (a note of 2,000 characters and its reason).
const CHANGE_BODY_LIMIT: usize = 32 * 1024;

/// A change to a card, with the reason for it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangeBody {
    /// `add_care`, `remove_care`, `set_notes` or `set_emergency_contact`.
    change: String,
    /// The resident's `key` (care changes).
    resident: Option<u32>,
    /// A care tag code (care changes).
    tag: Option<String>,
    /// The new notes (`set_notes`).
    notes: Option<String>,
    /// The emergency contact (`set_emergency_contact`); absent or null removes it.
    contact: Option<ContactBody>,
    /// Why the card changes: required.
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContactBody {
    name: String,
    phone: String,
    #[serde(default)]
    relation: String,
}

fn missing(field: &str) -> ServiceError {
    ServiceError::invalid(
        field,
        format!("缺少“{field}”"),
        format!("'{field}' is required"),
    )
}

fn change_of(b: ChangeBody, now: i64) -> Result<(Change, String), ServiceError> {
    let tag = || -> Result<CareTag, ServiceError> {
        let t = b.tag.as_deref().ok_or_else(|| missing("tag"))?;
        CareTag::parse(t)
            .map_err(|e| ServiceError::invalid("tag", e.localized(Lang::Zh), e.localized(Lang::En)))
    };
    let key = || b.resident.ok_or_else(|| missing("resident"));
    let change = match b.change.as_str() {
        "add_care" => Change::AddCare {
            key: key()?,
            tag: tag()?,
            since: now,
        },
        "remove_care" => Change::RemoveCare {
            key: key()?,
            tag: tag()?,
        },
        "set_notes" => Change::SetNotes {
            notes: b.notes.clone().ok_or_else(|| missing("notes"))?,
        },
        "set_emergency_contact" => Change::SetEmergencyContact {
            contact: b.contact.as_ref().map(|c| Contact {
                name: c.name.clone(),
                phone: c.phone.clone(),
                relation: c.relation.clone(),
            }),
        },
        other => {
            return Err(ServiceError::invalid(
                "change",
                format!("“{other}”不是可用的修改：add_care、remove_care、set_notes、set_emergency_contact"),
                format!("'{other}' is not a change: add_care, remove_care, set_notes, set_emergency_contact"),
            ))
        }
    };
    Ok((change, b.reason))
}

/// Changes a card (care needs, notes, emergency contact), with the reason; the change is
/// an event in the card's history. Returns the card as it now stands.
#[utoipa::path(
    post, path = "/api/v1/households/{id}/changes", tag = "households", operation_id = "change_household",
    params(("id" = i64, Path, description = "The household's id")),
    request_body = ChangeBody,
    responses(
        (status = 200, body = HouseholdOut),
        (status = 404, description = "No such household the caller serves", body = super::schema::Problem),
        (status = 409, description = "Changed by someone else meanwhile; read it again", body = super::schema::Problem),
        (status = 422, description = "The change is not valid; `field` names what is wrong", body = super::schema::Problem),
    ),
)]
pub(crate) async fn change(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<HouseholdOut>, Refusal> {
    let b: ChangeBody = json_body(body, CHANGE_BODY_LIMIT, c.lang)?;
    let card = async {
        let id = HouseholdId(id.parse().map_err(|_| ServiceError::NotFound)?);
        let (change, reason) = change_of(b, s.service.now())?;
        s.service
            .change_household(&c.user, id, &change, &reason)
            .await?;
        s.service.household_card(&c.user, id).await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(card_out(card)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RevealBody {
    /// Why the full numbers are needed (1–200 characters); kept in the audit log.
    #[serde(default)]
    reason: String,
}

/// The card with every phone in full, for roles that call residents back; audited.
#[utoipa::path(
    post, path = "/api/v1/households/{id}/reveal-phones", tag = "households", operation_id = "reveal_household_phones",
    params(("id" = i64, Path, description = "The household's id")),
    request_body = RevealBody,
    responses(
        (status = 200, body = HouseholdOut),
        (status = 403, description = "The caller's role may not see full numbers", body = super::schema::Problem),
        (status = 404, description = "No such household the caller serves", body = super::schema::Problem),
        (status = 422, description = "No reason given", body = super::schema::Problem),
    ),
)]
pub(crate) async fn reveal(
    State(s): State<AppState>,
    c: ApiCaller,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<HouseholdOut>, Refusal> {
    let b: RevealBody = json_body(body, CHANGE_BODY_LIMIT, c.lang)?;
    let card = async {
        let id = HouseholdId(id.parse().map_err(|_| ServiceError::NotFound)?);
        s.service
            .reveal_household_phones(&c.user, id, &b.reason)
            .await
    }
    .await
    .map_err(|e| AppError::api(e, c.lang))?;
    Ok(Json(card_out(card)))
}
