//! Work orders end to end at the service layer, on SQLite and (with
//! YIHAOTAI_TEST_DATABASE_URL) PostgreSQL.

mod support;

use support::*;

use yihaotai_domain::role::{Role, Roles};
use yihaotai_domain::ticket::{Command, DispatchMode, Disposition, Satisfaction, Solved};
use yihaotai_domain::vocab::{Channel, Lang, RequestType, Urgency};
use yihaotai_domain::AgencyId;
use yihaotai_service::admin::{Caller, UserInput};
use yihaotai_service::tickets::{IntakeInput, Queue, SearchQuery};
use yihaotai_service::{Service, ServiceError};

fn request(content: &str, urgency: Urgency, phone: &str) -> IntakeInput {
    IntakeInput {
        channel: Channel::Hotline12345,
        request_type: RequestType::Help,
        category: "medicine".into(),
        urgency,
        epidemic_related: true,
        confidential: false,
        caller_name: Some("张阿姨".into()),
        caller_phone: Some(phone.into()),
        household: None,
        area: None,
        content: content.into(),
        disposition: Disposition::Dispatch,
        dispatch_to: None,
        suggestion: None,
        downgrade_reason: None,
    }
}

fn status(svc_rec: &yihaotai_store::tickets::TicketRecord) -> &'static str {
    svc_rec.ticket.status.code()
}

#[tokio::test]
async fn the_whole_journey_with_an_unsatisfied_callback() {
    let d = desk().await;
    let svc = &d.svc;
    let agent = user(svc, "agent").await;
    let dispatcher = user(svc, "dispatcher").await;
    let handler = user(svc, "handler").await;
    let medical = handler.agency_id.unwrap();
    let mut bus = svc.bus.subscribe();

    let r = svc
        .intake(
            &agent,
            request(
                "降压药只剩一天的量，老人行动不便",
                Urgency::Urgent,
                "19900001234",
            ),
        )
        .await
        .unwrap();
    let id = r.record.id;
    assert!(
        r.record.number.starts_with("YHT2026"),
        "{}",
        r.record.number
    );
    assert_eq!(status(&r.record), "registered");
    let n = bus.recv().await.unwrap();
    assert_eq!((n.ticket_id, n.event.as_str()), (id.0, "registered"));

    let q = svc
        .queue(&dispatcher, &Queue::Dispatch, None, 50)
        .await
        .unwrap();
    assert!(q.rows.iter().any(|r| r.id == id.0));
    let row = q.rows.iter().find(|r| r.id == id.0).unwrap();
    assert_eq!(
        row.caller_phone.as_deref(),
        Some("199****1234"),
        "lists mask the phone"
    );

    let step = |cmd: Command| cmd;
    svc.command(
        &dispatcher,
        id,
        step(Command::Dispatch {
            agency: medical,
            mode: DispatchMode::Direct,
            assisting: vec![],
            note: "请尽快送药".into(),
        }),
    )
    .await
    .unwrap();
    let inbox = svc
        .queue(&handler, &Queue::InboxToAccept, None, 50)
        .await
        .unwrap();
    assert!(inbox.rows.iter().any(|r| r.id == id.0));
    assert_eq!(
        status(&svc.command(&handler, id, Command::Accept).await.unwrap()),
        "accepted"
    );
    svc.command(
        &handler,
        id,
        Command::RecordContact {
            note: "已电话联系".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        status(
            &svc.command(
                &handler,
                id,
                Command::Resolve {
                    result: "药已送达".into()
                }
            )
            .await
            .unwrap()
        ),
        "resolved"
    );
    let cb = svc.queue(&agent, &Queue::Callback, None, 50).await.unwrap();
    assert!(cb.rows.iter().any(|r| r.id == id.0));
    let rec = svc
        .command(
            &agent,
            id,
            Command::Callback {
                contacted: true,
                solved: Solved::Partly,
                satisfaction: Satisfaction::Unsatisfied,
                note: "只送了一半".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        rec.ticket.assigned,
        Some(medical),
        "reopened to the same agency"
    );
    assert_ne!(status(&rec), "closed");
    svc.command(&handler, id, Command::Accept).await.unwrap();
    svc.command(
        &handler,
        id,
        Command::Resolve {
            result: "补齐了剩余药品".into(),
        },
    )
    .await
    .unwrap();
    let rec = svc
        .command(
            &agent,
            id,
            Command::Callback {
                contacted: true,
                solved: Solved::Solved,
                satisfaction: Satisfaction::Satisfied,
                note: String::new(),
            },
        )
        .await
        .unwrap();
    assert_eq!(status(&rec), "closed");

    let view = svc.ticket_view(&agent, id).await.unwrap();
    let kinds: Vec<&str> = view.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"registered"));
    assert_eq!(kinds.last(), Some(&"closed"));
    for k in [
        "dispatched",
        "accepted",
        "contact_recorded",
        "resolved",
        "callback_recorded",
        "reopened",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    assert!(view.events.windows(2).all(|w| w[0].seq + 1 == w[1].seq));
    // The projection is exactly what replaying the events gives.
    let events = svc.store.ticket_domain_events(id).await.unwrap();
    let mut replayed = yihaotai_domain::ticket::Ticket::from_events(&events).unwrap();
    replayed.id = Some(id);
    assert_eq!(replayed, view.record.ticket);

    // A closed ticket never changes.
    let e = svc
        .command(&handler, id, Command::Accept)
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::Conflict { .. }), "{e:?}");
    assert_eq!(e.localized(Lang::Zh), "工单已归档，不能再操作");
    assert_eq!(
        e.localized(Lang::En),
        "the ticket is closed and can no longer change"
    );
    assert_eq!(
        svc.store.ticket_events(id).await.unwrap().len(),
        view.events.len()
    );
}

