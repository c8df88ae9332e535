//! The timed jobs page (`/admin/jobs`): every registered job with its last run, read with
//! selectors; administrators only.

mod support;

use axum::http::StatusCode;
use scraper::{Html, Selector};
use support::*;
use yihaotai_service::jobs::{Job, JOBS};

fn cell(html: &Html, row: &str, col: usize) -> String {
    let sel = Selector::parse(&format!("#job-{row} td:nth-child({col})")).unwrap();
    html.select(&sel)
        .next()
        .unwrap_or_else(|| panic!("#job-{row} has a column {col}"))
        .text()
        .collect::<String>()
        .trim()
        .to_string()
}

#[tokio::test]
async fn the_page_lists_every_job_with_its_last_run() {
    let a = app().await;
    a.svc.run_job(Job::Deadlines, "desk-1", true).await.unwrap();
    let (cookies, _) = login(&a.app, "admin", "demo-admin-2026").await;
    let r = send(&a.app, get("/admin/jobs", &cookies)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let html = Html::parse_document(&r.body);
    let rows = Selector::parse("#job-list tbody tr").unwrap();
    assert_eq!(html.select(&rows).count(), JOBS.len());

    // The deadlines job ran once, here, and holds its lease.
    let row = Selector::parse("#job-deadlines").unwrap();
    let tr = html.select(&row).next().expect("#job-deadlines");
    assert_eq!(tr.value().attr("class"), Some("job-ok"));
    assert!(cell(&html, "deadlines", 1).contains("deadlines"));
    assert_eq!(cell(&html, "deadlines", 2), "30 秒");
    assert!(
        cell(&html, "deadlines", 3).starts_with("desk-1 · 至"),
        "{}",
        cell(&html, "deadlines", 3)
    );
    assert!(cell(&html, "deadlines", 4).ends_with("desk-1"));
    assert!(cell(&html, "deadlines", 6).contains("breaches 0"));
    assert_eq!(cell(&html, "deadlines", 7), "1");
    assert_eq!(cell(&html, "deadlines", 8), "0");

    // Jobs not run yet say so; per-process jobs hold no lease.
    let tr = html
        .select(&Selector::parse("#job-outbox_relay").unwrap())
        .next()
        .expect("#job-outbox_relay");
    assert_eq!(tr.value().attr("class"), Some("job-never"));
    assert_eq!(cell(&html, "outbox_relay", 3), "每个进程各自运行");
    assert_eq!(cell(&html, "outbox_relay", 7), "0");
}

#[tokio::test]
async fn only_administrators_open_it() {
    let a = app().await;
    let (cookies, _) = login(&a.app, "agent", "demo-agent-2026").await;
    let r = send(&a.app, get("/admin/jobs", &cookies)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let anonymous = send(&a.app, get("/admin/jobs", "")).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
}
