//! Every shape the API answers with, as a struct: serialised by serde and described by
//! utoipa, so the OpenAPI document (`/api/v1/openapi.json`) is generated from the very
//! types the handlers return and cannot drift from them. Times are RFC 3339 in China time;
//! phone numbers are masked here or before (the full number only through `reveal-phone`).

use super::rfc3339;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// Problem details (RFC 9457): what went wrong, in the caller's language, and the field
/// or parameter at fault when there is one.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says the kind.
    #[schema(example = "about:blank")]
    pub r#type: String,
    #[schema(example = "Unprocessable Entity")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    /// What is wrong, in the language of `Accept-Language` (Chinese by default).
    pub detail: String,
    /// The body field, query parameter or path segment at fault.
    #[schema(example = "agency_id")]
    pub field: Option<String>,
}

impl Problem {
    /// Served as `application/problem+json` with its status.
    pub fn into_response(self) -> axum::response::Response {
        use axum::response::IntoResponse;
        let status = axum::http::StatusCode::from_u16(self.status)
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, axum::Json(self)).into_response();
        resp.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/problem+json"),
        );
        resp
    }

    pub fn new(status: axum::http::StatusCode, detail: String, field: Option<String>) -> Problem {
        Problem {
            r#type: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("error").into(),
            status: status.as_u16(),
            detail,
            field,
        }
    }
}

pub(crate) fn opt_ms(t: Option<i64>) -> Option<String> {
    t.map(rfc3339)
}

pub(crate) fn ts(t: jiff::Timestamp) -> String {
    rfc3339(t.as_millisecond())
}

pub(crate) fn opt_ts(t: Option<jiff::Timestamp>) -> Option<String> {
    t.map(ts)
}

// --- the caller -------------------------------------------------------------------------

/// An area a user serves.
#[derive(Serialize, ToSchema)]
pub struct UserAreaOut {
    pub id: i64,
    pub name: String,
    /// `district`, `street`, `community`, `compound`, …
    pub kind: String,
    /// The area's place in the tree, as ids from the root (`/1/4/17/`).
    pub path: String,
}

impl From<&yihaotai_service::model::UserArea> for UserAreaOut {
    fn from(a: &yihaotai_service::model::UserArea) -> Self {
        UserAreaOut {
            id: a.id,
            name: a.name.clone(),
            kind: a.kind.clone(),
            path: a.path.clone(),
        }
    }
}

/// A user account (the caller, or one an administrator manages).
#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    /// Role codes (`agent`, `dispatcher`, `handler`, `leader`, `admin`, …).
    pub roles: Vec<String>,
    pub agency_id: Option<i64>,
    /// Absent for the caller's own record (`/me`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    pub areas: Vec<UserAreaOut>,
}

