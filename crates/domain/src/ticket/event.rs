//! Events: the only record of what happened to a ticket. Stored as JSON, append-only, so
//! every field a replay needs (deadlines included) is inside the event.

use super::{Clock, Closure, Deadlines, DispatchMode, Satisfaction, Solved};
use crate::person::Phone;
use crate::vocab::{Category, Channel, RequestType, Urgency};
use crate::{AgencyId, AreaId, HouseholdId, TicketId, UserId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The reason written on a reopen caused by an unsolved or unsatisfied callback.
pub const REOPEN_AFTER_CALLBACK: &str = "callback";

/// One thing that happened, by whom and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: Timestamp,
    /// None: the scheduler.
    pub actor: Option<UserId>,
    /// The agency the actor spoke for, if any.
    pub agency: Option<AgencyId>,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Registered {
        channel: Channel,
        request_type: RequestType,
        category: Category,
        urgency: Urgency,
        epidemic_related: bool,
        confidential: bool,
        caller_name: Option<String>,
        caller_phone: Option<Phone>,
        household: Option<HouseholdId>,
        area: Option<AreaId>,
        content: String,
    },
    Dispatched {
        agency: AgencyId,
        mode: DispatchMode,
        assisting: Vec<AgencyId>,
        deadlines: Deadlines,
        note: String,
    },
    Accepted,
    ContactRecorded {
        note: String,
    },
    ReturnRequested {
        reason: String,
    },
    ReturnApproved {
        note: String,
    },
    ReturnRefused {
        note: String,
    },
    ExtensionRequested {
        until: Timestamp,
        reason: String,
    },
    ExtensionApproved {
        resolve_by: Timestamp,
    },
    ExtensionRefused {
        note: String,
    },
    Resolved {
        result: String,
    },
    CallbackRecorded {
        contacted: bool,
        solved: Solved,
        satisfaction: Satisfaction,
        note: String,
    },
    /// Back to the same agency, waiting for it to accept again, with fresh deadlines.
    Reopened {
        reason: String,
        deadlines: Deadlines,
    },
    /// Handed one level up; the new lead gets its own accept clock, the resident's clocks
    /// (contact, resolve) keep running.
    Escalated {
        to: AgencyId,
        reason: String,
        accept_by: Timestamp,
    },
    Supervised {
        level: u8,
        note: String,
    },
    BreachRecorded {
        clock: Clock,
    },
    Merged {
        into: TicketId,
    },
    Cancelled {
        reason: String,
    },
    NoteAdded {
        text: String,
    },
    /// Triage on save found a danger sign above the urgency chosen at intake; the ticket
    /// took triage's urgency. `reasons` are the phrases that fired.
    UrgencyRaised {
        from: Urgency,
        to: Urgency,
        reasons: Vec<String>,
    },
    /// The agent kept an urgency below triage's, and said why.
    DowngradeConfirmed {
        suggested: Urgency,
        chosen: Urgency,
        reason: String,
    },
    Closed {
        closure: Closure,
    },
}

impl EventKind {
    /// The `type` tag as stored, for an indexed column beside the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            EventKind::Registered { .. } => "registered",
            EventKind::Dispatched { .. } => "dispatched",
            EventKind::Accepted => "accepted",
            EventKind::ContactRecorded { .. } => "contact_recorded",
            EventKind::ReturnRequested { .. } => "return_requested",
            EventKind::ReturnApproved { .. } => "return_approved",
            EventKind::ReturnRefused { .. } => "return_refused",
            EventKind::ExtensionRequested { .. } => "extension_requested",
            EventKind::ExtensionApproved { .. } => "extension_approved",
            EventKind::ExtensionRefused { .. } => "extension_refused",
            EventKind::Resolved { .. } => "resolved",
            EventKind::CallbackRecorded { .. } => "callback_recorded",
            EventKind::Reopened { .. } => "reopened",
            EventKind::Escalated { .. } => "escalated",
            EventKind::Supervised { .. } => "supervised",
            EventKind::BreachRecorded { .. } => "breach_recorded",
            EventKind::Merged { .. } => "merged",
            EventKind::Cancelled { .. } => "cancelled",
            EventKind::NoteAdded { .. } => "note_added",
            EventKind::UrgencyRaised { .. } => "urgency_raised",
            EventKind::DowngradeConfirmed { .. } => "downgrade_confirmed",
            EventKind::Closed { .. } => "closed",
        }
    }
}
