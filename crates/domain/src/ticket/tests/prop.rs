//! Random command sequences from random actors, with time moving forward, checked after
//! every step against the invariants of the state machine.

use super::support::*;
use crate::ticket::*;
use crate::vocab::{Category, Channel, RequestType, Urgency};
use crate::{AgencyId, TicketId, UserId};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

/// Who issues a step, relative to the ticket at that moment.
#[derive(Debug, Clone)]
enum Who {
    Lead,
    Assisting,
    Other(i64),
    Desk,
    System,
}

/// A command with its parameters drawn relative to the ticket, so that many succeed.
#[derive(Debug, Clone)]
enum Op {
    Dispatch {
        agency: i64,
        forward: bool,
        assisting: Vec<i64>,
    },
    Accept,
    Contact,
    RequestReturn {
        blank: bool,
    },
    ApproveReturn {
        to: Option<i64>,
    },
    RefuseReturn,
    RequestExtension {
        hours_after_deadline: i64,
    },
    ApproveExtension,
    RefuseExtension,
    Resolve,
    Callback {
        contacted: bool,
        solved: Solved,
        satisfaction: Satisfaction,
    },
    Reopen,
    Escalate {
        to: i64,
    },
    Supervise {
        level: u8,
    },
    RecordBreach {
        clock: Clock,
    },
    Merge {
        into: i64,
    },
    Cancel,
    AddNote,
}

fn agency() -> impl Strategy<Value = i64> {
    1i64..=4
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (agency(), any::<bool>(), prop::collection::vec(agency(), 0..3))
            .prop_map(|(agency, forward, assisting)| Op::Dispatch { agency, forward, assisting }),
        4 => Just(Op::Accept),
        2 => Just(Op::Contact),
        2 => any::<bool>().prop_map(|blank| Op::RequestReturn { blank }),
        2 => prop::option::of(agency()).prop_map(|to| Op::ApproveReturn { to }),
        1 => Just(Op::RefuseReturn),
        2 => (-48i64..400).prop_map(|h| Op::RequestExtension { hours_after_deadline: h }),
        2 => Just(Op::ApproveExtension),
        1 => Just(Op::RefuseExtension),
        4 => Just(Op::Resolve),
        3 => (
            any::<bool>(),
            prop::sample::select(Solved::ALL),
            prop::sample::select(Satisfaction::ALL),
        )
            .prop_map(|(contacted, solved, satisfaction)| Op::Callback {
                contacted,
                solved,
                satisfaction
            }),
        1 => Just(Op::Reopen),
        1 => agency().prop_map(|to| Op::Escalate { to }),
        2 => (0u8..=3).prop_map(|level| Op::Supervise { level }),
        2 => prop::sample::select(Clock::ALL).prop_map(|clock| Op::RecordBreach { clock }),
        1 => (1i64..=3).prop_map(|into| Op::Merge { into }),
        1 => Just(Op::Cancel),
        2 => Just(Op::AddNote),
    ]
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        6 => Just(Who::Lead),
        1 => Just(Who::Assisting),
        2 => agency().prop_map(Who::Other),
        3 => Just(Who::Desk),
        1 => Just(Who::System),
    ]
}

/// Minutes between steps: often moments, sometimes hours, now and then days.
fn gap() -> impl Strategy<Value = i64> {
    prop_oneof![4 => 0i64..=15, 3 => 0i64..=300, 1 => 0i64..=7 * 1440]
}

fn intake() -> impl Strategy<Value = NewTicket> {
    let disposition = prop_oneof![
        8 => Just(Disposition::Dispatch),
        1 => Just(Disposition::AnswerAndClose { answer: "已解答".to_string() }),
        1 => prop::sample::select(EmergencyService::ALL).prop_map(|service| {
            Disposition::TransferEmergency { service, note: String::new() }
        }),
    ];
    (
        prop::sample::select(Urgency::ALL),
        any::<bool>(),
        prop::sample::select(RequestType::ALL),
        disposition,
    )
        .prop_map(
            |(urgency, epidemic_related, request_type, disposition)| NewTicket {
                channel: Channel::Wechat,
                request_type,
                category: Category::parse("supplies").expect("category"),
                urgency,
                epidemic_related,
                confidential: false,
                caller_name: None,
                caller_phone: None,
                household: None,
                area: None,
                content: "家里没有菜了".to_string(),
                disposition,
            },
        )
}

fn actor_for(who: &Who, t: &Ticket) -> Actor {
    let staff = |agency: Option<AgencyId>| Actor {
        user: Some(UserId(agency.map_or(1, |a| 100 + a.0))),
        agency,
        roles: Default::default(),
    };
    match who {
        Who::Lead => staff(t.assigned),
        Who::Assisting => staff(t.assisting.first().copied()),
        Who::Other(a) => staff(Some(AgencyId(*a))),
        Who::Desk => staff(None),
        Who::System => Actor::system(),
    }
}

