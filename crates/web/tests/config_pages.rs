//! The dispatch catalogue and the deadline policy as staff and API clients use them: the
//! admin pages, dispatch by the catalogue at intake, the suggestion on a ticket page, and
//! the JSON API. Bad input is refused with the field named and changes nothing.

mod support;

use axum::http::StatusCode;
use serde_json::{json, Value};
use support::*;
use yihaotai_domain::ticket::Policy;

/// A JSON request with a bearer token for `login`.
async fn api(a: &App, login: &str, method: &str, uri: &str, body: Option<Value>) -> Resp {
    ApiClient::new(a, login).await.json(method, uri, body).await
}

async fn area_id(a: &App, key: &str) -> i64 {
    a.svc
        .store
        .area_by_demo_key(key)
        .await
        .unwrap()
        .unwrap()
        .id
        .0
}

async fn agency_id(a: &App, name: &str) -> i64 {
    let admin = a.svc.user_by_login("admin").await.unwrap();
    a.svc
        .agencies_for(&admin)
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.row.name == name)
        .unwrap()
        .row
        .id
}

/// 锦绣花园 3栋2单元501's household id.
async fn household(a: &App) -> i64 {
    let jinxiu = a
        .svc
        .store
        .area_by_demo_key("jinxiu")
        .await
        .unwrap()
        .unwrap();
    a.svc
        .store
        .households_within(&[jinxiu.path])
        .await
        .unwrap()
        .into_iter()
        .find(|h| h.building == "3" && h.entrance.as_deref() == Some("2") && h.room == "501")
        .unwrap()
        .id
}

/// Posts the intake form with these fields over a few fixed ones.
async fn post_intake(a: &App, cookies: &str, csrf: &str, fields: &[(&str, &str)]) -> Resp {
    let mut form: Vec<(&str, &str)> = vec![
        ("_csrf", csrf),
        ("channel", "hotline_12345"),
        ("request_type", "help"),
        ("urgency", "normal"),
        ("disposition", "dispatch"),
        ("dispatch_mode", "direct"),
        ("action", "create"),
    ];
    for (k, v) in fields {
        form.retain(|(fk, _)| fk != k);
        form.push((k, v));
    }
    send(&a.app, post_form("/tickets/new", cookies, &form)).await
}