#[tokio::test]
async fn illegal_commands_are_refused_and_change_nothing() {
    let d = desk().await;
    let svc = &d.svc;
    let agent = user(svc, "agent").await;
    let dispatcher = user(svc, "dispatcher").await;
    let handler = user(svc, "handler").await;
    let admin = user(svc, "admin").await;
    let medical = handler.agency_id.unwrap();
    let id = svc
        .intake(
            &agent,
            request("需要就医，透析时间到了", Urgency::Urgent, "19900002222"),
        )
        .await
        .unwrap()
        .record
        .id;
    svc.command(
        &dispatcher,
        id,
        Command::Dispatch {
            agency: medical,
            mode: DispatchMode::Direct,
            assisting: vec![],
            note: String::new(),
        },
    )
    .await
    .unwrap();
    let before = svc.store.ticket_events(id).await.unwrap().len();

    // Resolving without accepting.
    assert!(matches!(
        svc.command(&handler, id, Command::Resolve { result: "x".into() })
            .await,
        Err(ServiceError::Conflict { .. })
    ));
    // The desk agent is not a handler.
    assert!(matches!(
        svc.command(&agent, id, Command::Accept).await,
        Err(ServiceError::Forbidden { .. })
    ));
    // A handler of another agency.
    let other_agency = svc
        .agencies_for(&admin)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.row.kind == "supply_team")
        .unwrap();
    let other = svc
        .create_user(
            Caller::System,
            &UserInput {
                login: "supply1".into(),
                display_name: "物资组小刘".into(),
                password: Some("a long enough pw".into()),
                roles: Roles(vec![Role::Handler]),
                areas: handler
                    .areas
                    .iter()
                    .map(|a| yihaotai_domain::AreaId(a.id))
                    .collect(),
                agency: Some(AgencyId(other_agency.row.id)),
            },
        )
        .await
        .unwrap();
    let e = svc.command(&other, id, Command::Accept).await.unwrap_err();
    assert!(matches!(e, ServiceError::Conflict { .. }), "{e:?}");
    assert!(!svc
        .queue(&other, &Queue::InboxToAccept, None, 50)
        .await
        .unwrap()
        .rows
        .iter()
        .any(|r| r.id == id.0));
    assert_eq!(
        svc.store.ticket_events(id).await.unwrap().len(),
        before,
        "nothing was recorded"
    );
    assert_eq!(
        svc.store.ticket(id).await.unwrap().ticket.status.code(),
        "dispatched"
    );
    // A secretary of the other community cannot see it at all.
    let liuan = user(svc, "liuan").await;
    let jinxiu_ticket = svc
        .intake(
            &agent,
            IntakeInput {
                household: Some(first_household(svc, "锦绣花园").await),
                ..request("家里没有菜了", Urgency::Normal, "19900003333")
            },
        )
        .await
        .unwrap()
        .record
        .id;
    assert!(matches!(
        svc.ticket_view(&liuan, jinxiu_ticket).await,
        Err(ServiceError::NotFound)
    ));
    // Bad input at intake changes nothing.
    let count = svc.store.count_tickets().await.unwrap();
    assert!(matches!(
        svc.intake(&agent, request("   ", Urgency::Normal, "19900004444"))
            .await,
        Err(ServiceError::Conflict { .. } | ServiceError::Invalid { .. })
    ));
    let e = svc
        .intake(&agent, request("有事", Urgency::Normal, "12345"))
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::Invalid { ref field, .. } if field == "caller_phone"));
    let e = svc
        .intake(
            &agent,
            IntakeInput {
                category: "weather".into(),
                ..request("有事", Urgency::Normal, "19900004444")
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::Invalid { ref field, .. } if field == "category"));
    let viewer = user(svc, "viewer").await;
    assert!(matches!(
        svc.intake(&viewer, request("有事", Urgency::Normal, "19900004444"))
            .await,
        Err(ServiceError::Forbidden { .. })
    ));
    assert_eq!(svc.store.count_tickets().await.unwrap(), count);
}

