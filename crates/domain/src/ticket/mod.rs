//! The work order (工单) as an event-sourced state machine: `register` and `decide` turn
//! commands into events, `apply` folds events into a [`Ticket`], and deadlines come from a
//! [`Policy`] evaluated on the China Standard Time calendar.

mod apply;
mod available;
mod calendar;
mod command;
mod decide;
mod error;
mod event;
mod policy;
mod settle;
mod watch;

#[cfg(test)]
mod tests;

pub use apply::apply;
pub use available::available_commands;
pub use calendar::{china_datetime, format_local, Calendar, CST};
pub use command::{register, Command, Disposition, NewTicket, MAX_TEXT_CHARS};
pub use decide::decide;
pub use error::{PolicyError, TicketError};
pub use event::{Event, EventKind, REOPEN_AFTER_CALLBACK};
pub use policy::{DeadlineRule, Policy, Span, SpanUnit};
pub use settle::{settle_urgency, severity};
pub use watch::{due_breaches, needs_supervision, next_breach_at};

use crate::person::Phone;
use crate::role::Roles;
use crate::vocab::{Category, Channel, Lang, RequestType, Urgency};
use crate::{AgencyId, AreaId, HouseholdId, TicketId, UserId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

crate::vocabulary!(
    /// Where a ticket is in its life. The Chinese labels are the ones on the desk's queues.
    Status, "status" {
        Registered => "registered", "待派单", "Registered";
        Dispatched => "dispatched", "待签收", "Dispatched";
        Accepted => "accepted", "办理中", "Accepted";
        ReturnRequested => "return_requested", "退单审核中", "Return requested";
        Resolved => "resolved", "待回访", "Resolved";
        Closed => "closed", "已归档", "Closed";
        Cancelled => "cancelled", "已撤销", "Cancelled";
        Merged => "merged", "已合并", "Merged";
    }
);

impl Status {
    /// A terminal ticket never changes again; every command on it is refused.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Closed | Status::Cancelled | Status::Merged)
    }
}

crate::vocabulary!(
    /// The three deadlines that run from dispatch (签收、响应、办结).
    Clock, "clock" {
        Accept => "accept", "签收", "Accept";
        Contact => "contact", "响应", "Contact";
        Resolve => "resolve", "办结", "Resolve";
    }
);

crate::vocabulary!(
    /// 直派 to the final handler, or 分转 to a centre that dispatches on.
    DispatchMode, "dispatch_mode" {
        Direct => "direct", "直派", "Direct";
        Forward => "forward", "分转", "Forward";
    }
);

crate::vocabulary!(
    /// What the resident said about the outcome in the callback (回访).
    Solved, "solved" {
        Solved => "solved", "已解决", "Solved";
        Partly => "partly", "部分解决", "Partly solved";
        Not => "not", "未解决", "Not solved";
    }
);

crate::vocabulary!(
    /// How satisfied the resident was, asked in the callback (回访).
    Satisfaction, "satisfaction" {
        Satisfied => "satisfied", "满意", "Satisfied";
        BasicallySatisfied => "basically_satisfied", "基本满意", "Basically satisfied";
        Unsatisfied => "unsatisfied", "不满意", "Unsatisfied";
    }
);

crate::vocabulary!(
    /// The kinds of [`Command`], named in error messages and audit views.
    CommandKind, "command" {
        Dispatch => "dispatch", "派单", "Dispatch";
        Accept => "accept", "签收", "Accept";
        RecordContact => "record_contact", "记录联系", "Record contact";
        RequestReturn => "request_return", "申请退单", "Request return";
        ApproveReturn => "approve_return", "同意退单", "Approve return";
        RefuseReturn => "refuse_return", "驳回退单", "Refuse return";
        RequestExtension => "request_extension", "申请延期", "Request extension";
        ApproveExtension => "approve_extension", "同意延期", "Approve extension";
        RefuseExtension => "refuse_extension", "驳回延期", "Refuse extension";
        Resolve => "resolve", "办结", "Resolve";
        Callback => "callback", "回访", "Callback";
        Reopen => "reopen", "重办", "Reopen";
        Escalate => "escalate", "提级", "Escalate";
        Supervise => "supervise", "督办", "Supervise";
        RecordBreach => "record_breach", "记录超期", "Record breach";
        Merge => "merge", "合并", "Merge";
        Cancel => "cancel", "撤销", "Cancel";
        AddNote => "add_note", "添加备注", "Add note";
    }
);

crate::vocabulary!(
    /// The free-text fields of commands, named in validation errors.
    TextField, "field" {
        Content => "content", "诉求内容", "Content";
        CallerName => "caller_name", "来电人姓名", "Caller name";
        Answer => "answer", "答复内容", "Answer";
        Note => "note", "备注", "Note";
        Reason => "reason", "原因", "Reason";
        Result => "result", "办理结果", "Result";
    }
);

/// The emergency services an intake can hand a call over to. Hand-written rather than a
/// `vocabulary!` so that the JSON value is the number residents know (110, 119, 120).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EmergencyService {
    #[serde(rename = "110")]
    Police,
    #[serde(rename = "119")]
    Fire,
    #[serde(rename = "120")]
    Ambulance,
}

