//! The store's behaviour, identical on SQLite and PostgreSQL. Runs on SQLite by default and
//! on PostgreSQL when YIHAOTAI_TEST_DATABASE_URL is set; each test has its own database.

use yihaotai_domain::area::{AreaKind, AreaPath};
use yihaotai_domain::role::{Role, Roles};
use yihaotai_domain::vocab::ControlLevel;
use yihaotai_domain::{AgencyId, AreaId, UserId};
use yihaotai_store::agencies::AgencyInput;
use yihaotai_store::areas::NewArea;
use yihaotai_store::audit::NewAudit;
use yihaotai_store::demo::DemoLoad;
use yihaotai_store::testing::TestDb;
use yihaotai_store::users::NewUser;
use yihaotai_store::Store;

const T0: i64 = 1_795_000_000_000;

async fn area(s: &Store, parent: Option<AreaId>, kind: AreaKind, name: &str) -> AreaId {
    s.insert_area(
        &NewArea {
            parent,
            kind,
            name,
            aliases: &[],
            demo_key: None,
        },
        T0,
        None,
    )
    .await
    .unwrap()
    .id
}

/// street → two communities → a compound in each.
async fn small_tree(s: &Store) -> (AreaId, AreaId, AreaId, AreaId, AreaId) {
    let street = area(s, None, AreaKind::Street, "望江街道").await;
    let c1 = area(s, Some(street), AreaKind::Community, "青石社区").await;
    let c2 = area(s, Some(street), AreaKind::Community, "柳岸社区").await;
    let k1 = area(s, Some(c1), AreaKind::Compound, "锦绣花园").await;
    let k2 = area(s, Some(c2), AreaKind::Compound, "和平里").await;
    (street, c1, c2, k1, k2)
}

#[tokio::test]
async fn areas_have_paths_and_scope_queries_follow_them() {
    let db = TestDb::new().await;
    let s = &db.store;
    let (street, c1, _c2, k1, k2) = small_tree(s).await;
    let a = s.area(k1).await.unwrap();
    assert_eq!(a.path.ids(), vec![street, c1, k1]);
    assert_eq!(a.parent_id, Some(c1));
    let within = s
        .areas_within(&[s.area(c1).await.unwrap().path])
        .await
        .unwrap();
    let ids: Vec<AreaId> = within.iter().map(|a| a.id).collect();
    assert_eq!(ids, vec![c1, k1]);
    assert!(!ids.contains(&k2));
    assert!(
        s.areas_within(&[]).await.unwrap().is_empty(),
        "empty scope sees nothing"
    );
    assert_eq!(s.all_areas().await.unwrap().len(), 5);
    s.rename_area(k1, "锦绣花园（东区）", &["锦绣".into()], None)
        .await
        .unwrap();
    let a = s.area(k1).await.unwrap();
    assert_eq!(a.name, "锦绣花园（东区）");
    assert_eq!(a.aliases, vec!["锦绣".to_string()]);
    assert!(s
        .rename_area(AreaId(9999), "x", &[], None)
        .await
        .unwrap_err()
        .is_not_found());
    assert!(s.area(AreaId(9999)).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn control_levels_keep_history_and_scheduled_changes_apply_later() {
    let db = TestDb::new().await;
    let s = &db.store;
    let (_, _, _, k1, _) = small_tree(s).await;
    s.set_control_level(k1, ControlLevel::Sealed, T0, "阳性病例", None, T0, None)
        .await
        .unwrap();
    assert_eq!(
        s.area(k1).await.unwrap().control_level,
        Some(ControlLevel::Sealed)
    );
    // Scheduled for an hour later: history has it, the area does not yet.
    let later = T0 + 3_600_000;
    s.set_control_level(
        k1,
        ControlLevel::Controlled,
        later,
        "解封降级",
        None,
        T0 + 1,
        None,
    )
    .await
    .unwrap();
    let a = s.area(k1).await.unwrap();
    assert_eq!(a.control_level, Some(ControlLevel::Sealed));
    assert_eq!(a.control_since, Some(T0));
    assert_eq!(s.apply_due_control_levels(T0 + 10).await.unwrap(), 0);
    assert_eq!(s.apply_due_control_levels(later).await.unwrap(), 1);
    let a = s.area(k1).await.unwrap();
    assert_eq!(a.control_level, Some(ControlLevel::Controlled));
    assert_eq!(a.control_since, Some(later));
    assert_eq!(
        s.apply_due_control_levels(later + 5).await.unwrap(),
        0,
        "applied once"
    );
    let h = s.control_history(k1).await.unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].level, "controlled");
    assert_eq!(h[1].reason, "阳性病例");
}

