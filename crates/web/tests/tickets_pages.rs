//! The ticket pages as staff use them: intake, the queues, the forms on a ticket, the
//! phone reveal, and the live stream of notices. Router tests on SQLite (or PostgreSQL when
//! YIHAOTAI_TEST_DATABASE_URL is set), plus one real-listener test for `/events`.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use std::sync::Arc;
use std::time::Duration;
use support::*;
use yihaotai_domain::role::Roles;
use yihaotai_domain::AgencyId;
use yihaotai_service::admin::{Caller, UserInput};
use yihaotai_service::{ManualClock, Service, ServiceConfig};
use yihaotai_store::testing::TestDb;
use yihaotai_web::{AppState, WebConfig};

const PHONE: &str = "13912345678";
const MASKED: &str = "139****5678";

/// A filled-in intake form; `extra` overrides or adds fields.
fn intake_form<'a>(csrf: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f: Vec<(&str, &str)> = vec![
        ("_csrf", csrf),
        (
            "content",
            "锦绣花园3栋2单元501，独居老人需要降压药，家里只剩一天的量",
        ),
        ("caller_name", "王阿姨"),
        ("caller_phone", PHONE),
        ("channel", "hotline_12345"),
        ("request_type", "help"),
        ("category", "medicine"),
        ("urgency", "urgent"),
        ("disposition", "dispatch"),
        ("dispatch_mode", "direct"),
        ("action", "create"),
    ];
    for (k, v) in extra {
        f.retain(|(fk, _)| fk != k);
        f.push((k, v));
    }
    f
}