fn command_for(op: &Op, t: &Ticket, now: Timestamp) -> Command {
    let text = |s: &str| s.to_string();
    match op {
        Op::Dispatch {
            agency,
            forward,
            assisting,
        } => Command::Dispatch {
            agency: AgencyId(*agency),
            mode: if *forward {
                DispatchMode::Forward
            } else {
                DispatchMode::Direct
            },
            assisting: assisting.iter().map(|a| AgencyId(*a)).collect(),
            note: String::new(),
        },
        Op::Accept => Command::Accept,
        Op::Contact => Command::RecordContact {
            note: text("已联系"),
        },
        Op::RequestReturn { blank } => Command::RequestReturn {
            reason: text(if *blank { " " } else { "非本单位职责" }),
        },
        Op::ApproveReturn { to } => Command::ApproveReturn {
            redispatch_to: to.map(AgencyId),
            note: String::new(),
        },
        Op::RefuseReturn => Command::RefuseReturn {
            note: text("请继续办理"),
        },
        Op::RequestExtension {
            hours_after_deadline,
        } => Command::RequestExtension {
            until: t.deadlines.resolve_by.unwrap_or(now)
                + SignedDuration::from_hours(*hours_after_deadline),
            reason: text("需协调"),
        },
        Op::ApproveExtension => Command::ApproveExtension,
        Op::RefuseExtension => Command::RefuseExtension {
            note: text("不同意"),
        },
        Op::Resolve => Command::Resolve {
            result: text("已办结"),
        },
        Op::Callback {
            contacted,
            solved,
            satisfaction,
        } => Command::Callback {
            contacted: *contacted,
            solved: *solved,
            satisfaction: *satisfaction,
            note: String::new(),
        },
        Op::Reopen => Command::Reopen {
            reason: text("复核未解决"),
        },
        Op::Escalate { to } => Command::Escalate {
            to: AgencyId(*to),
            reason: text("提级"),
        },
        Op::Supervise { level } => Command::Supervise {
            level: *level,
            note: String::new(),
        },
        Op::RecordBreach { clock } => Command::RecordBreach { clock: *clock },
        Op::Merge { into } => Command::Merge {
            into: TicketId(*into),
        },
        Op::Cancel => Command::Cancel {
            reason: text("重复工单"),
        },
        Op::AddNote => Command::AddNote {
            text: text("进展")
        },
    }
}

/// Invariant 4: the fields that go with each status are there, and only then.
fn assert_consistent(t: &Ticket) {
    let s = t.status;
    let dispatched = t.assigned.is_some()
        && t.dispatched_at.is_some()
        && t.deadlines.accept_by.is_some()
        && t.deadlines.resolve_by.is_some();
    match s {
        Status::Registered => {
            assert!(t.assigned.is_none() && t.dispatched_at.is_none(), "{t:?}");
            assert_eq!(t.deadlines, Deadlines::default());
            assert!(t.accepted_at.is_none() && t.resolved_at.is_none());
        }
        Status::Dispatched => {
            assert!(dispatched, "{t:?}");
            assert!(t.accepted_at.is_none() && t.resolved_at.is_none(), "{t:?}");
        }
        Status::Accepted => {
            assert!(dispatched && t.accepted_at.is_some(), "{t:?}");
            assert!(t.resolved_at.is_none());
        }
        Status::ReturnRequested => {
            assert!(dispatched && t.resolved_at.is_none(), "{t:?}");
            let back = t.previous_status.expect("where to go back to");
            assert!(matches!(back, Status::Dispatched | Status::Accepted));
            assert_eq!(t.accepted_at.is_some(), back == Status::Accepted);
        }
        Status::Resolved => {
            assert!(dispatched && t.accepted_at.is_some(), "{t:?}");
            assert!(t.resolved_at.is_some() && t.result.is_some(), "{t:?}");
        }
        Status::Closed | Status::Cancelled | Status::Merged => {
            assert!(t.closed_at.is_some(), "{t:?}");
        }
    }
    assert_eq!(s == Status::ReturnRequested, t.return_pending.is_some());
    assert_eq!(s == Status::Closed, t.closure.is_some());
    assert_eq!(s == Status::Cancelled, t.cancel_reason.is_some());
    assert_eq!(s == Status::Merged, t.merged_into.is_some());
    assert_eq!(s.is_terminal(), t.closed_at.is_some());
    if t.extension_pending.is_some() {
        assert!(
            matches!(s, Status::Accepted | Status::ReturnRequested),
            "{t:?}"
        );
    }
    if let Some(lead) = t.assigned {
        assert!(!t.assisting.contains(&lead), "{t:?}");
    }
    assert!(t.supervision_level <= 2);
    for c in &t.breaches {
        assert!(
            t.deadlines.get(*c).is_some(),
            "breach without deadline: {t:?}"
        );
    }
}