async fn first_household(svc: &Service, compound: &str) -> yihaotai_domain::HouseholdId {
    let admin = user(svc, "admin").await;
    let hits = svc.find_households(&admin, compound).await.unwrap();
    yihaotai_domain::HouseholdId(hits[0].id)
}

#[tokio::test]
async fn phones_are_masked_revealed_with_a_reason_and_confidential_callers_hidden() {
    let d = desk().await;
    let svc = &d.svc;
    let agent = user(svc, "agent").await;
    let handler = user(svc, "handler").await;
    let admin = user(svc, "admin").await;
    let medical = handler.agency_id.unwrap();
    let mut input = request("举报有人隐瞒行程", Urgency::Normal, "19900005678");
    input.confidential = true;
    input.request_type = RequestType::Report;
    input.dispatch_to = Some((medical, DispatchMode::Direct));
    let id = svc.intake(&agent, input).await.unwrap().record.id;
    let v = svc.ticket_view(&agent, id).await.unwrap();
    assert_eq!(v.phone_masked.as_deref(), Some("199****5678"));
    assert!(v.may_reveal);
    assert!(
        svc.reveal_phone(&agent, id, " ").await.is_err(),
        "a reason is required"
    );
    assert_eq!(
        svc.reveal_phone(&agent, id, "回访需要").await.unwrap(),
        "19900005678"
    );
    let log = svc.audit_for(&admin, 20).await.unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "ticket.reveal_phone" && e.detail.contains("回访需要")));
    // The handling agency does not see a confidential caller.
    let hv = svc.ticket_view(&handler, id).await.unwrap();
    assert!(!hv.caller_visible);
    assert_eq!(hv.phone_masked, None);
    assert!(matches!(
        svc.reveal_phone(&handler, id, "联系").await,
        Err(ServiceError::Forbidden { .. })
    ));
    let inbox = svc
        .queue(&handler, &Queue::InboxToAccept, None, 50)
        .await
        .unwrap();
    assert_eq!(
        inbox
            .rows
            .iter()
            .find(|r| r.id == id.0)
            .unwrap()
            .caller_phone,
        None
    );
}

