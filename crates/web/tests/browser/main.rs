//! Real-browser journeys: headless Chromium driven through chromedriver against the app
//! served in-process on a random port. Ignored by default (they need both programs);
//! `.ci/run` runs them with `--ignored`. Set `YIHAOTAI_SCREENSHOTS=<dir>` to keep a PNG of
//! every step at laptop and phone width.
//!
//! This file holds the foundation's journeys (login, language, admin pages); the work-order
//! journeys with two people at two screens are in `work_orders`, triage in `triage`, and
//! the accessibility pass over every page in `axe`, the focus ring in `focus`.

mod alarms;
mod axe;
mod focus;
mod harness;
mod paste;
mod triage;
mod work_orders;

use fantoccini::{Client, Locator};
use harness::{click, fill_and_submit, html_lang, log_in, path, run, wait_text, Harness, PATIENCE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn agent_logs_in_sees_chinese_switches_to_english_and_logs_out() {
    run(async |c: &Client, h: &Harness| {
        h.open(c, "/login").await;
        wait_text(c, "h1", "").await;
        h.shoot(c, "01-login").await;

        fill_and_submit(c, "agent", "demo-agent-2026").await;
        wait_text(c, "#home-title", "您好").await;
        assert_eq!(path(c).await, "/");
        assert_eq!(html_lang(c).await, "zh-CN");
        wait_text(c, "#logout", "退出登录").await;
        h.shoot(c, "02-home-zh").await;

        click(c, "#lang-switch").await;
        wait_text(c, "#home-title", "Hello").await;
        c.find(Locator::Css("html[lang=en]"))
            .await
            .expect("the page is marked as English");
        assert_eq!(path(c).await, "/", "the switch returns to the same page");
        h.shoot(c, "03-home-en").await;

        click(c, "#logout").await;
        wait_text(c, "main", "You have logged out.").await;
        assert_eq!(path(c).await, "/login");
        h.shoot(c, "04-logged-out").await;

        // The session is really gone: the home page sends us back to log in.
        h.open(c, "/").await;
        c.wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css("#login, .error, h1"))
            .await
            .expect("a page after logout");
        assert!(
            c.find(Locator::Css("#home-title")).await.is_err(),
            "the home page is still shown after logging out"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn wrong_password_shows_an_error_and_stays_on_login() {
    run(async |c: &Client, h: &Harness| {
        h.open(c, "/login").await;
        fill_and_submit(c, "agent", "not-the-password").await;
        let msg = wait_text(c, "#login-error", "").await;
        assert!(!msg.trim().is_empty(), "the login error is empty");
        assert_eq!(path(c).await, "/login");
        assert!(
            c.find(Locator::Css("#home-title")).await.is_err(),
            "a wrong password let us in"
        );
        let kept = c
            .find(Locator::Css("#login"))
            .await
            .expect("the login field")
            .prop("value")
            .await
            .expect("read the login field");
        assert_eq!(
            kept.as_deref(),
            Some("agent"),
            "the login is kept for retrying"
        );
        h.shoot(c, "05-login-error").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn admin_pages_render_in_the_browser() {
    run(async |c: &Client, h: &Harness| {
        log_in(c, h, "admin", "demo-admin-2026").await;
        // One change, so the audit page has an entry with its before and after to show.
        h.open(c, "/admin/areas/6").await;
        let rename = "form[action='/admin/areas/6/rename']";
        let name = c
            .find(Locator::Css(&format!("{rename} input[name=name]")))
            .await
            .expect("the rename form's name field");
        let was = name.prop("value").await.unwrap().unwrap_or_default();
        name.clear().await.unwrap();
        name.send_keys(&format!("{was}（东）")).await.unwrap();
        click(c, &format!("{rename} button")).await;
        wait_text(c, "main", &format!("{was}（东）")).await;
        let pages = [
            ("06-admin-areas", "/admin/areas"),
            ("07-admin-area-6", "/admin/areas/6"),
            ("08-admin-agencies", "/admin/agencies"),
            ("09-admin-agency-1", "/admin/agencies/1"),
            ("10-admin-users", "/admin/users"),
            ("11-admin-user-1", "/admin/users/1"),
            ("11b-api-docs", "/api/docs"),
            ("11c-admin-jobs", "/admin/jobs"),
            ("11d-admin-catalogue", "/admin/catalogue"),
            ("11e-households-search", "/households?q=12-2-502"),
            ("11f-households-care", "/households?care=elderly_alone"),
            ("11g-household-card", "/households/1201"),
            ("12-admin-audit", "/admin/audit"),
        ];
        for (name, p) in pages {
            h.open(c, p).await;
            let title = wait_text(c, "main h1", "").await;
            assert!(!title.trim().is_empty(), "{p} has an empty heading");
            assert!(
                c.find(Locator::Css(".flash.error")).await.is_err(),
                "{p} shows an error"
            );
            let want = p.split('?').next().unwrap_or(p);
            assert_eq!(path(c).await, want, "{p} redirected elsewhere");
            h.shoot(c, name).await;
        }
        // The rename's entry opens to what the area was called and what it is called now.
        click(c, "#audit-list details.audit-change summary").await;
        let after = wait_text(
            c,
            "#audit-list details.audit-change pre.audit-after",
            "（东）",
        )
        .await;
        assert!(after.contains("（东）"), "{after}");
        h.shoot(c, "12b-admin-audit-change").await;
    })
    .await;
}
