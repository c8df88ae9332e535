//! The triage pages through the router: a pasted chat batch becomes confirmed tickets, a
//! bad row records nothing, clusters appear for the leader, the lexicon is the admin's.

mod support;

use axum::http::StatusCode;
use support::*;
use yihaotai_service::Service;

/// A supplies request from a household, as the desk records one from a chat group.
fn supplies_request(household: i64, content: &str) -> yihaotai_service::tickets::IntakeInput {
    yihaotai_service::tickets::IntakeInput {
        channel: yihaotai_domain::vocab::Channel::Wechat,
        request_type: yihaotai_domain::vocab::RequestType::Help,
        category: "supplies".into(),
        urgency: yihaotai_domain::vocab::Urgency::Normal,
        epidemic_related: true,
        confidential: false,
        caller_name: None,
        caller_phone: None,
        household: Some(yihaotai_domain::HouseholdId(household)),
        area: None,
        content: content.into(),
        disposition: yihaotai_domain::ticket::Disposition::Dispatch,
        dispatch_to: None,
        suggestion: None,
        downgrade_reason: None,
    }
}

/// The id of one of the agent's compounds, as the paste form's select posts it.
async fn compound_of(svc: &Service, name: &str) -> String {
    let agent = svc.user_by_login("agent").await.unwrap();
    svc.compound_directory(&agent)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap()
        .id
        .0
        .to_string()
}

