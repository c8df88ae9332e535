//! The household card (一户一卡) as staff use it: search by an address in any form, by a
//! phone typed with spaces, by care tag; the card with its residents; and the household on
//! a ticket's page, as a handler sees it (the door and care needs; names and phones hidden
//! on a confidential ticket). Router tests on SQLite, or PostgreSQL when
//! YIHAOTAI_TEST_DATABASE_URL is set.

mod support;

use axum::http::StatusCode;
use scraper::{Html, Selector};
use support::*;

fn texts(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

/// The demo household 锦绣花园12栋2单元502 (three residents) and the other 12-2-502.
const JX_12_2_502: i64 = 431;

#[tokio::test]
async fn a_secretary_finds_a_household_by_any_address_form_and_by_a_phone_with_spaces() {
    let a = app().await;
    let (cookies, _) = login(&a.app, "agent", "demo-agent-2026").await;

    let r = send(&a.app, get("/households?q=12-2-502", &cookies)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let found = texts(&r.body, "#household-list tbody tr .c-address");
    // In address order.
    assert_eq!(found, vec!["翠竹苑12栋2单元502", "锦绣花园12栋2单元502"]);
    // Lists mask every phone, whoever reads them.
    assert!(!r.body.contains("19904026062"), "a full phone in a list");
    assert!(texts(&r.body, "#household-list .c-phone")[1].contains("199****6062"));

    let r = send(&a.app, get("/households?q=%E9%94%A6%E7%BB%A3%E8%8A%B1%E5%9B%AD12%E5%8F%B7%E6%A5%BC2%E5%8D%95%E5%85%83502%E5%AE%A4", &cookies)).await;
    assert_eq!(
        texts(&r.body, "#household-list tbody tr .c-address"),
        vec!["锦绣花园12栋2单元502"],
        "锦绣花园12号楼2单元502室 names one flat"
    );

    let r = send(&a.app, get("/households?q=199+0402+6062", &cookies)).await;
    assert_eq!(
        texts(&r.body, "#household-list tbody tr .c-address"),
        vec!["锦绣花园12栋2单元502"],
        "a phone typed with spaces: {}",
        r.body
    );
    let r = send(&a.app, get("/households?q=%2B86-199-0402-6062", &cookies)).await;
    assert_eq!(
        texts(&r.body, "#household-list tbody tr .c-address").len(),
        1
    );
}

#[tokio::test]
async fn care_tags_list_their_households_and_a_bad_tag_is_named() {
    let a = app().await;
    let (cookies, _) = login(&a.app, "agent", "demo-agent-2026").await;
    let r = send(&a.app, get("/households?care=elderly_alone", &cookies)).await;
    assert_eq!(r.status, StatusCode::OK);
    let rows = texts(&r.body, "#household-list tbody tr[data-household-id]");
    assert!(rows.len() >= 3, "{} households", rows.len());
    let doc = Html::parse_document(&r.body);
    let row = Selector::parse("#household-list tbody tr[data-household-id]").unwrap();
    let tag = Selector::parse(".care-elderly_alone").unwrap();
    for tr in doc.select(&row) {
        assert!(tr.select(&tag).next().is_some(), "every row has the tag");
    }
    // The home page's vulnerable-group figures lead here.
    let home = send(&a.app, get("/", &cookies)).await;
    assert!(home
        .body
        .contains("href=\"/households?care=elderly_alone\""));

    let r = send(&a.app, get("/households?care=lonely", &cookies)).await;
    assert_eq!(r.status, StatusCode::OK);
    let p = texts(&r.body, "#household-problem");
    assert_eq!(p.len(), 1, "{}", r.body);
    assert!(p[0].contains("lonely"), "{}", p[0]);
    assert!(texts(&r.body, "#household-list").is_empty());
}

#[tokio::test]
async fn the_card_shows_the_door_the_residents_and_their_ages() {
    let a = app().await;
    let (cookies, _) = login(&a.app, "agent", "demo-agent-2026").await;
    let r = send(&a.app, get(&format!("/households/{JX_12_2_502}"), &cookies)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        texts(&r.body, "#household-address"),
        vec!["锦绣花园12栋2单元502"]
    );
    assert_eq!(texts(&r.body, "#door-room"), vec!["502"]);
    assert_eq!(
        texts(&r.body, "#household-residents .c-name"),
        vec!["任霞", "任小涛", "任丹妮"]
    );
    // Born 1970, 1971, 1998; the test clock is in November 2026.
    assert_eq!(
        texts(&r.body, "#household-residents .c-age"),
        vec!["56", "55", "28"]
    );
    // An agent calls residents back: phones in full, as tel: links.
    assert!(r.body.contains("href=\"tel:19904026062\""));

    // Outside the user's areas, or not a number: not found.
    let r = send(&a.app, get("/households/999999", &cookies)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(&a.app, get("/households/abc", &cookies)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // A read-only viewer may not look households up at all.
    let (viewer, _) = login(&a.app, "viewer", "demo-viewer-2026").await;
    let r = send(&a.app, get("/households?q=12-2-502", &viewer)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&a.app, get(&format!("/households/{JX_12_2_502}"), &viewer)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// Records a ticket for household 234 (锦绣花园7栋1单元601: 许昌 b. 1949 and 何梅 b. 1947,
/// both 70+), dispatched to the medical team, and returns its id.
async fn ticket_for_234(a: &App, cookies: &str, csrf: &str, confidential: bool) -> i64 {
    let agency = a
        .svc
        .user_by_login("handler")
        .await
        .unwrap()
        .agency_id
        .unwrap()
        .0
        .to_string();
    let mut form: Vec<(&str, &str)> = vec![
        ("_csrf", csrf),
        ("content", "7栋1单元601老两口发烧两天，想请医生上门看看"),
        ("caller_name", "许先生"),
        ("caller_phone", "19908082260"),
        ("channel", "hotline_12345"),
        ("request_type", "help"),
        ("category", "medical"),
        ("urgency", "urgent"),
        ("household_id", "234"),
        ("disposition", "dispatch"),
        ("dispatch_agency", &agency),
        ("dispatch_mode", "direct"),
        ("force_new", "1"),
        ("action", "create"),
    ];
    if confidential {
        form.push(("confidential", "1"));
    }
    let r = send(&a.app, post_form("/tickets/new", cookies, &form)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "intake: {}", r.body);
    let loc = r.location().trim_start_matches("/tickets/");
    loc.split('?').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_handler_sees_the_door_and_who_needs_care_on_the_ticket() {
    let a = app().await;
    let (agent, csrf) = login(&a.app, "agent", "demo-agent-2026").await;
    let open = ticket_for_234(&a, &agent, &csrf, false).await;
    let secret = ticket_for_234(&a, &agent, &csrf, true).await;
    let (handler, _) = login(&a.app, "handler", "demo-handler-2026").await;

    let page = send(&a.app, get(&format!("/tickets/{open}"), &handler)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(texts(&page.body, "#household-room"), vec!["601"]);
    let residents = texts(&page.body, "#household-residents li");
    assert_eq!(residents.len(), 2, "{residents:?}");
    assert!(
        residents[0].contains("许昌") && residents[0].contains("77"),
        "{residents:?}"
    );
    assert!(residents[1].contains("79") && residents[1].contains("70岁以上"));
    // A handler sees phones masked, and the household's other open ticket.
    assert!(residents[0].contains("199****2260"), "{residents:?}");
    assert!(!page.body.contains("19908082260"));
    let others = texts(&page.body, "#household-others a");
    assert_eq!(others.len(), 1, "{others:?}");

    // Confidential: the door to knock on and the ages and care needs, not who lives there.
    let page = send(&a.app, get(&format!("/tickets/{secret}"), &handler)).await;
    assert_eq!(texts(&page.body, "#household-room"), vec!["601"]);
    let residents = texts(&page.body, "#household-residents li");
    assert_eq!(residents.len(), 2);
    assert!(residents
        .iter()
        .all(|r| !r.contains("许昌") && !r.contains("何梅")));
    assert!(residents[0].contains("77") && residents[0].contains("70岁以上"));
    assert!(!page.body.contains("199****2260"));

    // The desk sees the same household in full on the ticket.
    let page = send(&a.app, get(&format!("/tickets/{secret}"), &agent)).await;
    assert!(texts(&page.body, "#household-residents li")[0].contains("许昌"));
}

#[tokio::test]
async fn the_api_searches_and_reads_cards_with_the_same_masking() {
    let a = app().await;
    let c = ApiClient::new(&a, "agent").await;
    let r = c.get("/api/v1/households?q=12-2-502").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    let list = v["households"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["address"], "锦绣花园12栋2单元502");
    assert_eq!(list[1]["phones"][0], "199****6062");

    let r = c.get(&format!("/api/v1/households/{JX_12_2_502}")).await;
    let v = r.json();
    assert_eq!(v["room"], "502");
    assert_eq!(v["residents"][0]["name"], "任霞");
    assert_eq!(v["residents"][0]["age"], 56);
    assert_eq!(v["phones_full"], true);

    let r = c.get("/api/v1/households?care=lonely").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.is_problem());
    assert_eq!(r.json()["field"], "care");
    let r = c.get("/api/v1/households?qq=1").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "query");
}
