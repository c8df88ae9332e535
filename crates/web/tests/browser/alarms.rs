//! Alarms that sound: the shift control that unlocks audio once per browser session and is
//! remembered across page loads, and critical alarms stacked into one bar that says how
//! long each has waited and which agency has it.

use crate::harness::{click, critical_request, find, log_in, run, wait_text, Harness, PATIENCE};
use fantoccini::{Client, Locator};
use std::time::Instant;

const MEDICAL_TEAM: &str = "望江街道医疗保障组";

/// Waits until the body's `data-sound` is one of `states`; returns it.
async fn wait_sound(c: &Client, states: &[&str]) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let now = find(c, "body")
            .await
            .attr("data-sound")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        if states.contains(&now.as_str()) {
            return now;
        }
        if Instant::now() > deadline {
            panic!("the sound state stayed {now:?}, expected one of {states:?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn the_shift_control_unlocks_the_sound_and_stacked_alarms_say_who_waits_how_long() {
    run(async |c: &Client, h: &Harness| {
        log_in(c, h, "leader", "demo-leader-2026").await;
        h.open(c, "/tickets").await;

        // An untouched screen says plainly that it is silent, and offers to start the shift.
        let btn = wait_text(c, "#shift-sound[data-state=off]", "开始值班").await;
        assert!(btn.contains("开启提示音"), "{btn}");
        wait_sound(c, &["off"]).await;
        h.shoot(c, "alarms-01-sound-off").await;

        click(c, "#shift-sound").await;
        wait_sound(c, &["on"]).await;
        wait_text(c, "#shift-sound[data-state=on]", "值班中").await;

        // Another page in the same browser session keeps the shift: the sound is on, or,
        // where the browser waits for a gesture, paused until the first click anywhere.
        h.open(c, "/queue/dispatch").await;
        let after = wait_sound(c, &["on", "blocked"]).await;
        if after == "blocked" {
            wait_text(c, "#shift-sound[data-state=blocked]", "点此恢复").await;
            click(c, "main h1").await;
            wait_sound(c, &["on"]).await;
        }
        assert!(
            c.find(Locator::Css("#shift-sound[data-state=off]"))
                .await
                .is_err(),
            "the page load forgot the shift"
        );

        // Two critical tickets: one dispatched to the medical team, one not yet dispatched.
        let agent = h.service.user_by_login("agent").await.expect("the agent");
        let admin = h.service.user_by_login("admin").await.expect("the admin");
        let team = h
            .service
            .agencies_for(&admin)
            .await
            .expect("the agencies")
            .into_iter()
            .find(|a| a.row.name == MEDICAL_TEAM)
            .expect("the demo street's medical team")
            .row
            .id;
        let first = h
            .service
            .intake(
                &agent,
                critical_request("老伴突然昏迷不醒了", Some(yihaotai_domain::AgencyId(team))),
            )
            .await
            .expect("the first critical ticket");
        let bar = wait_text(c, "#alarms .alarm", "老伴突然昏迷不醒了").await;
        assert!(bar.contains("特急工单待签收"), "{bar}");
        assert!(
            bar.contains(&format!("承办：{MEDICAL_TEAM}")),
            "the bar names the agency: {bar}"
        );
        assert!(
            bar.contains("刚刚登记") || bar.contains("已等"),
            "the bar says how long it waited: {bar}"
        );
        assert_eq!(
            find(c, "#alarms .alarm")
                .await
                .attr("data-ticket-id")
                .await
                .unwrap(),
            Some(first.record.id.0.to_string())
        );

        h.service
            .intake(&agent, critical_request("孩子误吞了纽扣电池", None))
            .await
            .expect("the second critical ticket");
        // One bar, with the count; the longest-waiting one named; the rest behind 全部.
        wait_text(c, "#alarms .alarm.alarm-stack .alarm-count", "2").await;
        let bars = c.find_all(Locator::Css("#alarms > .alarm")).await.unwrap();
        assert_eq!(bars.len(), 1, "stacked alarms are one bar");
        let bar = wait_text(c, "#alarms .alarm", "张特急工单待签收").await;
        assert!(
            bar.contains("老伴突然昏迷不醒了"),
            "the oldest is named: {bar}"
        );
        click(c, "#alarms .alarm-all summary").await;
        let all = wait_text(c, "#alarms .alarm-all ul", "纽扣电池").await;
        assert!(
            all.contains("尚未派单"),
            "the undispatched one says so: {all}"
        );
        assert!(all.contains(MEDICAL_TEAM), "{all}");
        h.shoot(c, "alarms-02-stacked").await;
    })
    .await;
}