#[tokio::test]
async fn agencies_keep_their_areas_and_categories() {
    let db = TestDb::new().await;
    let s = &db.store;
    s.seed_categories().await.unwrap();
    let (street, c1, c2, k1, _) = small_tree(s).await;
    let input = AgencyInput {
        name: "医疗保障组".into(),
        kind: "medical_team".into(),
        parent: None,
        home_area: street,
        is_forwarding_centre: false,
        areas: vec![c1, c2],
        categories: vec!["medical".into(), "medicine".into()],
        active: true,
    };
    let id = s.insert_agency(&input, None, T0, None).await.unwrap();
    let a = s.agency(id).await.unwrap();
    assert_eq!(a.areas, vec![c1, c2]);
    assert_eq!(
        a.categories,
        vec!["medical".to_string(), "medicine".to_string()]
    );
    let mut edit = input.clone();
    edit.areas = vec![k1];
    edit.categories = vec!["pet".into()];
    edit.home_area = c1;
    s.update_agency(id, &edit, None).await.unwrap();
    let a = s.agency(id).await.unwrap();
    assert_eq!(a.areas, vec![k1]);
    assert_eq!(a.categories, vec!["pet".to_string()]);
    let c1_path = s.area(c1).await.unwrap().path;
    let c2_path = s.area(c2).await.unwrap().path;
    assert_eq!(s.agencies_within(&[c1_path]).await.unwrap().len(), 1);
    assert!(s.agencies_within(&[c2_path]).await.unwrap().is_empty());
    // An unknown category is refused by the foreign key, and nothing changes.
    let mut bad = edit.clone();
    bad.categories = vec!["no_such".into()];
    assert!(s
        .update_agency(id, &bad, None)
        .await
        .unwrap_err()
        .is_conflict());
    assert_eq!(
        s.agency(id).await.unwrap().categories,
        vec!["pet".to_string()]
    );
    assert!(s
        .update_agency(AgencyId(999), &edit, None)
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn users_sessions_tokens_and_failures() {
    let db = TestDb::new().await;
    let s = &db.store;
    let (_, c1, _, _, _) = small_tree(s).await;
    let roles = Roles(vec![Role::Admin, Role::Agent]);
    let id = s
        .insert_user(
            &NewUser {
                login: "wang",
                display_name: "王芳",
                password_hash: "h1",
                agency: None,
                roles: &roles,
                areas: &[c1],
            },
            T0,
            None,
        )
        .await
        .unwrap();
    let u = s.user_by_login("wang").await.unwrap().unwrap();
    assert_eq!(u.id, id);
    assert_eq!(u.roles, roles);
    assert_eq!(u.areas.len(), 1);
    assert_eq!(u.scope().paths, vec![s.area(c1).await.unwrap().path]);
    let dup = s
        .insert_user(
            &NewUser {
                login: "wang",
                display_name: "另一个",
                password_hash: "h",
                agency: None,
                roles: &roles,
                areas: &[c1],
            },
            T0,
            None,
        )
        .await
        .unwrap_err();
    assert!(dup.is_conflict());
    assert_eq!(
        s.users().await.unwrap().len(),
        1,
        "the failed insert left nothing"
    );

    s.insert_session("tok", id, "csrf", T0, T0 + 1000)
        .await
        .unwrap();
    let sess = s.session("tok").await.unwrap().unwrap();
    assert_eq!(sess.user_id, id.0);
    assert_eq!(sess.csrf_token, "csrf");
    assert_eq!(s.delete_expired_sessions(T0 + 999).await.unwrap(), 0);
    s.insert_api_token(id, "old", "th-old", T0, None, None)
        .await
        .unwrap();
    let changed = s
        .set_password_hash(
            id,
            "h2",
            T0,
            &NewAudit {
                at: T0,
                actor: None,
                action: "user.password",
                target_kind: "user",
                target_id: Some(id.0),
                area_path: None,
                detail: "wang",
                before: None,
                after: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.sessions_ended, 1);
    assert_eq!(changed.tokens_revoked, 1);
    assert_eq!(
        s.api_token_user("th-old", T0).await.unwrap(),
        None,
        "a new password revokes tokens"
    );
    assert!(
        s.session("tok").await.unwrap().is_none(),
        "a new password ends sessions"
    );
    assert_eq!(s.user(id).await.unwrap().password_hash, "h2");

    s.insert_api_token(id, "ci", "th", T0, None, None)
        .await
        .unwrap();
    assert_eq!(s.api_token_user("th", T0).await.unwrap(), Some(id));
    s.set_user_active(id, false, None).await.unwrap();
    assert_eq!(
        s.api_token_user("th", T0).await.unwrap(),
        None,
        "disabling revokes tokens"
    );
    assert!(!s.user(id).await.unwrap().active);

    assert!(s.user(UserId(424242)).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn audit_entries_are_filtered_by_area() {
    let db = TestDb::new().await;
    let s = &db.store;
    let (_, c1, c2, _, _) = small_tree(s).await;
    let p1 = s.area(c1).await.unwrap().path;
    let p2 = s.area(c2).await.unwrap().path;
    for (p, d) in [(&p1, "one"), (&p2, "two")] {
        s.audit(&NewAudit {
            at: T0,
            actor: None,
            action: "area.rename",
            target_kind: "area",
            target_id: None,
            area_path: Some(p.as_str()),
            detail: d,
            before: None,
            after: None,
        })
        .await
        .unwrap();
    }
    let e = s
        .audit_entries(std::slice::from_ref(&p1), false, 10)
        .await
        .unwrap();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].detail, "one");
    let parent =
        AreaPath::from_stored(p1.as_str().rsplitn(3, '/').nth(2).unwrap().to_string() + "/");
    assert_eq!(
        s.audit_entries(&[parent], false, 10).await.unwrap().len(),
        2
    );
}

#[tokio::test]
async fn leases_are_exclusive_until_they_expire_on_the_databases_clock() {
    let db = TestDb::new().await;
    let s = &db.store;
    assert!(s.try_lease("job", "a", 300).await.unwrap());
    assert!(!s.try_lease("job", "b", 300).await.unwrap(), "held by a");
    assert!(s.try_lease("job", "a", 300).await.unwrap(), "holder renews");
    let (holder, until) = s.lease_holder("job").await.unwrap().unwrap();
    assert_eq!(holder, "a");
    // The expiry is on the database's clock, which is the machine's here.
    let now = jiff::Timestamp::now().as_millisecond();
    assert!(
        (until - now - 300).abs() < 5_000,
        "expires {until}, now {now}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(
        s.try_lease("job", "b", 300).await.unwrap(),
        "expired lease is taken"
    );
    assert!(
        !s.try_lease("job", "a", 300).await.unwrap(),
        "now held by b"
    );
    s.release_lease("job", "a").await.unwrap();
    assert!(
        !s.try_lease("job", "a", 300).await.unwrap(),
        "only the holder releases"
    );
    s.release_lease("job", "b").await.unwrap();
    assert!(
        s.try_lease("job", "a", 300).await.unwrap(),
        "released: free at once"
    );
}

#[tokio::test]
async fn a_jobs_runs_and_failures_are_counted_and_its_last_run_kept() {
    use yihaotai_store::leases::JobRunRecord;
    let db = TestDb::new().await;
    let s = &db.store;
    let run = |error: Option<&'static str>, at: i64| JobRunRecord {
        name: "deadlines",
        holder: "p1",
        started_at: at,
        finished_at: at + 20,
        duration_ms: 20,
        error,
        summary: "breaches 1",
    };
    s.record_job_run(&run(None, T0)).await.unwrap();
    s.record_job_run(&run(Some("database is locked"), T0 + 30_000))
        .await
        .unwrap();
    s.record_job_run(&run(None, T0 + 60_000)).await.unwrap();
    let all = s.job_statuses().await.unwrap();
    assert_eq!(all.len(), 1);
    let j = &all[0];
    assert_eq!((j.runs, j.failures, j.ok), (3, 1, 1));
    assert_eq!(j.error, None, "the last run succeeded");
    assert_eq!(j.last_ok_at, Some(T0 + 60_020));
    assert_eq!(j.last_error_at, Some(T0 + 30_020));
    assert_eq!(j.started_at, T0 + 60_000);
}

#[tokio::test]
async fn the_demo_street_loads_once() {
    let db = TestDb::new().await;
    let s = &db.store;
    let street = yihaotai_domain::demo::demo_street();
    let hashes: Vec<String> = street
        .users
        .iter()
        .map(|u| format!("hash-{}", u.login))
        .collect();
    let first = s.load_demo(&street, &hashes, T0).await.unwrap();
    match first {
        DemoLoad::Loaded {
            households,
            residents,
            ..
        } => {
            assert_eq!(households, 2216);
            assert!((5700..=6300).contains(&residents));
        }
        DemoLoad::AlreadyPresent => panic!("first load must load"),
    }
    assert_eq!(
        s.load_demo(&street, &hashes, T0).await.unwrap(),
        DemoLoad::AlreadyPresent
    );
    let all = s.all_areas().await.unwrap();
    assert_eq!(all.len(), street.areas.len(), "second load added nothing");
    let qingshi = s.area_by_demo_key("qingshi").await.unwrap().unwrap();
    let liuan = s.area_by_demo_key("liuan").await.unwrap().unwrap();
    let f1 = s
        .population_within(std::slice::from_ref(&qingshi.path))
        .await
        .unwrap();
    let f2 = s
        .population_within(std::slice::from_ref(&liuan.path))
        .await
        .unwrap();
    assert_eq!(f1.households + f2.households, 2216);
    assert!(f1.households > 0 && f2.households > 0);
    let sec = s.user_by_login("qingshi").await.unwrap().unwrap();
    assert_eq!(sec.scope().paths, vec![qingshi.path]);
    assert_eq!(sec.password_hash, "hash-qingshi");
    let sealed = all
        .iter()
        .filter(|a| a.kind == AreaKind::Compound && a.control_level == Some(ControlLevel::Sealed))
        .count();
    assert_eq!(sealed, 1);
}

fn new_ticket(
    content: &str,
    household: Option<i64>,
) -> (
    yihaotai_domain::ticket::Ticket,
    Vec<yihaotai_domain::ticket::Event>,
) {
    use yihaotai_domain::ticket::*;
    use yihaotai_domain::vocab::*;
    let actor = Actor {
        user: None,
        agency: None,
        roles: Roles(vec![Role::Agent]),
    };
    let events = register(
        NewTicket {
            channel: Channel::Wechat,
            request_type: RequestType::Help,
            category: Category::parse("supplies").unwrap(),
            urgency: Urgency::Normal,
            epidemic_related: true,
            confidential: false,
            caller_name: None,
            caller_phone: None,
            household: household.map(yihaotai_domain::HouseholdId),
            area: None,
            content: content.into(),
            disposition: Disposition::Dispatch,
        },
        &actor,
        jiff::Timestamp::from_millisecond(T0).unwrap(),
        &Policy::default(),
    )
    .unwrap();
    (Ticket::from_events(&events).unwrap(), events)
}

/// Stores a ticket made by [`new_ticket`] in area `/1/`, as intake would.
async fn insert(
    s: &Store,
    t: &yihaotai_domain::ticket::Ticket,
    ev: &[yihaotai_domain::ticket::Event],
) -> yihaotai_store::Result<(yihaotai_domain::TicketId, String)> {
    s.insert_ticket(&yihaotai_store::tickets::NewTicketRecord {
        ticket: t,
        events: ev,
        area_path: "/1/",
        day: "20261123",
        search_text: "蔬菜",
        suggestion: "",
    })
    .await
}

#[tokio::test]
async fn concurrent_intakes_get_distinct_numbers_and_one_failure_spoils_nothing() {
    let db = TestDb::new().await;
    let s = db.store.clone();
    s.seed_categories().await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..120 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            // Every tenth names a household that does not exist: its foreign key fails.
            let bad = i % 10 == 9;
            let (t, ev) = new_ticket(&format!("第{i}户需要蔬菜"), bad.then_some(999_999));
            let r = insert(&s, &t, &ev).await;
            (bad, r)
        }));
    }
    let mut numbers = std::collections::HashSet::new();
    for t in tasks {
        let (bad, r) = t.await.unwrap();
        match (bad, r) {
            (false, Ok((id, number))) => {
                assert!(numbers.insert(number.clone()), "duplicate number {number}");
                let rec = s.ticket(id).await.unwrap();
                assert_eq!(rec.number, number);
                assert_eq!(s.ticket_events(id).await.unwrap().len(), 1);
            }
            (true, Err(e)) => assert!(e.is_conflict(), "{e:?}"),
            (bad, r) => panic!("bad={bad} gave {r:?}"),
        }
    }
    assert_eq!(numbers.len(), 108);
    assert_eq!(s.count_tickets().await.unwrap(), 108);
    let found = s
        .list_tickets(&yihaotai_store::tickets::TicketFilter {
            text_terms: vec!["蔬菜".into()],
            limit: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        found.len(),
        108,
        "every stored ticket is found by its words"
    );
    assert!(numbers.contains("YHT20261123-000001"));
}