impl EmergencyService {
    pub const ALL: &'static [EmergencyService] = &[
        EmergencyService::Police,
        EmergencyService::Fire,
        EmergencyService::Ambulance,
    ];
    pub fn code(self) -> &'static str {
        match self {
            EmergencyService::Police => "110",
            EmergencyService::Fire => "119",
            EmergencyService::Ambulance => "120",
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            EmergencyService::Police => lang.pick("110报警", "Police (110)"),
            EmergencyService::Fire => lang.pick("119消防", "Fire (119)"),
            EmergencyService::Ambulance => lang.pick("120急救", "Ambulance (120)"),
        }
    }
    pub fn parse(s: &str) -> Result<EmergencyService, crate::vocab::UnknownCode> {
        let t = s.trim();
        EmergencyService::ALL
            .iter()
            .copied()
            .find(|e| e.code() == t)
            .ok_or_else(|| crate::vocab::UnknownCode {
                field: "emergency_service",
                value: t.chars().take(40).collect(),
                allowed: "110, 119, 120".to_string(),
            })
    }
}

/// Who issues a command. `user` is `None` only for the scheduler; `agency` is the unit the
/// person acts for (None for desk staff who act for no handling unit). Roles are checked by
/// the service layer; the domain checks only rules relative to the ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: Option<UserId>,
    pub agency: Option<AgencyId>,
    pub roles: Roles,
}

impl Actor {
    /// The deadline scheduler: records breaches, supervision and automatic escalation.
    pub fn system() -> Actor {
        Actor {
            user: None,
            agency: None,
            roles: Roles::default(),
        }
    }
}

/// The deadlines of the current dispatch. They are computed when an event is decided and
/// carried inside it, so replaying history never depends on today's policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub accept_by: Option<Timestamp>,
    pub contact_by: Option<Timestamp>,
    pub resolve_by: Option<Timestamp>,
}

impl Deadlines {
    pub fn get(&self, clock: Clock) -> Option<Timestamp> {
        match clock {
            Clock::Accept => self.accept_by,
            Clock::Contact => self.contact_by,
            Clock::Resolve => self.resolve_by,
        }
    }
}

/// A handler's request for a later resolve deadline, waiting for a dispatcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingExtension {
    pub until: Timestamp,
    pub reason: String,
    pub requested_at: Timestamp,
}

/// The latest callback (回访) answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackResult {
    pub contacted: bool,
    pub solved: Solved,
    pub satisfaction: Satisfaction,
    pub at: Timestamp,
}

/// How a ticket reached `Closed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Closure {
    /// A consultation answered during the call.
    AnsweredOnSpot { answer: String },
    /// Handed to 110/119/120; the desk's part ends there.
    TransferredEmergency {
        service: EmergencyService,
        note: String,
    },
    /// The resident confirmed the result in the callback.
    AfterCallback,
}

/// Everything known about one work order, derived only from its events (see [`apply`]).
/// Fields are public for reading by projections and pages; change them only through events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Not part of any event: the store assigns it and sets it after loading the stream.
    pub id: Option<TicketId>,
    pub status: Status,
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
    pub registered_at: Timestamp,
    pub registered_by: Option<UserId>,
    /// Time of the latest event; later events are never stamped earlier.
    pub updated_at: Timestamp,
    /// Number of events applied, for optimistic concurrency in the store.
    pub version: u64,
    /// The lead agency (主办) currently responsible.
    pub assigned: Option<AgencyId>,
    /// Assisting agencies (协办): they may add notes, only the lead acts.
    pub assisting: Vec<AgencyId>,
    pub dispatch_mode: Option<DispatchMode>,
    pub dispatched_at: Option<Timestamp>,
    /// The agency that made the current dispatch (None: the desk itself).
    pub dispatched_by: Option<AgencyId>,
    pub deadlines: Deadlines,
    pub accepted_at: Option<Timestamp>,
    pub first_contact_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// When the ticket became terminal (closed, cancelled or merged).
    pub closed_at: Option<Timestamp>,
    pub result: Option<String>,
    pub supervision_level: u8,
    pub last_supervised_at: Option<Timestamp>,
    /// Clocks breached against the current deadlines; a deadline replaced by a later event
    /// forgets its breach, so the new deadline can be breached (and recorded) again.
    pub breaches: BTreeSet<Clock>,
    pub escalation_level: u8,
    pub reopen_count: u32,
    pub extension_pending: Option<PendingExtension>,
    pub return_pending: Option<String>,
    /// The status to go back to when a return request is refused.
    pub previous_status: Option<Status>,
    pub callback: Option<CallbackResult>,
    pub closure: Option<Closure>,
    pub cancel_reason: Option<String>,
    pub merged_into: Option<TicketId>,
}

impl Ticket {
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }

    /// Whether the obligation behind a clock has been fulfilled for the current dispatch.
    /// A return request answers the dispatch, so it stops the accept clock; a resolution
    /// stops the contact clock, because the resident has been served either way.
    pub fn clock_met(&self, clock: Clock) -> bool {
        match clock {
            Clock::Accept => {
                self.accepted_at.is_some()
                    || self.resolved_at.is_some()
                    || self.status == Status::ReturnRequested
            }
            Clock::Contact => self.first_contact_at.is_some() || self.resolved_at.is_some(),
            Clock::Resolve => self.resolved_at.is_some(),
        }
    }

    /// Whether a live ticket has passed a deadline without meeting it.
    pub fn is_overdue(&self, clock: Clock, now: Timestamp) -> bool {
        !self.is_terminal()
            && self.status != Status::Registered
            && !self.clock_met(clock)
            && self.deadlines.get(clock).is_some_and(|d| now > d)
    }

    /// Whether this agency takes part in the ticket: lead, assisting, or the dispatcher.
    pub fn involves(&self, agency: AgencyId) -> bool {
        self.assigned == Some(agency)
            || self.assisting.contains(&agency)
            || self.dispatched_by == Some(agency)
    }
}
