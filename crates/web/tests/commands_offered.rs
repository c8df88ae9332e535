//! The ticket page and the API offer exactly the commands the service computes from its
//! role table and the domain's dry run of `decide` (`available_commands`), for a ticket in
//! every status and every demo role; and every command offered is one the service accepts.

mod support;

use axum::body::Body;
use axum::http::{header, Request};
use std::collections::BTreeSet;
use support::*;
use yihaotai_domain::ticket::{
    available_commands, Actor, Command, CommandKind, DispatchMode, Satisfaction, Solved,
};
use yihaotai_domain::vocab::Urgency;
use yihaotai_domain::TicketId;
use yihaotai_service::tickets::{CommandKindExt, IntakeInput};
use yihaotai_service::User;

const LOGINS: &[&str] = &[
    "admin",
    "agent",
    "dispatcher",
    "handler",
    "leader",
    "gate",
    "logistics",
    "viewer",
];

async fn user(a: &App, login: &str) -> User {
    a.svc.user_by_login(login).await.unwrap()
}

async fn new_ticket(a: &App, content: &str) -> TicketId {
    let agent = user(a, "agent").await;
    let r = a
        .svc
        .intake(
            &agent,
            IntakeInput::request(content, "sanitation", Urgency::Normal),
        )
        .await
        .unwrap();
    r.record.id
}

async fn run(a: &App, login: &str, id: TicketId, cmd: Command) {
    let u = user(a, login).await;
    a.svc.command(&u, id, cmd).await.unwrap();
}

/// A new ticket taken by the lead agency along `steps` (who, what), in order.
async fn ticket_after(a: &App, content: &str, steps: Vec<(&str, Command)>) -> TicketId {
    let t = new_ticket(a, content).await;
    for (login, cmd) in steps {
        run(a, login, t, cmd).await;
    }
    t
}

/// One ticket in each status the commands depend on, by the path staff take to it.
async fn tickets_in_every_status(a: &App) -> Vec<(&'static str, TicketId)> {
    let medical = user(a, "handler").await.agency_id.unwrap();
    let dispatch = || {
        (
            "dispatcher",
            Command::Dispatch {
                agency: medical,
                mode: DispatchMode::Direct,
                assisting: Vec::new(),
                note: String::new(),
            },
        )
    };
    let handler = |cmd: Command| ("handler", cmd);
    let text = |s: &str| s.to_string();
    let accepted = || vec![dispatch(), handler(Command::Accept)];
    let resolved = || {
        let mut s = accepted();
        s.push(handler(Command::Resolve {
            result: text("已清理"),
        }));
        s
    };
    let mut out = Vec::new();
    out.push((
        "registered",
        ticket_after(a, "楼道垃圾三天没人清运了，翠竹苑4栋2单元", vec![]).await,
    ));
    out.push((
        "dispatched",
        ticket_after(a, "小区东门垃圾桶满了没人清，和平里5号楼", vec![dispatch()]).await,
    ));
    out.push((
        "accepted",
        ticket_after(a, "楼下污水井冒水，锦绣花园2栋", accepted()).await,
    ));
    let mut steps = accepted();
    steps.push(handler(Command::RecordContact {
        note: text("已电话联系"),
    }));
    let t = ticket_after(a, "垃圾站消杀没人来，金桂小区3号楼", steps).await;
    let view = a.svc.ticket_view(&user(a, "admin").await, t).await.unwrap();
    let until =
        view.record.ticket.deadlines.resolve_by.unwrap() + jiff::SignedDuration::from_hours(48);
    run(
        a,
        "handler",
        t,
        Command::RequestExtension {
            until,
            reason: text("需要物业配合"),
        },
    )
    .await;
    out.push(("extension_pending", t));
    let steps = vec![
        dispatch(),
        handler(Command::RequestReturn {
            reason: text("不属于本单位职责"),
        }),
    ];
    out.push((
        "return_requested",
        ticket_after(a, "楼顶漏水，翠竹苑9栋", steps).await,
    ));
    out.push((
        "resolved",
        ticket_after(a, "小区垃圾分类点脏乱，和平里2号楼", resolved()).await,
    ));
    let mut steps = resolved();
    steps.push((
        "agent",
        Command::Callback {
            contacted: true,
            solved: Solved::Solved,
            satisfaction: Satisfaction::Satisfied,
            note: String::new(),
        },
    ));
    out.push((
        "closed",
        ticket_after(a, "楼道杂物堆积，锦绣花园6栋", steps).await,
    ));
    let steps = vec![(
        "dispatcher",
        Command::Cancel {
            reason: text("重复登记"),
        },
    )];
    out.push((
        "cancelled",
        ticket_after(a, "重复登记：楼道垃圾，翠竹苑4栋", steps).await,
    ));
    out
}