/// The confirmation table's fields, in order, as a browser would post them.
fn fields(html: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in html.split(&format!("name=\"{name}\"")).skip(1) {
        let head = &part[..part.find('>').unwrap_or(0)];
        if let Some(i) = head.find("value=\"") {
            out.push(head[i + 7..i + 7 + head[i + 7..].find('"').unwrap()].to_string());
        } else if name == "content" {
            let body = &part[part.find('>').unwrap() + 1..];
            out.push(body[..body.find("</textarea>").unwrap()].to_string());
        } else if name == "category" || name == "urgency" {
            let body = &part[..part.find("</select>").unwrap()];
            let sel = body.find(" selected").unwrap();
            let v = body[..sel].rfind("value=\"").unwrap() + 7;
            out.push(body[v..v + body[v..].find('"').unwrap()].to_string());
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn thirty_pasted_messages_become_thirty_tickets_and_a_bad_row_records_nothing() {
    let App { _db, app, svc, .. } = app().await;
    let (cookie, csrf) = login(&app, "agent", "demo-agent-2026").await;
    let jingui = compound_of(&svc, "金桂小区").await;
    let mut paste = String::new();
    for i in 0..30 {
        paste.push_str(&format!("邻居{i} 2022-04-05 09:{:02}\n金桂小区{}栋1单元{}01 家里老人的降压药吃完了，能帮忙买吗\n", i, i % 10 + 1, i % 6 + 1));
    }
    let Resp {
        status, body: page, ..
    } = send(
        &app,
        post_body(
            "/tickets/paste",
            &cookie,
            serde_urlencoded::to_string([
                ("_csrf", csrf.as_str()),
                ("compound", jingui.as_str()),
                ("text", paste.as_str()),
            ])
            .unwrap(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let content = fields(&page, "content");
    assert_eq!(content.len(), 30);
    let mut form: Vec<(String, String)> = vec![
        ("_csrf".into(), csrf.clone()),
        ("compound".into(), jingui.clone()),
    ];
    for i in 0..30 {
        form.push(("include".into(), i.to_string()));
    }
    let sender = fields(&page, "sender");
    let category = fields(&page, "category");
    let urgency = fields(&page, "urgency");
    let household = fields(&page, "household_id");
    let suggestion = fields(&page, "suggestion");
    assert!(category.iter().all(|c| c == "medicine"), "{category:?}");
    assert!(
        household.iter().filter(|h| !h.is_empty()).count() >= 25,
        "{household:?}"
    );
    for i in 0..30 {
        form.push(("sender".into(), sender[i].clone()));
        form.push(("content".into(), unescape(&content[i])));
        form.push(("category".into(), category[i].clone()));
        form.push(("urgency".into(), urgency[i].clone()));
        form.push((
            "household_id".into(),
            if i == 12 {
                "not-a-number".into()
            } else {
                household[i].clone()
            },
        ));
        form.push(("suggestion".into(), unescape(&suggestion[i])));
        form.push(("sent_at".into(), String::new()));
        form.push(("co".into(), String::new()));
        form.push(("skip".into(), String::new()));
    }
    let Resp {
        status, body: page, ..
    } = send(
        &app,
        post_body(
            "/tickets/paste/confirm",
            &cookie,
            serde_urlencoded::to_string(&form).unwrap(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("第13条"), "the bad row is named");
    assert_eq!(svc.store.count_tickets().await.unwrap(), 0);
    let fixed: Vec<(String, String)> = form
        .into_iter()
        .map(|(k, v)| {
            if v == "not-a-number" {
                (k, household[12].clone())
            } else {
                (k, v)
            }
        })
        .collect();
    let Resp {
        status, body: page, ..
    } = send(
        &app,
        post_body(
            "/tickets/paste/confirm",
            &cookie,
            serde_urlencoded::to_string(&fixed).unwrap(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("id=\"paste-created\""));
    assert_eq!(svc.store.count_tickets().await.unwrap(), 30);
    // Each went to the catalogue's agency, as any other intake does.
    let agent = svc.user_by_login("agent").await.unwrap();
    let queue = svc
        .store
        .list_tickets(&yihaotai_store::tickets::TicketFilter {
            scope: Some(
                agent
                    .scope()
                    .paths
                    .iter()
                    .map(|p| p.as_str().to_string())
                    .collect(),
            ),
            statuses: vec!["registered"],
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(queue.is_empty(), "none waits undispatched: {queue:?}");
}

#[tokio::test]
async fn clusters_appear_for_the_leader_and_the_lexicon_is_for_admins() {
    let App { _db, app, svc, .. } = app().await;
    let agent = svc.user_by_login("agent").await.unwrap();
    let hits = svc.find_households(&agent, "翠竹苑2栋").await.unwrap();
    for h in hits.iter().take(5) {
        svc.intake(
            &agent,
            supplies_request(h.id, "楼里好几户都没有菜了，保供蔬菜什么时候到"),
        )
        .await
        .unwrap();
    }
    let (leader, leader_csrf) = login(&app, "leader", "demo-leader-2026").await;
    let Resp {
        status, body: page, ..
    } = send(&app, get("/clusters", &leader)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-cluster=\"1\""), "{page}");
    assert!(page.contains("翠竹苑"));
    assert!(!page.contains("flash ok"), "nothing done yet");
    // The catalogue's agency for supplies in that building's zone is preselected.
    let zone_team = svc
        .suggest_dispatch("supplies", &hits[0].area_path)
        .await
        .unwrap()
        .expect("the catalogue names a team");
    assert!(
        zone_team.agency_name.starts_with("后勤保障"),
        "{zone_team:?}"
    );
    assert!(
        page.contains(&format!(
            "<option value=\"{}\" selected>",
            zone_team.agency_id
        )),
        "{page}"
    );

    // Dispatching the whole cluster says so when the page comes back.
    let supply = svc
        .agencies_for(&svc.user_by_login("leader").await.unwrap())
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.row.name == "望江街道物资保障组")
        .expect("the demo supply team")
        .row
        .id;
    let mut form: Vec<(String, String)> = vec![
        ("_csrf".into(), leader_csrf),
        ("agency".into(), supply.to_string()),
        ("action".into(), "dispatch".into()),
    ];
    for id in fields(&page, "ticket") {
        form.push(("ticket".into(), id));
    }
    let Resp { status, .. } = send(
        &app,
        post_body(
            "/clusters/handle",
            &leader,
            serde_urlencoded::to_string(&form).unwrap(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let Resp { body: page, .. } = send(&app, get("/clusters?saved=1", &leader)).await;
    assert!(
        page.contains("flash ok"),
        "the leader is told it is done: {page}"
    );
    assert!(
        page.contains("待签收"),
        "the cluster's tickets are dispatched"
    );
    let (agent_cookie, _) = login(&app, "agent", "demo-agent-2026").await;
    assert_eq!(
        send(&app, get("/clusters", &agent_cookie)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&app, get("/admin/triage", &agent_cookie)).await.status,
        StatusCode::FORBIDDEN
    );
    let (admin, csrf) = login(&app, "admin", "demo-admin-2026").await;
    let Resp {
        status, body: page, ..
    } = send(
        &app,
        post_body("/admin/triage/reload", &admin, format!("_csrf={csrf}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("flash ok"));
    let Resp {
        status, body: page, ..
    } = send(
        &app,
        post_body(
            "/admin/triage/try",
            &admin,
            serde_urlencoded::to_string([("_csrf", csrf.as_str()), ("text", "老伴突然昏迷不醒了")])
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("urg-critical"), "{page}");
}

#[tokio::test]
async fn the_paste_preview_gives_its_reasons_in_words_not_codes() {
    let App { _db, app, svc, .. } = app().await;
    let (cookie, csrf) = login(&app, "agent", "demo-agent-2026").await;
    let paste = "李阿姨：金桂小区2栋1单元201 孩子发烧38度5，家里没有退烧药\n";
    let jingui = compound_of(&svc, "金桂小区").await;
    let Resp {
        status, body: page, ..
    } = send(
        &app,
        post_body(
            "/tickets/paste",
            &cookie,
            serde_urlencoded::to_string([
                ("_csrf", csrf.as_str()),
                ("compound", jingui.as_str()),
                ("text", paste),
            ])
            .unwrap(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for words in ["涉疫：发烧", "紧急：", "购药/用药："] {
        assert!(page.contains(words), "{words} is missing: {page}");
    }
    for code in ["true：", "urgent：", "medicine："] {
        assert!(!page.contains(code), "the code {code} is shown: {page}");
    }
}

/// A household guessed from an address that matches no flat exactly is marked for the
/// agent to check; an exact one is not.
#[tokio::test]
async fn the_paste_preview_marks_a_guessed_household() {
    let App { _db, app, svc, .. } = app().await;
    let (cookie, csrf) = login(&app, "agent", "demo-agent-2026").await;
    for (paste, place, guessed) in [
        ("王先生：金桂小区3栋1单元301 家里没菜了\n", "金桂小区", true),
        (
            "王先生：锦绣花园3栋2单元502 家里没菜了\n",
            "锦绣花园",
            false,
        ),
        // The compound chosen for the paste places a flat number given without one.
        ("3-2-502王先生：家里没菜了\n", "锦绣花园", false),
    ] {
        let compound = compound_of(&svc, place).await;
        let Resp {
            status, body: page, ..
        } = send(
            &app,
            post_body(
                "/tickets/paste",
                &cookie,
                serde_urlencoded::to_string([
                    ("_csrf", csrf.as_str()),
                    ("compound", compound.as_str()),
                    ("text", paste),
                ])
                .unwrap(),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(fields(&page, "household_id").iter().all(|h| !h.is_empty()));
        assert_eq!(
            page.contains("近似匹配，请与来电人核对门牌"),
            guessed,
            "{paste}: {page}"
        );
    }
}

/// The leader's page uses the configured rule: three similar requests are a cluster when
/// the desk is set to three, and not with the default five.
#[tokio::test]
async fn the_cluster_threshold_comes_from_the_configuration() {
    for (min_count, expect) in [(3, true), (5, false)] {
        let App { _db, app, svc, .. } = app_with(yihaotai_service::ServiceConfig {
            cluster_rule: yihaotai_domain::triage::ClusterRule {
                min_count,
                ..yihaotai_service::clusters::default_rule()
            },
            ..Default::default()
        })
        .await;
        let agent = svc.user_by_login("agent").await.unwrap();
        let hits = svc.find_households(&agent, "翠竹苑2栋").await.unwrap();
        for h in hits.iter().take(3) {
            svc.intake(
                &agent,
                supplies_request(h.id, "家里没有菜了，保供蔬菜什么时候到"),
            )
            .await
            .unwrap();
        }
        let (leader, _) = login(&app, "leader", "demo-leader-2026").await;
        let Resp {
            status, body: page, ..
        } = send(&app, get("/clusters", &leader)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            page.contains("data-cluster=\"1\""),
            expect,
            "min {min_count}: {page}"
        );
        assert!(
            page.contains(&format!("不少于{min_count}件")),
            "the rule is shown"
        );
    }
}