/// Posts the intake form and returns the new ticket's id from the redirect.
async fn create_ticket(a: &App, cookies: &str, csrf: &str, extra: &[(&str, &str)]) -> i64 {
    let r = send(
        &a.app,
        post_form("/tickets/new", cookies, &intake_form(csrf, extra)),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "intake: {}", r.body);
    let loc = r.location().to_string();
    assert!(
        loc.starts_with("/tickets/"),
        "redirects to the ticket: {loc}"
    );
    loc.trim_start_matches("/tickets/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .expect("ticket id in the redirect")
}

async fn status_of(a: &App, id: i64) -> String {
    let admin = a.svc.user_by_login("admin").await.unwrap();
    let v = a
        .svc
        .ticket_view(&admin, yihaotai_domain::TicketId(id))
        .await
        .unwrap();
    v.record.ticket.status.code().to_string()
}

async fn medical_team(a: &App) -> AgencyId {
    a.svc
        .user_by_login("handler")
        .await
        .unwrap()
        .agency_id
        .expect("the demo handler belongs to the medical team")
}

#[tokio::test]
async fn intake_creates_a_ticket_and_redirects_to_it() {
    let a = app().await;
    let (cookies, csrf) = login(&a.app, "agent", "demo-agent-2026").await;
    let form = send(&a.app, get("/tickets/new", &cookies)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("autofocus"), "content has the focus");
    assert!(form.body.contains("name=\"_csrf\""));

    let id = create_ticket(&a, &cookies, &csrf, &[]).await;
    let page = send(&a.app, get(&format!("/tickets/{id}?saved=1"), &cookies)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("独居老人需要降压药"));
    assert!(page.body.contains("待派单"), "status shown: registered");
    assert!(page.body.contains(MASKED));
    assert!(
        !page.body.contains(PHONE),
        "the page never shows the full number unasked"
    );
    assert_eq!(a.svc.store.count_tickets().await.unwrap(), 1);
}

#[tokio::test]
async fn bad_intake_shows_the_form_again_and_creates_nothing() {
    let a = app().await;
    let (cookies, csrf) = login(&a.app, "agent", "demo-agent-2026").await;

    let r = send(
        &a.app,
        post_form(
            "/tickets/new",
            &cookies,
            &intake_form(&csrf, &[("content", "   ")]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("诉求内容不能为空"), "{}", r.body);
    assert!(r.body.contains("王阿姨"), "what was typed is kept");

    let r = send(
        &a.app,
        post_form(
            "/tickets/new",
            &cookies,
            &intake_form(&csrf, &[("caller_phone", "12345")]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("caller_phone"),
        "names the field: {}",
        r.body
    );
    assert!(r.body.contains("独居老人需要降压药"), "content is kept");

    let r = send(
        &a.app,
        post_form(
            "/tickets/new",
            &cookies,
            &intake_form(&csrf, &[("urgency", "whenever")]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    assert_eq!(a.svc.store.count_tickets().await.unwrap(), 0);
}

#[tokio::test]
async fn a_ticket_goes_from_intake_through_dispatch_to_the_handler() {
    let a = app().await;
    let (agent, agent_csrf) = login(&a.app, "agent", "demo-agent-2026").await;
    let id = create_ticket(&a, &agent, &agent_csrf, &[]).await;

    // The dispatcher's queue lists it, with the phone masked.
    let (disp, disp_csrf) = login(&a.app, "dispatcher", "demo-dispatcher-2026").await;
    let q = send(&a.app, get("/queue/dispatch", &disp)).await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(
        q.body.contains(&format!("data-ticket-id=\"{id}\"")),
        "{}",
        q.body
    );
    assert!(q.body.contains("id=\"queue-dispatch\""));
    assert!(q.body.contains(MASKED));
    assert!(!q.body.contains(PHONE), "lists never carry the full number");

    // Live refresh asks for the table alone.
    let frag = send(
        &a.app,
        Request::get("/queue/dispatch")
            .header(header::COOKIE, &disp)
            .header("x-requested-with", "fetch")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(frag.status, StatusCode::OK);
    assert!(!frag.body.contains("<html"), "a fragment, not a page");
    assert!(frag.body.contains(&format!("data-ticket-id=\"{id}\"")));

    // Dispatch from the ticket page's form.
    let page = send(&a.app, get(&format!("/tickets/{id}"), &disp)).await;
    assert!(page.body.contains("id=\"form-dispatch\""));
    let medical = medical_team(&a).await.0.to_string();
    let r = send(
        &a.app,
        post_form(
            &format!("/tickets/{id}/dispatch"),
            &disp,
            &[
                ("_csrf", &disp_csrf),
                ("agency", &medical),
                ("mode", "direct"),
                ("note", "请尽快联系"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status_of(&a, id).await, "dispatched");
    let q = send(&a.app, get("/queue/dispatch", &disp)).await;
    assert!(!q.body.contains(&format!("data-ticket-id=\"{id}\"")));

    // The handler's inbox lists it; accept and resolve through the page's forms.
    let (handler, h_csrf) = login(&a.app, "handler", "demo-handler-2026").await;
    let inbox = send(&a.app, get("/queue/inbox", &handler)).await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(
        inbox.body.contains(&format!("data-ticket-id=\"{id}\"")),
        "{}",
        inbox.body
    );
    let page = send(&a.app, get(&format!("/tickets/{id}"), &handler)).await;
    assert!(page.body.contains("id=\"form-accept\""));
    assert!(
        page.body.contains("请尽快联系"),
        "the dispatch note is in the timeline"
    );
    let r = send(
        &a.app,
        post_form(
            &format!("/tickets/{id}/accept"),
            &handler,
            &[("_csrf", &h_csrf)],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status_of(&a, id).await, "accepted");
    let progress = send(&a.app, get("/queue/inbox?tab=progress", &handler)).await;
    assert!(progress.body.contains(&format!("data-ticket-id=\"{id}\"")));

    // Resolving with no result is refused on the page, and changes nothing.
    let r = send(
        &a.app,
        post_form(
            &format!("/tickets/{id}/resolve"),
            &handler,
            &[("_csrf", &h_csrf), ("result", " ")],
        ),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "bad text is invalid input"
    );
    assert!(r.body.contains("办理结果不能为空"), "{}", r.body);
    assert_eq!(status_of(&a, id).await, "accepted");

    let r = send(
        &a.app,
        post_form(
            &format!("/tickets/{id}/resolve"),
            &handler,
            &[("_csrf", &h_csrf), ("result", "已送药上门，老人已服药")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status_of(&a, id).await, "resolved");

    // Back at the desk: the callback queue lists it and the callback closes it.
    let cb = send(&a.app, get("/queue/callback", &agent)).await;
    assert!(cb.body.contains(&format!("data-ticket-id=\"{id}\"")));
    let r = send(
        &a.app,
        post_form(
            &format!("/tickets/{id}/callback"),
            &agent,
            &[
                ("_csrf", &agent_csrf),
                ("contacted", "1"),
                ("solved", "solved"),
                ("satisfaction", "satisfied"),
                ("note", "老人表示感谢"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status_of(&a, id).await, "closed");
    let page = send(&a.app, get(&format!("/tickets/{id}"), &agent)).await;
    for label in [
        "登记",
        "派单",
        "签收",
        "办结反馈",
        "回访",
        "归档",
        "已送药上门",
    ] {
        assert!(page.body.contains(label), "timeline shows {label}");
    }
}

#[tokio::test]
async fn another_agencys_handler_is_refused_and_nothing_changes() {
    let a = app().await;
    let (agent, csrf) = login(&a.app, "agent", "demo-agent-2026").await;
    let medical = medical_team(&a).await.0.to_string();
    let id = create_ticket(
        &a,
        &agent,
        &csrf,
        &[("dispatch_agency", &medical), ("dispatch_mode", "direct")],
    )
    .await;
    assert_eq!(status_of(&a, id).await, "dispatched");

    // A handler of a community committee, serving the same street.
    let admin = a.svc.user_by_login("admin").await.unwrap();
    let other = a
        .svc
        .agencies_for(&admin)
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.row.name.contains("居民委员会"))
        .expect("a community committee");
    let street = a.svc.user_by_login("handler").await.unwrap().areas[0].id;
    a.svc
        .create_user(
            Caller::System,
            &UserInput {
                login: "committee-handler".into(),
                display_name: "社区承办人".into(),
                password: Some("committee-pass-2026".into()),
                roles: Roles::parse_list("handler").unwrap(),
                areas: vec![yihaotai_domain::AreaId(street)],
                agency: Some(AgencyId(other.row.id)),
            },
        )
        .await
        .unwrap();
    let (h, h_csrf) = login(&a.app, "committee-handler", "committee-pass-2026").await;
    let page = send(&a.app, get(&format!("/tickets/{id}"), &h)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("id=\"form-accept\""),
        "no accept form for them"
    );
    let r = send(
        &a.app,
        post_form(&format!("/tickets/{id}/accept"), &h, &[("_csrf", &h_csrf)]),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("role=\"alert\""),
        "the refusal is shown: {}",
        r.body
    );
    assert!(
        r.body.contains("单位"),
        "says whose ticket it is: {}",
        r.body
    );
    assert_eq!(status_of(&a, id).await, "dispatched");

    // A forged CSRF token changes nothing either, even for the right handler.
    let (handler, _) = login(&a.app, "handler", "demo-handler-2026").await;
    let r = send(
        &a.app,
        post_form(
            &format!("/tickets/{id}/accept"),
            &handler,
            &[("_csrf", "forged")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&a, id).await, "dispatched");
    let r = send(
        &a.app,
        post_form("/tickets/new", &agent, &intake_form("forged", &[])),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(a.svc.store.count_tickets().await.unwrap(), 1);
}

#[tokio::test]
async fn reveal_shows_the_number_once_and_is_audited() {
    let a = app().await;
    let (agent, csrf) = login(&a.app, "agent", "demo-agent-2026").await;
    let id = create_ticket(&a, &agent, &csrf, &[]).await;
    let page = send(&a.app, get(&format!("/tickets/{id}"), &agent)).await;
    assert!(page.body.contains("id=\"reveal-form\""));
    assert!(!page.body.contains(PHONE));

    // A reason is required.
    let r = send(
        &a.app,
        post_form(
            &format!("/tickets/{id}/reveal"),
            &agent,
            &[("_csrf", &csrf), ("reason", "")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.body.contains(PHONE));

    let r = send(
        &a.app,
        post_form(
            &format!("/tickets/{id}/reveal"),
            &agent,
            &[("_csrf", &csrf), ("reason", "回访居民")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(PHONE), "the full number is shown");
    assert!(r.body.contains("id=\"phone-full\""));
    // And only on that response.
    let again = send(&a.app, get(&format!("/tickets/{id}"), &agent)).await;
    assert!(!again.body.contains(PHONE));

    let (admin, _) = login(&a.app, "admin", "demo-admin-2026").await;
    let audit = send(&a.app, get("/admin/audit", &admin)).await;
    assert!(audit.body.contains("ticket.reveal_phone"), "{}", audit.body);
    assert!(audit.body.contains("回访居民"));
}

#[tokio::test]
async fn a_second_call_from_the_same_phone_is_offered_as_a_follow_up() {
    let a = app().await;
    let (agent, csrf) = login(&a.app, "agent", "demo-agent-2026").await;
    let first = create_ticket(&a, &agent, &csrf, &[]).await;

    let again = intake_form(&csrf, &[("content", "药还没送到，老人很着急")]);
    let r = send(&a.app, post_form("/tickets/new", &agent, &again)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("作为跟进记录到该工单"), "{}", r.body);
    assert!(r
        .body
        .contains(&format!("action=\"/tickets/{first}/add_note\"")));
    assert!(r.body.contains("name=\"force_new\""));
    assert_eq!(a.svc.store.count_tickets().await.unwrap(), 1);

    // "Create anyway" makes a second ticket.
    let mut forced = again.clone();
    forced.push(("force_new", "1"));
    let r = send(&a.app, post_form("/tickets/new", &agent, &forced)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(a.svc.store.count_tickets().await.unwrap(), 2);
}

/// A critical second call is never held back by the follow-up offer (issue 8): it is saved
/// at once, with triage's urgency even when the agent left "normal" selected, and each
/// ticket names the other.
#[tokio::test]
async fn a_critical_second_call_is_saved_at_once_and_linked() {
    let a = app().await;
    let (agent, csrf) = login(&a.app, "agent", "demo-agent-2026").await;
    let first = create_ticket(&a, &agent, &csrf, &[]).await;
    let emergency = intake_form(
        &csrf,
        &[
            ("content", "我妈突然叫不醒了，嘴唇发紫"),
            ("urgency", "normal"),
            ("category", "medical"),
        ],
    );
    let r = send(&a.app, post_form("/tickets/new", &agent, &emergency)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(a.svc.store.count_tickets().await.unwrap(), 2);
    let second: i64 = r
        .location()
        .trim_start_matches("/tickets/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let page = send(&a.app, get(&format!("/tickets/{second}"), &agent)).await;
    let doc = scraper::Html::parse_document(&page.body);
    let note = scraper::Selector::parse("#triage-note").unwrap();
    let text: String = doc.select(&note).flat_map(|e| e.text()).collect();
    assert!(
        text.contains("特急"),
        "the raise is said at the top: {text}"
    );
    let old = send(&a.app, get(&format!("/tickets/{first}"), &agent)).await;
    assert!(old.body.contains("新登记特急工单"), "{}", old.body);
    assert!(page.body.contains("另有未办结工单"), "{}", page.body);
}

/// The follow-up button posts the new content as a note on the open ticket, as the desk
/// agent who took the call.
#[tokio::test]
async fn the_desk_agent_records_a_follow_up_note() {
    let a = app().await;
    let (agent, csrf) = login(&a.app, "agent", "demo-agent-2026").await;
    let first = create_ticket(&a, &agent, &csrf, &[]).await;
    let r = send(
        &a.app,
        post_form(
            &format!("/tickets/{first}/add_note"),
            &agent,
            &[("_csrf", &csrf), ("text", "药还没送到，老人很着急")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = send(&a.app, get(&format!("/tickets/{first}"), &agent)).await;
    assert!(page.body.contains("药还没送到"));
}

#[tokio::test]
async fn search_finds_by_words_and_number_and_alarms_list_critical_tickets() {
    let a = app().await;
    let (agent, csrf) = login(&a.app, "agent", "demo-agent-2026").await;
    let id = create_ticket(
        &a,
        &agent,
        &csrf,
        &[
            ("content", "翠竹苑老人胸痛喘不上气，需要急救车"),
            ("category", "medical"),
            ("urgency", "critical"),
            ("caller_phone", "13800001111"),
        ],
    )
    .await;
    let s = send(&a.app, get("/tickets?q=%E8%83%B8%E7%97%9B", &agent)).await;
    assert_eq!(s.status, StatusCode::OK);
    assert!(
        s.body.contains(&format!("data-ticket-id=\"{id}\"")),
        "{}",
        s.body
    );
    assert!(s.body.contains("urg-critical"));

    let number = a
        .svc
        .ticket_view(
            &a.svc.user_by_login("agent").await.unwrap(),
            yihaotai_domain::TicketId(id),
        )
        .await
        .unwrap()
        .record
        .number;
    let s = send(&a.app, get(&format!("/tickets?q={number}"), &agent)).await;
    assert_eq!(s.status, StatusCode::SEE_OTHER);
    assert_eq!(s.location(), format!("/tickets/{id}"));

    let bad = send(&a.app, get("/tickets?from=yesterday", &agent)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let alarms = send(&a.app, get("/alarms", &agent)).await;
    assert_eq!(alarms.status, StatusCode::OK);
    let list: serde_json::Value = serde_json::from_str(&alarms.body).unwrap();
    assert_eq!(list[0]["ticket_id"], id, "{list}");
    assert!(!alarms.body.contains("13800001111"));
    assert!(list[0]["agency_name"].is_null(), "not dispatched: {list}");
    assert!(
        list[0]["accept_by"].is_null(),
        "the accept clock starts at dispatch: {list}"
    );

    // Dispatched: the banner says how long it waited and who has it, and every screen (not only the
    // leader's) sees when the accept deadline passes.
    let medical = medical_team(&a).await.0.to_string();
    let d = send(
        &a.app,
        post_form(
            &format!("/tickets/{id}/dispatch"),
            &agent,
            &[
                ("_csrf", csrf.as_str()),
                ("agency", medical.as_str()),
                ("mode", "direct"),
            ],
        ),
    )
    .await;
    assert_eq!(d.status, StatusCode::SEE_OTHER, "{}", d.body);
    let list: serde_json::Value =
        serde_json::from_str(&send(&a.app, get("/alarms", &agent)).await.body).unwrap();
    assert_eq!(list[0]["registered_at"], T0, "{list}");
    assert_eq!(list[0]["agency_name"], "望江街道医疗保障组", "{list}");
    assert_eq!(list[0]["critical_overdue"], false, "{list}");
    let accept_by = list[0]["accept_by"]
        .as_i64()
        .expect("a critical ticket has an accept deadline");
    assert!(accept_by > T0, "{list}");
    a.clock.advance(accept_by - T0 + 1);
    let later: serde_json::Value =
        serde_json::from_str(&send(&a.app, get("/alarms", &agent)).await.body).unwrap();
    assert_eq!(
        later[0]["critical_overdue"], true,
        "the deadline passed: {later}"
    );
}

/// `/events` on a real listener: a notice arrives after an intake, and the stream ends
/// when the server shuts down.
#[tokio::test]
async fn events_stream_notices_and_end_on_shutdown() {
    let db = TestDb::new().await;
    let svc = Service::new(
        db.store.clone(),
        Arc::new(ManualClock::new(T0)),
        ServiceConfig::default(),
    );
    svc.bootstrap().await.unwrap();
    svc.load_demo().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(yihaotai_web::serve(
        listener,
        AppState::new(svc.clone(), WebConfig::default()),
        async {
            let _ = stopped.await;
        },
    ));

    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = http
        .post(format!("{base}/login"))
        .form(&[
            ("_csrf", csrf_in(&page).as_str()),
            ("login", "agent"),
            ("password", "demo-agent-2026"),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let home = http
        .get(format!("{base}/tickets/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&home);

    let mut events = http.get(format!("{base}/events")).send().await.unwrap();
    assert_eq!(events.status(), reqwest::StatusCode::OK);
    assert!(events.headers()[header::CONTENT_TYPE.as_str()]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));

    let r = http
        .post(format!("{base}/tickets/new"))
        .form(&intake_form(
            &csrf,
            &[("urgency", "critical"), ("category", "medical")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);

    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = events.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("data:") && seen.contains("\"critical_unaccepted\":true") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "a notice arrives: {seen}");
    assert!(seen.contains("\"event\":\"registered\""), "{seen}");

    // Shutdown ends the open stream, so the server can stop.
    stop.send(()).unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match events.chunk().await {
                Ok(Some(_)) => continue,
                _ => return,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream ends on shutdown");
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}
