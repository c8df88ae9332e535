//! Reviews and hand-overs: returns, extensions, callbacks, reopening, escalation, and
//! the commands that end a ticket.

use super::support::*;
use crate::ticket::*;
use crate::vocab::Lang;

fn request_return() -> Command {
    Command::RequestReturn {
        reason: "该地址不在本社区辖区".to_string(),
    }
}

#[test]
fn an_approved_return_waits_at_the_desk_and_redispatch_restarts_the_clocks() {
    let mut s = Story::accepted(A);
    s.run(request_return(), &handler(A));
    assert_eq!(s.t.status, Status::ReturnRequested);
    assert_eq!(
        s.refused(Command::Accept, &handler(A)),
        TicketError::ReturnPending
    );
    s.at("2026-03-02T10:00").run(
        Command::ApproveReturn {
            redispatch_to: None,
            note: String::new(),
        },
        &desk(),
    );
    assert_eq!(s.t.status, Status::Registered);
    assert_eq!(s.t.assigned, None);
    assert_eq!(s.t.accepted_at, None);
    assert_eq!(s.t.deadlines, Deadlines::default());
    s.at("2026-03-02T10:30")
        .run(dispatch(B, DispatchMode::Direct), &desk());
    assert_eq!(s.t.deadlines.accept_by, Some(at("2026-03-02T12:30")));
    assert_eq!(s.t.deadlines.resolve_by, Some(at("2026-03-11T10:30")));
}

#[test]
fn a_return_approved_with_a_new_agency_is_dispatched_at_once() {
    let mut s = Story::dispatched(A);
    s.run(request_return(), &handler(A));
    let approve = |to| Command::ApproveReturn {
        redispatch_to: Some(to),
        note: "改派医疗组".to_string(),
    };
    assert_eq!(s.refused(approve(A), &desk()), TicketError::SameAgency);
    let events = s.at("2026-03-03T14:00").run(approve(B), &desk());
    assert_eq!(kinds(&events), ["return_approved", "dispatched"]);
    assert_eq!(s.t.status, Status::Dispatched);
    assert_eq!(s.t.assigned, Some(B));
    assert_eq!(s.t.deadlines.accept_by, Some(at("2026-03-03T16:00")));
    assert_eq!(s.t.deadlines.resolve_by, Some(at("2026-03-12T14:00")));
}

#[test]
fn a_refused_return_goes_back_to_where_it_was() {
    for accepted in [false, true] {
        let mut s = if accepted {
            Story::accepted(A)
        } else {
            Story::dispatched(A)
        };
        let before = s.t.status;
        s.run(request_return(), &handler(A));
        let refuse = Command::RefuseReturn {
            note: "属本社区，请继续办理".to_string(),
        };
        assert_eq!(
            s.refused(refuse.clone(), &handler(A)),
            TicketError::OwnRequest
        );
        s.run(refuse, &desk());
        assert_eq!(s.t.status, before);
        assert_eq!(s.t.return_pending, None);
    }
}

#[test]
fn return_review_refusals() {
    let s = Story::accepted(A);
    assert_eq!(
        s.refused(
            Command::RefuseReturn {
                note: "x".to_string()
            },
            &desk()
        ),
        TicketError::NoReturnPending
    );
    assert_eq!(
        s.refused(
            Command::RequestReturn {
                reason: " ".to_string()
            },
            &handler(A)
        ),
        TicketError::Empty {
            field: TextField::Reason
        }
    );
    let mut s = Story::accepted(A);
    s.run(request_return(), &handler(A));
    assert_eq!(
        s.refused(
            Command::RefuseReturn {
                note: String::new()
            },
            &desk()
        ),
        TicketError::Empty {
            field: TextField::Note
        }
    );
}

fn extend(until: &str) -> Command {
    Command::RequestExtension {
        until: at(until),
        reason: "需协调区卫健委，等待批复".to_string(),
    }
}