#[tokio::test]
async fn follow_ups_search_and_answered_on_the_spot() {
    let d = desk().await;
    let svc = &d.svc;
    let agent = user(svc, "agent").await;
    let id = svc
        .intake(
            &agent,
            request("母亲胰岛素快用完了需要购药", Urgency::Urgent, "19900007777"),
        )
        .await
        .unwrap()
        .record
        .id;
    let open = svc
        .open_tickets_of_caller(&agent, Some("199-0000-7777"), None)
        .await
        .unwrap();
    assert_eq!(open.iter().map(|r| r.id).collect::<Vec<_>>(), vec![id.0]);
    assert!(svc
        .open_tickets_of_caller(&agent, Some("19900008888"), None)
        .await
        .unwrap()
        .is_empty());
    // Chinese full text finds it by a word inside the sentence; the number finds it too.
    let search = |text: &str| {
        Queue::Search(SearchQuery {
            text: text.into(),
            ..Default::default()
        })
    };
    let hits = svc
        .queue(&agent, &search("胰岛素"), None, 20)
        .await
        .unwrap();
    assert_eq!(
        hits.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![id.0]
    );
    assert!(svc
        .queue(&agent, &search("宠物"), None, 20)
        .await
        .unwrap()
        .rows
        .is_empty());
    let number = svc.store.ticket(id).await.unwrap().number;
    assert_eq!(
        svc.queue(&agent, &search(&number), None, 20)
            .await
            .unwrap()
            .rows
            .len(),
        1
    );
    // A consultation answered on the spot is closed at once.
    let mut c = request("请问核酸点几点开门", Urgency::Consult, "19900007777");
    c.request_type = RequestType::Consult;
    c.category = "consultation".into();
    c.disposition = Disposition::AnswerAndClose {
        answer: "早上8点到晚上8点".into(),
    };
    let rec = svc.intake(&agent, c).await.unwrap().record;
    assert_eq!(rec.ticket.status.code(), "closed");
    let bad = svc
        .queue(&agent, &Queue::Dispatch, Some("garbage"), 20)
        .await;
    assert!(matches!(bad, Err(ServiceError::Invalid { ref field, .. }) if field == "after"));
}

#[tokio::test]
async fn the_scheduler_records_breaches_supervises_and_escalates_once() {
    let d = desk().await;
    let svc = &d.svc;
    let agent = user(svc, "agent").await;
    let dispatcher = user(svc, "dispatcher").await;
    let handler = user(svc, "handler").await;
    let medical = handler.agency_id.unwrap();
    let mut bus = svc.bus.subscribe();
    let mut input = request("胸口剧烈疼痛，喘不上气", Urgency::Critical, "19900009999");
    input.category = "medical".into();
    input.dispatch_to = Some((medical, DispatchMode::Direct));
    let id = svc.intake(&agent, input).await.unwrap().record.id;
    let n = bus.recv().await.unwrap();
    assert!(
        n.critical_unaccepted,
        "a critical ticket alarms until accepted"
    );
    assert!(!n.critical_overdue);
    assert_eq!(svc.critical_alarms(&dispatcher).await.unwrap().len(), 1);

    // Nothing is due yet.
    let r = svc.deadline_pass("test").await.unwrap();
    assert!(r.ran);
    assert_eq!(r.breaches, 0);
    // Six minutes later the 5-minute accept window has passed.
    d.clock.advance(6 * 60_000);
    let r = svc.deadline_pass("test").await.unwrap();
    assert_eq!(r.breaches, 1);
    let rec = svc.store.ticket(id).await.unwrap();
    assert!(rec.ticket.breaches.iter().any(|c| c.code() == "accept"));
    let mut saw_overdue = false;
    while let Ok(n) = bus.try_recv() {
        saw_overdue |= n.critical_overdue && n.ticket_id == id.0;
    }
    assert!(
        saw_overdue,
        "the leader's alarm fires when a critical ticket is not accepted in time"
    );
    let overdue = svc
        .queue(&dispatcher, &Queue::Overdue, None, 50)
        .await
        .unwrap();
    assert!(overdue.rows.iter().any(|r| r.id == id.0));
    // A second pass records nothing new.
    assert_eq!(svc.deadline_pass("test").await.unwrap().breaches, 0);
    // Another process does not run while the lease is held.
    assert!(!svc.deadline_pass("other").await.unwrap().ran);
    // Supervised (priority category / overdue), then after another hour a second time and escalated.
    let sup = svc
        .queue(&dispatcher, &Queue::Supervision, None, 50)
        .await
        .unwrap();
    assert!(sup.rows.iter().any(|r| r.id == id.0), "supervised");
    d.clock.advance(61 * 60_000);
    let r = svc.deadline_pass("test").await.unwrap();
    assert!(r.supervised >= 1, "{r:?}");
    let rec = svc.store.ticket(id).await.unwrap();
    assert_eq!(rec.ticket.supervision_level, 2);
    assert!(rec.ticket.escalation_level >= 1, "escalated one level up");
    assert_ne!(rec.ticket.assigned, Some(medical));
}

