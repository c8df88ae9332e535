//! Deciding a command: every rule about what may happen to a ticket lives here. A command
//! either yields the events that record it or a [`TicketError`] and changes nothing.

use super::command::{optional_text, required_text};
use super::{
    Actor, Closure, Command, CommandKind, DeadlineRule, Deadlines, DispatchMode, Event, EventKind,
    Policy, Satisfaction, Solved, Status, TextField, Ticket, TicketError, REOPEN_AFTER_CALLBACK,
};
use crate::AgencyId;
use jiff::Timestamp;

type Decided = Result<Vec<Event>, TicketError>;

/// Decides `cmd` against the ticket's current state. Idempotent commands from the scheduler
/// (`Supervise` at or below the current level, `RecordBreach` of a recorded clock) succeed
/// with no events.
pub fn decide(t: &Ticket, cmd: Command, actor: &Actor, now: Timestamp, policy: &Policy) -> Decided {
    if t.is_terminal() {
        return Err(TicketError::Finished { status: t.status });
    }
    // Nodes' clocks differ by a little; history must still read in order, and a deadline
    // must never seem met before the event that met it.
    let now = now.max(t.updated_at);
    let c = Ctx {
        t,
        actor,
        now,
        policy,
    };
    match cmd {
        Command::Dispatch {
            agency,
            mode,
            assisting,
            note,
        } => c.dispatch(agency, mode, assisting, &note),
        Command::Accept => {
            c.lead_only(CommandKind::Accept)?;
            match t.status {
                Status::Dispatched => Ok(vec![c.event(EventKind::Accepted)]),
                Status::Accepted => Err(TicketError::AlreadyAccepted),
                s => Err(c.wrong_status(CommandKind::Accept, s)),
            }
        }
        Command::RecordContact { note } => {
            c.lead_only(CommandKind::RecordContact)?;
            c.must_be_accepted(CommandKind::RecordContact)?;
            if t.first_contact_at.is_some() {
                return Err(TicketError::AlreadyContacted);
            }
            let note = optional_text(TextField::Note, &note)?;
            Ok(vec![c.event(EventKind::ContactRecorded { note })])
        }
        Command::RequestReturn { reason } => {
            c.lead_only(CommandKind::RequestReturn)?;
            if !matches!(t.status, Status::Dispatched | Status::Accepted) {
                return Err(c.wrong_status(CommandKind::RequestReturn, t.status));
            }
            let reason = required_text(TextField::Reason, &reason)?;
            Ok(vec![c.event(EventKind::ReturnRequested { reason })])
        }
        Command::ApproveReturn {
            redispatch_to,
            note,
        } => c.approve_return(redispatch_to, &note),
        Command::RefuseReturn { note } => {
            c.review_return()?;
            let note = required_text(TextField::Note, &note)?;
            Ok(vec![c.event(EventKind::ReturnRefused { note })])
        }
        Command::RequestExtension { until, reason } => c.request_extension(until, &reason),
        Command::ApproveExtension => {
            let until = c.review_extension()?;
            Ok(vec![
                c.event(EventKind::ExtensionApproved { resolve_by: until })
            ])
        }
        Command::RefuseExtension { note } => {
            c.review_extension()?;
            let note = required_text(TextField::Note, &note)?;
            Ok(vec![c.event(EventKind::ExtensionRefused { note })])
        }
        Command::Resolve { result } => {
            c.lead_only(CommandKind::Resolve)?;
            c.must_be_accepted(CommandKind::Resolve)?;
            let result = required_text(TextField::Result, &result)?;
            Ok(vec![c.event(EventKind::Resolved { result })])
        }
        Command::Callback {
            contacted,
            solved,
            satisfaction,
            note,
        } => c.callback(contacted, solved, satisfaction, &note),
        Command::Reopen { reason } => {
            if t.status != Status::Resolved {
                return Err(TicketError::NotResolved);
            }
            let reason = required_text(TextField::Reason, &reason)?;
            Ok(vec![c.reopen(reason)?])
        }
        Command::Escalate { to, reason } => {
            c.must_be_open_with_agency(CommandKind::Escalate)?;
            if t.assigned == Some(to) {
                return Err(TicketError::SameAgency);
            }
            let reason = required_text(TextField::Reason, &reason)?;
            let accept_by = c.fresh_accept_by()?;
            Ok(vec![c.event(EventKind::Escalated {
                to,
                reason,
                accept_by,
            })])
        }
        Command::Supervise { level, note } => {
            if !(1..=2).contains(&level) {
                return Err(TicketError::BadSupervisionLevel { level });
            }
            c.must_be_open_with_agency(CommandKind::Supervise)?;
            let note = optional_text(TextField::Note, &note)?;
            if level <= t.supervision_level {
                return Ok(Vec::new());
            }
            Ok(vec![c.event(EventKind::Supervised { level, note })])
        }
        Command::RecordBreach { clock } => {
            if t.status == Status::Registered {
                return Err(TicketError::NotDispatched);
            }
            if t.breaches.contains(&clock) {
                return Ok(Vec::new());
            }
            if !t.is_overdue(clock, now) {
                return Err(TicketError::BreachNotDue { clock });
            }
            Ok(vec![c.event(EventKind::BreachRecorded { clock })])
        }
        Command::Merge { into } => {
            if t.id == Some(into) {
                return Err(TicketError::MergeIntoSelf);
            }
            Ok(vec![c.event(EventKind::Merged { into })])
        }
        Command::Cancel { reason } => {
            let reason = required_text(TextField::Reason, &reason)?;
            Ok(vec![c.event(EventKind::Cancelled { reason })])
        }
        Command::AddNote { text } => {
            // Desk staff note any ticket they can see (a caller rings again); an agency's
            // own staff only the tickets their agency handles.
            let desk = actor.roles.is_desk();
            if let (Some(a), false) = (actor.agency, desk) {
                if !t.involves(a) {
                    return Err(TicketError::NotYourAgency);
                }
            }
            let text = required_text(TextField::Note, &text)?;
            Ok(vec![c.event(EventKind::NoteAdded { text })])
        }
    }
}

