//! What people (and the scheduler) ask a ticket to do, and intake: turning a new request
//! into its first events.

use super::{
    Actor, Clock, Closure, CommandKind, DispatchMode, EmergencyService, Event, EventKind, Policy,
    Satisfaction, Solved, TextField, TicketError,
};
use crate::person::Phone;
use crate::vocab::{Category, Channel, RequestType, Urgency};
use crate::{AgencyId, AreaId, HouseholdId, TicketId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The longest free text accepted in any field (content, result, notes, reasons).
pub const MAX_TEXT_CHARS: usize = 5000;
const MAX_NAME_CHARS: usize = 32;

/// A request as the desk agent recorded it, with what to do with it at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTicket {
    pub channel: Channel,
    pub request_type: RequestType,
    pub category: Category,
    pub urgency: Urgency,
    pub epidemic_related: bool,
    pub confidential: bool,
    pub caller_name: Option<String>,
    pub caller_phone: Option<Phone>,
    pub household: Option<HouseholdId>,
    pub area: Option<AreaId>,
    pub content: String,
    pub disposition: Disposition,
}

/// What the desk does with a request when it is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Disposition {
    /// Keep it open for dispatch.
    Dispatch,
    /// A consultation answered during the call: recorded and closed.
    AnswerAndClose { answer: String },
    /// Handed to 110/119/120: recorded and closed.
    TransferEmergency {
        service: EmergencyService,
        note: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    Dispatch {
        agency: AgencyId,
        mode: DispatchMode,
        assisting: Vec<AgencyId>,
        note: String,
    },
    Accept,
    RecordContact {
        note: String,
    },
    RequestReturn {
        reason: String,
    },
    /// With `redispatch_to`, the ticket goes straight to that agency (直派) with fresh
    /// deadlines; without, it waits at the desk for a new dispatch.
    ApproveReturn {
        redispatch_to: Option<AgencyId>,
        note: String,
    },
    RefuseReturn {
        note: String,
    },
    RequestExtension {
        until: Timestamp,
        reason: String,
    },
    ApproveExtension,
    RefuseExtension {
        note: String,
    },
    Resolve {
        result: String,
    },
    Callback {
        contacted: bool,
        solved: Solved,
        satisfaction: Satisfaction,
        note: String,
    },
    Reopen {
        reason: String,
    },
    Escalate {
        to: AgencyId,
        reason: String,
    },
    Supervise {
        level: u8,
        note: String,
    },
    RecordBreach {
        clock: Clock,
    },
    Merge {
        into: TicketId,
    },
    Cancel {
        reason: String,
    },
    AddNote {
        text: String,
    },
}

impl Command {
    pub fn kind(&self) -> CommandKind {
        match self {
            Command::Dispatch { .. } => CommandKind::Dispatch,
            Command::Accept => CommandKind::Accept,
            Command::RecordContact { .. } => CommandKind::RecordContact,
            Command::RequestReturn { .. } => CommandKind::RequestReturn,
            Command::ApproveReturn { .. } => CommandKind::ApproveReturn,
            Command::RefuseReturn { .. } => CommandKind::RefuseReturn,
            Command::RequestExtension { .. } => CommandKind::RequestExtension,
            Command::ApproveExtension => CommandKind::ApproveExtension,
            Command::RefuseExtension { .. } => CommandKind::RefuseExtension,
            Command::Resolve { .. } => CommandKind::Resolve,
            Command::Callback { .. } => CommandKind::Callback,
            Command::Reopen { .. } => CommandKind::Reopen,
            Command::Escalate { .. } => CommandKind::Escalate,
            Command::Supervise { .. } => CommandKind::Supervise,
            Command::RecordBreach { .. } => CommandKind::RecordBreach,
            Command::Merge { .. } => CommandKind::Merge,
            Command::Cancel { .. } => CommandKind::Cancel,
            Command::AddNote { .. } => CommandKind::AddNote,
        }
    }
}

/// Records a new request. Emits `Registered`, followed by `Closed` when the desk answered
/// it on the spot or handed it to an emergency service.
pub fn register(
    new: NewTicket,
    actor: &Actor,
    now: Timestamp,
    policy: &Policy,
) -> Result<Vec<Event>, TicketError> {
    let content = required_text(TextField::Content, &new.content)?;
    let caller_name = match new.caller_name.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name) => Some(checked(TextField::CallerName, name, MAX_NAME_CHARS)?),
    };
    let event = |kind| Event {
        at: now,
        actor: actor.user,
        agency: actor.agency,
        kind,
    };
    let closure = match new.disposition {
        Disposition::Dispatch => {
            // Refuse now rather than at dispatch, when the caller is no longer on the line.
            if policy
                .rule(new.urgency, new.epidemic_related, new.request_type)
                .is_none()
            {
                return Err(TicketError::NoDeadlineRule);
            }
            None
        }
        Disposition::AnswerAndClose { answer } => Some(Closure::AnsweredOnSpot {
            answer: required_text(TextField::Answer, &answer)?,
        }),
        Disposition::TransferEmergency { service, note } => Some(Closure::TransferredEmergency {
            service,
            note: optional_text(TextField::Note, &note)?,
        }),
    };
    let mut events = vec![event(EventKind::Registered {
        channel: new.channel,
        request_type: new.request_type,
        category: new.category,
        urgency: new.urgency,
        epidemic_related: new.epidemic_related,
        confidential: new.confidential,
        caller_name,
        caller_phone: new.caller_phone,
        household: new.household,
        area: new.area,
        content,
    })];
    if let Some(closure) = closure {
        events.push(event(EventKind::Closed { closure }));
    }
    Ok(events)
}

/// Trimmed, non-empty, bounded text.
pub(crate) fn required_text(field: TextField, s: &str) -> Result<String, TicketError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(TicketError::Empty { field });
    }
    checked(field, t, MAX_TEXT_CHARS)
}

/// Trimmed, possibly empty, bounded text.
pub(crate) fn optional_text(field: TextField, s: &str) -> Result<String, TicketError> {
    checked(field, s.trim(), MAX_TEXT_CHARS)
}

/// Line breaks and tabs are how people format a report; other control characters are
/// paste accidents that break exports and screens.
fn checked(field: TextField, t: &str, max: usize) -> Result<String, TicketError> {
    if t.chars().count() > max {
        return Err(TicketError::TooLong { field, max });
    }
    if t.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(TicketError::InvalidText { field });
    }
    Ok(t.to_string())
}
