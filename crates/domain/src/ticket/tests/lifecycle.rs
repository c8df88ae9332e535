//! Intake, the scheduler's commands and helpers, and the stored shape of events.

use super::support::*;
use crate::ticket::*;
use crate::vocab::{Lang, RequestType, Urgency};

#[test]
fn a_request_for_dispatch_is_registered_and_waits() {
    let s = Story::register(normal());
    assert_eq!(kinds(&s.events), ["registered"]);
    assert_eq!(s.t.status, Status::Registered);
    assert_eq!(
        s.t.content,
        "家中老人降压药只剩两天的量，小区封控无法外出购药"
    );
    assert_eq!(s.t.registered_by, desk().user);
    assert_eq!(s.t.version, 1);
}

#[test]
fn a_consultation_answered_on_the_spot_is_closed() {
    let mut new = new_ticket(Urgency::Consult, false, RequestType::Consult);
    new.disposition = Disposition::AnswerAndClose {
        answer: " 核酸检测点在小区东门，8点到20点 ".to_string(),
    };
    let events = register(new, &desk(), t0(), &Policy::default()).expect("register");
    assert_eq!(kinds(&events), ["registered", "closed"]);
    let t = Ticket::from_events(&events).expect("replay");
    assert_eq!(t.status, Status::Closed);
    assert_eq!(t.closed_at, Some(t0()));
    assert_eq!(
        t.closure,
        Some(Closure::AnsweredOnSpot {
            answer: "核酸检测点在小区东门，8点到20点".to_string()
        })
    );
}

