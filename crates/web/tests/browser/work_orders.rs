//! Work orders with two people at two screens at once: the desk agent (林晓雯) and the
//! medical team's handler (苏慧敏), each in a browser of their own. What one does must
//! show on the other's open page without a reload: the inbox row, the alarm banner.

use crate::harness::{
    click, find, is_checked, log_in, mark_page, run, run2, still_same_page, type_into, wait_count,
    wait_gone, wait_live, wait_path, wait_text, Harness,
};
use fantoccini::{Client, Locator};

const MEDICAL_TEAM: &str = "望江街道医疗保障组";

/// Waits for a ticket page (`/tickets/{id}`, not `/tickets/new`) and returns its id.
async fn ticket_id(c: &Client) -> i64 {
    let deadline = std::time::Instant::now() + crate::harness::PATIENCE;
    loop {
        let p = crate::harness::path(c).await;
        if let Ok(id) = p.trim_start_matches("/tickets/").parse() {
            return id;
        }
        if std::time::Instant::now() > deadline {
            // Reports what the page says, if it refused.
            wait_path(c, "/tickets/0").await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Picks an urgency as the agent does: a click on its coloured tag.
async fn pick_urgency(c: &Client, code: &str) {
    click(c, &format!(".urg-option .urg-{code}")).await;
    assert!(
        is_checked(c, &format!("#urgency-{code}")).await,
        "clicking the {code} tag selects it"
    );
}

async fn submit(c: &Client, form: &str) {
    click(c, &format!("{form} button[type=submit]")).await;
}

/// Counts the timeline's entries of one event kind.
async fn events_of(c: &Client, kind: &str) -> usize {
    c.find_all(Locator::Css(&format!("#timeline li.ev-{kind}")))
        .await
        .expect("read the timeline")
        .len()
}

/// The handler on the ticket page: accept, (optionally) record the contact, resolve.
async fn handle(c: &Client, contact: Option<&str>, result: &str) {
    submit(c, "#form-accept").await;
    wait_text(c, "#ticket-status", "办理中").await;
    if let Some(note) = contact {
        type_into(c, "#form-contact input[name=note]", note).await;
        submit(c, "#form-contact").await;
        wait_text(c, "#timeline", note).await;
    }
    type_into(c, "#form-resolve textarea[name=result]", result).await;
    submit(c, "#form-resolve").await;
    wait_text(c, "#ticket-status", "待回访").await;
}

/// The agent's callback from the callback queue: opens the ticket there and records it.
async fn call_back(c: &Client, h: &Harness, id: i64, solved: &str, satisfaction: &str, note: &str) {
    h.open(c, "/queue/callback").await;
    click(
        c,
        &format!("#queue-callback tr[data-ticket-id=\"{id}\"] a.title-link"),
    )
    .await;
    wait_path(c, &format!("/tickets/{id}")).await;
    click(c, "#form-callback input[name=contacted][value=\"1\"]").await;
    click(
        c,
        &format!("#form-callback input[name=solved][value=\"{solved}\"]"),
    )
    .await;
    click(
        c,
        &format!("#form-callback input[name=satisfaction][value=\"{satisfaction}\"]"),
    )
    .await;
    type_into(c, "#form-callback input[name=note]", note).await;
    submit(c, "#form-callback").await;
    wait_text(c, "#timeline", note).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn a_ticket_goes_live_to_the_handler_and_closes_after_a_failed_and_a_good_callback() {
    run2(async |agent: &Client, handler: &Client, h: &Harness| {
        log_in(agent, h, "agent", "demo-agent-2026").await;
        log_in(handler, h, "handler", "demo-handler-2026").await;

        // The handler's inbox is open, and stays open, before anything is dispatched.
        h.open(handler, "/queue/inbox").await;
        wait_text(handler, "#inbox-accept", "").await;
        wait_live(handler).await;
        mark_page(handler).await;

        // Intake at the desk.
        h.open(agent, "/tickets/new").await;
        let content = "和平里5栋1单元302 李大爷 降压药吃完了，明天就断药";
        type_into(agent, "#content", content).await;
        find(agent, "#category")
            .await
            .select_by_value("medicine")
            .await
            .expect("choose the category");
        pick_urgency(agent, "urgent").await;
        // Registered first and dispatched from its page, whatever the form's default is.
        find(agent, "#dispatch_agency")
            .await
            .select_by_value("")
            .await
            .expect("choose to dispatch later");
        click(agent, "#intake-submit").await;
        let id = ticket_id(agent).await;
        wait_text(agent, "#ticket-status", "待派单").await;
        wait_text(agent, "#ticket-content", "降压药吃完了").await;
        wait_text(agent, ".flash.ok", "").await;
        h.shoot(agent, "20-ticket-registered").await;

        // Registered but not dispatched: not the medical team's yet.
        let row = format!("#inbox-accept tr[data-ticket-id=\"{id}\"]");
        assert!(
            handler.find(Locator::Css(&row)).await.is_err(),
            "an undispatched ticket is in the handler's inbox"
        );

        // Dispatch from the ticket page.
        find(agent, "#form-dispatch select[name=agency]")
            .await
            .select_by_label(MEDICAL_TEAM)
            .await
            .expect("choose the medical team");
        type_into(agent, "#form-dispatch input[name=note]", "请今天内送药").await;
        submit(agent, "#form-dispatch").await;
        wait_text(agent, "#ticket-status", "待签收").await;
        wait_text(agent, "#ticket-agency", MEDICAL_TEAM).await;

        // It appears in the open inbox by itself.
        wait_text(handler, &row, "降压药吃完了").await;
        assert!(
            still_same_page(handler).await,
            "the inbox was reloaded instead of updated in place"
        );
        h.shoot(handler, "21-inbox-live").await;

        // The handler works it; the agent's open ticket page says it changed.
        mark_page(agent).await;
        wait_live(agent).await;
        click(handler, &format!("{row} a.title-link")).await;
        wait_path(handler, &format!("/tickets/{id}")).await;
        wait_text(handler, "#timeline", "请今天内送药").await;
        handle(
            handler,
            Some("已电话联系李大爷，下午送到"),
            "已送药上门，老人已服药",
        )
        .await;
        wait_text(agent, "#ticket-changed", "此工单刚有更新").await;
        assert!(
            still_same_page(agent).await,
            "the ticket page reloaded by itself"
        );

        // Callback: the resident is not satisfied, so the ticket goes back to the team.
        call_back(
            agent,
            h,
            id,
            "not",
            "unsatisfied",
            "药送错了，不是平时吃的那种",
        )
        .await;
        wait_text(agent, "#ticket-status", "待签收").await;
        assert_eq!(
            events_of(agent, "reopened").await,
            1,
            "the timeline shows the reopening"
        );
        wait_text(agent, "#timeline", "重办").await;
        // The header says so too, so nobody takes it for a fresh dispatch.
        wait_text(agent, "#ticket-reopened", "重办 ×1").await;
        h.shoot(agent, "22-ticket-reopened").await;

        h.open(handler, "/queue/inbox").await;
        click(handler, &format!("{row} a.title-link")).await;
        wait_path(handler, &format!("/tickets/{id}")).await;
        handle(handler, None, "已更换为老人平时吃的降压药").await;

        // Second callback: solved and satisfied, and the ticket is closed.
        call_back(agent, h, id, "solved", "satisfied", "老人表示满意").await;
        wait_text(agent, "#ticket-status", "已归档").await;
        wait_text(agent, "#ticket-result", "已更换为老人平时吃的降压药").await;
        for (kind, n) in [
            ("registered", 1),
            ("dispatched", 1),
            ("accepted", 2),
            ("contact_recorded", 1),
            ("resolved", 2),
            ("callback_recorded", 2),
            ("reopened", 1),
            ("closed", 1),
        ] {
            assert_eq!(
                events_of(agent, kind).await,
                n,
                "timeline entries of {kind}"
            );
        }
        let timeline = wait_text(agent, "#timeline", "归档").await;
        for words in [
            "登记",
            "派单",
            "签收",
            "办结",
            "回访",
            "重办",
            "老人表示满意",
        ] {
            assert!(
                timeline.contains(words),
                "the timeline lacks {words:?}: {timeline}"
            );
        }
        assert!(
            agent.find(Locator::Css("#form-callback")).await.is_err(),
            "a closed ticket still offers a callback"
        );
        h.shoot(agent, "23-ticket-closed").await;

        // Done for the handler too: nothing left to accept or to work on.
        h.open(handler, "/queue/inbox?tab=progress").await;
        wait_text(handler, "#inbox-progress", "").await;
        assert!(
            handler
                .find(Locator::Css(&format!("tr[data-ticket-id=\"{id}\"]")))
                .await
                .is_err(),
            "a closed ticket is still in the handler's work"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn a_critical_ticket_alarms_the_other_screen_until_it_is_accepted() {
    run2(async |agent: &Client, handler: &Client, h: &Harness| {
        log_in(agent, h, "agent", "demo-agent-2026").await;
        log_in(handler, h, "handler", "demo-handler-2026").await;
        h.open(handler, "/queue/inbox").await;
        wait_live(handler).await;
        mark_page(handler).await;
        assert!(
            handler.find(Locator::Css("#alarms .alarm")).await.is_err(),
            "an alarm before anything happened"
        );

        h.open(agent, "/tickets/new").await;
        type_into(agent, "#content", "我老婆羊水破了，马上要生了").await;
        find(agent, "#category")
            .await
            .select_by_value("medical")
            .await
            .expect("choose the category");
        pick_urgency(agent, "critical").await;
        find(agent, "#dispatch_agency")
            .await
            .select_by_label(MEDICAL_TEAM)
            .await
            .expect("dispatch at once to the medical team");
        click(agent, "#intake-submit").await;
        let id = ticket_id(agent).await;
        let number = wait_text(agent, "#ticket-number", "YHT").await;

        // The handler's open inbox raises the red banner by itself.
        let banner = wait_text(handler, "#alarms .alarm", &number).await;
        assert!(banner.contains("特急工单待签收"), "banner: {banner}");
        assert!(
            banner.contains("羊水破了"),
            "banner names the request: {banner}"
        );
        find(handler, "body.has-alarm").await;
        let colour = find(handler, "#alarms .alarm")
            .await
            .css_value("background-color")
            .await
            .expect("read the banner colour");
        assert!(is_red(&colour), "the banner is not red: {colour}");
        assert!(still_same_page(handler).await, "the inbox reloaded");
        wait_text(
            handler,
            &format!("#inbox-accept tr[data-ticket-id=\"{id}\"]"),
            "羊水破了",
        )
        .await;
        h.shoot(handler, "24-alarm-on-inbox").await;

        // The agent's own screen alarms too, until someone accepts.
        wait_text(agent, "#alarms .alarm", &number).await;
        wait_live(agent).await;
        mark_page(agent).await;
        h.shoot(agent, "25-alarm-on-ticket").await;

        // The handler follows the banner and accepts.
        click(handler, "#alarms .alarm a").await;
        wait_path(handler, &format!("/tickets/{id}")).await;
        submit(handler, "#form-accept").await;
        wait_text(handler, "#ticket-status", "办理中").await;
        wait_gone(handler, "#alarms .alarm").await;

        // On the agent's screen the banner goes away without a reload.
        wait_gone(agent, "#alarms .alarm").await;
        wait_gone(agent, "body.has-alarm").await;
        assert!(still_same_page(agent).await, "the agent's page reloaded");
        wait_text(agent, "#ticket-changed", "此工单刚有更新").await;
        wait_count(agent, "#alarms > *", 0).await;
    })
    .await;
}

/// `rgb(198, 40, 40)` or `rgba(…)`: mostly red, whichever step of the pulse it is at.
fn is_red(css: &str) -> bool {
    let nums: Vec<u32> = css
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .filter_map(|p| p.trim().parse::<f32>().ok().map(|v| v as u32))
        .collect();
    matches!(nums.as_slice(), [r, g, b, ..] if *r >= 120 && *g < 80 && *b < 80)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn a_dozen_pages_in_a_row_load_at_once_and_a_page_come_back_to_is_live() {
    run(async |c: &Client, h: &Harness| {
        log_in(c, h, "agent", "demo-agent-2026").await;
        // Each page opens its live stream. A browser holds six connections to one host, so
        // pages kept in the back-forward cache with their streams open stalled the seventh.
        for p in [
            "/queue/dispatch",
            "/queue/overdue",
            "/queue/supervision",
            "/queue/callback",
            "/tickets",
            "/tickets/new",
            "/tickets/paste",
            "/admin/areas",
            "/admin/agencies",
            "/tickets?status=registered",
            "/tickets?q=药",
            "/",
        ] {
            h.open(c, p).await; // fails if the page does not load within patience
            wait_text(c, "main h1", "").await;
            wait_live(c).await;
        }

        // Back to the last queue: live again, and a critical ticket raised elsewhere alarms.
        c.back().await.expect("go back");
        wait_path(c, "/tickets").await;
        wait_live(c).await;
        let agent = h.service.user_by_login("agent").await.expect("the agent");
        h.service
            .intake(
                &agent,
                crate::harness::critical_request("老伴突然昏迷不醒了", None),
            )
            .await
            .expect("register a critical ticket");
        wait_text(c, "#alarms .alarm", "老伴突然昏迷不醒了").await;
    })
    .await;
}
