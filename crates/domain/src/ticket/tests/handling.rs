//! Dispatch and the handler's own commands: happy paths and the refusals a user meets.

use super::support::*;
use crate::ticket::*;
use crate::vocab::Lang;

fn resolve(text: &str) -> Command {
    Command::Resolve {
        result: text.to_string(),
    }
}

#[test]
fn dispatch_sets_deadlines_from_the_policy() {
    let s = Story::dispatched(A);
    assert_eq!(s.t.status, Status::Dispatched);
    assert_eq!(s.t.assigned, Some(A));
    assert_eq!(s.t.dispatch_mode, Some(DispatchMode::Direct));
    assert_eq!(s.t.dispatched_at, Some(t0()));
    assert_eq!(s.t.dispatched_by, None);
    // Normal, not epidemic: accept 2 h, contact 1 working day, resolve 7 working days.
    assert_eq!(s.t.deadlines.accept_by, Some(at("2026-03-02T11:00")));
    assert_eq!(s.t.deadlines.contact_by, Some(at("2026-03-03T09:00")));
    assert_eq!(s.t.deadlines.resolve_by, Some(at("2026-03-11T09:00")));
}

#[test]
fn dispatch_dedups_assisting_and_refuses_the_lead_as_assistant() {
    let mut s = Story::register(normal());
    let err = s.refused(
        Command::Dispatch {
            agency: A,
            mode: DispatchMode::Direct,
            assisting: vec![B, A],
            note: String::new(),
        },
        &desk(),
    );
    assert_eq!(err, TicketError::LeadAlsoAssisting);
    s.run(
        Command::Dispatch {
            agency: A,
            mode: DispatchMode::Direct,
            assisting: vec![B, CENTRE, B],
            note: "请医疗组协助".to_string(),
        },
        &desk(),
    );
    assert_eq!(s.t.assisting, vec![B, CENTRE]);
}

#[test]
fn a_direct_dispatch_cannot_be_passed_on() {
    let s = Story::accepted(A);
    let err = s.refused(dispatch(B, DispatchMode::Direct), &handler(A));
    assert_eq!(err, TicketError::NotForwarded);
    assert_eq!(
        s.refused(dispatch(B, DispatchMode::Direct), &desk()),
        TicketError::NotForwarded
    );
}

#[test]
fn a_forwarding_centre_dispatches_on_keeping_the_residents_clocks() {
    let mut s = Story::register(normal());
    s.run(dispatch(CENTRE, DispatchMode::Forward), &desk());
    let first = s.t.deadlines;
    assert_eq!(
        s.refused(dispatch(A, DispatchMode::Direct), &handler(B)),
        TicketError::NotYourAgency
    );
    assert_eq!(
        s.refused(dispatch(CENTRE, DispatchMode::Direct), &handler(CENTRE)),
        TicketError::SameAgency
    );
    s.at("2026-03-02T09:30")
        .run(Command::Accept, &handler(CENTRE));
    s.at("2026-03-02T10:00")
        .run(dispatch(A, DispatchMode::Direct), &handler(CENTRE));
    assert_eq!(s.t.status, Status::Dispatched);
    assert_eq!(s.t.assigned, Some(A));
    assert_eq!(s.t.dispatched_by, Some(CENTRE));
    assert_eq!(s.t.accepted_at, None);
    assert_eq!(s.t.deadlines.accept_by, Some(at("2026-03-02T12:00")));
    assert_eq!(s.t.deadlines.contact_by, first.contact_by);
    assert_eq!(s.t.deadlines.resolve_by, first.resolve_by);
    assert_eq!(
        s.refused(Command::Accept, &handler(CENTRE)),
        TicketError::NotYourAgency
    );
}

#[test]
fn accept_starts_handling() {
    let mut s = Story::dispatched(A);
    s.at("2026-03-02T09:10").run(Command::Accept, &handler(A));
    assert_eq!(s.t.status, Status::Accepted);
    assert_eq!(s.t.accepted_at, Some(at("2026-03-02T09:10")));
}

