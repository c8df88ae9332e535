//! Which commands a ticket offers an actor now: every user command is dry-run through
//! [`decide`] with stand-in arguments, so the pages and the API offer exactly what
//! `decide` would accept, and a precondition lives in one place.

use super::{
    decide, Actor, Command, CommandKind, DispatchMode, Policy, Satisfaction, Solved, Ticket,
};
use crate::{AgencyId, TicketId};
use jiff::{Timestamp, ToSpan};

/// An agency and a ticket no real one is: a stand-in target that differs from every
/// ticket's own agency and id, for the dry run.
const ELSEWHERE: i64 = i64::MAX;

/// The command of `kind` with arguments that pass every check of their own (texts given,
/// a target different from the ticket's), so that only the ticket's state and the actor
/// decide. `None` for the scheduler's own command.
fn probe(kind: CommandKind, t: &Ticket) -> Option<Command> {
    let text = || "·".to_string();
    Some(match kind {
        CommandKind::Dispatch => Command::Dispatch {
            agency: AgencyId(ELSEWHERE),
            mode: DispatchMode::Direct,
            assisting: Vec::new(),
            note: text(),
        },
        CommandKind::Accept => Command::Accept,
        CommandKind::RecordContact => Command::RecordContact { note: text() },
        CommandKind::RequestReturn => Command::RequestReturn { reason: text() },
        CommandKind::ApproveReturn => Command::ApproveReturn {
            redispatch_to: None,
            note: text(),
        },
        CommandKind::RefuseReturn => Command::RefuseReturn { note: text() },
        CommandKind::RequestExtension => Command::RequestExtension {
            until: t
                .deadlines
                .resolve_by
                .and_then(|d| d.checked_add(24.hours()).ok())
                .unwrap_or(Timestamp::MAX),
            reason: text(),
        },
        CommandKind::ApproveExtension => Command::ApproveExtension,
        CommandKind::RefuseExtension => Command::RefuseExtension { note: text() },
        CommandKind::Resolve => Command::Resolve { result: text() },
        CommandKind::Callback => Command::Callback {
            contacted: true,
            solved: Solved::Solved,
            satisfaction: Satisfaction::Satisfied,
            note: text(),
        },
        CommandKind::Reopen => Command::Reopen { reason: text() },
        CommandKind::Escalate => Command::Escalate {
            to: AgencyId(ELSEWHERE),
            reason: text(),
        },
        CommandKind::Supervise => Command::Supervise {
            level: (t.supervision_level + 1).min(2),
            note: text(),
        },
        CommandKind::RecordBreach => return None,
        CommandKind::Merge => Command::Merge {
            into: TicketId(ELSEWHERE),
        },
        CommandKind::Cancel => Command::Cancel { reason: text() },
        CommandKind::AddNote => Command::AddNote { text: text() },
    })
}

/// The commands `decide` would accept from `actor` on `t` at `now`, with events to show
/// for it (a supervision at a level already reached changes nothing and is not offered),
/// in [`CommandKind::ALL`]'s order. Roles are not weighed here: which roles may run a
/// command is the service's table, and the service offers the intersection.
pub fn available_commands(
    t: &Ticket,
    actor: &Actor,
    now: Timestamp,
    policy: &Policy,
) -> Vec<CommandKind> {
    CommandKind::ALL
        .iter()
        .copied()
        .filter(|k| {
            probe(*k, t).is_some_and(|cmd| {
                decide(t, cmd, actor, now, policy).is_ok_and(|events| !events.is_empty())
            })
        })
        .collect()
}
