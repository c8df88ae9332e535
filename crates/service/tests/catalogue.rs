//! The dispatch catalogue and the editable deadline policy, at the service layer, on SQLite
//! and (with YIHAOTAI_TEST_DATABASE_URL) PostgreSQL.

mod support;

use support::*;

use yihaotai_domain::ticket::{Command, DispatchMode, Disposition};
use yihaotai_domain::vocab::{Channel, RequestType, Urgency};
use yihaotai_domain::{AgencyId, HouseholdId};
use yihaotai_service::admin::Caller;
use yihaotai_service::tickets::IntakeInput;
use yihaotai_service::{ManualClock, Service, ServiceConfig, ServiceError, User};

async fn agency_named(svc: &Service, admin: &User, name: &str) -> AgencyId {
    let all = svc.agencies_for(admin).await.unwrap();
    AgencyId(all.iter().find(|a| a.row.name == name).unwrap().row.id)
}

/// A household in the first control zone of 锦绣花园 (the zone of 后勤保障一队).
async fn household_in_jinxiu_zone_1(svc: &Service) -> HouseholdId {
    let zone = svc
        .store
        .area_by_demo_key("jinxiu/z1")
        .await
        .unwrap()
        .unwrap();
    let hh = svc.store.households_within(&[zone.path]).await.unwrap();
    HouseholdId(hh[0].id)
}

fn request(category: &str, household: Option<HouseholdId>) -> IntakeInput {
    IntakeInput {
        channel: Channel::Hotline12345,
        request_type: RequestType::Help,
        category: category.into(),
        urgency: Urgency::Normal,
        epidemic_related: false,
        confidential: false,
        caller_name: None,
        caller_phone: None,
        household,
        area: None,
        content: "家里没有米了，三天没出门".into(),
        disposition: Disposition::Dispatch,
        dispatch_to: None,
        suggestion: None,
        downgrade_reason: None,
    }
}

#[tokio::test]
async fn the_most_specific_rule_on_the_tickets_area_path_wins() {
    let d = desk().await;
    let svc = &d.svc;
    let agent = user(svc, "agent").await;
    let hh = household_in_jinxiu_zone_1(svc).await;

    // Supplies: the street sends them to the supply team, the zone to its logistics team.
    let s = svc
        .suggest_for_intake(&agent, "supplies", Some(hh), None)
        .await
        .unwrap()
        .expect("a suggestion");
    assert_eq!(s.agency_name, "后勤保障一队");
    assert_eq!(s.mode, DispatchMode::Direct);
    assert!(s.rule_id.is_some());
    // Medical care has a street-wide rule only.
    let m = svc
        .suggest_for_intake(&agent, "medical", Some(hh), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.agency_name, "望江街道医疗保障组");
    assert_eq!(m.area_name, "望江街道");

    // The catalogue reads in the tree's order: a street before its communities, a
    // compound's zone 2 before its zone 10.
    let order: Vec<Vec<i64>> = svc
        .dispatch_rules_for(&agent)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.area_path
                .split('/')
                .filter_map(|x| x.parse().ok())
                .collect()
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");

    // The rule for the zone removed: the street's rule applies again.
    let rule = svc
        .dispatch_rules_for(&agent)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.category == "supplies" && r.agency_name == "后勤保障一队")
        .unwrap();
    let admin = user(svc, "admin").await;
    svc.delete_dispatch_rule(Caller::User(&admin), rule.id)
        .await
        .unwrap();
    let s = svc
        .suggest_for_intake(&agent, "supplies", Some(hh), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.agency_name, "望江街道物资保障组");
}

#[tokio::test]
async fn without_a_rule_the_agency_that_declares_the_category_is_suggested() {
    let d = desk().await;
    let svc = &d.svc;
    let admin = user(svc, "admin").await;
    let agent = user(svc, "agent").await;
    for r in svc.dispatch_rules_for(&admin).await.unwrap() {
        if r.category == "medical" {
            svc.delete_dispatch_rule(Caller::User(&admin), r.id)
                .await
                .unwrap();
        }
    }
    let hh = household_in_jinxiu_zone_1(svc).await;
    let s = svc
        .suggest_for_intake(&agent, "medical", Some(hh), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.rule_id, None);
    assert_eq!(s.agency_name, "望江街道医疗保障组");
}