/// The commands the ticket page offers: its command forms, `/tickets/{id}/{command}`.
fn page_commands(html: &str, id: TicketId) -> BTreeSet<String> {
    let doc = scraper::Html::parse_document(html);
    let forms = scraper::Selector::parse("form[method=post]").unwrap();
    let prefix = format!("/tickets/{}/", id.0);
    doc.select(&forms)
        .filter_map(|f| f.value().attr("action"))
        .filter_map(|a| a.strip_prefix(&prefix))
        .filter(|c| *c != "reveal")
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_page_and_the_api_offer_exactly_the_available_commands_for_every_status_and_role() {
    let a = app().await;
    let tickets = tickets_in_every_status(&a).await;
    let policy = a.svc.policy();
    let now = jiff::Timestamp::from_millisecond(a.svc.now()).unwrap();
    let mut offered_somewhere = BTreeSet::new();
    for login in LOGINS {
        let u = user(&a, login).await;
        let (cookies, _) = login_as(&a, login).await;
        let token = a.svc.create_api_token(login, "test").await.unwrap();
        let actor = Actor {
            user: Some(u.id),
            agency: u.agency_id,
            roles: u.roles.clone(),
        };
        for (status, id) in &tickets {
            let Ok(view) = a.svc.ticket_view(&u, *id).await else {
                // Out of this user's areas: neither page nor API shows it.
                let page = send(&a.app, get(&format!("/tickets/{}", id.0), &cookies)).await;
                assert_ne!(page.status, 200, "{login} {status}");
                continue;
            };
            let domain: Vec<CommandKind> =
                available_commands(&view.record.ticket, &actor, now, &policy);
            // The service's answer is the domain's, narrowed by the role table alone
            // (and by who may dispatch, for dispatch).
            for k in &view.allowed {
                assert!(
                    domain.contains(k),
                    "{login} {status}: {k:?} not available in the domain"
                );
                assert!(
                    u.roles.any(k.allowed_roles()),
                    "{login} {status}: {k:?} not for the role"
                );
            }
            for k in &domain {
                if u.roles.any(k.allowed_roles()) && *k != CommandKind::Dispatch {
                    assert!(view.allowed.contains(k), "{login} {status}: {k:?} left out");
                }
            }
            let want: BTreeSet<String> =
                view.allowed.iter().map(|k| k.code().to_string()).collect();

            let page = send(&a.app, get(&format!("/tickets/{}", id.0), &cookies)).await;
            assert_eq!(page.status, 200, "{login} {status}: {}", page.body);
            assert_eq!(
                page_commands(&page.body, *id),
                want,
                "{login} {status}: the page"
            );

            let api = send(
                &a.app,
                Request::get(format!("/api/v1/tickets/{}", id.0))
                    .header(header::AUTHORIZATION, format!("Bearer {}", token.expose()))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(api.status, 200, "{login} {status}: {}", api.body);
            let from_api: BTreeSet<String> = api.json()["allowed_commands"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            assert_eq!(from_api, want, "{login} {status}: the API");
            offered_somewhere.extend(want);
        }
    }
    // The statuses and roles above reach every command staff run by hand.
    let all: BTreeSet<String> = CommandKind::ALL
        .iter()
        .filter(|k| **k != CommandKind::RecordBreach)
        .map(|k| k.code().to_string())
        .collect();
    assert_eq!(offered_somewhere, all);
}

async fn login_as(a: &App, who: &str) -> (String, String) {
    login(&a.app, who, &format!("demo-{who}-2026")).await
}
