//! The ticket and triage API as a client sees it, with bearer tokens: a request's whole
//! life, the refusals that change nothing, masked phones and the audited reveal, and triage
//! on good, empty, huge and broken input. SQLite, or PostgreSQL when
//! YIHAOTAI_TEST_DATABASE_URL is set.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};
use support::*;
use tower::ServiceExt;
use yihaotai_domain::role::{Role, Roles};
use yihaotai_service::admin::{Caller, UserInput};

const PHONE: &str = "13812345678";

async fn household_in_jinxiu(a: &App) -> i64 {
    let agent = a.svc.user_by_login("agent").await.unwrap();
    let hits = a
        .svc
        .find_households(&agent, "锦绣花园3栋2单元501")
        .await
        .unwrap();
    hits.first().expect("the demo flat exists").id
}

fn intake_body(household: i64, urgency: &str, content: &str) -> Value {
    json!({
        "channel": "hotline_12345",
        "request_type": "help",
        "category": "medical",
        "urgency": urgency,
        "caller_name": "张桂英",
        "caller_phone": PHONE,
        "household_id": household,
        "content": content,
    })
}

async fn medical_team(a: &App) -> i64 {
    a.svc
        .user_by_login("handler")
        .await
        .unwrap()
        .agency_id
        .unwrap()
        .0
}