#[tokio::test]
async fn a_rule_set_by_an_admin_is_used_by_intake_and_audited() {
    let d = desk().await;
    let svc = &d.svc;
    let admin = user(svc, "admin").await;
    let agent = user(svc, "agent").await;
    let jinxiu = area(svc, "jinxiu").await;
    let property = agency_named(svc, &admin, "锦绣花园物业服务中心").await;
    let rule = svc
        .set_dispatch_rule(
            Caller::User(&admin),
            "supplies",
            jinxiu,
            property,
            "forward",
        )
        .await
        .unwrap();
    assert_eq!(rule.mode, "forward");
    // Setting it again replaces it: one rule per category and area.
    let again = svc
        .set_dispatch_rule(Caller::User(&admin), "supplies", jinxiu, property, "direct")
        .await
        .unwrap();
    assert_eq!(again.id, rule.id);
    assert_eq!(again.mode, "direct");
    let audit = svc.audit_for(&admin, 20).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "dispatch_rule.set"));

    // A household in 锦绣花园 outside zone 1's own rule... zone 1 still overrides.
    let hh = household_in_jinxiu_zone_1(svc).await;
    let s = svc
        .suggest_for_intake(&agent, "supplies", Some(hh), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.agency_name, "后勤保障一队");
    // For the compound as a whole, the new rule.
    let s = svc
        .suggest_for_intake(&agent, "supplies", None, Some(jinxiu))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.agency_id, property.0);
}

#[tokio::test]
async fn a_community_admin_cannot_set_rules_elsewhere_and_bad_rules_change_nothing() {
    let d = desk().await;
    let svc = &d.svc;
    let qingshi = user(svc, "qingshi").await;
    let admin = user(svc, "admin").await;
    let before = svc.dispatch_rules_for(&admin).await.unwrap();
    let liuan = area(svc, "liuan").await;
    let own = area(svc, "qingshi").await;
    let committee = agency_named(svc, &admin, "青石社区居民委员会").await;

    let e = svc
        .set_dispatch_rule(Caller::User(&qingshi), "pet", liuan, committee, "direct")
        .await
        .unwrap_err();
    assert!(
        matches!(e, ServiceError::Invalid { ref field, .. } if field == "area"),
        "{e:?}"
    );
    let e = svc
        .set_dispatch_rule(Caller::User(&qingshi), "nonsense", own, committee, "direct")
        .await
        .unwrap_err();
    assert!(
        matches!(e, ServiceError::Invalid { ref field, .. } if field == "category"),
        "{e:?}"
    );
    let e = svc
        .set_dispatch_rule(Caller::User(&qingshi), "pet", own, committee, "sideways")
        .await
        .unwrap_err();
    assert!(
        matches!(e, ServiceError::Invalid { ref field, .. } if field == "mode"),
        "{e:?}"
    );
    let e = svc
        .set_dispatch_rule(
            Caller::User(&qingshi),
            "pet",
            own,
            AgencyId(999_999),
            "direct",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, ServiceError::Invalid { ref field, .. } if field == "agency"),
        "{e:?}"
    );
    // The other community's rules are invisible, and cannot be removed.
    let theirs = before
        .iter()
        .find(|r| r.area_name == "柳岸社区")
        .expect("柳岸社区 has rules");
    assert!(!svc
        .dispatch_rules_for(&qingshi)
        .await
        .unwrap()
        .iter()
        .any(|r| r.id == theirs.id));
    assert!(matches!(
        svc.delete_dispatch_rule(Caller::User(&qingshi), theirs.id)
            .await,
        Err(ServiceError::NotFound)
    ));
    // A desk agent may read the catalogue but not change it.
    let agent = user(svc, "agent").await;
    assert!(matches!(
        svc.set_dispatch_rule(Caller::User(&agent), "pet", own, committee, "direct")
            .await,
        Err(ServiceError::Forbidden { .. })
    ));
    assert_eq!(svc.dispatch_rules_for(&admin).await.unwrap(), before);
}

const STRICT: &str = r#"
[[rules]]
urgency = "critical"
accept_within = { amount = 3, unit = "minutes" }
resolve_within = { amount = 30, unit = "minutes" }

[[rules]]
accept_within = { amount = 1, unit = "hours" }
resolve_within = { amount = 2, unit = "natural_days" }
"#;