#[tokio::test]
async fn throttle_counters_count_concurrent_attempts_one_by_one() {
    use yihaotai_store::login_throttle::ThrottleScope::{Address, Login};
    let db = TestDb::new().await;
    let s = &db.store;
    let window = 60_000;
    // 200 at once: every attempt gets its own count, so at most `limit` of them can see a
    // count within the limit.
    let hits = futures::future::join_all(
        (0..200).map(|_| s.throttle_hit(Address, "10.0.0.9", T0, window)),
    )
    .await;
    let mut counts: Vec<i64> = hits.into_iter().map(|h| h.unwrap().attempts).collect();
    counts.sort();
    assert_eq!(counts, (1..=200).collect::<Vec<_>>());
    assert_eq!(s.throttle_count(Address, "10.0.0.9").await.unwrap(), 200);
    assert_eq!(
        s.throttle_count(Login, "10.0.0.9").await.unwrap(),
        0,
        "scopes apart"
    );

    s.throttle_release(Address, "10.0.0.9").await.unwrap();
    assert_eq!(s.throttle_count(Address, "10.0.0.9").await.unwrap(), 199);
    // The window over, counting starts again.
    let next = s
        .throttle_hit(Address, "10.0.0.9", T0 + window, window)
        .await
        .unwrap();
    assert_eq!((next.attempts, next.window_start), (1, T0 + window));
    s.throttle_hit(Login, "wang", T0, window).await.unwrap();
    assert_eq!(s.delete_stale_throttle(T0 + 1).await.unwrap(), 1);
    assert_eq!(s.throttle_count(Login, "wang").await.unwrap(), 0);
}