async fn event_kinds(svc: &Service, id: yihaotai_domain::TicketId) -> Vec<String> {
    let events = svc.store.ticket_events(id).await.unwrap();
    events.into_iter().map(|e| e.kind).collect()
}

/// Triage on every save (issue 8): an urgency chosen below the danger signs in the text is
/// raised unless a reason confirms it, either way on record; a danger sign is not answered
/// and closed on the call.
#[tokio::test]
async fn the_server_triages_every_save_and_keeps_the_higher_urgency() {
    let d = desk().await;
    let svc = &d.svc;
    let agent = user(svc, "agent").await;
    let chest = "我爸胸口剧烈疼痛，出冷汗，救护车出不去";
    let r = svc
        .intake(&agent, request(chest, Urgency::Normal, "19900002001"))
        .await
        .unwrap();
    assert_eq!(r.record.ticket.urgency, Urgency::Critical);
    let raised = r.raised.expect("the raise is reported");
    assert_eq!(
        (raised.from, raised.to),
        (Urgency::Normal, Urgency::Critical)
    );
    assert!(!raised.reasons.is_empty());
    let kinds = event_kinds(svc, r.record.id).await;
    assert_eq!(kinds[..2], ["registered", "urgency_raised"], "{kinds:?}");
    // It alarms like any critical ticket.
    let alarms = svc.critical_alarms(&agent).await.unwrap();
    assert!(alarms.iter().any(|a| a.id == r.record.id.0));

    // A reason keeps the lower urgency, and says so.
    let mut input = request(chest, Urgency::Normal, "19900002002");
    input.downgrade_reason = Some("来电人说是上周的事，今天只想问复诊".into());
    let r = svc.intake(&agent, input).await.unwrap();
    assert_eq!(r.record.ticket.urgency, Urgency::Normal);
    assert!(r.raised.is_none());
    let kinds = event_kinds(svc, r.record.id).await;
    assert!(
        kinds.contains(&"downgrade_confirmed".to_string()),
        "{kinds:?}"
    );

    // A higher choice than triage's always stands; a plain request is left alone.
    let r = svc
        .intake(
            &agent,
            request("想问问什么时候解封", Urgency::Urgent, "19900002003"),
        )
        .await
        .unwrap();
    assert_eq!(r.record.ticket.urgency, Urgency::Urgent);
    assert!(r.raised.is_none());

    // Answering a danger sign on the call and closing it is refused, and nothing is saved.
    let before = svc.store.count_tickets().await.unwrap();
    let mut input = request(chest, Urgency::Consult, "19900002004");
    input.disposition = Disposition::AnswerAndClose {
        answer: "已告知自行就医".into(),
    };
    match svc.intake(&agent, input).await {
        Err(ServiceError::Invalid { field, .. }) => assert_eq!(field, "disposition"),
        other => panic!("answered and closed: {other:?}"),
    }
    assert_eq!(svc.store.count_tickets().await.unwrap(), before);
}