struct Ctx<'a> {
    t: &'a Ticket,
    actor: &'a Actor,
    now: Timestamp,
    policy: &'a Policy,
}

impl Ctx<'_> {
    fn event(&self, kind: EventKind) -> Event {
        Event {
            at: self.now,
            actor: self.actor.user,
            agency: self.actor.agency,
            kind,
        }
    }

    /// The most helpful refusal for a command the status does not allow.
    fn wrong_status(&self, action: CommandKind, status: Status) -> TicketError {
        match status {
            Status::Registered => TicketError::NotDispatched,
            Status::ReturnRequested => TicketError::ReturnPending,
            _ => TicketError::NotAllowed { action, status },
        }
    }

    /// Handler commands come from the lead agency assigned now, nobody else.
    fn lead_only(&self, action: CommandKind) -> Result<(), TicketError> {
        if self.t.status == Status::Registered {
            return Err(self.wrong_status(action, self.t.status));
        }
        match self.actor.agency {
            Some(a) if self.t.assigned == Some(a) => Ok(()),
            _ => Err(TicketError::NotYourAgency),
        }
    }

    fn must_be_accepted(&self, action: CommandKind) -> Result<(), TicketError> {
        match self.t.status {
            Status::Accepted => Ok(()),
            Status::Dispatched => Err(TicketError::NotAccepted),
            s => Err(self.wrong_status(action, s)),
        }
    }

    /// Dispatched somewhere and not yet resolved: the states supervision and escalation
    /// act on.
    fn must_be_open_with_agency(&self, action: CommandKind) -> Result<(), TicketError> {
        match self.t.status {
            Status::Dispatched | Status::Accepted | Status::ReturnRequested => Ok(()),
            Status::Registered => Err(TicketError::NotDispatched),
            s => Err(TicketError::NotAllowed { action, status: s }),
        }
    }

    fn rule(&self) -> Result<&DeadlineRule, TicketError> {
        self.policy
            .rule_for(self.t)
            .ok_or(TicketError::NoDeadlineRule)
    }

    /// Deadlines by the policy's rule for this ticket, counted from now.
    fn fresh_deadlines(&self) -> Result<Deadlines, TicketError> {
        Ok(self.rule()?.deadlines(self.now, &self.policy.calendar))
    }

    /// The accept deadline alone, for a new lead taking over running resident clocks.
    fn fresh_accept_by(&self) -> Result<Timestamp, TicketError> {
        Ok(self
            .rule()?
            .accept_within
            .after(self.now, &self.policy.calendar))
    }

    fn dispatch(
        &self,
        agency: AgencyId,
        mode: DispatchMode,
        assisting: Vec<AgencyId>,
        note: &str,
    ) -> Decided {
        let t = self.t;
        let deadlines = match t.status {
            Status::Registered => self.fresh_deadlines()?,
            // A forwarding centre passes the ticket on: the new handler gets its own accept
            // clock, but the resident's clocks do not restart for an internal hand-over.
            Status::Dispatched | Status::Accepted => {
                if t.dispatch_mode != Some(DispatchMode::Forward) {
                    return Err(TicketError::NotForwarded);
                }
                self.lead_only(CommandKind::Dispatch)?;
                if t.assigned == Some(agency) {
                    return Err(TicketError::SameAgency);
                }
                Deadlines {
                    accept_by: Some(self.fresh_accept_by()?),
                    ..t.deadlines
                }
            }
            s => return Err(self.wrong_status(CommandKind::Dispatch, s)),
        };
        let assisting = assisting_list(agency, assisting)?;
        let note = optional_text(TextField::Note, note)?;
        Ok(vec![self.event(EventKind::Dispatched {
            agency,
            mode,
            assisting,
            deadlines,
            note,
        })])
    }

    /// Return and extension requests are reviewed by someone other than their author.
    fn not_own_request(&self) -> Result<(), TicketError> {
        match self.actor.agency {
            Some(a) if self.t.assigned == Some(a) => Err(TicketError::OwnRequest),
            _ => Ok(()),
        }
    }

    fn review_return(&self) -> Result<(), TicketError> {
        if self.t.status != Status::ReturnRequested {
            return Err(TicketError::NoReturnPending);
        }
        self.not_own_request()
    }

    fn approve_return(&self, redispatch_to: Option<AgencyId>, note: &str) -> Decided {
        self.review_return()?;
        let note = optional_text(TextField::Note, note)?;
        let mut events = vec![self.event(EventKind::ReturnApproved { note: note.clone() })];
        if let Some(agency) = redispatch_to {
            if self.t.assigned == Some(agency) {
                return Err(TicketError::SameAgency);
            }
            events.push(self.event(EventKind::Dispatched {
                agency,
                mode: DispatchMode::Direct,
                assisting: Vec::new(),
                deadlines: self.fresh_deadlines()?,
                note,
            }));
        }
        Ok(events)
    }

    fn request_extension(&self, until: Timestamp, reason: &str) -> Decided {
        self.lead_only(CommandKind::RequestExtension)?;
        self.must_be_accepted(CommandKind::RequestExtension)?;
        if self.t.extension_pending.is_some() {
            return Err(TicketError::ExtensionPending);
        }
        let resolve_by = self
            .t
            .deadlines
            .resolve_by
            .ok_or(TicketError::NotDispatched)?;
        if self.now > resolve_by {
            return Err(TicketError::ExtensionTooLate { resolve_by });
        }
        if until <= resolve_by {
            return Err(TicketError::ExtensionNotLater { resolve_by });
        }
        let reason = required_text(TextField::Reason, reason)?;
        Ok(vec![
            self.event(EventKind::ExtensionRequested { until, reason })
        ])
    }

    /// The requested deadline, once the reviewer is allowed to decide on it.
    fn review_extension(&self) -> Result<Timestamp, TicketError> {
        let pending = self
            .t
            .extension_pending
            .as_ref()
            .ok_or(TicketError::NoExtensionPending)?;
        self.not_own_request()?;
        Ok(pending.until)
    }

    fn callback(
        &self,
        contacted: bool,
        solved: Solved,
        satisfaction: Satisfaction,
        note: &str,
    ) -> Decided {
        if self.t.status != Status::Resolved {
            return Err(TicketError::NotResolved);
        }
        let note = optional_text(TextField::Note, note)?;
        let failed = solved == Solved::Not || satisfaction == Satisfaction::Unsatisfied;
        let next = if failed {
            self.reopen(REOPEN_AFTER_CALLBACK.to_string())?
        } else {
            self.event(EventKind::Closed {
                closure: Closure::AfterCallback,
            })
        };
        Ok(vec![
            self.event(EventKind::CallbackRecorded {
                contacted,
                solved,
                satisfaction,
                note,
            }),
            next,
        ])
    }

    /// Back to the same agency with every clock restarted by the same rule.
    fn reopen(&self, reason: String) -> Result<Event, TicketError> {
        Ok(self.event(EventKind::Reopened {
            reason,
            deadlines: self.fresh_deadlines()?,
        }))
    }
}

/// Assisting agencies without repeats, never the lead itself.
fn assisting_list(lead: AgencyId, assisting: Vec<AgencyId>) -> Result<Vec<AgencyId>, TicketError> {
    let mut out: Vec<AgencyId> = Vec::with_capacity(assisting.len());
    for a in assisting {
        if a == lead {
            return Err(TicketError::LeadAlsoAssisting);
        }
        if !out.contains(&a) {
            out.push(a);
        }
    }
    Ok(out)
}