/// A stale version is a version conflict, retryable; a missing agency is a constraint
/// violation naming its constraint, never retryable; neither changes anything.
#[tokio::test]
async fn a_version_clash_is_told_from_a_constraint_violation() {
    let db = TestDb::new().await;
    let s = &db.store;
    let (t, ev) = new_ticket("需要蔬菜", None);
    let (id, _) = insert(s, &t, &ev).await.unwrap();
    let rec = s.ticket(id).await.unwrap();
    let v = rec.ticket.version;
    let (_, more) = new_ticket("需要蔬菜", None);
    let mut next = rec.ticket.clone();
    next.version = v + more.len() as u64;
    s.append_events(id, v, &more, &next).await.unwrap();
    // The same expected version again: someone else got there first.
    let stale = s.append_events(id, v, &more, &next).await.unwrap_err();
    assert!(stale.is_version_conflict(), "{stale:?}");
    assert!(!stale.is_conflict(), "{stale:?}");
    let events = s.ticket_events(id).await.unwrap().len();
    assert_eq!(
        events,
        ev.len() + more.len(),
        "the stale append wrote nothing"
    );

    // A ticket naming a household that does not exist: a constraint, with its name.
    let (t, ev) = new_ticket("需要蔬菜", Some(999_999));
    let bad = insert(s, &t, &ev).await.unwrap_err();
    assert!(bad.is_conflict(), "{bad:?}");
    assert!(!bad.is_version_conflict(), "{bad:?}");
    assert!(!bad.to_string().is_empty());
    assert_eq!(s.count_tickets().await.unwrap(), 1);
}