#[test]
fn an_approved_extension_replaces_only_the_resolve_deadline() {
    let mut s = Story::accepted(A);
    let before = s.t.deadlines;
    s.run(extend("2026-03-18T09:00"), &handler(A));
    assert!(s.t.extension_pending.is_some());
    assert_eq!(s.t.deadlines, before);
    assert_eq!(
        s.refused(Command::ApproveExtension, &handler(A)),
        TicketError::OwnRequest
    );
    s.run(Command::ApproveExtension, &desk());
    assert_eq!(s.t.extension_pending, None);
    assert_eq!(s.t.deadlines.resolve_by, Some(at("2026-03-18T09:00")));
    assert_eq!(s.t.deadlines.accept_by, before.accept_by);
    assert_eq!(s.t.deadlines.contact_by, before.contact_by);
}

#[test]
fn a_refused_extension_leaves_the_deadline() {
    let mut s = Story::accepted(A);
    let before = s.t.deadlines;
    s.run(extend("2026-03-18T09:00"), &handler(A));
    s.run(
        Command::RefuseExtension {
            note: "请按期办结".to_string(),
        },
        &desk(),
    );
    assert_eq!(s.t.deadlines, before);
    assert_eq!(s.t.extension_pending, None);
}

#[test]
fn extension_refusals() {
    let s = Story::dispatched(A);
    assert_eq!(
        s.refused(extend("2026-03-18T09:00"), &handler(A)),
        TicketError::NotAccepted
    );
    let mut s = Story::accepted(A);
    let resolve_by = s.t.deadlines.resolve_by.expect("dispatched");
    assert_eq!(
        s.refused(extend("2026-03-11T09:00"), &handler(A)),
        TicketError::ExtensionNotLater { resolve_by }
    );
    assert_eq!(
        s.refused(Command::ApproveExtension, &desk()),
        TicketError::NoExtensionPending
    );
    s.run(extend("2026-03-18T09:00"), &handler(A));
    assert_eq!(
        s.refused(extend("2026-03-20T09:00"), &handler(A)),
        TicketError::ExtensionPending
    );
    let mut late = Story::accepted(A);
    late.at("2026-03-11T09:01");
    let err = late.refused(extend("2026-03-18T09:00"), &handler(A));
    assert_eq!(err, TicketError::ExtensionTooLate { resolve_by });
    assert!(err.localized(Lang::Zh).contains("2026-03-11 09:00"));
}

fn callback(solved: Solved, satisfaction: Satisfaction) -> Command {
    Command::Callback {
        contacted: true,
        solved,
        satisfaction,
        note: String::new(),
    }
}

#[test]
fn a_good_callback_closes_the_ticket() {
    for (solved, sat) in [
        (Solved::Solved, Satisfaction::Satisfied),
        (Solved::Partly, Satisfaction::BasicallySatisfied),
    ] {
        let mut s = Story::resolved(A);
        let events = s.at("2026-03-04T10:00").run(callback(solved, sat), &desk());
        assert_eq!(kinds(&events), ["callback_recorded", "closed"]);
        assert_eq!(s.t.status, Status::Closed);
        assert_eq!(s.t.closure, Some(Closure::AfterCallback));
        assert_eq!(s.t.closed_at, Some(at("2026-03-04T10:00")));
        assert_eq!(s.t.callback.map(|c| c.satisfaction), Some(sat));
    }
}

#[test]
fn an_unsolved_or_unsatisfied_callback_reopens_to_the_same_agency() {
    for (solved, sat) in [
        (Solved::Not, Satisfaction::BasicallySatisfied),
        (Solved::Solved, Satisfaction::Unsatisfied),
    ] {
        let mut s = Story::resolved(A);
        let events = s.at("2026-03-04T10:00").run(callback(solved, sat), &desk());
        assert_eq!(kinds(&events), ["callback_recorded", "reopened"]);
        let EventKind::Reopened { reason, .. } = &events[1].kind else {
            panic!("not reopened: {events:?}");
        };
        assert_eq!(reason, REOPEN_AFTER_CALLBACK);
        assert_eq!(s.t.status, Status::Dispatched);
        assert_eq!(s.t.assigned, Some(A));
        assert_eq!(s.t.accepted_at, None);
        assert_eq!(s.t.resolved_at, None);
        assert_eq!(s.t.reopen_count, 1);
        assert_eq!(s.t.deadlines.resolve_by, Some(at("2026-03-13T10:00")));
        s.run(Command::Accept, &handler(A));
    }
}

