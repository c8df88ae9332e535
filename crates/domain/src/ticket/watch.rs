//! Questions the deadline scheduler asks of a ticket. It turns the answers into
//! `RecordBreach`, `Supervise` and `Escalate` commands, which are decided like any other.

use super::{Clock, Policy, Status, Ticket};
use jiff::Timestamp;

/// Clocks whose deadline has passed unmet and whose breach is not yet recorded.
pub fn due_breaches(t: &Ticket, now: Timestamp) -> Vec<Clock> {
    Clock::ALL
        .iter()
        .copied()
        .filter(|c| t.is_overdue(*c, now) && !t.breaches.contains(c))
        .collect()
}

/// When the next breach of this ticket falls due: the earliest deadline of a clock not yet
/// met nor breached, on a live, dispatched ticket. `due_breaches` finds a clock due exactly
/// when `now` is past this. The store keeps it as a column, so the deadline watch reads an
/// index of what is about to breach instead of every open ticket.
pub fn next_breach_at(t: &Ticket) -> Option<Timestamp> {
    if t.is_terminal() || t.status == super::Status::Registered {
        return None;
    }
    Clock::ALL
        .iter()
        .filter(|c| !t.breaches.contains(c) && !t.clock_met(**c))
        .filter_map(|c| t.deadlines.get(*c))
        .min()
}

/// The supervision level a ticket should be raised to now, if any.
///
/// Level 1 (重点督办) goes to open tickets on the priority list (`priority`: the category is
/// a priority one, a list the service keeps) and to any that missed a deadline. Level 2
/// (二次督办) goes to a level-1 ticket still open `policy.resupervise_after` after its
/// last supervision. Only dispatched, unresolved tickets are supervised: a resolved one has
/// a result on its way back to the centre.
pub fn needs_supervision(
    t: &Ticket,
    now: Timestamp,
    priority: bool,
    policy: &Policy,
) -> Option<u8> {
    if !matches!(
        t.status,
        Status::Dispatched | Status::Accepted | Status::ReturnRequested
    ) {
        return None;
    }
    match t.supervision_level {
        0 => {
            let late = !t.breaches.is_empty() || !due_breaches(t, now).is_empty();
            (priority || late).then_some(1)
        }
        1 => {
            let again_at = t
                .last_supervised_at
                .map(|at| policy.resupervise_after.after(at, &policy.calendar));
            again_at.is_none_or(|at| now >= at).then_some(2)
        }
        _ => None,
    }
}