/// A database as the release of 2026-12-02 left it, migrated to today's schema.
async fn upgraded_from_20261202() -> TestDb {
    let db = TestDb::at_migration(yihaotai_store::testing::MIGRATION_20261202).await;
    yihaotai_store::testing::upgrade_from_20261202(&db.store).await;
    db
}

#[tokio::test]
async fn tickets_stored_by_an_earlier_release_read_as_their_events_say() {
    use yihaotai_domain::ticket::{Satisfaction, Solved};
    let db = upgraded_from_20261202().await;
    let s = &db.store;
    let check = s.rebuild_projections(false, |_| {}).await.unwrap();
    assert_eq!(
        (check.tickets, check.differed),
        (20, 0),
        "the migration's projection of callbacks must be what the events give: {check:?}"
    );
    let mut want = yihaotai_store::tickets::CallbackCounts::default();
    for id in 1..=20 {
        let id = yihaotai_domain::TicketId(id);
        let stored = s.ticket(id).await.unwrap().ticket;
        let mut replayed = s.replay(id).await.unwrap();
        replayed.id = Some(id);
        assert_eq!(stored, replayed, "ticket {}", id.0);
        if let Some(c) = &replayed.callback {
            want.called_back += 1;
            want.contacted += c.contacted as i64;
            want.solved += (c.solved == Solved::Solved) as i64;
            want.partly_solved += (c.solved == Solved::Partly) as i64;
            want.satisfied += (c.satisfaction == Satisfaction::Satisfied) as i64;
            want.basically_satisfied += (c.satisfaction == Satisfaction::BasicallySatisfied) as i64;
        }
    }
    assert!(
        want.called_back >= 10,
        "the fixture has callbacks: {want:?}"
    );
    let got = s.callback_counts(None, 0, i64::MAX).await.unwrap();
    assert_eq!(got, want);
    assert!(got
        .satisfaction_rate()
        .is_some_and(|r| (0.0..=1.0).contains(&r)));
    // Scoped to a path no ticket lies in, and to a period before any: nothing.
    let none = s
        .callback_counts(Some(&["/999999/".to_string()]), 0, i64::MAX)
        .await
        .unwrap();
    assert_eq!(none.called_back, 0);
    assert_eq!(s.callback_counts(None, 0, 1).await.unwrap().called_back, 0);
    assert_eq!(none.contact_rate(), None);
}

#[tokio::test]
async fn dropped_projections_are_rebuilt_from_events_to_the_byte() {
    let db = upgraded_from_20261202().await;
    let s = &db.store;
    let before = s.ticket(yihaotai_domain::TicketId(3)).await.unwrap().ticket;
    // The projection thrown away: snapshots of an unknown version, columns wrong.
    s.execute_script(
        "UPDATE tickets SET state = '{}', state_version = 0, status = 'registered', overdue = 1,
           urgency_rank = 9, breaches = 'x', callback_solved = NULL, callback_contacted = NULL",
    )
    .await
    .unwrap();
    // Still read right: a snapshot of another version is replayed from the events.
    assert_eq!(
        s.ticket(yihaotai_domain::TicketId(3)).await.unwrap().ticket,
        before
    );
    let check = s.rebuild_projections(false, |_| {}).await.unwrap();
    assert_eq!((check.tickets, check.differed, check.written), (20, 20, 0));
    assert_eq!(check.first_differing, Some(yihaotai_domain::TicketId(1)));
    let mut seen = Vec::new();
    let rebuilt = s.rebuild_projections(true, |n| seen.push(n)).await.unwrap();
    assert_eq!((rebuilt.differed, rebuilt.written), (20, 20));
    assert_eq!(seen, vec![20], "progress after each batch");
    // Every column now equals what the events give, as before the projection was dropped.
    let again = s.rebuild_projections(false, |_| {}).await.unwrap();
    assert_eq!((again.tickets, again.differed), (20, 0));
    assert_eq!(
        s.ticket(yihaotai_domain::TicketId(3)).await.unwrap().ticket,
        before
    );
}

