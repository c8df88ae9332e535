//! Folding events into a ticket. `apply` never fails and never decides: every check was
//! made when the event was decided, and history is replayed exactly as it was written.

use super::{
    CallbackResult, Clock, Deadlines, DispatchMode, Event, EventKind, PendingExtension, Status,
    Ticket,
};
use std::collections::BTreeSet;

impl Ticket {
    /// Replays a stream. None when it does not start with `Registered`.
    pub fn from_events(events: &[Event]) -> Option<Ticket> {
        let (first, rest) = events.split_first()?;
        let mut t = Ticket::registered(first)?;
        for e in rest {
            apply(&mut t, e);
        }
        Some(t)
    }

    fn registered(e: &Event) -> Option<Ticket> {
        let EventKind::Registered {
            channel,
            request_type,
            category,
            urgency,
            epidemic_related,
            confidential,
            caller_name,
            caller_phone,
            household,
            area,
            content,
        } = &e.kind
        else {
            return None;
        };
        Some(Ticket {
            id: None,
            status: Status::Registered,
            channel: *channel,
            request_type: *request_type,
            category: category.clone(),
            urgency: *urgency,
            epidemic_related: *epidemic_related,
            confidential: *confidential,
            caller_name: caller_name.clone(),
            caller_phone: caller_phone.clone(),
            household: *household,
            area: *area,
            content: content.clone(),
            registered_at: e.at,
            registered_by: e.actor,
            updated_at: e.at,
            version: 1,
            assigned: None,
            assisting: Vec::new(),
            dispatch_mode: None,
            dispatched_at: None,
            dispatched_by: None,
            deadlines: Deadlines::default(),
            accepted_at: None,
            first_contact_at: None,
            resolved_at: None,
            closed_at: None,
            result: None,
            supervision_level: 0,
            last_supervised_at: None,
            breaches: BTreeSet::new(),
            escalation_level: 0,
            reopen_count: 0,
            extension_pending: None,
            return_pending: None,
            previous_status: None,
            callback: None,
            closure: None,
            cancel_reason: None,
            merged_into: None,
        })
    }

    /// Installs new deadlines; a clock whose deadline moved may be breached anew.
    fn set_deadlines(&mut self, new: Deadlines) {
        for clock in Clock::ALL {
            if self.deadlines.get(*clock) != new.get(*clock) {
                self.breaches.remove(clock);
            }
        }
        self.deadlines = new;
    }

    /// The agency's pending requests lapse when the ticket changes hands or ends.
    fn drop_pending(&mut self) {
        self.extension_pending = None;
        self.return_pending = None;
        self.previous_status = None;
    }
}

pub fn apply(t: &mut Ticket, e: &Event) {
    if matches!(e.kind, EventKind::Registered { .. }) {
        if let Some(fresh) = Ticket::registered(e) {
            *t = Ticket { id: t.id, ..fresh };
        }
        return;
    }
    t.version += 1;
    t.updated_at = e.at;
    match &e.kind {
        EventKind::Registered { .. } => {}
        EventKind::Dispatched {
            agency,
            mode,
            assisting,
            deadlines,
            note: _,
        } => {
            t.status = Status::Dispatched;
            t.assigned = Some(*agency);
            t.assisting = assisting.clone();
            t.dispatch_mode = Some(*mode);
            t.dispatched_at = Some(e.at);
            t.dispatched_by = e.agency;
            t.set_deadlines(*deadlines);
            t.accepted_at = None;
            t.drop_pending();
        }
        EventKind::Accepted => {
            t.status = Status::Accepted;
            t.accepted_at = Some(e.at);
        }
        EventKind::ContactRecorded { .. } => {
            t.first_contact_at.get_or_insert(e.at);
        }
        EventKind::ReturnRequested { reason } => {
            t.previous_status = Some(t.status);
            t.status = Status::ReturnRequested;
            t.return_pending = Some(reason.clone());
        }
        EventKind::ReturnApproved { .. } => {
            t.status = Status::Registered;
            t.assigned = None;
            t.assisting.clear();
            t.dispatch_mode = None;
            t.dispatched_at = None;
            t.dispatched_by = None;
            t.set_deadlines(Deadlines::default());
            t.accepted_at = None;
            t.first_contact_at = None;
            t.drop_pending();
        }
        EventKind::ReturnRefused { .. } => {
            let back = if t.accepted_at.is_some() {
                Status::Accepted
            } else {
                Status::Dispatched
            };
            t.status = t.previous_status.take().unwrap_or(back);
            t.return_pending = None;
        }
        EventKind::ExtensionRequested { until, reason } => {
            t.extension_pending = Some(PendingExtension {
                until: *until,
                reason: reason.clone(),
                requested_at: e.at,
            });
        }
        EventKind::ExtensionApproved { resolve_by } => {
            t.set_deadlines(Deadlines {
                resolve_by: Some(*resolve_by),
                ..t.deadlines
            });
            t.extension_pending = None;
        }
        EventKind::ExtensionRefused { .. } => t.extension_pending = None,
        EventKind::Resolved { result } => {
            t.status = Status::Resolved;
            t.resolved_at = Some(e.at);
            t.result = Some(result.clone());
            t.drop_pending();
        }
        EventKind::CallbackRecorded {
            contacted,
            solved,
            satisfaction,
            note: _,
        } => {
            t.callback = Some(CallbackResult {
                contacted: *contacted,
                solved: *solved,
                satisfaction: *satisfaction,
                at: e.at,
            });
        }
        EventKind::Reopened { deadlines, .. } => {
            t.status = Status::Dispatched;
            t.reopen_count = t.reopen_count.saturating_add(1);
            t.set_deadlines(*deadlines);
            t.accepted_at = None;
            t.first_contact_at = None;
            t.resolved_at = None;
            t.result = None;
            t.drop_pending();
        }
        EventKind::Escalated { to, accept_by, .. } => {
            t.status = Status::Dispatched;
            t.assigned = Some(*to);
            t.assisting.retain(|a| a != to);
            t.dispatch_mode = Some(DispatchMode::Direct);
            t.dispatched_by = e.agency;
            t.escalation_level = t.escalation_level.saturating_add(1);
            t.set_deadlines(Deadlines {
                accept_by: Some(*accept_by),
                ..t.deadlines
            });
            t.accepted_at = None;
            t.drop_pending();
        }
        EventKind::Supervised { level, .. } => {
            t.supervision_level = t.supervision_level.max(*level);
            t.last_supervised_at = Some(e.at);
        }
        EventKind::BreachRecorded { clock } => {
            t.breaches.insert(*clock);
        }
        EventKind::Merged { into } => {
            t.status = Status::Merged;
            t.merged_into = Some(*into);
            t.closed_at = Some(e.at);
            t.drop_pending();
        }
        EventKind::Cancelled { reason } => {
            t.status = Status::Cancelled;
            t.cancel_reason = Some(reason.clone());
            t.closed_at = Some(e.at);
            t.drop_pending();
        }
        EventKind::NoteAdded { .. } => {}
        // Records of the intake's triage: the urgency is already the Registered one.
        EventKind::UrgencyRaised { .. } | EventKind::DowngradeConfirmed { .. } => {}
        EventKind::Closed { closure } => {
            t.status = Status::Closed;
            t.closure = Some(closure.clone());
            t.closed_at = Some(e.at);
            t.drop_pending();
        }
    }
}