async fn new_ticket(a: &App, agent: &ApiClient, content: &str) -> i64 {
    let h = household_in_jinxiu(a).await;
    let r = agent
        .post("/api/v1/tickets", intake_body(h, "urgent", content))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

fn kinds(ticket: &Value) -> Vec<String> {
    ticket["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_request_goes_from_intake_through_a_failed_callback_to_closed() {
    let a = app().await;
    let agent = ApiClient::new(&a, "agent").await;
    let dispatcher = ApiClient::new(&a, "dispatcher").await;
    let handler = ApiClient::new(&a, "handler").await;
    let medical = medical_team(&a).await;
    let h = household_in_jinxiu(&a).await;

    let r = agent
        .post(
            "/api/v1/tickets",
            intake_body(
                h,
                "urgent",
                "家里老人发烧三天，需要上门看诊，锦绣花园3栋2单元501",
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let t = r.json();
    let id = t["id"].as_i64().unwrap();
    assert!(t["number"].as_str().unwrap().starts_with("YHT"));
    assert_eq!(t["status"], "registered");
    assert_eq!(t["caller_phone"], "138****5678");
    assert!(t["deadlines"]
        .as_object()
        .unwrap()
        .contains_key("resolve_by"));
    assert!(t["registered_at"].as_str().unwrap().ends_with("+08:00"));

    let t = dispatcher
        .ok(
            id,
            "dispatch",
            json!({"agency_id": medical, "mode": "direct"}),
        )
        .await;
    assert_eq!(t["status"], "dispatched");
    assert_eq!(t["assigned_agency_id"], medical);
    // The contact clock is optional in the policy; accept and resolve always run.
    for clock in ["accept_by", "resolve_by"] {
        assert!(
            t["deadlines"][clock].as_str().unwrap().ends_with("+08:00"),
            "{clock}: {}",
            t["deadlines"]
        );
    }
    assert!(t["deadlines"]
        .as_object()
        .unwrap()
        .contains_key("contact_by"));

    a.clock.advance(60_000);
    assert_eq!(
        handler.ok(id, "accept", json!({})).await["status"],
        "accepted"
    );
    handler
        .ok(id, "record_contact", json!({"note": "已电话联系家属"}))
        .await;
    let t = handler
        .ok(id, "resolve", json!({"result": "医生已上门，开具退烧药"}))
        .await;
    assert_eq!(t["status"], "resolved");
    // The resident is not satisfied: the ticket goes back to the same agency.
    let t = agent
        .ok(
            id,
            "callback",
            json!({"solved": "not", "satisfaction": "unsatisfied", "note": "仍在发烧"}),
        )
        .await;
    assert_eq!(t["status"], "dispatched");
    assert_eq!(t["reopen_count"], 1);
    handler.ok(id, "accept", json!(null)).await;
    handler
        .ok(id, "resolve", json!({"result": "复诊，已送医"}))
        .await;
    let t = agent
        .ok(
            id,
            "callback",
            json!({"contacted": true, "solved": "solved", "satisfaction": "satisfied"}),
        )
        .await;
    assert_eq!(t["status"], "closed");

    let t = handler.get(&format!("/api/v1/tickets/{id}")).await.json();
    assert_eq!(t["status"], "closed");
    assert_eq!(
        kinds(&t),
        [
            "registered",
            "dispatched",
            "accepted",
            "contact_recorded",
            "resolved",
            "callback_recorded",
            "reopened",
            "accepted",
            "resolved",
            "callback_recorded",
            "closed",
        ]
    );
    let ev = &t["events"][0];
    assert_eq!(ev["seq"], 1);
    assert_eq!(ev["actor_name"], "林晓雯（一号台坐席）");
    assert_eq!(ev["payload"]["caller_phone"], "138****5678");
    assert!(ev["at"].as_str().unwrap().ends_with("+08:00"));
    let dispatched = &t["events"][1];
    assert_eq!(dispatched["payload"]["agency"], medical);
    assert!(dispatched["payload"]["deadlines"]["accept_by"]
        .as_str()
        .unwrap()
        .ends_with("+08:00"));
    assert_eq!(t["events"][2]["agency_name"], "望江街道医疗保障组");
    assert!(!t.to_string().contains(PHONE), "a full number leaked: {t}");
}

#[tokio::test]
async fn refused_commands_change_nothing() {
    let a = app().await;
    let agent = ApiClient::new(&a, "agent").await;
    let dispatcher = ApiClient::new(&a, "dispatcher").await;
    let handler = ApiClient::new(&a, "handler").await;
    let medical = medical_team(&a).await;

    // A handler of another agency, who serves the same street.
    let supply = a
        .svc
        .agencies_for(&a.svc.user_by_login("admin").await.unwrap())
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.row.name == "望江街道物资保障组")
        .unwrap();
    let wangjiang = a
        .svc
        .all_areas()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == "望江街道")
        .unwrap();
    a.svc
        .create_user(
            Caller::System,
            &UserInput {
                login: "supply_handler".into(),
                display_name: "物资组承办人".into(),
                password: Some("supply-handler-2026".into()),
                roles: Roles(vec![Role::Handler]),
                areas: vec![wangjiang.id],
                agency: Some(yihaotai_domain::AgencyId(supply.row.id)),
            },
        )
        .await
        .unwrap();
    let other = ApiClient::new(&a, "supply_handler").await;

    let id = new_ticket(&a, &agent, "老人需要每天注射胰岛素，药快用完了").await;
    let uri = |c: &str| format!("/api/v1/tickets/{id}/{c}");
    // Resolving before anyone accepted.
    dispatcher
        .ok(id, "dispatch", json!({"agency_id": medical}))
        .await;
    let before = handler.get(&format!("/api/v1/tickets/{id}")).await.json();
    let r = handler
        .post(&uri("resolve"), json!({"result": "已处理"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.is_problem());
    assert!(r.json()["detail"].as_str().unwrap().contains("签收"));
    // An agent may not accept; a handler of another agency may not either.
    let r = agent.post(&uri("accept"), json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = other.post(&uri("accept"), json!({})).await;
    assert!(
        r.status == StatusCode::CONFLICT || r.status == StatusCode::FORBIDDEN,
        "{}: {}",
        r.status,
        r.body
    );
    let after = handler.get(&format!("/api/v1/tickets/{id}")).await.json();
    assert_eq!(after["version"], before["version"]);
    assert_eq!(after["status"], "dispatched");

    // Unknown commands, the scheduler's own command, bad bodies and bad ids.
    let r = handler.post(&uri("teleport"), json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.is_problem());
    assert_eq!(r.json()["field"], "command");
    assert_eq!(
        handler
            .post(&uri("record_breach"), json!({"clock": "accept"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = handler.post(&uri("accept"), json!({"force": true})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "force", "the unknown field is named");
    let r = handler
        .send("POST", &uri("resolve"), Some(Body::from("{not json")))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = agent
        .post(
            &uri("callback"),
            json!({"solved": "maybe", "satisfaction": "satisfied"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "solved");
    assert_eq!(
        handler.get("/api/v1/tickets/abc").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        handler.get("/api/v1/tickets/999999").await.status,
        StatusCode::NOT_FOUND
    );

    // Accepting a closed ticket.
    handler.ok(id, "accept", json!({})).await;
    handler.ok(id, "resolve", json!({"result": "已送药"})).await;
    agent
        .ok(
            id,
            "callback",
            json!({"solved": "solved", "satisfaction": "satisfied"}),
        )
        .await;
    let closed = handler.get(&format!("/api/v1/tickets/{id}")).await.json();
    assert_eq!(closed["status"], "closed");
    let r = handler.post(&uri("accept"), json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["detail"].as_str().unwrap().contains("已归档"));
    let r = handler.send("POST", &uri("accept"), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let again = handler.get(&format!("/api/v1/tickets/{id}")).await.json();
    assert_eq!(again["version"], closed["version"]);
    assert_eq!(kinds(&again), kinds(&closed));
}

#[tokio::test]
async fn intake_checks_codes_and_can_dispatch_or_close_at_once() {
    let a = app().await;
    let agent = ApiClient::new(&a, "agent").await;
    let handler = ApiClient::new(&a, "handler").await;
    let medical = medical_team(&a).await;
    let h = household_in_jinxiu(&a).await;
    for (field, value) in [
        ("channel", "fax"),
        ("urgency", "whenever"),
        ("request_type", "praise"),
        ("category", "astrology"),
    ] {
        let mut b = intake_body(h, "urgent", "需要帮助");
        b[field] = json!(value);
        let r = agent.post("/api/v1/tickets", b).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.is_problem());
        assert_eq!(r.json()["field"], field, "{}", r.body);
    }
    let mut b = intake_body(h, "urgent", "需要帮助");
    b["colour"] = json!("red");
    let r = agent.post("/api/v1/tickets", b).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "colour", "the unknown field is named");
    let mut b = intake_body(h, "urgent", "需要帮助");
    b["disposition"] = json!({"type": "transfer_emergency", "service": "911"});
    let r = agent.post("/api/v1/tickets", b).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "emergency_service");
    let mut b = intake_body(h, "urgent", "需要帮助");
    b["dispatch_to"] = json!({"agency_id": medical, "mode": "sideways"});
    let r = agent.post("/api/v1/tickets", b).await;
    assert_eq!(r.json()["field"], "dispatch_mode");
    // Handlers do not record requests.
    let r = handler
        .post("/api/v1/tickets", intake_body(h, "urgent", "需要帮助"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(a.svc.store.count_tickets().await.unwrap(), 0);

    // Dispatched in the same call: deadlines at once, and in the agency's inbox.
    let mut b = intake_body(h, "critical", "羊水破了，需要救护车");
    b["dispatch_to"] = json!({"agency_id": medical, "mode": "direct"});
    b["suggestion"] = json!({"urgency": "critical"});
    let r = agent.post("/api/v1/tickets", b).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let t = r.json();
    assert_eq!(t["status"], "dispatched");
    assert!(t["deadlines"]["accept_by"]
        .as_str()
        .unwrap()
        .ends_with("+08:00"));
    assert_eq!(t["suggestion"]["urgency"], "critical");
    let inbox = handler
        .get("/api/v1/tickets?queue=inbox_to_accept")
        .await
        .json();
    assert_eq!(inbox["tickets"][0]["id"], t["id"]);
    // Answered on the spot, and handed to 120: closed at once.
    let mut b = intake_body(h, "consult", "核酸检测点几点开门");
    b["request_type"] = json!("consult");
    b["category"] = json!("consultation");
    b["disposition"] = json!({"type": "answer_and_close", "answer": "每天8点到17点"});
    let r = agent.post("/api/v1/tickets", b).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["status"], "closed");
    let mut b = intake_body(h, "critical", "老人倒地不起，没有意识");
    b["disposition"] = json!({"type": "transfer_emergency", "service": "120", "note": "已转120"});
    let r = agent.post("/api/v1/tickets", b).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["closure"]["service"], "120");
}

#[tokio::test]
async fn lists_mask_phones_and_the_reveal_is_audited() {
    let a = app().await;
    let agent = ApiClient::new(&a, "agent").await;
    let dispatcher = ApiClient::new(&a, "dispatcher").await;
    let handler = ApiClient::new(&a, "handler").await;
    let admin_user = a.svc.user_by_login("admin").await.unwrap();
    let medical = medical_team(&a).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(new_ticket(&a, &agent, &format!("第{i}次来电：老人需要配送降压药")).await);
    }
    let page = dispatcher.get("/api/v1/tickets?queue=dispatch").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let page = page.json();
    let rows = page["tickets"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["caller_phone"] == "138****5678"));
    assert!(!page.to_string().contains(PHONE));
    assert_eq!(page["next"], Value::Null);
    // Cursor pagination: two pages of one and two.
    let first = dispatcher
        .get("/api/v1/tickets?queue=dispatch&limit=1")
        .await
        .json();
    let next = first["next"].as_str().expect("a cursor").to_string();
    let rest = dispatcher
        .get(&format!(
            "/api/v1/tickets?queue=dispatch&limit=2&after={next}"
        ))
        .await
        .json();
    assert_eq!(rest["tickets"].as_array().unwrap().len(), 2);
    assert_ne!(rest["tickets"][0]["id"], first["tickets"][0]["id"]);
    // Search by words and filters.
    let found = agent
        .get("/api/v1/tickets?q=%E9%99%8D%E5%8E%8B%E8%8D%AF&status=registered&urgency=urgent&category=medical")
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(found.json()["tickets"].as_array().unwrap().len(), 3);
    // Bad filters name their parameter.
    for (q, field) in [
        ("queue=everything", "queue"),
        ("urgency=soon", "urgency"),
        ("status=lost", "status"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("from=yesterday", "from"),
        ("overdue=perhaps", "overdue"),
        ("after=xyz", "after"),
        ("colour=red", "query"),
    ] {
        let r = agent.get(&format!("/api/v1/tickets?{q}")).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            r.body
        );
        assert_eq!(r.json()["field"], field, "{q}");
    }
    // A handler has no dispatch queue.
    assert_eq!(
        handler.get("/api/v1/tickets?queue=dispatch").await.status,
        StatusCode::FORBIDDEN
    );

    // The reveal: a reason is needed, the full number comes back, the audit says who.
    let id = ids[0];
    let r = agent
        .post(
            &format!("/api/v1/tickets/{id}/reveal-phone"),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!a
        .svc
        .audit_for(&admin_user, 50)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == "ticket.reveal_phone"));
    let r = agent
        .post(
            &format!("/api/v1/tickets/{id}/reveal-phone"),
            json!({"reason": "回访需要拨打"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["phone"], PHONE);
    let audit = a.svc.audit_for(&admin_user, 50).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "ticket.reveal_phone")
        .expect("the reveal is audited");
    assert_eq!(entry.target_id, Some(id));
    assert!(entry.detail.contains("回访需要拨打"));
    // A handler may reveal only once the ticket is their agency's.
    let r = handler
        .post(
            &format!("/api/v1/tickets/{id}/reveal-phone"),
            json!({"reason": "联系居民"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    dispatcher
        .ok(id, "dispatch", json!({"agency_id": medical}))
        .await;
    let r = handler
        .post(
            &format!("/api/v1/tickets/{id}/reveal-phone"),
            json!({"reason": "联系居民"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // A confidential report: the agency's handler does not see who called.
    let h = household_in_jinxiu(&a).await;
    let mut b = intake_body(h, "normal", "举报有人在楼道里堆放杂物");
    b["confidential"] = json!(true);
    b["request_type"] = json!("report");
    b["category"] = json!("sanitation");
    b["dispatch_to"] = json!({"agency_id": medical});
    let r = agent.post("/api/v1/tickets", b).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cid = r.json()["id"].as_i64().unwrap();
    let t = handler.get(&format!("/api/v1/tickets/{cid}")).await.json();
    assert_eq!(t["caller_visible"], false);
    assert_eq!(t["caller_phone"], Value::Null);
    assert_eq!(t["caller_name"], Value::Null);
    assert_eq!(t["events"][0]["payload"]["caller_name"], Value::Null);
    assert!(!t.to_string().contains("138****5678"));
    let inbox = handler
        .get("/api/v1/tickets?queue=inbox_to_accept")
        .await
        .json();
    let row = inbox["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == cid)
        .unwrap();
    assert_eq!(row["caller_phone"], Value::Null);
    assert_eq!(row["household_id"], Value::Null);
}

#[tokio::test]
async fn triage_reads_urgency_and_address_and_refuses_bad_input_clearly() {
    let a = app().await;
    let agent = ApiClient::new(&a, "agent").await;
    let r = agent
        .post(
            "/api/v1/triage",
            json!({"text": "3栋2单元501 羊水破了 锦绣花园"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let t = r.json();
    assert_eq!(t["urgency"], "critical");
    assert_eq!(t["category"], "medical");
    assert_eq!(t["address"]["building"], "3");
    assert_eq!(t["address"]["entrance"], "2");
    assert_eq!(t["address"]["room"], "501");
    assert_eq!(t["address"]["compound"], "锦绣花园");
    assert_eq!(t["household_id"], household_in_jinxiu(&a).await);
    assert!(t["confidence"].as_f64().unwrap() > 0.0);
    assert!(!t["reasons"].as_array().unwrap().is_empty());
    assert!(t["care_signals"].is_array());

    let r = agent
        .post("/api/v1/triage", json!({"text": "需要买菜"}))
        .await;
    assert_eq!(r.json()["address"], Value::Null);
    assert_eq!(r.json()["household_id"], Value::Null);

    let r = agent.post("/api/v1/triage", json!({"text": "   "})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.is_problem());
    assert_eq!(r.json()["field"], "text");
    assert!(r.json()["detail"]
        .as_str()
        .unwrap()
        .contains("诉求内容为空"));

    // A megabyte of text: a 413 problem that names the limit, not a crash.
    let big = "羊水破了".repeat(90_000);
    let r = agent.post("/api/v1/triage", json!({"text": big})).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.is_problem());
    assert!(r.json()["detail"].as_str().unwrap().contains("64 KB"));

    // Bytes that are not UTF-8.
    let mut bytes = br#"{"text": ""#.to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
    bytes.extend_from_slice(br#""}"#);
    let r = agent
        .send("POST", "/api/v1/triage", Some(Body::from(bytes)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.is_problem());
    assert_eq!(r.json()["field"], "body");
    let r = agent
        .send(
            "POST",
            "/api/v1/triage",
            Some(Body::from(vec![0u8, 159, 146, 150, 0xff])),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // And without a token, nothing.
    let r = a
        .app
        .clone()
        .oneshot(
            Request::post("/api/v1/triage")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"text":"x"}"#))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

/// The holes a careful attacker found (issue 7): merge targets, handlers dispatching,
/// missing agencies, authorization before validation, control characters, oversized and
/// mistyped bodies — each refused clearly, as problem details naming the field, and
/// nothing changes.
#[tokio::test]
async fn refusals_name_the_field_and_change_nothing() {
    let a = app().await;
    let agent = ApiClient::new(&a, "agent").await;
    let dispatcher = ApiClient::new(&a, "dispatcher").await;
    let handler = ApiClient::new(&a, "handler").await;
    let viewer = ApiClient::new(&a, "viewer").await;
    let qingshi = ApiClient::new(&a, "qingshi").await;
    let id = new_ticket(&a, &agent, "老人血压高，需要送降压药").await;
    let before = a.svc.store.count_tickets().await.unwrap();

    // Merge: into a ticket that does not exist, -1, or one the caller cannot see. The
    // ticket is in 青石社区 (锦绣花园); the other one in 柳岸社区 (金桂小区).
    let other = {
        let liuan = ApiClient::new(&a, "liuan").await;
        let hits = a
            .svc
            .find_households(&a.svc.user_by_login("liuan").await.unwrap(), "金桂小区")
            .await
            .unwrap();
        let mut body = intake_body(hits[0].id, "normal", "楼道灯坏了");
        body["category"] = json!("other");
        let r = liuan.post("/api/v1/tickets", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.json()["id"].as_i64().unwrap()
    };
    for target in [999_999, -1, other] {
        let r = qingshi
            .post(
                &format!("/api/v1/tickets/{id}/merge"),
                json!({ "into_ticket_id": target }),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{target}: {}",
            r.body
        );
        assert!(r.is_problem());
        assert_eq!(r.json()["field"], "into_ticket_id", "{}", r.body);
        // Another community's ticket and a missing one read the same.
        assert!(!r.body.contains("金桂"), "{}", r.body);
    }
    let r = dispatcher
        .post(
            &format!("/api/v1/tickets/{id}/merge"),
            json!({ "into_ticket_id": 999_999 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let t = agent.get(&format!("/api/v1/tickets/{id}")).await.json();
    assert_eq!(t["status"], "registered", "{t}");

    // Dispatch to an agency that does not exist: a clear 422 at once, not a retried
    // "being changed by someone else".
    let r = dispatcher
        .post(
            &format!("/api/v1/tickets/{id}/dispatch"),
            json!({ "agency_id": 999_999 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "agency_id");

    // A handler does not dispatch a new ticket, to its own agency or any other.
    let medical = medical_team(&a).await;
    let r = handler
        .post(
            &format!("/api/v1/tickets/{id}/dispatch"),
            json!({ "agency_id": medical }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let t = agent.get(&format!("/api/v1/tickets/{id}")).await.json();
    assert_eq!(t["status"], "registered", "{t}");
    // ...and is not offered it.
    let t = handler.get(&format!("/api/v1/tickets/{id}")).await.json();
    let offered = t["allowed_commands"].as_array().unwrap();
    assert!(!offered.iter().any(|c| c == "dispatch"), "{offered:?}");
    let t = dispatcher
        .get(&format!("/api/v1/tickets/{id}"))
        .await
        .json();
    assert!(t["allowed_commands"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "dispatch"));

    // Authorization before validation: a viewer learns nothing about valid values.
    let mut bogus = intake_body(household_in_jinxiu(&a).await, "whatever", "x");
    bogus["category"] = json!("no-such-category");
    let r = viewer.post("/api/v1/tickets", bogus).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(!r.body.contains("critical"), "{}", r.body);
    let r = viewer
        .post(&format!("/api/v1/tickets/{id}/dispatch"), json!({ "x": 1 }))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // Control characters: refused with the field named, on every database.
    let h = household_in_jinxiu(&a).await;
    for (field, body) in [
        ("content", intake_body(h, "normal", "药快没了\u{0}")),
        ("caller_name", {
            let mut b = intake_body(h, "normal", "药快没了");
            b["caller_name"] = json!("张\u{0}三");
            b
        }),
    ] {
        let r = agent.post("/api/v1/tickets", body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.json()["field"], field, "{}", r.body);
    }
    let r = agent
        .post(
            &format!("/api/v1/tickets/{id}/add_note"),
            json!({ "text": "x\u{1b}[31m" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "text");
    let r = agent.get("/api/v1/tickets?q=%00").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "q");

    // Text the domain refuses is invalid input naming its field, not a conflict.
    let r = agent
        .post(
            &format!("/api/v1/tickets/{id}/add_note"),
            json!({ "text": "  " }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "note", "{}", r.body);

    // A body of the wrong shape says so without Rust type names.
    let r = agent.post("/api/v1/tickets", json!("x")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(!r.body.contains("IntakeBody"), "{}", r.body);
    assert!(!r.body.contains("struct"), "{}", r.body);

    // 20 MB is too large (413), whatever the route reads.
    let big = format!("{{\"content\":\"{}\"}}", "a".repeat(20 << 20));
    for uri in ["/api/v1/tickets", "/api/v1/areas"] {
        let r = agent.send("POST", uri, Some(Body::from(big.clone()))).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{uri}: {}", r.body);
        assert!(r.is_problem(), "{uri}");
    }

    // An id that is not a number: problem details naming the path, not text/plain.
    let r = agent.get("/api/v1/areas/abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.is_problem(), "{}", r.content_type());
    assert_eq!(r.json()["field"], "path");
    assert!(!r.body.contains("i64"), "{}", r.body);

    assert_eq!(a.svc.store.count_tickets().await.unwrap(), before + 1);
}

/// `dispatch_by_catalogue` sends a request to the agency the catalogue names, as the
/// intake form's choice does, so its deadlines run at once; together with `dispatch_to`
/// it is refused naming the field, and nothing is stored.
#[tokio::test]
async fn intake_can_dispatch_by_the_catalogue() {
    let a = app().await;
    let agent = ApiClient::new(&a, "agent").await;
    let user = a.svc.user_by_login("agent").await.unwrap();
    let h = household_in_jinxiu(&a).await;
    let hh = Some(yihaotai_domain::HouseholdId(h));
    let want = a
        .svc
        .suggest_for_intake(&user, "medical", hh, None)
        .await
        .unwrap()
        .expect("the demo catalogue sends medical requests somewhere");

    let mut b = intake_body(h, "urgent", "老人发烧三天了，需要医生上门");
    b["dispatch_by_catalogue"] = json!(true);
    b["dispatch_to"] = json!({"agency_id": want.agency_id});
    let r = agent.post("/api/v1/tickets", b).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "dispatch_by_catalogue");

    assert_eq!(
        a.svc.store.count_tickets().await.unwrap(),
        0,
        "nothing stored"
    );

    let mut b = intake_body(h, "urgent", "老人发烧三天了，需要医生上门");
    b["dispatch_by_catalogue"] = json!(true);
    let r = agent.post("/api/v1/tickets", b).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let t = r.json();
    assert_eq!(t["status"], "dispatched");
    assert_eq!(t["assigned_agency_id"], want.agency_id, "{t}");
    assert!(t["deadlines"]["accept_by"].is_string(), "{t}");
}