#[test]
fn callback_and_reopen_need_a_resolved_ticket() {
    let s = Story::accepted(A);
    assert_eq!(
        s.refused(callback(Solved::Solved, Satisfaction::Satisfied), &desk()),
        TicketError::NotResolved
    );
    assert_eq!(
        s.refused(
            Command::Reopen {
                reason: "复核未办结".to_string()
            },
            &desk()
        ),
        TicketError::NotResolved
    );
}

#[test]
fn a_review_can_reopen_a_resolved_ticket() {
    let mut s = Story::resolved(A);
    s.at("2026-03-03T11:00").run(
        Command::Reopen {
            reason: "复核发现药品未送达".to_string(),
        },
        &desk(),
    );
    assert_eq!(s.t.status, Status::Dispatched);
    assert_eq!(s.t.result, None);
    assert_eq!(s.t.deadlines.accept_by, Some(at("2026-03-03T13:00")));
}

#[test]
fn escalation_hands_the_ticket_one_level_up() {
    let mut s = Story::accepted(A);
    let before = s.t.deadlines;
    let escalate = |to| Command::Escalate {
        to,
        reason: "涉疫工单提级办理".to_string(),
    };
    assert_eq!(s.refused(escalate(A), &desk()), TicketError::SameAgency);
    s.at("2026-03-02T10:00")
        .run(escalate(UPPER), &Actor::system());
    assert_eq!(s.t.status, Status::Dispatched);
    assert_eq!(s.t.assigned, Some(UPPER));
    assert_eq!(s.t.escalation_level, 1);
    assert_eq!(s.t.deadlines.accept_by, Some(at("2026-03-02T12:00")));
    assert_eq!(s.t.deadlines.resolve_by, before.resolve_by);
    assert_eq!(
        s.refused(Command::Accept, &handler(A)),
        TicketError::NotYourAgency
    );
    s.run(Command::Accept, &handler(UPPER));

    let r = Story::register(normal());
    assert_eq!(
        r.refused(escalate(UPPER), &desk()),
        TicketError::NotDispatched
    );
    let r = Story::resolved(A);
    assert_eq!(
        r.refused(escalate(UPPER), &desk()),
        TicketError::NotAllowed {
            action: CommandKind::Escalate,
            status: Status::Resolved
        }
    );
}

#[test]
fn merge_and_cancel_end_the_ticket() {
    let s = Story::dispatched(A);
    assert_eq!(
        s.refused(
            Command::Merge {
                into: crate::TicketId(1)
            },
            &desk()
        ),
        TicketError::MergeIntoSelf
    );
    let mut merged = Story::dispatched(A);
    merged.run(
        Command::Merge {
            into: crate::TicketId(7),
        },
        &desk(),
    );
    assert_eq!(merged.t.status, Status::Merged);
    assert_eq!(merged.t.merged_into, Some(crate::TicketId(7)));
    assert_eq!(
        merged.refused(Command::Accept, &handler(A)),
        TicketError::Finished {
            status: Status::Merged
        }
    );

    let mut cancelled = Story::accepted(A);
    assert_eq!(
        cancelled.refused(
            Command::Cancel {
                reason: String::new()
            },
            &desk()
        ),
        TicketError::Empty {
            field: TextField::Reason
        }
    );
    cancelled.run(
        Command::Cancel {
            reason: "居民重复来电".to_string(),
        },
        &desk(),
    );
    assert_eq!(cancelled.t.status, Status::Cancelled);
    assert!(cancelled.t.closed_at.is_some());
    assert_eq!(
        cancelled.refused(
            Command::AddNote {
                text: "补充".to_string()
            },
            &desk()
        ),
        TicketError::Finished {
            status: Status::Cancelled
        }
    );
}