#[tokio::test]
async fn intake_dispatches_by_the_catalogue_and_the_ticket_page_suggests_it() {
    let a = app().await;
    let (agent, csrf) = login(&a.app, "agent", "demo-agent-2026").await;
    // The blank form offers the catalogue's agency first.
    let form = send(&a.app, get("/tickets/new", &agent)).await;
    assert!(
        form.body.contains("<option value=\"auto\" selected>"),
        "{}",
        form.body
    );

    let hh = household(&a).await.to_string();
    let r = post_intake(
        &a,
        &agent,
        &csrf,
        &[
            ("content", "家里的药吃完了，需要买降压药"),
            ("category", "medicine"),
            ("urgency", "urgent"),
            ("dispatch_agency", "auto"),
            ("household_id", &hh),
            ("force_new", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r
        .location()
        .trim_start_matches("/tickets/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let rec = a
        .svc
        .store
        .ticket(yihaotai_domain::TicketId(id))
        .await
        .unwrap();
    assert_eq!(rec.ticket.status.code(), "dispatched");
    assert_eq!(
        rec.ticket.assigned.map(|g| g.0),
        Some(agency_id(&a, "望江街道医疗保障组").await)
    );

    // A ticket left for the dispatcher: its page preselects the catalogue's agency.
    let r = post_intake(
        &a,
        &agent,
        &csrf,
        &[
            ("content", "楼道垃圾三天没人清运"),
            ("channel", "wechat"),
            ("request_type", "complaint"),
            ("category", "sanitation"),
            ("dispatch_agency", ""),
            ("household_id", &hh),
            ("force_new", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = send(&a.app, get(r.location(), &agent)).await;
    let property = agency_id(&a, "锦绣花园物业服务中心").await;
    assert!(
        page.body.contains("id=\"dispatch-suggestion\""),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("锦绣花园物业服务中心（直派） · 锦绣花园"));
    assert!(page
        .body
        .contains(&format!("<option value=\"{property}\" selected>")));
}

#[tokio::test]
async fn intake_by_the_catalogue_without_a_rule_says_so_and_records_nothing() {
    let a = app().await;
    let admin = a.svc.user_by_login("admin").await.unwrap();
    // Nobody handles pets any more: no rule and no agency that declares the category.
    for r in a.svc.dispatch_rules_for(&admin).await.unwrap() {
        if r.category == "pet" {
            a.svc
                .delete_dispatch_rule(yihaotai_service::admin::Caller::User(&admin), r.id)
                .await
                .unwrap();
        }
    }
    for g in a.svc.agencies_for(&admin).await.unwrap() {
        if g.categories.iter().any(|c| c == "pet") {
            let mut input = yihaotai_service::model::AgencyInput {
                name: g.row.name.clone(),
                kind: g.row.kind.clone(),
                parent: g.row.parent_id.map(yihaotai_domain::AgencyId),
                home_area: yihaotai_domain::AreaId(g.row.home_area_id),
                is_forwarding_centre: g.row.is_forwarding_centre != 0,
                areas: g.areas.clone(),
                categories: g.categories.clone(),
                active: true,
            };
            input.categories.retain(|c| c != "pet");
            a.svc
                .update_agency(
                    yihaotai_service::admin::Caller::User(&admin),
                    yihaotai_domain::AgencyId(g.row.id),
                    &input,
                )
                .await
                .unwrap();
        }
    }
    let (agent, csrf) = login(&a.app, "agent", "demo-agent-2026").await;
    let r = post_intake(
        &a,
        &agent,
        &csrf,
        &[
            ("content", "猫咪需要去医院拆线"),
            ("category", "pet"),
            ("dispatch_agency", "auto"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("派单目录中没有该类别"), "{}", r.body);
    assert!(
        r.body.contains("猫咪需要去医院拆线"),
        "what was typed is kept"
    );
    assert_eq!(a.svc.store.count_tickets().await.unwrap(), 0);
}

/// The admin form's rule sending pets in 锦绣花园 to the supply team, passed on (分转).
async fn set_pet_rule(a: &App, admin: &str, csrf: &str) -> Resp {
    let jinxiu = area_id(a, "jinxiu").await.to_string();
    let supply = agency_id(a, "望江街道物资保障组").await.to_string();
    let form = [
        ("_csrf", csrf),
        ("category", "pet"),
        ("area", &jinxiu),
        ("agency", &supply),
        ("mode", "forward"),
    ];
    send(&a.app, post_form("/admin/catalogue", admin, &form)).await
}

#[tokio::test]
async fn admins_keep_the_catalogue_and_desk_staff_read_it() {
    let a = app().await;
    let (agent, _) = login(&a.app, "agent", "demo-agent-2026").await;
    let page = send(&a.app, get("/admin/catalogue", &agent)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("后勤保障一队"));
    assert!(
        !page.body.contains("id=\"rule-form\""),
        "read-only for agents"
    );

    let (admin, csrf) = login(&a.app, "admin", "demo-admin-2026").await;
    let jinxiu = area_id(&a, "jinxiu").await.to_string();
    let supply = agency_id(&a, "望江街道物资保障组").await.to_string();
    let before = a.svc.store.dispatch_rules().await.unwrap();

    // Bad input: the form comes back with the field named, and nothing changes.
    for (field, value) in [("area", "abc"), ("agency", ""), ("mode", "sideways")] {
        let mut form = vec![
            ("_csrf", csrf.as_str()),
            ("category", "pet"),
            ("area", jinxiu.as_str()),
            ("agency", supply.as_str()),
            ("mode", "direct"),
        ];
        form.retain(|(k, _)| *k != field);
        form.push((field, value));
        let r = send(&a.app, post_form("/admin/catalogue", &admin, &form)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body.contains("class=\"flash error\""), "{field}");
        assert!(
            r.body.contains(&format!("{field}：")),
            "{field}: {}",
            r.body
        );
    }
    // A forged CSRF token changes nothing either.
    let r = send(
        &a.app,
        post_form(
            "/admin/catalogue",
            &admin,
            &[
                ("_csrf", "forged"),
                ("category", "pet"),
                ("area", &jinxiu),
                ("agency", &supply),
                ("mode", "direct"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(a.svc.store.dispatch_rules().await.unwrap(), before);

    let r = set_pet_rule(&a, &admin, &csrf).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rules = a.svc.store.dispatch_rules().await.unwrap();
    let added = rules
        .iter()
        .find(|r| r.category == "pet" && r.area_name == "锦绣花园")
        .expect("the new rule");
    assert_eq!(added.mode, "forward");
    assert_eq!(rules.len(), before.len() + 1);

    let r = send(
        &a.app,
        post_form(
            &format!("/admin/catalogue/{}/delete", added.id),
            &admin,
            &[("_csrf", &csrf)],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(a.svc.store.dispatch_rules().await.unwrap(), before);
}

#[tokio::test]
async fn the_catalogue_api_sets_suggests_and_refuses_bad_input() {
    let a = app().await;
    let jinxiu = area_id(&a, "jinxiu").await;
    let supply = agency_id(&a, "望江街道物资保障组").await;

    let r = api(&a, "agent", "GET", "/api/v1/dispatch-rules", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let n = r.json()["rules"].as_array().unwrap().len();
    assert!(n > 10, "{}", r.body);

    let r = api(
        &a,
        "agent",
        "GET",
        &format!("/api/v1/dispatch-suggestion?category=medical&area_id={jinxiu}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.json()["suggestion"]["agency_name"],
        "望江街道医疗保障组",
        "{}",
        r.body
    );
    let r = api(
        &a,
        "agent",
        "GET",
        "/api/v1/dispatch-suggestion?area_id=x",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("category"), "{}", r.body);

    let body = json!({"category": "pet", "area_id": jinxiu, "agency_id": supply, "mode": "direct"});
    let r = api(
        &a,
        "agent",
        "POST",
        "/api/v1/dispatch-rules",
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "agents only read");
    let r = api(
        &a,
        "liuan",
        "POST",
        "/api/v1/dispatch-rules",
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "area");
    let r = api(
        &a,
        "admin",
        "POST",
        "/api/v1/dispatch-rules",
        Some(json!({"category": "pet", "area_id": jinxiu, "agency": supply})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.svc.store.dispatch_rules().await.unwrap().len(),
        n,
        "refused requests add nothing"
    );

    let r = api(&a, "admin", "POST", "/api/v1/dispatch-rules", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let r = api(
        &a,
        "agent",
        "GET",
        &format!("/api/v1/dispatch-suggestion?category=pet&area_id={jinxiu}"),
        None,
    )
    .await;
    assert_eq!(r.json()["suggestion"]["rule_id"], id);
    // Removing it once works; a second time there is nothing to remove.
    for expected in [StatusCode::NO_CONTENT, StatusCode::NOT_FOUND] {
        let uri = format!("/api/v1/dispatch-rules/{id}");
        let r = api(&a, "admin", "DELETE", &uri, None).await;
        assert_eq!(r.status, expected);
    }
}

#[tokio::test]
async fn the_policy_page_shows_the_deadlines_and_checks_an_edit_before_saving() {
    let a = app().await;
    let (agent, _) = login(&a.app, "agent", "demo-agent-2026").await;
    let page = send(&a.app, get("/admin/policy", &agent)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"policy-rules\""));
    assert!(
        page.body.contains("5分钟"),
        "critical: accept within 5 minutes"
    );
    assert!(
        page.body
            .contains("<span class=\"nowrap\">2026-10-01 至 2026-10-07</span>"),
        "the national-day holiday, as one period"
    );
    assert!(
        !page.body.contains("id=\"policy-form\""),
        "agents only read"
    );
    let (qingshi, _) = login(&a.app, "qingshi", "demo-qingshi-2026").await;
    let page = send(&a.app, get("/admin/policy", &qingshi)).await;
    assert!(
        !page.body.contains("id=\"policy-form\""),
        "a community's admin cannot change the city's deadlines"
    );

    let (admin, csrf) = login(&a.app, "admin", "demo-admin-2026").await;
    let page = send(&a.app, get("/admin/policy", &admin)).await;
    assert!(page.body.contains("id=\"policy-form\""));
    let typo = "[[rules]]\naccept_within = { amount = 5, unit = \"minutes\" }\nresolve_whithin = { amount = 1, unit = \"hours\" }\n";
    let r = send(
        &a.app,
        post_form(
            "/admin/policy",
            &admin,
            &[("_csrf", &csrf), ("policy", typo)],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("无法读取时限规则"), "{}", r.body);
    assert!(
        r.body.contains("resolve_whithin"),
        "the text is shown back to fix"
    );
    assert_eq!(*a.svc.policy(), Policy::default());

    let mut strict = Policy::default();
    strict.rules[0].accept_within =
        yihaotai_domain::ticket::Span::new(3, yihaotai_domain::ticket::SpanUnit::Minutes).unwrap();
    let text = strict.to_toml();
    let r = send(
        &a.app,
        post_form(
            "/admin/policy",
            &admin,
            &[("_csrf", &csrf), ("policy", &text)],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(*a.svc.policy(), strict);
    let page = send(&a.app, get("/admin/policy", &agent)).await;
    assert!(page.body.contains("3分钟"));

    let r = send(
        &a.app,
        post_form("/admin/policy/reset", &admin, &[("_csrf", &csrf)]),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(*a.svc.policy(), Policy::default());

    // Both changes are versions, newest first, with who made them.
    let page = send(&a.app, get("/admin/policy", &agent)).await;
    let html = scraper::Html::parse_document(&page.body);
    let rows = scraper::Selector::parse("#policy-versions tbody tr").unwrap();
    let cells: Vec<Vec<String>> = html
        .select(&rows)
        .map(|tr| {
            tr.text()
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect()
        })
        .collect();
    assert_eq!(cells.len(), 2, "{cells:?}");
    assert_eq!(cells[0][1..], ["周立平（系统管理员）", "内置规则"]);
    assert_eq!(cells[1][1..], ["周立平（系统管理员）", "本地规则"]);
}

#[tokio::test]
async fn the_policy_api_reads_and_replaces_the_policy() {
    let a = app().await;
    let r = api(&a, "dispatcher", "GET", "/api/v1/policy", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["builtin"], true);
    assert_eq!(v["policy"]["rules"][0]["urgency"], "critical");
    let toml = v["toml"].as_str().unwrap().to_string();

    let r = api(
        &a,
        "admin",
        "PUT",
        "/api/v1/policy",
        Some(json!({"toml": "rules = []"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "policy");
    let r = api(
        &a,
        "dispatcher",
        "PUT",
        "/api/v1/policy",
        Some(json!({ "toml": toml })),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        a.svc
            .policy_view(&a.svc.user_by_login("admin").await.unwrap())
            .await
            .unwrap()
            .builtin
    );

    let r = api(
        &a,
        "admin",
        "PUT",
        "/api/v1/policy",
        Some(json!({ "toml": toml })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["builtin"], false);
}

/// An area renamed on its page appears in the audit log with what it was and what it
/// became, shown on the audit page.
#[tokio::test]
async fn the_audit_page_shows_an_area_before_and_after_its_rename() {
    let a = app().await;
    let (admin, csrf) = login(&a.app, "admin", "demo-admin-2026").await;
    let user = a.svc.user_by_login("admin").await.unwrap();
    let areas = a.svc.areas_for(&user).await.unwrap();
    let area = areas
        .iter()
        .find(|x| x.kind == yihaotai_domain::area::AreaKind::Compound)
        .expect("the demo street has compounds");
    let r = send(
        &a.app,
        post_form(
            &format!("/admin/areas/{}/rename", area.id.0),
            &admin,
            &[
                ("_csrf", &csrf),
                ("name", "改名测试苑"),
                ("aliases", "测试苑"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = send(&a.app, get("/admin/audit", &admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&page.body);
    let row = scraper::Selector::parse("#audit-list tbody tr").unwrap();
    let before = scraper::Selector::parse("pre.audit-before").unwrap();
    let after = scraper::Selector::parse("pre.audit-after").unwrap();
    let renamed = doc
        .select(&row)
        .find(|tr| tr.text().any(|t| t.contains("area.rename")))
        .expect("the rename is in the audit log");
    let text = |sel: &scraper::Selector| {
        renamed
            .select(sel)
            .flat_map(|e| e.text())
            .collect::<String>()
    };
    let was: serde_json::Value = serde_json::from_str(&text(&before)).unwrap();
    let now: serde_json::Value = serde_json::from_str(&text(&after)).unwrap();
    assert_eq!(was["name"], area.name.as_str());
    assert_eq!(now, json!({"name": "改名测试苑", "aliases": ["测试苑"]}));
}

/// The catalogue page lists every change with the time it took effect, and shows the
/// catalogue as it stood at a past time, read-only; a time it cannot read is refused.
#[tokio::test]
async fn the_catalogue_page_lists_its_changes_and_shows_a_past_catalogue() {
    let a = app().await;
    let (admin, csrf) = login(&a.app, "admin", "demo-admin-2026").await;
    let r = set_pet_rule(&a, &admin, &csrf).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let set_at = a.svc.now();
    let id = a
        .svc
        .store
        .dispatch_rules()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.category == "pet" && r.area_name == "锦绣花园")
        .unwrap()
        .id;
    a.clock.advance(3_600_000);
    let r = send(
        &a.app,
        post_form(
            &format!("/admin/catalogue/{id}/delete"),
            &admin,
            &[("_csrf", &csrf)],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let cells = |html: &str, table: &str| -> Vec<Vec<String>> {
        let doc = scraper::Html::parse_document(html);
        let rows = scraper::Selector::parse(&format!("#{table} tbody tr")).unwrap();
        let td = scraper::Selector::parse("td").unwrap();
        doc.select(&rows)
            .map(|r| {
                r.select(&td)
                    .map(|c| c.text().collect::<String>().trim().to_string())
                    .collect()
            })
            .collect()
    };
    let is_pet_rule = |row: &Vec<String>| row[0] == "锦绣花园" && row[1].contains("宠物");

    // Today: the rule is gone; the changes list its removal, then its setting.
    let page = send(&a.app, get("/admin/catalogue", &admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!cells(&page.body, "rule-list").iter().any(is_pet_rule));
    let changes = cells(&page.body, "catalogue-versions");
    assert_eq!(changes[0][1], "锦绣花园");
    assert_eq!(changes[0][3], "已删除");
    assert_eq!(changes[0][5], "周立平（系统管理员）");
    assert_eq!(changes[1][3], "望江街道物资保障组");
    assert!(changes[1][2].contains("宠物"));
    assert!(
        changes.iter().any(|c| c[0] == "最初即有效"),
        "the demo street's rules are in force from the start"
    );

    // Half an hour after it was set, the rule was in force; that view offers no removal.
    let then = jiff::Timestamp::from_millisecond(set_at + 1_800_000)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    let page = send(&a.app, get(&format!("/admin/catalogue?at={then}"), &admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    let past = cells(&page.body, "rule-list");
    let row = past
        .iter()
        .find(|r| is_pet_rule(r))
        .expect("the rule then in force");
    assert_eq!(row[2], "望江街道物资保障组");
    let doc = scraper::Html::parse_document(&page.body);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    assert_eq!(doc.select(&sel("#catalogue-as-of")).count(), 1);
    assert_eq!(doc.select(&sel("#rule-list form")).count(), 0);
    assert_eq!(
        doc.select(&sel("#catalogue-at"))
            .next()
            .unwrap()
            .value()
            .attr("value"),
        Some(then.as_str())
    );

    // A time that cannot be read names the field and shows today's catalogue.
    let page = send(&a.app, get("/admin/catalogue?at=yesterday", &admin)).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let doc = scraper::Html::parse_document(&page.body);
    let flash: String = doc
        .select(&sel(".flash.error"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(
        flash.contains("at") && flash.contains("yesterday"),
        "{flash}"
    );
    assert_eq!(doc.select(&sel("#catalogue-as-of")).count(), 0);
}

/// The catalogue's history over JSON: its changes newest first, the catalogue as it stood at
/// a past time, and bad parameters refused with the field named.
#[tokio::test]
async fn the_catalogue_api_gives_its_changes_and_a_past_catalogue() {
    let a = app().await;
    let jinxiu = area_id(&a, "jinxiu").await;
    let supply = agency_id(&a, "望江街道物资保障组").await;
    let set = api(
        &a,
        "admin",
        "POST",
        "/api/v1/dispatch-rules",
        Some(json!({"category": "pet", "area_id": jinxiu, "agency_id": supply, "mode": "forward"})),
    )
    .await;
    assert_eq!(set.status, StatusCode::CREATED, "{}", set.body);
    let id = set.json()["id"].as_i64().unwrap();
    let half_hour_later = yihaotai_web::api::rfc3339(a.svc.now() + 1_800_000);
    a.clock.advance(3_600_000);
    let r = api(
        &a,
        "admin",
        "DELETE",
        &format!("/api/v1/dispatch-rules/{id}"),
        None,
    )
    .await;
    assert!(r.status.is_success(), "{}", r.body);

    let r = api(
        &a,
        "agent",
        "GET",
        "/api/v1/dispatch-rules/history?limit=2",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    let versions = v["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["category"], "pet");
    assert_eq!(versions[0]["agency_id"], Value::Null);
    assert_eq!(versions[0]["mode"], Value::Null);
    assert_eq!(versions[1]["agency_id"], supply);
    assert_eq!(versions[1]["mode"], "forward");
    assert_eq!(versions[1]["set_by"], "周立平（系统管理员）");

    let pet_in_jinxiu = |v: &Value| {
        v["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["category"] == "pet" && r["area_id"] == jinxiu)
            .cloned()
    };
    let then = half_hour_later.replace('+', "%2B");
    let r = api(
        &a,
        "agent",
        "GET",
        &format!("/api/v1/dispatch-rules/history?at={then}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let past = r.json();
    assert_eq!(
        pet_in_jinxiu(&past).expect("in force then")["agency_id"],
        supply
    );
    assert!(
        past["versions"].as_array().unwrap().len() > 10,
        "the demo rules too"
    );
    let now = yihaotai_web::api::rfc3339(a.svc.now()).replace('+', "%2B");
    let r = api(
        &a,
        "agent",
        "GET",
        &format!("/api/v1/dispatch-rules/history?at={now}"),
        None,
    )
    .await;
    assert!(pet_in_jinxiu(&r.json()).is_none(), "removed since");

    for (query, field) in [
        ("at=yesterday", "at"),
        ("limit=0", "limit"),
        ("limit=x", "limit"),
    ] {
        let r = api(
            &a,
            "agent",
            "GET",
            &format!("/api/v1/dispatch-rules/history?{query}"),
            None,
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            r.body
        );
        assert!(r.is_problem());
        assert_eq!(r.json()["field"], field, "{query}");
    }
}