#[test]
fn an_emergency_is_transferred_and_closed() {
    let mut new = new_ticket(Urgency::Critical, false, RequestType::Help);
    new.disposition = Disposition::TransferEmergency {
        service: EmergencyService::Ambulance,
        note: "孕妇临产，已转120并通知卡口放行".to_string(),
    };
    let events = register(new, &desk(), t0(), &Policy::default()).expect("register");
    let t = Ticket::from_events(&events).expect("replay");
    assert_eq!(t.status, Status::Closed);
    let json = serde_json::to_string(&events[1]).expect("json");
    assert!(json.contains(r#""service":"120""#), "{json}");
    assert_eq!(
        EmergencyService::parse("120"),
        Ok(EmergencyService::Ambulance)
    );
}

#[test]
fn intake_text_is_validated() {
    let policy = Policy::default();
    let try_register = |f: &dyn Fn(&mut NewTicket)| {
        let mut new = normal();
        f(&mut new);
        register(new, &desk(), t0(), &policy)
    };
    let field = TextField::Content;
    assert_eq!(
        try_register(&|n| n.content = "  \n ".to_string()),
        Err(TicketError::Empty { field })
    );
    assert_eq!(
        try_register(&|n| n.content = "字".repeat(5001)),
        Err(TicketError::TooLong { field, max: 5000 })
    );
    assert!(try_register(&|n| n.content = "字".repeat(5000)).is_ok());
    assert_eq!(
        try_register(&|n| n.content = "bell\u{7}".to_string()),
        Err(TicketError::InvalidText { field })
    );
    assert!(try_register(&|n| n.content = "第一行\n第二行\t！".to_string()).is_ok());
    assert_eq!(
        try_register(&|n| n.caller_name = Some("名".repeat(33))),
        Err(TicketError::TooLong {
            field: TextField::CallerName,
            max: 32
        })
    );
    let blank_name = try_register(&|n| n.caller_name = Some("  ".to_string())).expect("ok");
    let t = Ticket::from_events(&blank_name).expect("replay");
    assert_eq!(t.caller_name, None);
    assert_eq!(
        try_register(&|n| n.disposition = Disposition::AnswerAndClose {
            answer: String::new()
        }),
        Err(TicketError::Empty {
            field: TextField::Answer
        })
    );
}

#[test]
fn intake_for_dispatch_needs_a_deadline_rule() {
    let mut policy = Policy::default();
    policy
        .rules
        .retain(|r| r.urgency == Some(Urgency::Critical));
    let err = register(normal(), &desk(), t0(), &policy).expect_err("no rule");
    assert_eq!(err, TicketError::NoDeadlineRule);
    let mut answered = normal();
    answered.disposition = Disposition::AnswerAndClose {
        answer: "已解答".to_string(),
    };
    assert!(register(answered, &desk(), t0(), &policy).is_ok());
}

#[test]
fn breaches_are_recorded_once_and_only_when_due() {
    let mut s = Story::dispatched(A);
    let breach = |clock| Command::RecordBreach { clock };
    let system = Actor::system();
    s.at("2026-03-02T11:00");
    assert!(due_breaches(&s.t, s.now).is_empty());
    assert_eq!(
        s.refused(breach(Clock::Accept), &system),
        TicketError::BreachNotDue {
            clock: Clock::Accept
        }
    );
    s.at("2026-03-02T11:01");
    assert_eq!(due_breaches(&s.t, s.now), [Clock::Accept]);
    let events = s.run(breach(Clock::Accept), &system);
    assert_eq!(events[0].actor, None);
    assert!(s.t.breaches.contains(&Clock::Accept));
    assert!(due_breaches(&s.t, s.now).is_empty());
    assert!(s.run(breach(Clock::Accept), &system).is_empty());

    // Accepting late does not erase the recorded breach; the other clocks run on.
    s.run(Command::Accept, &handler(A));
    s.at("2026-03-03T09:01");
    assert_eq!(due_breaches(&s.t, s.now), [Clock::Contact]);
    s.at("2026-03-11T09:01");
    assert_eq!(due_breaches(&s.t, s.now), [Clock::Contact, Clock::Resolve]);
    s.run(breach(Clock::Resolve), &system);
    assert_eq!(due_breaches(&s.t, s.now), [Clock::Contact]);

    let r = Story::register(normal());
    assert_eq!(
        r.refused(breach(Clock::Accept), &system),
        TicketError::NotDispatched
    );
}

#[test]
fn supervision_only_rises() {
    let mut s = Story::accepted(A);
    let supervise = |level| Command::Supervise {
        level,
        note: "重点督办".to_string(),
    };
    let system = Actor::system();
    assert_eq!(
        s.refused(supervise(3), &system),
        TicketError::BadSupervisionLevel { level: 3 }
    );
    assert_eq!(s.run(supervise(1), &system).len(), 1);
    assert!(s.run(supervise(1), &system).is_empty());
    assert_eq!(s.run(supervise(2), &system).len(), 1);
    assert!(s.run(supervise(1), &system).is_empty());
    assert_eq!(s.t.supervision_level, 2);
    let r = Story::register(normal());
    assert_eq!(r.refused(supervise(1), &system), TicketError::NotDispatched);
}

#[test]
fn the_scheduler_knows_when_to_supervise() {
    let policy = Policy::default();
    let mut s = Story::dispatched(A);
    assert_eq!(needs_supervision(&s.t, t0(), true, &policy), Some(1));
    assert_eq!(needs_supervision(&s.t, t0(), false, &policy), None);
    // A missed deadline puts any ticket under supervision.
    let late = at("2026-03-02T11:01");
    assert_eq!(needs_supervision(&s.t, late, false, &policy), Some(1));
    s.at("2026-03-02T12:00").run(
        Command::Supervise {
            level: 1,
            note: String::new(),
        },
        &Actor::system(),
    );
    let within_the_hour = at("2026-03-02T12:59");
    assert_eq!(
        needs_supervision(&s.t, within_the_hour, true, &policy),
        None
    );
    let an_hour_on = at("2026-03-02T13:00");
    assert_eq!(needs_supervision(&s.t, an_hour_on, true, &policy), Some(2));
    let r = Story::resolved(A);
    assert_eq!(needs_supervision(&r.t, an_hour_on, true, &policy), None);
}

#[test]
fn a_lagging_clock_never_writes_history_backwards() {
    let mut s = Story::accepted(A);
    let last = s.t.updated_at;
    s.at("2026-03-02T09:29");
    let events = s.run(
        Command::AddNote {
            text: "补充说明".to_string(),
        },
        &desk(),
    );
    assert_eq!(events[0].at, last);
}

#[test]
fn events_are_stored_as_tagged_json() {
    let mut s = Story::resolved(A);
    s.run(
        Command::Callback {
            contacted: true,
            solved: Solved::Not,
            satisfaction: Satisfaction::Unsatisfied,
            note: "药未送到".to_string(),
        },
        &desk(),
    );
    for e in &s.events {
        let json = serde_json::to_value(e).expect("json");
        assert_eq!(json["kind"]["type"], e.kind.code(), "{json}");
        let back: Event = serde_json::from_value(json).expect("parse back");
        assert_eq!(&back, e);
    }
    let text = serde_json::to_string(&s.events[1]).expect("json");
    assert!(text.contains(r#""mode":"direct""#), "{text}");
    let ticket_json = serde_json::to_string(&s.t).expect("ticket json");
    let back: Ticket = serde_json::from_str(&ticket_json).expect("ticket back");
    assert_eq!(back, s.t);
}

#[test]
fn every_error_reads_in_both_languages() {
    let ts = t0();
    let errors = [
        TicketError::Finished {
            status: Status::Closed,
        },
        TicketError::Finished {
            status: Status::Cancelled,
        },
        TicketError::Finished {
            status: Status::Merged,
        },
        TicketError::NotAllowed {
            action: CommandKind::Callback,
            status: Status::Dispatched,
        },
        TicketError::NotDispatched,
        TicketError::NotAccepted,
        TicketError::AlreadyAccepted,
        TicketError::AlreadyContacted,
        TicketError::NotResolved,
        TicketError::NotYourAgency,
        TicketError::OwnRequest,
        TicketError::ReturnPending,
        TicketError::NoReturnPending,
        TicketError::ExtensionPending,
        TicketError::NoExtensionPending,
        TicketError::ExtensionNotLater { resolve_by: ts },
        TicketError::ExtensionTooLate { resolve_by: ts },
        TicketError::NotForwarded,
        TicketError::SameAgency,
        TicketError::LeadAlsoAssisting,
        TicketError::MergeIntoSelf,
        TicketError::BadSupervisionLevel { level: 9 },
        TicketError::BreachNotDue {
            clock: Clock::Resolve,
        },
        TicketError::NoDeadlineRule,
        TicketError::Empty {
            field: TextField::Reason,
        },
        TicketError::TooLong {
            field: TextField::Content,
            max: 5000,
        },
        TicketError::InvalidText {
            field: TextField::Note,
        },
    ];
    for e in errors {
        let zh = e.localized(Lang::Zh);
        let en = e.localized(Lang::En);
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{zh}"
        );
        assert!(en.is_ascii() || en.contains('“'), "{en}");
        assert_ne!(zh, en);
    }
    let e = TicketError::NotAllowed {
        action: CommandKind::Callback,
        status: Status::Dispatched,
    };
    assert_eq!(e.localized(Lang::Zh), "工单当前为“待签收”，不能回访");
}