/// Invariant 2: resolve_by moves only by an approved extension (to the later date asked
/// for), by a first dispatch or a reopen (to the policy's fresh deadline from that moment),
/// or is cleared by an approved return. An onward dispatch by a forwarding centre and an
/// escalation keep it.
fn assert_resolve_by_rule(prev: &Ticket, e: &Event, next: &Ticket, policy: &Policy) {
    let (old, new) = (prev.deadlines.resolve_by, next.deadlines.resolve_by);
    let fresh = || {
        policy
            .rule_for(prev)
            .expect("rule")
            .deadlines(e.at, &policy.calendar)
    };
    match &e.kind {
        EventKind::ExtensionApproved { resolve_by } => {
            assert_eq!(new, Some(*resolve_by));
            assert!(new > old, "extension must be later: {old:?} -> {new:?}");
        }
        EventKind::Dispatched { deadlines, .. } if prev.status == Status::Registered => {
            assert_eq!(*deadlines, fresh());
            assert_eq!(next.deadlines, *deadlines);
        }
        EventKind::Reopened { deadlines, .. } => {
            assert_eq!(*deadlines, fresh());
            assert_eq!(next.deadlines, *deadlines);
        }
        EventKind::ReturnApproved { .. } => assert_eq!(new, None),
        _ => assert_eq!(new, old, "resolve_by moved on {e:?}"),
    }
}

fn run_story(new: NewTicket, start_days: i64, steps: Vec<(Op, Who, i64)>) {
    let policy = Policy::default();
    let mut now = t0() + SignedDuration::from_hours(24 * start_days);
    let mut events = register(new, &desk(), now, &policy).expect("valid intake");
    let mut t = Ticket::from_events(&events).expect("replay");
    t.id = Some(TicketId(1));
    assert_consistent(&t);
    for (op, who, minutes) in steps {
        now += SignedDuration::from_mins(minutes);
        let actor = actor_for(&who, &t);
        let cmd = command_for(&op, &t, now);
        let before = t.clone();
        let decided = decide(&t, cmd.clone(), &actor, now, &policy);
        // Invariant 3 (second half): deciding never touches the ticket.
        assert_eq!(t, before);
        if before.is_terminal() {
            // Invariant 1: a finished ticket refuses everything.
            assert_eq!(
                decided,
                Err(TicketError::Finished {
                    status: before.status
                })
            );
            continue;
        }
        let Ok(new_events) = decided else { continue };
        if new_events.is_empty() {
            assert!(
                matches!(
                    cmd,
                    Command::Supervise { .. } | Command::RecordBreach { .. }
                ),
                "{cmd:?} succeeded with no events"
            );
        }
        for e in &new_events {
            assert_eq!(e.at, now.max(before.updated_at));
            assert_eq!((e.actor, e.agency), (actor.user, actor.agency));
            let json = serde_json::to_string(e).expect("json");
            assert_eq!(&serde_json::from_str::<Event>(&json).expect("parse"), e);
            let prev = t.clone();
            apply(&mut t, e);
            assert_resolve_by_rule(&prev, e, &t, &policy);
            assert_consistent(&t);
        }
        events.extend(new_events);
        // Invariant 3: the ticket is exactly its history.
        let mut replayed = Ticket::from_events(&events).expect("replay");
        replayed.id = t.id;
        assert_eq!(replayed, t, "after {cmd:?}");
        assert_eq!(t.version, events.len() as u64);
        // The deadline watch's index: a breach is due exactly when now is past the
        // ticket's next breach time, at every moment around it.
        if let Some(d) = next_breach_at(&t) {
            assert!(
                due_breaches(&t, d).is_empty(),
                "not due at the deadline itself"
            );
            let after = d + SignedDuration::from_millis(1);
            assert!(!due_breaches(&t, after).is_empty(), "due just after it");
        } else {
            let far = now + SignedDuration::from_hours(24 * 3650);
            assert!(due_breaches(&t, far).is_empty(), "nothing ever falls due");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_histories_keep_the_invariants(
        new in intake(),
        start_days in 0i64..300,
        steps in prop::collection::vec((op(), who(), gap()), 1..60),
    ) {
        run_story(new, start_days, steps);
    }
}

/// The generators must reach the interesting states, or the property proves little.
#[test]
fn random_histories_reach_every_status() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = (intake(), prop::collection::vec((op(), who(), gap()), 1..60));
    let policy = Policy::default();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..400 {
        let (new, steps) = strategy.new_tree(&mut runner).expect("tree").current();
        let mut now = t0();
        let mut events = register(new, &desk(), now, &policy).expect("intake");
        let mut t = Ticket::from_events(&events).expect("replay");
        seen.insert(t.status);
        for (op, who, minutes) in steps {
            now += SignedDuration::from_mins(minutes);
            let cmd = command_for(&op, &t, now);
            if let Ok(new_events) = decide(&t, cmd, &actor_for(&who, &t), now, &policy) {
                for e in &new_events {
                    apply(&mut t, e);
                    seen.insert(t.status);
                }
                events.extend(new_events);
            }
        }
    }
    assert_eq!(seen.len(), Status::ALL.len(), "reached only {seen:?}");
}
