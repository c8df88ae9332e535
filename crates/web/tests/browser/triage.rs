//! Triage in the browser: the intake form filled in from what the caller says, a pasted
//! WeChat group export confirmed as thirty tickets, and a cluster of similar requests that
//! the street leader handles at once.

use crate::harness::{
    choose, click, find, is_checked, log_in, paste_into, run, type_into, value, wait_count,
    wait_path, wait_text, Harness,
};
use fantoccini::{Client, Locator};

async fn user(h: &Harness, login: &str) -> yihaotai_service::User {
    h.service
        .user_by_login(login)
        .await
        .unwrap_or_else(|e| panic!("demo user {login}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn triage_fills_in_the_intake_form_from_the_callers_words() {
    run(async |c: &Client, h: &Harness| {
        // The demo street has this flat; the triage should find it from the words alone.
        let agent = user(h, "agent").await;
        let homes = h
            .service
            .find_households(&agent, "锦绣花园3栋2单元501")
            .await
            .expect("look up the flat");
        assert_eq!(
            homes.len(),
            1,
            "the demo street has one such flat: {homes:?}"
        );
        let home = &homes[0];

        log_in(c, h, "agent", "demo-agent-2026").await;
        h.open(c, "/tickets/new").await;
        // Without a suggestion the form starts empty and at 一般.
        assert_eq!(value(c, "#category").await, "");
        assert!(is_checked(c, "#urgency-normal").await);
        let words = "锦绣花园3栋2单元501 王阿姨 胸口剧烈疼痛 喘不上气";
        type_into(c, "#content", words).await;
        click(c, "#triage-btn").await;
        wait_text(c, "#triage-status", "已按识别结果预填").await;

        assert_eq!(value(c, "#category").await, "medical", "category");
        assert!(
            is_checked(c, "#urgency-critical").await,
            "chest pain and breathlessness are critical"
        );
        assert_eq!(
            value(c, "#household_id").await,
            home.id.to_string(),
            "the household is picked"
        );
        wait_text(c, "#household-chosen", &home.address).await;
        assert!(
            !value(c, "#area_id").await.is_empty(),
            "the compound is read from the address"
        );
        let summary = wait_text(c, "#triage-summary", "特急").await;
        assert!(summary.contains("就医"), "summary: {summary}");
        let reasons = wait_text(c, "#triage-reasons", "胸口").await;
        assert!(
            reasons.contains("特急"),
            "reasons name the urgency: {reasons}"
        );
        assert!(
            find(c, "#triage-panel")
                .await
                .is_displayed()
                .await
                .unwrap_or(false),
            "the triage panel is shown"
        );
        h.shoot(c, "30-intake-triaged").await;

        // What was suggested is what gets saved.
        find(c, "#dispatch_agency")
            .await
            .select_by_value("")
            .await
            .expect("choose to dispatch later");
        click(c, "#intake-submit").await;
        wait_text(c, "#ticket-urgency", "特急").await;
        wait_text(c, ".ticket-head p", "就医").await;
        wait_text(c, "#ticket-content", "胸口剧烈疼痛").await;
        wait_text(c, "dl.facts", "锦绣花园").await;
        // The ticket is on the household, which its page shows with a link to the card.
        let link = find(c, "#household-link")
            .await
            .attr("href")
            .await
            .unwrap()
            .unwrap_or_default();
        assert_eq!(
            link,
            format!("/households/{}", home.id),
            "the ticket is on the household"
        );
        h.shoot(c, "31-ticket-critical").await;
    })
    .await;
}

/// Thirty messages as a WeChat group export pastes: headers with the body below, bracketed
/// times, plain `name：text` lines; from the demo street's 金桂小区.
fn chat_export() -> (String, Vec<String>) {
    const SURNAMES: [&str; 10] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
    const TITLES: [&str; 3] = ["阿姨", "大爷", "女士"];
    const NEEDS: [&str; 6] = [
        "家里老人的降压药吃完了，能帮忙买吗",
        "孩子发烧38度5，家里没有退烧药",
        "家里没有菜了，保供蔬菜什么时候到",
        "独居老人不会用手机团购，想订一份米面油",
        "楼道垃圾两天没人收了",
        "请问明天几点下楼做核酸",
    ];
    let mut text =
        String::from("金桂小区业主群 2022-04-05 08:59\n各位邻居，有需要请在群里说明地址和情况\n");
    let mut senders = Vec::new();
    for i in 0..30 {
        let name = format!("{}{}", SURNAMES[i % 10], TITLES[i / 10]);
        let addr = format!("金桂小区{}栋1单元{}01", i % 10 + 1, i % 6 + 1);
        let need = NEEDS[i % NEEDS.len()];
        match i % 3 {
            0 => text.push_str(&format!("{name} 2022-04-05 09:{i:02}\n{addr}\n{need}\n\n")),
            1 => text.push_str(&format!("[09:{i:02}] {name}: {addr} {need}\n")),
            _ => text.push_str(&format!("{name}：{addr}，{need}\n")),
        }
        senders.push(name);
    }
    (text, senders)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn thirty_pasted_chat_messages_become_thirty_tickets() {
    run(async |c: &Client, h: &Harness| {
        let (export, senders) = chat_export();
        log_in(c, h, "agent", "demo-agent-2026").await;
        click(c, "#nav-paste").await;
        wait_path(c, "/tickets/paste").await;
        paste_into(c, "#paste-text", &export).await;
        click(c, "#paste-split").await;

        // The group's own notice is a row too, unticked with its reason, after the thirty.
        wait_text(c, "main h1", "(30)").await;
        let rows = wait_count(c, "#paste-rows tbody tr", 31).await;
        assert_eq!(
            c.find_all(Locator::Css("#paste-rows input[name=include]:checked"))
                .await
                .expect("the include boxes")
                .len(),
            30
        );
        let notice = rows[30].text().await.expect("read the notice row");
        assert!(notice.contains("未勾选"), "the reason is shown: {notice}");
        let mut times = String::new();
        for r in &rows {
            times.push_str(&r.text().await.expect("read a row"));
        }
        assert!(times.contains("09:00"), "the time is shown");
        let mut got: Vec<String> = Vec::new();
        for el in c
            .find_all(Locator::Css("#paste-rows input[name=sender]"))
            .await
            .expect("the sender fields")
        {
            got.push(el.prop("value").await.ok().flatten().unwrap_or_default());
        }
        let mut want = senders.clone();
        want.push("金桂小区业主群".into());
        got.sort();
        want.sort();
        assert_eq!(got, want, "every sender is kept apart");
        // Why each was classed so, in the desk's words, not the lexicon's codes.
        let mut fever = String::new();
        for r in &rows {
            let t = r.text().await.expect("read a row");
            if t.contains("发烧") {
                fever = t;
                break;
            }
        }
        assert!(fever.contains("涉疫：发烧"), "reasons: {fever}");
        assert!(!fever.contains("true："), "a code is shown: {fever}");
        h.shoot(c, "32-paste-preview").await;

        // The agent confirms the thirty requests as they are.
        click(c, "#paste-create").await;
        wait_text(c, "#paste-created", "30").await;
        wait_count(c, "#created-list tr", 30).await;
        h.shoot(c, "33-paste-created").await;

        // Thirty tickets, found through search, from the channel they came by.
        h.open(c, "/tickets").await;
        let found = wait_count(c, "table[data-live-queue] tr[data-ticket-id]", 30).await;
        let one = found[0].text().await.expect("read a row");
        assert!(one.contains("金桂小区"), "the row says where: {one}");
        assert_eq!(
            h.service
                .store
                .count_tickets()
                .await
                .expect("count tickets"),
            30
        );
        h.shoot(c, "34-search-thirty").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn similar_supply_requests_from_one_building_make_a_cluster_the_leader_dispatches() {
    run(async |leader: &Client, h: &Harness| {
        // Six flats of one building; the rule needs five within two hours.
        let me = user(h, "agent").await;
        let homes = h
            .service
            .find_households(&me, "翠竹苑2栋")
            .await
            .expect("look up the building");
        assert!(
            homes.len() >= 6,
            "the demo building has six flats: {homes:?}"
        );
        let needs = [
            "家里没有菜了，保供蔬菜什么时候到",
            "我家也没有菜了，蔬菜包什么时候送",
            "没菜了，保供蔬菜能不能今天送到",
            "家里菜吃完了，保供蔬菜什么时候到",
            "保供蔬菜什么时候到，家里没有菜了",
            "家里没有蔬菜了，什么时候送菜",
        ];
        // Six calls kept for the dispatcher (a paste would send each to the catalogue's
        // agency at once).
        for (home, need) in homes.iter().zip(needs) {
            h.service
                .intake(
                    &me,
                    yihaotai_service::tickets::IntakeInput {
                        channel: yihaotai_domain::vocab::Channel::Hotline12345,
                        request_type: yihaotai_domain::vocab::RequestType::Help,
                        category: "supplies".into(),
                        urgency: yihaotai_domain::vocab::Urgency::Normal,
                        epidemic_related: true,
                        confidential: false,
                        caller_name: None,
                        caller_phone: None,
                        household: Some(yihaotai_domain::HouseholdId(home.id)),
                        area: None,
                        content: need.into(),
                        disposition: yihaotai_domain::ticket::Disposition::Dispatch,
                        dispatch_to: None,
                        suggestion: None,
                        downgrade_reason: None,
                    },
                )
                .await
                .expect("record a call");
        }

        log_in(leader, h, "leader", "demo-leader-2026").await;
        // The leader's page shows them as one cluster.
        h.open(leader, "/clusters").await;
        let clusters = wait_count(leader, "section.cluster", 1).await;
        let head = clusters[0]
            .find(Locator::Css("h2"))
            .await
            .expect("the cluster heading")
            .text()
            .await
            .expect("read the heading");
        assert!(
            head.contains("翠竹苑") && head.contains("2栋"),
            "the place: {head}"
        );
        assert!(head.contains("6 件"), "the count: {head}");
        let rows = wait_count(leader, "section.cluster tbody tr", 6).await;
        for r in &rows {
            let t = r.text().await.expect("read a row");
            assert!(t.contains("待派单"), "not yet dispatched: {t}");
        }
        h.shoot(leader, "35-cluster").await;

        // One action dispatches all six to the supply team.
        choose(
            leader,
            "section.cluster select[name=agency]",
            "望江街道物资保障组",
        )
        .await;
        click(leader, "section.cluster button[value=dispatch]").await;
        wait_path(leader, "/clusters").await;
        wait_text(leader, ".flash.ok", "").await;
        let rows = wait_count(leader, "section.cluster tbody tr", 6).await;
        for r in &rows {
            let t = r.text().await.expect("read a row");
            assert!(t.contains("待签收"), "dispatched: {t}");
        }
        h.shoot(leader, "36-cluster-dispatched").await;
        click(leader, "section.cluster tbody tr a").await;
        wait_path(leader, "/tickets/").await;
        wait_text(leader, "#ticket-agency", "望江街道物资保障组").await;
        wait_text(leader, "#timeline", "集中诉求合并派单").await;
    })
    .await;
}