#[test]
fn accepting_a_closed_ticket_is_refused_with_a_readable_message() {
    let mut s = Story::resolved(A);
    s.run(
        Command::Callback {
            contacted: true,
            solved: Solved::Solved,
            satisfaction: Satisfaction::Satisfied,
            note: String::new(),
        },
        &desk(),
    );
    let err = s.refused(Command::Accept, &handler(A));
    assert_eq!(
        err,
        TicketError::Finished {
            status: Status::Closed
        }
    );
    assert_eq!(err.localized(Lang::Zh), "工单已归档，不能再操作");
    assert_eq!(
        err.localized(Lang::En),
        "the ticket is closed and can no longer change"
    );
    assert_eq!(err.to_string(), err.localized(Lang::En));
}

#[test]
fn only_the_lead_agency_acts_as_handler() {
    let mut s = Story::register(normal());
    s.run(
        Command::Dispatch {
            agency: A,
            mode: DispatchMode::Direct,
            assisting: vec![B],
            note: String::new(),
        },
        &desk(),
    );
    for outsider in [handler(B), handler(CENTRE), desk(), Actor::system()] {
        assert_eq!(
            s.refused(Command::Accept, &outsider),
            TicketError::NotYourAgency
        );
    }
    s.run(Command::Accept, &handler(A));
    for cmd in [
        resolve("已办结"),
        Command::RecordContact {
            note: String::new(),
        },
        Command::RequestReturn {
            reason: "不属本单位".to_string(),
        },
    ] {
        assert_eq!(s.refused(cmd, &handler(B)), TicketError::NotYourAgency);
    }
}

#[test]
fn accept_refusals() {
    let s = Story::register(normal());
    assert_eq!(
        s.refused(Command::Accept, &handler(A)),
        TicketError::NotDispatched
    );
    let s = Story::accepted(A);
    assert_eq!(
        s.refused(Command::Accept, &handler(A)),
        TicketError::AlreadyAccepted
    );
    let s = Story::resolved(A);
    assert_eq!(
        s.refused(Command::Accept, &handler(A)),
        TicketError::NotAllowed {
            action: CommandKind::Accept,
            status: Status::Resolved
        }
    );
}

#[test]
fn resolving_without_accepting_is_refused() {
    let s = Story::dispatched(A);
    assert_eq!(
        s.refused(resolve("已办结"), &handler(A)),
        TicketError::NotAccepted
    );
}

#[test]
fn resolve_records_the_result() {
    let mut s = Story::accepted(A);
    assert_eq!(
        s.refused(resolve("   "), &handler(A)),
        TicketError::Empty {
            field: TextField::Result
        }
    );
    s.at("2026-03-02T15:00")
        .run(resolve(" 药已送到 "), &handler(A));
    assert_eq!(s.t.status, Status::Resolved);
    assert_eq!(s.t.resolved_at, Some(at("2026-03-02T15:00")));
    assert_eq!(s.t.result.as_deref(), Some("药已送到"));
}

#[test]
fn first_contact_is_recorded_once_after_accepting() {
    let mut s = Story::dispatched(A);
    let contact = || Command::RecordContact {
        note: "已电话联系".to_string(),
    };
    assert_eq!(s.refused(contact(), &handler(A)), TicketError::NotAccepted);
    s.run(Command::Accept, &handler(A));
    s.at("2026-03-02T09:40").run(contact(), &handler(A));
    assert_eq!(s.t.first_contact_at, Some(at("2026-03-02T09:40")));
    assert_eq!(
        s.refused(contact(), &handler(A)),
        TicketError::AlreadyContacted
    );
}

#[test]
fn assisting_agencies_may_add_notes_but_not_resolve() {
    let mut s = Story::register(normal());
    s.run(
        Command::Dispatch {
            agency: A,
            mode: DispatchMode::Direct,
            assisting: vec![B],
            note: String::new(),
        },
        &desk(),
    );
    s.run(Command::Accept, &handler(A));
    let note = || Command::AddNote {
        text: "医疗组已上门评估".to_string(),
    };
    let events = s.run(note(), &handler(B));
    assert_eq!(events[0].agency, Some(B));
    s.run(note(), &desk());
    // A desk agent belongs to the desk's own agency, which does not handle the ticket:
    // they still record what a caller says when ringing again.
    let desk_member = Actor {
        agency: Some(CENTRE),
        ..desk()
    };
    s.run(note(), &desk_member);
    assert_eq!(
        s.refused(note(), &handler(CENTRE)),
        TicketError::NotYourAgency
    );
    assert_eq!(
        s.refused(resolve("已办结"), &handler(B)),
        TicketError::NotYourAgency
    );
}
