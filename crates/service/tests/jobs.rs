//! The job registry at the service layer, on SQLite and (with YIHAOTAI_TEST_DATABASE_URL)
//! PostgreSQL: every job is declared once and runs through the registry; a leased job
//! runs in the one process holding its lease and records each run; administrators alone
//! see the registry.

mod support;

use std::collections::HashSet;
use support::*;
use yihaotai_service::jobs::{Job, JOBS};
use yihaotai_service::ServiceError;

#[test]
fn every_job_is_declared_once_with_a_period() {
    let names: HashSet<&str> = JOBS.iter().map(|s| s.name).collect();
    assert_eq!(names.len(), JOBS.len(), "job names are unique");
    for j in [
        Job::Deadlines,
        Job::Housekeeping,
        Job::OutboxRelay,
        Job::PolicyReload,
    ] {
        let spec = j.spec();
        assert_eq!(spec.job, j);
        assert!(!spec.period.is_zero(), "{}", spec.name);
        if let Some(ttl) = spec.lease {
            assert!(
                ttl > spec.period,
                "{}: the lease outlives a period",
                spec.name
            );
        }
    }
}

#[tokio::test]
async fn each_run_is_recorded_and_a_lease_held_elsewhere_keeps_this_process_out() {
    let d = desk().await;
    let svc = &d.svc;
    let admin = user(svc, "admin").await;

    let before = svc.jobs_for(&admin).await.unwrap();
    assert_eq!(before.len(), JOBS.len());
    assert!(before.iter().all(|v| v.status.is_none()), "nothing ran yet");

    for spec in JOBS {
        let r = svc.run_job(spec.job, "p1", true).await.unwrap();
        assert!(r.ran, "{} ran", spec.name);
    }
    let after = svc.jobs_for(&admin).await.unwrap();
    for v in &after {
        let s = v
            .status
            .as_ref()
            .unwrap_or_else(|| panic!("{} recorded", v.spec.name));
        assert_eq!((s.runs, s.failures, s.ok), (1, 0, 1), "{}", v.spec.name);
        assert_eq!(s.holder, "p1");
        assert!(s.duration_ms >= 0);
        if v.spec.lease.is_some() {
            assert_eq!(v.lease.as_ref().map(|l| l.0.as_str()), Some("p1"));
        } else {
            assert!(v.lease.is_none());
        }
    }
    let deadlines = after.iter().find(|v| v.spec.job == Job::Deadlines).unwrap();
    assert_eq!(
        deadlines.status.as_ref().unwrap().summary,
        "breaches 0, supervised 0, escalated 0"
    );

    // Another process holds the deadlines lease (for longer than a run): this one waits.
    svc.store.release_lease("deadlines", "p1").await.unwrap();
    assert!(svc
        .store
        .try_lease("deadlines", "p2", 60_000)
        .await
        .unwrap());
    let r = svc.run_job(Job::Deadlines, "p1", false).await.unwrap();
    assert!(!r.ran, "p2 holds the lease");
    let report = svc.deadline_pass("p1").await.unwrap();
    assert!(!report.ran);
    let status = svc.store.job_statuses().await.unwrap();
    let d_status = status.iter().find(|s| s.name == "deadlines").unwrap();
    assert_eq!(d_status.runs, 1, "a run kept out is not a run");
    // Jobs every process runs for itself are not held back by anyone.
    assert!(
        svc.run_job(Job::OutboxRelay, "p1", false)
            .await
            .unwrap()
            .ran
    );

    // p2 stops and gives the lease up: p1 takes over at once.
    svc.store.release_lease("deadlines", "p2").await.unwrap();
    assert!(svc.deadline_pass("p1").await.unwrap().ran);
    let status = svc.store.job_statuses().await.unwrap();
    assert_eq!(
        status.iter().find(|s| s.name == "deadlines").unwrap().runs,
        2
    );
}

#[tokio::test]
async fn only_administrators_see_the_registry() {
    let d = desk().await;
    for login in ["agent", "dispatcher", "leader", "viewer"] {
        let u = user(&d.svc, login).await;
        let e = d.svc.jobs_for(&u).await.unwrap_err();
        assert!(
            matches!(e, ServiceError::Forbidden { .. }),
            "{login}: {e:?}"
        );
    }
}
