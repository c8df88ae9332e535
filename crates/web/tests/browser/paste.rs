//! Pasting a real group chat in the browser: the agent chooses the compound, pastes a
//! morning of 锦绣花园 3号楼's group (its name, a staff notice, pictures, thanks, "+1"s, one
//! sender's two messages, addresses in names, the one critical message at the bottom), sees
//! the critical request first with the counts and the noise unticked, and confirms exactly
//! the requests, each sent to the catalogue's agency.

use crate::harness::{choose, click, log_in, paste_into, run, wait_count, wait_text, Harness};
use fantoccini::{Client, Locator};
use yihaotai_domain::ticket::Status;

/// Four flats of 锦绣花园 3栋 that the registry holds, as "3-2-501".
async fn flats(h: &Harness) -> Vec<(i64, String)> {
    let agent = h.service.user_by_login("agent").await.expect("the agent");
    let jinxiu = h
        .service
        .compound_directory(&agent)
        .await
        .expect("the agent's compounds")
        .into_iter()
        .find(|c| c.name == "锦绣花园")
        .expect("锦绣花园")
        .id
        .0;
    let mut f: Vec<_> = h
        .service
        .store
        .households_within(&agent.scope().paths)
        .await
        .expect("the households")
        .into_iter()
        .filter(|r| r.compound_id == jinxiu && r.building == "3" && r.entrance.is_some())
        .collect();
    f.dedup_by(|a, b| a.entrance == b.entrance && a.room == b.room);
    assert!(f.len() >= 4, "the demo building has flats");
    f.into_iter()
        .map(|r| {
            let d = format!("3-{}-{}", r.entrance.as_deref().unwrap_or(""), r.room);
            (r.id, d)
        })
        .collect()
}

fn export(f: &[(i64, String)]) -> String {
    let (a, b, c, d) = (&f[0].1, &f[1].1, &f[2].1, &f[3].1);
    format!(
        "锦绣花园3号楼业主群(486)\n\
         物业-小刘 2022-04-05 08:00\n【通知】今天上午9点3号楼下楼做核酸，请带好身份证\n\n\
         张阿姨-{a} 2022-04-05 08:31\n家里老人降压药只剩一天了\n\n\
         张阿姨-{a} 2022-04-05 08:32\n能不能帮忙买一下，硝苯地平\n\n\
         孙女士 {b} 2022-04-05 08:35\n[图片]\n\n\
         孙女士 {b} 2022-04-05 08:36\n家里米和油都没了，什么时候能送菜\n\
         [08:37] {c}王: +1 我家也没米了\n\
         [08:38] 李大爷: 同求\n\
         [08:39] 周师傅: [语音]\n\
         [08:40] 12栋1102李姐: 楼道垃圾两天没人收了\n\
         [08:41] 王强撤回了一条消息\n\
         [08:42] 网格员小陈: 各位居民，垃圾下午统一清运\n\
         陈三：谢谢[抱拳]\n\
         刘姐：收到\n\
         赵六 3-1-301：我家也是\n\
         志愿者老周：辛苦了大家\n\
         吴十：孩子发烧39度，家里没有退烧药\n\
         钱七：[表情]\n\
         郑一：我家在{d}，我爸胸口疼得厉害，喘不上气\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn a_pasted_group_chat_becomes_its_requests_critical_first_each_dispatched() {
    run(async |c: &Client, h: &Harness| {
        let f = flats(h).await;
        log_in(c, h, "agent", "demo-agent-2026").await;
        click(c, "#nav-paste").await;
        choose(c, "#paste-compound", "锦绣花园").await;
        paste_into(c, "#paste-text", &export(&f)).await;
        h.shoot(c, "40-paste-group").await;
        click(c, "#paste-split").await;

        // Five requests, the critical one first however far down it was.
        let summary = wait_text(c, "#paste-summary", "特急 1").await;
        assert!(summary.contains("共 5 条"), "{summary}");
        assert!(summary.contains("另有 10 条"), "{summary}");
        let rows = wait_count(c, "#paste-rows tbody tr", 15).await;
        let first = rows[0]
            .attr("class")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        assert!(first.contains("row-critical"), "{first}");
        let first_text = c
            .find(Locator::Css("#paste-rows tbody tr:first-child textarea"))
            .await
            .expect("the first request")
            .prop("value")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        assert!(first_text.contains("胸口疼"), "{first_text}");
        // The noise is unticked, each with its reason in view.
        let ticked = c
            .find_all(Locator::Css("#paste-rows input[name=include]:checked"))
            .await
            .expect("the ticks");
        assert_eq!(ticked.len(), 5);
        let skipped = wait_count(c, "#paste-rows tr[data-skip]", 10).await;
        for r in &skipped {
            let why = r
                .find(Locator::Css(".skip-reason"))
                .await
                .expect("a reason")
                .text()
                .await
                .expect("read the reason");
            assert!(why.starts_with("未勾选："), "{why}");
            let tick = r
                .find(Locator::Css("input[name=include]"))
                .await
                .expect("the tick");
            assert_eq!(
                tick.prop("checked").await.ok().flatten().as_deref(),
                Some("false")
            );
        }
        // The "+1"s are on the need they answer.
        wait_count(c, "#paste-rows ul.co li", 3).await;
        h.shoot(c, "41-paste-group-preview").await;
        c.execute(
            "document.querySelector('#paste-rows tr[data-skip]').scrollIntoView();",
            vec![],
        )
        .await
        .expect("scroll to the unticked rows");
        h.shoot(c, "41b-paste-group-unticked").await;

        click(c, "#paste-create").await;
        wait_text(c, "#paste-created", "5").await;
        let made = wait_count(c, "#created-list tr", 5).await;
        h.shoot(c, "42-paste-group-created").await;
        assert_eq!(
            h.service.store.count_tickets().await.expect("count"),
            5,
            "exactly the requests"
        );
        for r in &made {
            let id: i64 = r
                .attr("data-ticket-id")
                .await
                .ok()
                .flatten()
                .and_then(|s| s.parse().ok())
                .expect("a ticket id");
            let t = h
                .service
                .store
                .ticket(yihaotai_domain::TicketId(id))
                .await
                .expect("the ticket")
                .ticket;
            assert_eq!(t.status, Status::Dispatched, "{t:?}");
            assert!(t.assigned.is_some() && t.deadlines.accept_by.is_some());
            let agency = r
                .find(Locator::Css(".c-agency"))
                .await
                .expect("the agency cell")
                .text()
                .await
                .expect("read it");
            assert!(!agency.trim().is_empty(), "the agency is named");
        }
        let zheng = h
            .service
            .store
            .ticket(yihaotai_domain::TicketId(
                made[0]
                    .attr("data-ticket-id")
                    .await
                    .ok()
                    .flatten()
                    .and_then(|s| s.parse().ok())
                    .expect("the first ticket"),
            ))
            .await
            .expect("the critical ticket")
            .ticket;
        assert_eq!(zheng.urgency, yihaotai_domain::vocab::Urgency::Critical);
        assert_eq!(zheng.household, Some(yihaotai_domain::HouseholdId(f[3].0)));
    })
    .await;
}