async fn audited(
    s: &Store,
    root: &AreaPath,
    action: &str,
) -> Vec<yihaotai_store::audit::AuditEntry> {
    s.audit_entries(std::slice::from_ref(root), true, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .collect()
}

/// An admin change and its audit entry (with the record before and after) commit together:
/// a change that fails leaves no entry, and an entry never stands for a change not made.
#[tokio::test]
async fn admin_changes_are_audited_in_their_own_transaction() {
    let db = TestDb::new().await;
    let s = &db.store;
    let (street, _, _, k1, _) = small_tree(s).await;
    let root = s.area(street).await.unwrap().path;
    let entry = |action: &'static str, target: Option<i64>| NewAudit {
        at: T0,
        actor: None,
        action,
        target_kind: "area",
        target_id: target,
        area_path: Some(root.as_str()),
        detail: "test",
        before: Some(r#"{"name":"锦绣花园"}"#.into()),
        after: Some(r#"{"name":"锦绣花园东区"}"#.into()),
    };
    let missing = s
        .rename_area(
            AreaId(999_999),
            "x",
            &[],
            Some(&entry("area.rename.missing", Some(999_999))),
        )
        .await;
    assert!(missing.unwrap_err().is_not_found());
    assert!(
        audited(s, &root, "area.rename.missing").await.is_empty(),
        "no entry for a change not made"
    );

    s.rename_area(
        k1,
        "锦绣花园东区",
        &[],
        Some(&entry("area.rename", Some(k1.0))),
    )
    .await
    .unwrap();
    let got = audited(s, &root, "area.rename").await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].target_id, Some(k1.0));
    assert_eq!(
        got[0].before_json.as_deref(),
        Some(r#"{"name":"锦绣花园"}"#)
    );
    assert_eq!(
        got[0].after_json.as_deref(),
        Some(r#"{"name":"锦绣花园东区"}"#)
    );

    // An addition's entry names the record the same transaction added.
    let added = s
        .insert_area(
            &NewArea {
                parent: Some(street),
                kind: AreaKind::Community,
                name: "新社区",
                aliases: &[],
                demo_key: None,
            },
            T0,
            Some(&entry("area.add", None)),
        )
        .await
        .unwrap();
    assert_eq!(
        audited(s, &root, "area.add").await[0].target_id,
        Some(added.id.0)
    );

    // A constraint refused: a rule for an agency that does not exist.
    let rule = yihaotai_store::catalogue::NewDispatchRule {
        category: "medical",
        area: k1,
        agency: AgencyId(999_999),
        mode: "direct",
        by: None,
    };
    let refused = s
        .set_dispatch_rule(&rule, T0, Some(&entry("dispatch_rule.set", None)))
        .await;
    assert!(refused.is_err());
    assert!(audited(s, &root, "dispatch_rule.set").await.is_empty());
}

/// Twelve tickets that differ in urgency, category, area, phone, words and registration
/// time, for the list filters.
async fn varied_tickets(s: &Store) -> Vec<(yihaotai_domain::TicketId, String)> {
    use yihaotai_domain::person::Phone;
    use yihaotai_domain::ticket::*;
    use yihaotai_domain::vocab::*;
    s.seed_categories().await.unwrap();
    let actor = Actor {
        user: None,
        agency: None,
        roles: Roles(vec![Role::Agent]),
    };
    let mut out = Vec::new();
    for i in 0..12i64 {
        let urgency = [Urgency::Critical, Urgency::Urgent, Urgency::Normal][i as usize % 3];
        let category = ["medical", "supplies"][i as usize % 2];
        let area = ["/1/2/", "/1/3/"][(i as usize / 6) % 2];
        let words = if i % 4 == 0 {
            "胰岛素 没了"
        } else {
            "蔬菜 送到"
        };
        let events = register(
            NewTicket {
                channel: Channel::Wechat,
                request_type: RequestType::Help,
                category: Category::parse(category).unwrap(),
                urgency,
                epidemic_related: false,
                confidential: false,
                caller_name: None,
                caller_phone: Some(Phone::parse(&format!("1381234{:04}", 5600 + i % 3)).unwrap()),
                household: None,
                area: None,
                content: format!("第{i}件：{words}"),
                disposition: Disposition::Dispatch,
            },
            &actor,
            jiff::Timestamp::from_millisecond(T0 + i * 60_000).unwrap(),
            &Policy::default(),
        )
        .unwrap();
        let t = Ticket::from_events(&events).unwrap();
        let r = s
            .insert_ticket(&yihaotai_store::tickets::NewTicketRecord {
                ticket: &t,
                events: &events,
                area_path: area,
                day: "20261123",
                search_text: words,
                suggestion: "",
            })
            .await
            .unwrap();
        out.push(r);
    }
    out
}

#[tokio::test]
async fn every_list_filter_selects_what_it_names() {
    use yihaotai_store::tickets::TicketFilter;
    let db = TestDb::new().await;
    let s = &db.store;
    let made = varied_tickets(s).await;
    let count = |f: TicketFilter| async move {
        s.list_tickets(&TicketFilter { limit: 100, ..f })
            .await
            .unwrap()
            .len()
    };
    let none = TicketFilter::default;
    assert_eq!(count(none()).await, 12);
    assert_eq!(
        count(TicketFilter {
            urgency: Some("critical"),
            ..none()
        })
        .await,
        4
    );
    assert_eq!(
        count(TicketFilter {
            category: Some("medical".into()),
            ..none()
        })
        .await,
        6
    );
    assert_eq!(
        count(TicketFilter {
            area_prefix: Some("/1/3/".into()),
            ..none()
        })
        .await,
        6
    );
    assert_eq!(
        count(TicketFilter {
            scope: Some(vec!["/1/2/".into()]),
            ..none()
        })
        .await,
        6
    );
    assert_eq!(
        count(TicketFilter {
            scope: Some(vec!["/1/2/".into(), "/1/3/".into()]),
            ..none()
        })
        .await,
        12
    );
    assert_eq!(
        count(TicketFilter {
            scope: Some(vec![]),
            ..none()
        })
        .await,
        0,
        "no areas, nothing"
    );
    assert_eq!(
        count(TicketFilter {
            phone: Some("13812345601".into()),
            ..none()
        })
        .await,
        4
    );
    assert_eq!(
        count(TicketFilter {
            number: Some(made[5].1.clone()),
            ..none()
        })
        .await,
        1
    );
    assert_eq!(
        count(TicketFilter {
            statuses: vec!["registered"],
            ..none()
        })
        .await,
        12
    );
    assert_eq!(
        count(TicketFilter {
            statuses: vec!["dispatched", "closed"],
            ..none()
        })
        .await,
        0
    );
    assert_eq!(
        count(TicketFilter {
            agency: Some(AgencyId(1)),
            ..none()
        })
        .await,
        0
    );
    assert_eq!(
        count(TicketFilter {
            overdue: Some(true),
            ..none()
        })
        .await,
        0
    );
    assert_eq!(
        count(TicketFilter {
            overdue: Some(false),
            ..none()
        })
        .await,
        12
    );
    assert_eq!(
        count(TicketFilter {
            open_only: true,
            ..none()
        })
        .await,
        12
    );
    assert_eq!(
        count(TicketFilter {
            supervised: true,
            ..none()
        })
        .await,
        0
    );
    // The dispatcher's queue: registered tickets wait for a decision.
    assert_eq!(
        count(TicketFilter {
            pending_review: true,
            ..none()
        })
        .await,
        12
    );
    assert_eq!(
        count(TicketFilter {
            registered_from: Some(T0 + 3 * 60_000),
            registered_to: Some(T0 + 7 * 60_000),
            ..none()
        })
        .await,
        4,
        "from is inclusive, to exclusive"
    );
    assert_eq!(
        count(TicketFilter {
            text_terms: vec!["胰岛素".into()],
            ..none()
        })
        .await,
        3
    );
    assert_eq!(
        count(TicketFilter {
            text_terms: vec!["胰岛素".into(), "送到".into()],
            ..none()
        })
        .await,
        0,
        "every term must match"
    );
    // Filters combine: critical medical tickets in /1/3/.
    assert_eq!(
        count(TicketFilter {
            urgency: Some("critical"),
            category: Some("medical".into()),
            area_prefix: Some("/1/3/".into()),
            ..none()
        })
        .await,
        1
    );
}

#[tokio::test]
async fn pages_follow_each_other_without_gaps_or_repeats_in_both_orders() {
    use yihaotai_store::tickets::TicketFilter;
    let db = TestDb::new().await;
    let s = &db.store;
    varied_tickets(s).await;
    for urgency_first in [true, false] {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = s
                .list_tickets(&TicketFilter {
                    urgency_first,
                    after,
                    limit: 5,
                    ..Default::default()
                })
                .await
                .unwrap();
            if page.is_empty() {
                break;
            }
            let last = page.last().unwrap();
            after = Some((if urgency_first { last.urgency_rank } else { 0 }, last.id));
            seen.extend(page);
            assert!(seen.len() <= 12, "pages repeat");
        }
        let ids: std::collections::HashSet<i64> = seen.iter().map(|r| r.id).collect();
        assert_eq!(
            (seen.len(), ids.len()),
            (12, 12),
            "urgency_first={urgency_first}"
        );
        if urgency_first {
            let ranks: Vec<i64> = seen.iter().map(|r| r.urgency_rank).collect();
            let mut sorted = ranks.clone();
            sorted.sort();
            assert!(
                ranks == sorted || ranks.iter().rev().eq(sorted.iter()),
                "{ranks:?}"
            );
            assert_eq!(seen[0].urgency, "critical", "the most urgent first");
        } else {
            assert!(
                seen.windows(2)
                    .all(|w| w[0].registered_at >= w[1].registered_at),
                "newest first"
            );
        }
    }
}

/// Every change to the catalogue is kept with the time it took effect, so the catalogue in
/// force at any past time reads back: before a rule existed, after it was set, after it was
/// replaced and after it was removed.
#[tokio::test]
async fn the_catalogue_in_force_at_any_past_time_reads_back() {
    use yihaotai_store::catalogue::NewDispatchRule;
    let db = TestDb::new().await;
    let s = &db.store;
    s.seed_categories().await.unwrap();
    let (street, c1, c2, k1, _) = small_tree(s).await;
    let agency = |name: &str| AgencyInput {
        name: name.into(),
        kind: "medical_team".into(),
        parent: None,
        home_area: street,
        is_forwarding_centre: false,
        areas: vec![c1],
        categories: vec!["medical".into()],
        active: true,
    };
    let first = s
        .insert_agency(&agency("医疗保障组"), None, T0, None)
        .await
        .unwrap();
    let second = s
        .insert_agency(&agency("社区卫生站"), None, T0, None)
        .await
        .unwrap();
    let rule = |agency: AgencyId, mode: &'static str| NewDispatchRule {
        category: "medical",
        area: k1,
        agency,
        mode,
        by: None,
    };
    let (t1, t2, t3) = (T0 + 60_000, T0 + 120_000, T0 + 180_000);
    s.set_dispatch_rule(&rule(first, "direct"), t1, None)
        .await
        .unwrap();
    let id = s
        .set_dispatch_rule(&rule(second, "forward"), t2, None)
        .await
        .unwrap();
    s.delete_dispatch_rule(id, t3, None, None).await.unwrap();
    assert!(s.dispatch_rules().await.unwrap().is_empty());

    let at = |t: i64| async move {
        s.dispatch_rules_at(t)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.agency_id, r.mode, r.area_id))
            .collect::<Vec<_>>()
    };
    assert!(at(t1 - 1).await.is_empty(), "nothing before the first rule");
    assert_eq!(
        at(t1).await,
        vec![(Some(first.0), Some("direct".into()), k1.0)]
    );
    assert_eq!(
        at(t2 - 1).await,
        vec![(Some(first.0), Some("direct".into()), k1.0)]
    );
    assert_eq!(
        at(t2).await,
        vec![(Some(second.0), Some("forward".into()), k1.0)]
    );
    assert!(at(t3).await.is_empty(), "removed from then on");

    // Newest first: the removal, the replacement, the first rule.
    let versions = s.dispatch_rule_versions(None, 10).await.unwrap();
    let seen: Vec<(Option<i64>, i64)> = versions
        .iter()
        .map(|v| (v.agency_id, v.effective_at))
        .collect();
    assert_eq!(
        seen,
        vec![(None, t3), (Some(second.0), t2), (Some(first.0), t1)]
    );
    assert_eq!(versions[0].area_name, "锦绣花园");
    assert_eq!(s.dispatch_rule_versions(None, 1).await.unwrap().len(), 1);

    // A refused change keeps no version.
    let refused = s
        .set_dispatch_rule(&rule(AgencyId(999_999), "direct"), T0 + 240_000, None)
        .await;
    assert!(refused.is_err());
    assert_eq!(s.dispatch_rule_versions(None, 10).await.unwrap().len(), 3);
    assert!(s
        .delete_dispatch_rule(id, T0 + 240_000, None, None)
        .await
        .unwrap_err()
        .is_not_found());
    assert_eq!(s.dispatch_rule_versions(None, 10).await.unwrap().len(), 3);

    // A removal by a process whose clock is a little behind still comes after the rule it
    // removes.
    let id = s
        .set_dispatch_rule(&rule(first, "direct"), T0 + 300_000, None)
        .await
        .unwrap();
    s.delete_dispatch_rule(id, T0 + 299_000, None, None)
        .await
        .unwrap();
    assert!(
        at(T0 + 400_000).await.is_empty(),
        "removed, whatever the clocks"
    );
    assert_eq!(
        s.dispatch_rule_versions(None, 1).await.unwrap()[0].effective_at,
        T0 + 300_000
    );

    // Versions by area: the compound's community sees them, the other community none.
    let mine = s.area(c1).await.unwrap().path;
    let theirs = s.area(c2).await.unwrap().path;
    let seen = |scope: AreaPath| async move {
        s.dispatch_rule_versions(Some(&[scope]), 10)
            .await
            .unwrap()
            .len()
    };
    assert_eq!(seen(mine).await, 5);
    assert_eq!(seen(theirs).await, 0);
}
