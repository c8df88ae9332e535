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
    // Phones are masked until an agent asks for them with a reason, which is audited.
    assert!(!r.body.contains("19904026062"));
    assert!(texts(&r.body, "#household-residents .c-phone")[0].contains("199****6062"));
    let csrf = csrf_in(&r.body);
    let shown = send(
        &a.app,
        post_form(
            &format!("/households/{JX_12_2_502}/reveal"),
            &cookies,
            &[("_csrf", &csrf), ("reason", "回访住户")],
        ),
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(shown.body.contains("href=\"tel:19904026062\""));
    let audit = a
        .svc
        .store
        .audit_entries(
            &[yihaotai_domain::area::AreaPath::from_stored("/".into())],
            true,
            10,
        )
        .await
        .unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "household.reveal_phones" && e.detail.contains("回访住户")));
    let refused = send(
        &a.app,
        post_form(
            &format!("/households/{JX_12_2_502}/reveal"),
            &cookies,
            &[("_csrf", &csrf), ("reason", " ")],
        ),
    )
    .await;
    assert!(!refused.body.contains("19904026062"));
    assert!(refused.body.contains("请说明查看完整号码的原因"));

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
    let other = ticket_for_234(&a, &agent, &csrf, false).await;
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
    assert!(page.body.contains(&format!("href=\"/tickets/{other}\"")));
    // The card itself, through the ticket: the same view, no history or forms.
    let card = send(&a.app, get("/households/234", &handler)).await;
    assert_eq!(card.status, StatusCode::OK);
    assert!(texts(&card.body, "#household-residents .c-name")[0].contains("许昌"));
    assert!(!card.body.contains("form-care"));

    let secret = ticket_for_234(&a, &agent, &csrf, true).await;

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
    // One confidential ticket of theirs ties the household to a hidden caller: the card
    // and every ticket page of the household now show the door and care needs only.
    for p in [format!("/tickets/{open}"), "/households/234".to_string()] {
        let page = send(&a.app, get(&p, &handler)).await;
        assert_eq!(page.status, StatusCode::OK, "{p}");
        let residents = texts(&page.body, "#household-residents").join(" ");
        assert!(
            !residents.contains("许昌") && !residents.contains("何梅"),
            "{p}: {residents}"
        );
        assert!(!residents.contains("2260"), "{p}: {residents}");
        assert!(residents.contains("70岁以上"), "{p}: {residents}");
    }

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
    assert_eq!(v["phones_full"], false);
    assert_eq!(v["residents"][0]["phone"], "199****6062");
    let r = c
        .post(
            &format!("/api/v1/households/{JX_12_2_502}/reveal-phones"),
            serde_json::json!({"reason": "回访"}),
        )
        .await;
    assert_eq!(r.json()["residents"][0]["phone"], "19904026062");

    // A change through the API is an event in the card's history.
    let r = c
        .post(
            &format!("/api/v1/households/{JX_12_2_502}/changes"),
            serde_json::json!({"change": "add_care", "resident": 1, "tag": "serious_illness", "reason": "确诊尿毒症，每周透析三次"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["residents"][0]["care_tags"][0], "serious_illness");
    let kinds: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["registered", "care_added"]);
    assert_eq!(v["history"][1]["reason"], "确诊尿毒症，每周透析三次");

    // The history shows no more than the card: the card as first registered and a new
    // emergency contact carry their phones masked, ID numbers always masked.
    let r = c
        .post(
            &format!("/api/v1/households/{JX_12_2_502}/changes"),
            serde_json::json!({"change": "set_emergency_contact", "contact": {"name": "任伟", "phone": "13912345678", "relation": "儿子"}, "reason": "住在区外"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = c
        .get(&format!("/api/v1/households/{JX_12_2_502}"))
        .await
        .json();
    let history = v["history"].to_string();
    for full in ["19904026062", "13912345678"] {
        assert!(!history.contains(full), "{full} in {history}");
    }
    let longest_digits = history
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(longest_digits < 15, "an ID number in {history}");
    assert_eq!(
        v["history"][0]["event"]["members"][0]["phone"],
        "199****6062"
    );
    assert_eq!(v["history"][2]["event"]["contact"]["phone"], "139****5678");
    let r = c
        .post(
            &format!("/api/v1/households/{JX_12_2_502}/reveal-phones"),
            serde_json::json!({"reason": "联系紧急联系人"}),
        )
        .await;
    assert_eq!(
        r.json()["history"][2]["event"]["contact"]["phone"],
        "13912345678",
        "an audited reveal shows the history's phones too"
    );
    for (body, field) in [
        (
            serde_json::json!({"change": "adopt", "reason": "x"}),
            "change",
        ),
        (
            serde_json::json!({"change": "add_care", "tag": "infant", "reason": "x"}),
            "resident",
        ),
        (
            serde_json::json!({"change": "add_care", "resident": 1, "tag": "sick", "reason": "x"}),
            "tag",
        ),
        (
            serde_json::json!({"change": "add_care", "resident": 9, "tag": "infant", "reason": "x"}),
            "resident",
        ),
        (
            serde_json::json!({"change": "set_notes", "notes": "x", "reason": ""}),
            "reason",
        ),
        (
            serde_json::json!({"change": "set_emergency_contact", "contact": {"name": "任伟", "phone": "12"}, "reason": "x"}),
            "contact_phone",
        ),
    ] {
        let r = c
            .post(
                &format!("/api/v1/households/{JX_12_2_502}/changes"),
                body.clone(),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.body
        );
        assert_eq!(r.json()["field"], field, "{body}");
    }
    let v = c
        .get(&format!("/api/v1/households/{JX_12_2_502}"))
        .await
        .json();
    assert_eq!(
        v["history"].as_array().unwrap().len(),
        3,
        "refusals change nothing"
    );

    let r = c.get("/api/v1/households?care=lonely").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.is_problem());
    assert_eq!(r.json()["field"], "care");
    let r = c.get("/api/v1/households?qq=1").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "query");
}

#[tokio::test]
async fn a_care_need_is_recorded_with_its_day_and_reason_and_shows_in_the_history() {
    let a = app().await;
    let (cookies, _) = login(&a.app, "agent", "demo-agent-2026").await;
    let url = format!("/households/{JX_12_2_502}");
    let page = send(&a.app, get(&url, &cookies)).await;
    let csrf = csrf_in(&page.body);
    assert!(
        texts(&page.body, "#household-history li").is_empty(),
        "no history yet"
    );

    let add = |tag: &'static str, action: &'static str, reason: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("resident", "3".to_string()),
            ("tag", tag.to_string()),
            ("action", action.to_string()),
            ("reason", reason.to_string()),
        ]
    };
    let post = |form: Vec<(&'static str, String)>, path: &'static str| {
        let app = a.app.clone();
        let cookies = cookies.clone();
        async move {
            let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            send(
                &app,
                post_form(&format!("/households/{JX_12_2_502}/{path}"), &cookies, &f),
            )
            .await
        }
    };
    let r = post(add("pregnant", "add", "孕32周，产检在市妇幼"), "care").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = send(&a.app, get(&url, &cookies)).await;
    let care = texts(
        &page.body,
        "#household-residents tbody tr:nth-child(3) .c-care",
    );
    assert!(care[0].contains("孕产妇"), "{care:?}");
    assert!(
        care[0].contains("2026-11"),
        "the day it was recorded: {care:?}"
    );
    let history = texts(&page.body, "#household-history li");
    assert_eq!(history.len(), 2, "{history:?}");
    assert!(history[0].contains("任丹妮") && history[0].contains("孕32周"));
    assert!(history[0].contains("坐席"), "who: {history:?}");

    // The list by care need finds it now; removing it is an event too.
    let list = send(
        &a.app,
        get("/households?care=pregnant&q=12-2-502", &cookies),
    )
    .await;
    assert_eq!(
        texts(&list.body, "#household-list tbody tr .c-address"),
        vec!["锦绣花园12栋2单元502"]
    );
    // Twice is refused on the card, changing nothing.
    let r = post(add("pregnant", "add", "再次"), "care").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("已登记为"), "{}", r.body);
    let r = post(add("nonsense", "add", "x"), "care").await;
    assert!(r.body.contains("nonsense"));
    let r = post(add("pregnant", "remove", "已分娩"), "care").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = send(&a.app, get(&url, &cookies)).await;
    assert_eq!(texts(&page.body, "#household-history li").len(), 3);

    // Notes and an emergency contact outside the compound; a bad phone is named.
    let r = post(
        vec![
            ("_csrf", csrf.clone()),
            ("notes", "女儿在外地，钥匙在邻居501".into()),
            ("reason", "电话回访".into()),
        ],
        "notes",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let bad = vec![
        ("_csrf", csrf.clone()),
        ("name", "任伟".to_string()),
        ("phone", "12345".to_string()),
        ("relation", "儿子".to_string()),
        ("reason", "登记".to_string()),
    ];
    let r = post(bad, "contact").await;
    assert!(r.body.contains("不是有效的电话号码"), "{}", r.body);
    let good = vec![
        ("_csrf", csrf.clone()),
        ("name", "任伟".to_string()),
        ("phone", "+86 139 1111 2222".to_string()),
        ("relation", "儿子".to_string()),
        ("reason", "登记".to_string()),
    ];
    assert_eq!(post(good, "contact").await.status, StatusCode::SEE_OTHER);
    let page = send(&a.app, get(&url, &cookies)).await;
    assert_eq!(
        texts(&page.body, "#household-notes"),
        vec!["女儿在外地，钥匙在邻居501"]
    );
    let contact = texts(&page.body, "#household-contact");
    assert!(
        contact[0].contains("任伟") && contact[0].contains("139****2222"),
        "{contact:?}"
    );
    assert_eq!(texts(&page.body, "#household-history li").len(), 5);

    // A read-only viewer cannot change a card.
    let (viewer, v_csrf) = login(&a.app, "viewer", "demo-viewer-2026").await;
    let r = send(
        &a.app,
        post_form(
            &format!("/households/{JX_12_2_502}/notes"),
            &viewer,
            &[("_csrf", &v_csrf), ("notes", "x"), ("reason", "y")],
        ),
    )
    .await;
    assert!(
        r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
        "{}",
        r.status
    );
    let page = send(&a.app, get(&url, &cookies)).await;
    assert_eq!(texts(&page.body, "#household-history li").len(), 5);
}
