//! Pasting a real group chat through the router: the preview puts the critical request
//! first with the counts, leaves the group's noise unticked with its reason, and confirming
//! records exactly the requests, each dispatched; bad pastes and tampered forms record
//! nothing.

mod support;

use axum::http::StatusCode;
use scraper::{Html, Selector};
use support::{app, get, login, post_form, send};
use yihaotai_domain::ticket::Status;
use yihaotai_service::{Service, User};
use yihaotai_store::households::HouseholdRow;

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

fn text_of(doc: &Html, css: &str) -> String {
    doc.select(&sel(css))
        .map(|e| e.text().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The fields of a form as a browser would post them: ticked boxes only, each select's
/// chosen option, each textarea's text.
fn form_fields(doc: &Html, form: &str) -> Vec<(String, String)> {
    let form = doc.select(&sel(form)).next().expect("the form");
    let mut out = Vec::new();
    for el in form.select(&sel("input[name], textarea[name], select[name]")) {
        let v = el.value();
        let name = v.attr("name").unwrap().to_string();
        match v.name() {
            "textarea" => out.push((name, el.text().collect())),
            "select" => {
                let chosen = el
                    .select(&sel("option[selected]"))
                    .next()
                    .or_else(|| el.select(&sel("option")).next())
                    .and_then(|o| o.value().attr("value"))
                    .unwrap_or("");
                out.push((name, chosen.to_string()));
            }
            _ if v.attr("type") == Some("checkbox") => {
                if v.attr("checked").is_some() {
                    out.push((name, v.attr("value").unwrap_or("on").to_string()));
                }
            }
            _ => out.push((name, v.attr("value").unwrap_or("").to_string())),
        }
    }
    out
}

fn as_refs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn compound_id(svc: &Service, user: &User, name: &str) -> i64 {
    svc.compound_directory(user)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap()
        .id
        .0
}

/// Four flats of 锦绣花园 3栋, one per entrance-and-room.
async fn flats(svc: &Service, user: &User) -> Vec<HouseholdRow> {
    let jinxiu = compound_id(svc, user, "锦绣花园").await;
    let mut f: Vec<HouseholdRow> = svc
        .store
        .households_within(&user.scope().paths)
        .await
        .unwrap()
        .into_iter()
        .filter(|h| h.compound_id == jinxiu && h.building == "3" && h.entrance.is_some())
        .collect();
    f.dedup_by(|a, b| a.entrance == b.entrance && a.room == b.room);
    assert!(f.len() >= 4);
    f
}

#[tokio::test]
async fn a_group_paste_is_previewed_critical_first_and_confirmed_as_dispatched_tickets() {
    let t = app().await;
    let agent = t.svc.user_by_login("agent").await.unwrap();
    let f = flats(&t.svc, &agent).await;
    let jinxiu = compound_id(&t.svc, &agent, "锦绣花园").await.to_string();
    let (cookie, csrf) = login(&t.app, "agent", "demo-agent-2026").await;

    // The paste page offers the user's compounds.
    let page = send(&t.app, get("/tickets/paste", &cookie)).await;
    let doc = Html::parse_document(&page.body);
    let options = text_of(&doc, "#paste-compound option");
    assert!(
        options.contains("锦绣花园") && options.contains("金桂小区"),
        "{options}"
    );

    let export = yihaotai_store::testing::group_export(&f);
    let r = send(
        &t.app,
        post_form(
            "/tickets/paste",
            &cookie,
            &[
                ("_csrf", &csrf),
                ("compound", &jinxiu),
                ("building", ""),
                ("text", &export),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let doc = Html::parse_document(&r.body);
    let summary = text_of(&doc, "#paste-summary");
    assert!(summary.contains("特急 1"), "{summary}");
    assert!(summary.contains("共 3 条"), "{summary}");
    assert!(summary.contains("另有 8 条"), "{summary}");
    let rows: Vec<_> = doc.select(&sel("#paste-rows tbody tr")).collect();
    assert_eq!(rows.len(), 11);
    // The critical message from the bottom of the group is the first row.
    let first = rows[0];
    assert!(first.value().classes().any(|c| c == "row-critical"));
    assert!(first.text().collect::<String>().contains("胸口疼"));
    // The three requests are ticked; the eight others are not, and say why.
    let ticked = doc
        .select(&sel("#paste-rows input[name=include][checked]"))
        .count();
    assert_eq!(ticked, 3);
    for row in doc.select(&sel("#paste-rows tr[data-skip]")) {
        assert!(row
            .select(&sel("input[name=include][checked]"))
            .next()
            .is_none());
        let why: String = row
            .select(&sel(".skip-reason"))
            .flat_map(|e| e.text())
            .collect();
        assert!(why.starts_with("未勾选："), "{why}");
    }
    assert_eq!(doc.select(&sel("#paste-rows tr[data-skip]")).count(), 8);
    // 孙女士's need carries the two who said "+1"; 张阿姨's two messages are one.
    let sun = rows
        .iter()
        .find(|r| r.text().collect::<String>().contains("米和油"))
        .unwrap();
    assert_eq!(sun.select(&sel("ul.co li")).count(), 2);
    let zhang = rows
        .iter()
        .find(|r| r.text().collect::<String>().contains("硝苯地平"))
        .unwrap();
    let zhang_hh = zhang
        .select(&sel("input[name=household_id]"))
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap();
    assert_eq!(zhang_hh, f[0].id.to_string(), "the address in her name");
    assert!(zhang.text().collect::<String>().contains("地址取自昵称"));

    // Confirm as shown: exactly three tickets, each dispatched with its deadline.
    let form = form_fields(&doc, "#paste-confirm");
    let r = send(
        &t.app,
        post_form("/tickets/paste/confirm", &cookie, &as_refs(&form)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let doc = Html::parse_document(&r.body);
    assert_eq!(doc.select(&sel("#created-list tr")).count(), 3);
    for agency in doc.select(&sel("#created-list .c-agency")) {
        assert!(!agency.text().collect::<String>().trim().is_empty());
    }
    assert_eq!(t.svc.store.count_tickets().await.unwrap(), 3);
    for row in doc.select(&sel("#created-list tr[data-ticket-id]")) {
        let id: i64 = row.value().attr("data-ticket-id").unwrap().parse().unwrap();
        let tk = t
            .svc
            .store
            .ticket(yihaotai_domain::TicketId(id))
            .await
            .unwrap()
            .ticket;
        assert_eq!(tk.status, Status::Dispatched);
        assert!(tk.assigned.is_some() && tk.deadlines.accept_by.is_some());
        if tk.caller_name.as_deref() == Some("孙女士") {
            assert!(tk.content.contains("【同求2人】"), "{}", tk.content);
            assert!(tk.content.contains("李大爷：同求"), "{}", tk.content);
        }
    }
}

#[tokio::test]
async fn bad_pastes_and_tampered_confirms_record_nothing() {
    let t = app().await;
    let agent = t.svc.user_by_login("agent").await.unwrap();
    let f = flats(&t.svc, &agent).await;
    let jinxiu = compound_id(&t.svc, &agent, "锦绣花园").await.to_string();
    let (cookie, csrf) = login(&t.app, "agent", "demo-agent-2026").await;
    let paste = |compound: String, text: String| {
        let csrf = csrf.clone();
        let cookie = cookie.clone();
        let app = t.app.clone();
        async move {
            send(
                &app,
                post_form(
                    "/tickets/paste",
                    &cookie,
                    &[("_csrf", &csrf), ("compound", &compound), ("text", &text)],
                ),
            )
            .await
        }
    };
    let error_of = |body: &str| text_of(&Html::parse_document(body), ".flash.error, main");
    for (compound, text, status, says) in [
        (jinxiu.clone(), String::new(), 422, "为空"),
        // Bytes of a file: control characters are refused at the edge, naming the field;
        // what survived a wrong decoding is refused by the paste.
        (
            jinxiu.clone(),
            "\u{1}\u{2}\u{FFFD}\u{3}a".repeat(40),
            422,
            "text：含有不可见的控制字符",
        ),
        (
            jinxiu.clone(),
            "\u{FFFD}\u{FFFD}\u{FFFD}PK\u{FFFD}".repeat(40),
            422,
            "不是文字",
        ),
        ("999999".into(), "张阿姨：药没了".into(), 422, "小区"),
        ("abc".into(), "张阿姨：药没了".into(), 422, "小区"),
        (String::new(), "张阿姨-3-2-501：药没了".into(), 422, "选择"),
        (jinxiu.clone(), "药".repeat(350_000), 413, ""),
    ] {
        let r = paste(compound.clone(), text.clone()).await;
        assert_eq!(r.status.as_u16(), status, "{compound} {}", r.body);
        assert!(error_of(&r.body).contains(says), "{says}: {}", r.body);
    }
    // Another community's secretary cannot read a paste against this compound.
    let (liuan, liuan_csrf) = login(&t.app, "liuan", "demo-liuan-2026").await;
    let r = send(
        &t.app,
        post_form(
            "/tickets/paste",
            &liuan,
            &[
                ("_csrf", &liuan_csrf),
                ("compound", &jinxiu),
                ("text", "张阿姨-3-2-501：药没了"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&r.body).contains("小区"), "{}", r.body);

    // A good preview, then its confirmation tampered with in four ways.
    let r = paste(jinxiu.clone(), yihaotai_store::testing::group_export(&f)).await;
    assert_eq!(r.status, StatusCode::OK);
    let form = form_fields(&Html::parse_document(&r.body), "#paste-confirm");
    let swap = |key: &str, to: &str| -> Vec<(String, String)> {
        form.iter()
            .map(|(k, v)| {
                if k == key {
                    (k.clone(), to.to_string())
                } else {
                    (k.clone(), v.clone())
                }
            })
            .collect()
    };
    let mut short = form.clone();
    let i = short.iter().rposition(|(k, _)| k == "category").unwrap();
    short.remove(i);
    let mut extra_tick = form.clone();
    extra_tick.push(("include".into(), "99".into()));
    // A household id the agent does not serve reads like a missing one.
    let foreign_household = 99_999_999;
    let mut foreign = form.clone();
    let hh = foreign
        .iter()
        .position(|(k, _)| k == "household_id")
        .unwrap();
    foreign[hh].1 = foreign_household.to_string();
    for (name, tampered, says) in [
        (
            "a compound not the user's",
            swap("compound", "999999"),
            "小区",
        ),
        ("a missing column", short, "重新粘贴"),
        ("a tick for no row", extra_tick, "重新粘贴"),
        ("a household not the user's", foreign, "第1条"),
    ] {
        let r = send(
            &t.app,
            post_form("/tickets/paste/confirm", &cookie, &as_refs(&tampered)),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            r.body
        );
        assert!(error_of(&r.body).contains(says), "{name}: {}", r.body);
        assert_eq!(t.svc.store.count_tickets().await.unwrap(), 0, "{name}");
    }
    // Untouched, the same form records the three.
    let r = send(
        &t.app,
        post_form("/tickets/paste/confirm", &cookie, &as_refs(&form)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(t.svc.store.count_tickets().await.unwrap(), 3);
}