impl UserOut {
    pub fn of(u: &yihaotai_service::User, with_active: bool) -> UserOut {
        UserOut {
            id: u.id.0,
            login: u.login.clone(),
            display_name: u.display_name.clone(),
            roles: u.roles.0.iter().map(|r| r.code().to_string()).collect(),
            agency_id: u.agency_id.map(|a| a.0),
            active: with_active.then_some(u.active),
            areas: u.areas.iter().map(UserAreaOut::from).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<UserOut>,
}

// --- areas and agencies -----------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct AreaOut {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// `city`, `district`, `street`, `community`, `compound`, `building`.
    pub kind: String,
    pub name: String,
    /// Other names residents use for it (the address parser reads them).
    pub aliases: Vec<String>,
    pub path: String,
    /// The control level in force (`sealed`, `controlled`, `precaution`), if any.
    pub control_level: Option<String>,
    #[schema(format = DateTime)]
    pub control_since: Option<String>,
}

impl From<&yihaotai_service::model::Area> for AreaOut {
    fn from(a: &yihaotai_service::model::Area) -> Self {
        AreaOut {
            id: a.id.0,
            parent_id: a.parent_id.map(|p| p.0),
            kind: a.kind.code().into(),
            name: a.name.clone(),
            aliases: a.aliases.clone(),
            path: a.path.as_str().into(),
            control_level: a.control_level.map(|l| l.code().into()),
            control_since: opt_ms(a.control_since),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AreaList {
    pub areas: Vec<AreaOut>,
}

/// One change of an area's control level, with who set it and why.
#[derive(Serialize, ToSchema)]
pub struct ControlChangeOut {
    pub level: String,
    #[schema(format = DateTime)]
    pub effective_at: String,
    pub reason: String,
    pub set_by: Option<i64>,
    pub set_by_name: Option<String>,
    #[schema(format = DateTime)]
    pub set_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ControlHistory {
    pub history: Vec<ControlChangeOut>,
}

impl From<&yihaotai_service::model::ControlChange> for ControlChangeOut {
    fn from(x: &yihaotai_service::model::ControlChange) -> Self {
        ControlChangeOut {
            level: x.level.clone(),
            effective_at: rfc3339(x.effective_at),
            reason: x.reason.clone(),
            set_by: x.set_by,
            set_by_name: x.set_by_name.clone(),
            set_at: rfc3339(x.set_at),
        }
    }
}

/// A unit tickets are sent to (a street office, a community, a hospital, a company).
#[derive(Serialize, ToSchema)]
pub struct AgencyOut {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub home_area_id: i64,
    /// A forwarding centre passes tickets on (分转) rather than handling them.
    pub is_forwarding_centre: bool,
    pub active: bool,
    /// Ids of the areas it serves.
    pub areas: Vec<i64>,
    /// Category codes it handles.
    pub categories: Vec<String>,
}

impl From<&yihaotai_service::model::Agency> for AgencyOut {
    fn from(a: &yihaotai_service::model::Agency) -> Self {
        AgencyOut {
            id: a.row.id,
            name: a.row.name.clone(),
            kind: a.row.kind.clone(),
            parent_id: a.row.parent_id,
            home_area_id: a.row.home_area_id,
            is_forwarding_centre: a.row.is_forwarding_centre != 0,
            active: a.row.active != 0,
            areas: a.areas.iter().map(|x| x.0).collect(),
            categories: a.categories.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AgencyList {
    pub agencies: Vec<AgencyOut>,
}

// --- the dispatch catalogue and the policy ----------------------------------------------

/// One line of the dispatch catalogue: this category in this area goes to this agency.
#[derive(Serialize, ToSchema)]
pub struct RuleOut {
    pub id: i64,
    pub category: String,
    pub area_id: i64,
    pub area_name: String,
    pub agency_id: i64,
    pub agency_name: String,
    /// `direct` (直派) or `forward` (分转).
    pub mode: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&yihaotai_service::model::DispatchRule> for RuleOut {
    fn from(r: &yihaotai_service::model::DispatchRule) -> Self {
        RuleOut {
            id: r.id,
            category: r.category.clone(),
            area_id: r.area_id,
            area_name: r.area_name.clone(),
            agency_id: r.agency_id,
            agency_name: r.agency_name.clone(),
            mode: r.mode.clone(),
            updated_at: rfc3339(r.updated_at),
        }
    }
}

/// One version of one catalogue rule: what a category in an area went to from
/// `effective_at`, or that the rule was removed then (`agency_id` null).
#[derive(Serialize, ToSchema)]
pub struct RuleVersionOut {
    pub category: String,
    pub area_id: i64,
    pub area_name: String,
    pub agency_id: Option<i64>,
    pub agency_name: Option<String>,
    /// `direct` (直派) or `forward` (分转); null where the rule was removed.
    pub mode: Option<String>,
    /// When it took effect; the Unix epoch for a rule in force since before versions were
    /// kept.
    #[schema(format = DateTime)]
    pub effective_at: String,
    pub set_by: Option<String>,
}

impl From<yihaotai_service::model::RuleVersion> for RuleVersionOut {
    fn from(r: yihaotai_service::model::RuleVersion) -> Self {
        RuleVersionOut {
            category: r.category,
            area_id: r.area_id,
            area_name: r.area_name,
            agency_id: r.agency_id,
            agency_name: r.agency_name,
            mode: r.mode,
            effective_at: rfc3339(r.effective_at),
            set_by: r.set_by_name,
        }
    }
}

/// The catalogue's versions: its changes newest first, or the rules in force at a time.
#[derive(Serialize, ToSchema)]
pub struct RuleVersionList {
    pub versions: Vec<RuleVersionOut>,
}

#[derive(Serialize, ToSchema)]
pub struct RuleList {
    pub rules: Vec<RuleOut>,
}

/// Where the catalogue (or, failing a rule, the agencies' declared areas) sends a request.
#[derive(Serialize, ToSchema)]
pub struct SuggestionOut {
    pub agency_id: i64,
    pub agency_name: String,
    pub mode: String,
    /// The matching catalogue rule; null when the agencies' declared areas decided.
    pub rule_id: Option<i64>,
    pub area_name: String,
}

/// `suggestion` is null when nothing serves the category there.
#[derive(Serialize, ToSchema)]
pub struct SuggestionAnswer {
    pub suggestion: Option<SuggestionOut>,
}

impl From<Option<yihaotai_service::catalogue::DispatchSuggestion>> for SuggestionAnswer {
    fn from(s: Option<yihaotai_service::catalogue::DispatchSuggestion>) -> Self {
        SuggestionAnswer {
            suggestion: s.map(|s| SuggestionOut {
                agency_id: s.agency_id,
                agency_name: s.agency_name,
                mode: s.mode.code().into(),
                rule_id: s.rule_id,
                area_name: s.area_name,
            }),
        }
    }
}

/// The deadline policy in force.
#[derive(Serialize, ToSchema)]
pub struct PolicyOut {
    /// True while no administrator has saved one: the built-in policy applies.
    pub builtin: bool,
    /// The policy's rules as structured data (deadlines by urgency, working hours, …).
    #[schema(value_type = Object)]
    pub policy: Value,
    /// The same policy as the TOML an administrator edits.
    pub toml: String,
}

impl From<&yihaotai_service::policy::PolicyView> for PolicyOut {
    fn from(v: &yihaotai_service::policy::PolicyView) -> Self {
        PolicyOut {
            builtin: v.builtin,
            policy: serde_json::to_value(&*v.policy).unwrap_or(Value::Null),
            toml: v.toml.clone(),
        }
    }
}

// --- triage -----------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct AddressOut {
    pub compound: Option<String>,
    pub building: Option<String>,
    pub entrance: Option<String>,
    pub room: Option<String>,
}

/// Why triage said what it said: the phrase in the text behind a field's value.
#[derive(Serialize, ToSchema)]
pub struct ReasonOut {
    pub field: String,
    pub value: String,
    pub phrase: String,
}

/// What triage reads in a request, for the desk to confirm.
#[derive(Serialize, ToSchema)]
pub struct TriageOut {
    pub category: String,
    /// `critical`, `urgent`, `normal` or `consult`.
    pub urgency: String,
    pub epidemic_related: bool,
    /// Care tags the text suggests (`elderly_alone`, `pregnant`, `dialysis`, …).
    pub care_signals: Vec<String>,
    /// The address as written; null when the text gives none.
    pub address: Option<AddressOut>,
    /// The registered compound the address names, when it is one.
    pub compound_id: Option<i64>,
    /// The household the address points to, when one is registered.
    pub household_id: Option<i64>,
    pub household_address: Option<String>,
    pub household_confidence: Option<f32>,
    /// False when the household is only the nearest to a partly matching address.
    pub household_exact: Option<bool>,
    pub confidence: f32,
    pub reasons: Vec<ReasonOut>,
}

impl From<&yihaotai_service::triage::TriageResult> for TriageOut {
    fn from(r: &yihaotai_service::triage::TriageResult) -> Self {
        let a = &r.analysis;
        TriageOut {
            category: a.category.as_str().into(),
            urgency: a.urgency.code().into(),
            epidemic_related: a.epidemic_related,
            care_signals: a.care_signals.iter().map(|t| t.code().into()).collect(),
            address: (!a.address.is_empty()).then(|| AddressOut {
                compound: a.address.compound.clone(),
                building: a.address.building.clone(),
                entrance: a.address.entrance.clone(),
                room: a.address.room.clone(),
            }),
            compound_id: a.compound_id.map(|x| x.0),
            household_id: r.household_id,
            household_address: r.household_address.clone(),
            household_confidence: r.household_confidence,
            household_exact: r.household_exact,
            confidence: a.confidence,
            reasons: a
                .reasons
                .iter()
                .map(|x| ReasonOut {
                    field: x.field.clone(),
                    value: x.value.clone(),
                    phrase: x.phrase.clone(),
                })
                .collect(),
        }
    }
}

// --- tickets ----------------------------------------------------------------------------

/// The three deadlines a dispatched ticket runs against.
#[derive(Serialize, ToSchema)]
pub struct Deadlines {
    #[schema(format = DateTime)]
    pub accept_by: Option<String>,
    #[schema(format = DateTime)]
    pub contact_by: Option<String>,
    #[schema(format = DateTime)]
    pub resolve_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ExtensionOut {
    #[schema(format = DateTime)]
    pub until: String,
    pub reason: String,
    #[schema(format = DateTime)]
    pub requested_at: String,
}

/// The callback's outcome.
#[derive(Serialize, ToSchema)]
pub struct CallbackOut {
    pub contacted: bool,
    /// `solved`, `partly` or `unsolved`.
    pub solved: String,
    /// `satisfied`, `basically` or `dissatisfied`.
    pub satisfaction: String,
    #[schema(format = DateTime)]
    pub at: String,
}

/// Set when the server's triage raised the urgency the client gave, and why.
#[derive(Serialize, ToSchema)]
pub struct UrgencyRaised {
    pub from: String,
    pub to: String,
    pub reasons: Vec<String>,
}

/// A work order as the caller may see it: the phone masked, and the caller's name, phone
/// and household null where the ticket is confidential and the caller is not desk staff.
#[derive(Serialize, ToSchema)]
pub struct TicketOut {
    pub id: i64,
    /// The number residents are told (`YHT-20261202-000123`).
    pub number: String,
    /// `registered`, `dispatched`, `accepted`, `return_requested`, `resolved`, `closed`,
    /// `cancelled` or `merged`.
    pub status: String,
    pub channel: String,
    pub request_type: String,
    pub category: String,
    pub urgency: String,
    pub epidemic_related: bool,
    pub confidential: bool,
    /// False when the caller's details are hidden from this viewer.
    pub caller_visible: bool,
    pub caller_name: Option<String>,
    /// Masked (`138****5678`).
    pub caller_phone: Option<String>,
    pub household_id: Option<i64>,
    pub area_id: Option<i64>,
    pub area_path: String,
    pub content: String,
    #[schema(format = DateTime)]
    pub registered_at: String,
    pub registered_by: Option<i64>,
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// The ticket's version, which every change increments.
    pub version: u64,
    /// Triage's suggestion kept at intake: its JSON object, or the text, or null.
    pub suggestion: Value,
    pub assigned_agency_id: Option<i64>,
    pub assisting_agency_ids: Vec<i64>,
    /// `direct` or `forward`.
    pub dispatch_mode: Option<String>,
    #[schema(format = DateTime)]
    pub dispatched_at: Option<String>,
    pub dispatched_by_agency_id: Option<i64>,
    pub deadlines: Deadlines,
    #[schema(format = DateTime)]
    pub accepted_at: Option<String>,
    #[schema(format = DateTime)]
    pub first_contact_at: Option<String>,
    #[schema(format = DateTime)]
    pub resolved_at: Option<String>,
    #[schema(format = DateTime)]
    pub closed_at: Option<String>,
    pub result: Option<String>,
    /// The deadlines missed (`accept`, `contact`, `resolve`).
    pub breaches: Vec<String>,
    pub supervision_level: u8,
    pub escalation_level: u8,
    pub reopen_count: u32,
    /// The reason of a return request awaiting a dispatcher's decision.
    pub return_pending: Option<String>,
    pub extension_pending: Option<ExtensionOut>,
    pub callback: Option<CallbackOut>,
    /// How the ticket was closed (answered on the spot, transferred to 110/119/120, …).
    #[schema(value_type = Option<Object>)]
    pub closure: Value,
    pub cancel_reason: Option<String>,
    pub merged_into: Option<i64>,
    /// Only on the answer to an intake.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency_raised: Option<UrgencyRaised>,
}

/// One entry of a ticket's timeline.
#[derive(Serialize, ToSchema)]
pub struct EventOut {
    pub seq: i64,
    /// The event's kind (`registered`, `dispatched`, `accepted`, …).
    pub kind: String,
    #[schema(format = DateTime)]
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub agency_id: Option<i64>,
    pub agency_name: Option<String>,
    /// The event's own fields; the registration's caller masked or hidden as on the ticket.
    #[schema(value_type = Object)]
    pub payload: Value,
}

/// A ticket with its timeline and what the caller may do with it now.
#[derive(Serialize, ToSchema)]
pub struct TicketViewOut {
    #[serde(flatten)]
    pub ticket: TicketOut,
    pub may_reveal_phone: bool,
    /// The commands this caller may run on the ticket now, exactly those the domain
    /// accepts (`POST /api/v1/tickets/{id}/{command}`).
    pub allowed_commands: Vec<String>,
    pub events: Vec<EventOut>,
}

/// One line of a queue or search result.
#[derive(Serialize, ToSchema)]
pub struct TicketRowOut {
    pub id: i64,
    pub number: String,
    pub status: String,
    pub urgency: String,
    pub category: String,
    pub request_type: String,
    pub channel: String,
    pub epidemic_related: bool,
    pub confidential: bool,
    pub title: String,
    /// Masked; null where hidden.
    pub caller_phone: Option<String>,
    pub household_id: Option<i64>,
    pub area_id: Option<i64>,
    pub area_name: Option<String>,
    pub area_path: String,
    pub assigned_agency_id: Option<i64>,
    pub agency_name: Option<String>,
    pub deadlines: Deadlines,
    #[schema(format = DateTime)]
    pub accepted_at: Option<String>,
    #[schema(format = DateTime)]
    pub first_contact_at: Option<String>,
    #[schema(format = DateTime)]
    pub resolved_at: Option<String>,
    #[schema(format = DateTime)]
    pub closed_at: Option<String>,
    pub supervision_level: i64,
    pub escalation_level: i64,
    pub reopen_count: i64,
    pub return_pending: bool,
    pub extension_pending: bool,
    pub breaches: Vec<String>,
    pub overdue: bool,
    #[schema(format = DateTime)]
    pub registered_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A page of tickets; `next` is the cursor for the following page (`?after=`), null on the
/// last.
#[derive(Serialize, ToSchema)]
pub struct TicketPage {
    pub tickets: Vec<TicketRowOut>,
    pub next: Option<String>,
}

/// The caller's full number, released for a stated reason and audited.
#[derive(Serialize, ToSchema)]
pub struct RevealedPhone {
    pub phone: String,
}

pub(crate) fn deadlines_ts(d: &yihaotai_domain::ticket::Deadlines) -> Deadlines {
    Deadlines {
        accept_by: opt_ts(d.accept_by),
        contact_by: opt_ts(d.contact_by),
        resolve_by: opt_ts(d.resolve_by),
    }
}

pub(crate) fn deadlines_ms(
    accept_by: Option<i64>,
    contact_by: Option<i64>,
    resolve_by: Option<i64>,
) -> Deadlines {
    Deadlines {
        accept_by: opt_ms(accept_by),
        contact_by: opt_ms(contact_by),
        resolve_by: opt_ms(resolve_by),
    }
}