#[tokio::test]
async fn a_saved_policy_gives_new_dispatches_its_deadlines_and_leaves_old_ones_alone() {
    let d = desk().await;
    let svc = &d.svc;
    let admin = user(svc, "admin").await;
    let agent = user(svc, "agent").await;
    let handler = user(svc, "handler").await;
    let medical = handler.agency_id.unwrap();
    let dispatch = || Command::Dispatch {
        agency: medical,
        mode: DispatchMode::Direct,
        assisting: vec![],
        note: String::new(),
    };

    let before = svc.intake(&agent, request("medical", None)).await.unwrap();
    let before = svc
        .command(&agent, before.record.id, dispatch())
        .await
        .unwrap();
    let old_resolve_by = before.ticket.deadlines.resolve_by.unwrap();
    assert!(svc.policy_view(&admin).await.unwrap().builtin);

    svc.set_policy(&admin, STRICT).await.unwrap();
    let view = svc.policy_view(&agent).await.unwrap();
    assert!(!view.builtin);
    assert_eq!(view.policy.rules.len(), 2);

    let after = svc.intake(&agent, request("medical", None)).await.unwrap();
    let after = svc
        .command(&agent, after.record.id, dispatch())
        .await
        .unwrap();
    let dispatched_at = after.ticket.updated_at.as_millisecond();
    assert_eq!(
        after.ticket.deadlines.resolve_by.unwrap().as_millisecond() - dispatched_at,
        2 * 24 * 3600 * 1000
    );
    // The ticket dispatched before keeps the deadline it was given.
    let reread = svc.store.ticket(before.id).await.unwrap();
    assert_eq!(reread.ticket.deadlines.resolve_by.unwrap(), old_resolve_by);

    // Another process on the same database reads it at start (and every minute).
    let other = Service::new(
        svc.store.clone(),
        std::sync::Arc::new(ManualClock::new(T0)),
        ServiceConfig::default(),
    );
    other.bootstrap().await.unwrap();
    assert_eq!(other.policy().rules.len(), 2);

    svc.reset_policy(&admin).await.unwrap();
    assert!(svc.policy_view(&admin).await.unwrap().builtin);
    other.load_policy().await.unwrap();
    assert_eq!(*other.policy(), yihaotai_domain::ticket::Policy::default());
}

#[tokio::test]
async fn only_an_admin_of_the_whole_territory_may_change_the_policy_and_bad_text_changes_nothing() {
    let d = desk().await;
    let svc = &d.svc;
    let admin = user(svc, "admin").await;
    let qingshi = user(svc, "qingshi").await;
    let agent = user(svc, "agent").await;
    assert!(matches!(
        svc.set_policy(&qingshi, STRICT).await,
        Err(ServiceError::Forbidden { .. })
    ));
    assert!(matches!(
        svc.set_policy(&agent, STRICT).await,
        Err(ServiceError::Forbidden { .. })
    ));
    assert!(svc.may_edit_policy(&admin).await);
    assert!(!svc.may_edit_policy(&qingshi).await);
    for bad in [
        "",
        "rules = []",
        "[[rules]]\nurgency = \"critical\"\naccept_within = { amount = 3, unit = \"minutes\" }\nresolve_within = { amount = 1, unit = \"hours\" }\n",
        "[[rules]]\naccept_within = { amount = 3, unit = \"fortnights\" }\nresolve_within = { amount = 1, unit = \"hours\" }\n",
        "\u{0}\u{1}binary",
    ] {
        let e = svc.set_policy(&admin, bad).await.unwrap_err();
        match &e {
            ServiceError::Invalid { field, zh, en } => {
                assert_eq!(field, "policy");
                assert!(!zh.is_empty() && !en.is_empty());
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert!(svc.policy_view(&admin).await.unwrap().builtin);
    assert_eq!(*svc.policy(), yihaotai_domain::ticket::Policy::default());
}

#[tokio::test]
async fn the_policy_in_force_at_any_past_time_is_the_version_saved_before_it() {
    let d = desk().await;
    let svc = &d.svc;
    let admin = user(svc, "admin").await;
    let builtin = yihaotai_domain::ticket::Policy::default();
    assert_eq!(
        *svc.policy_at(T0).await.unwrap(),
        builtin,
        "nothing saved yet"
    );

    d.clock.advance(60_000);
    let t1 = svc.now();
    svc.set_policy(&admin, STRICT).await.unwrap();
    let strict = (*svc.policy()).clone();
    assert_ne!(strict, builtin);

    d.clock.advance(3_600_000);
    let t2 = svc.now();
    svc.reset_policy(&admin).await.unwrap();

    assert_eq!(
        *svc.policy_at(t1 - 1).await.unwrap(),
        builtin,
        "before the first save"
    );
    assert_eq!(
        *svc.policy_at(t1).await.unwrap(),
        strict,
        "from the moment it was saved"
    );
    assert_eq!(*svc.policy_at(t2 - 1).await.unwrap(), strict);
    assert_eq!(
        *svc.policy_at(t2).await.unwrap(),
        builtin,
        "reset to the built-in one"
    );

    let versions = svc.policy_versions(&admin).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        (versions[0].effective_at, versions[0].value.is_none()),
        (t2, true)
    );
    assert_eq!(versions[1].effective_at, t1);
    assert_eq!(versions[1].set_by, Some(admin.id.0));
    assert_eq!(
        versions[1].set_by_name.as_deref(),
        Some(admin.display_name.as_str())
    );
    let viewer = user(svc, "viewer").await;
    assert!(
        svc.policy_versions(&viewer).await.is_err(),
        "not for viewers"
    );
}
