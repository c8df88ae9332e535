//! Who may do what, on SQLite and (with YIHAOTAI_TEST_DATABASE_URL) PostgreSQL: logins,
//! sessions, tokens, and the rule that a community's staff can neither see nor change
//! another community's areas, agencies or accounts.

mod support;

use support::*;

use yihaotai_domain::area::AreaKind;
use yihaotai_domain::role::{Role, Roles};
use yihaotai_domain::vocab::ControlLevel;
use yihaotai_service::admin::{Caller, UserInput};
use yihaotai_service::{ServiceConfig, ServiceError};

#[tokio::test]
async fn sessions_expire_after_a_shift() {
    let d = desk().await;
    let svc = &d.svc;
    let s = svc.login("agent", "demo-agent-2026", None).await.unwrap();
    let (u, csrf) = svc.session_user(s.token.expose()).await.unwrap();
    assert_eq!(u.login, "agent");
    assert_eq!(csrf, s.csrf);
    // The session lasts a 12-hour shift and a little more, then it is gone.
    d.clock.advance(ServiceConfig::default().session_ttl_ms);
    assert!(matches!(
        svc.session_user(s.token.expose()).await,
        Err(ServiceError::Unauthenticated)
    ));
    svc.logout("not a token").await.unwrap();
}

#[tokio::test]
async fn disabled_accounts_cannot_log_in_or_use_tokens() {
    let d = desk().await;
    let svc = &d.svc;
    let token = svc.create_api_token("viewer", "test").await.unwrap();
    assert_eq!(
        svc.token_user(token.expose()).await.unwrap().login,
        "viewer"
    );
    assert!(svc.token_user("yht_forged").await.is_err());
    let s = svc.login("viewer", "demo-viewer-2026", None).await.unwrap();
    let viewer = user(svc, "viewer").await;
    svc.set_user_active(Caller::System, viewer.id, false)
        .await
        .unwrap();
    // Said like a wrong password: the answer does not tell that the password was right.
    assert!(matches!(
        svc.login("viewer", "demo-viewer-2026", None).await,
        Err(ServiceError::BadCredentials)
    ));
    assert!(svc.session_user(s.token.expose()).await.is_err());
    assert!(svc.token_user(token.expose()).await.is_err());
}

#[tokio::test]
async fn a_community_secretary_sees_and_changes_only_their_community() {
    let d = desk().await;
    let svc = &d.svc;
    let qingshi = user(svc, "qingshi").await;
    let me = Caller::User(&qingshi);
    let liuan_area = area_named(svc, "柳岸社区").await;
    let heping = area_named(svc, "和平里").await;
    let jinxiu = area_named(svc, "锦绣花园").await;

    // Areas: only 青石社区 and beneath.
    let mine = svc.areas_for(&qingshi).await.unwrap();
    assert!(mine.iter().any(|a| a.id == jinxiu.id));
    let qingshi_path = area_named(svc, "青石社区").await.path;
    assert!(mine.iter().all(|a| a.path.is_within(&qingshi_path)));
    assert!(matches!(
        svc.area_for(&qingshi, heping.id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        svc.rename_area(me, heping.id, "改名", &[]).await,
        Err(ServiceError::NotFound)
    ));
    assert_eq!(
        svc.all_areas()
            .await
            .unwrap()
            .iter()
            .find(|a| a.id == heping.id)
            .unwrap()
            .name,
        "和平里"
    );
    assert!(matches!(
        svc.add_area(me, Some(heping.id), AreaKind::Building, "99栋", &[])
            .await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        svc.set_control_level(me, heping.id, ControlLevel::Sealed, None, "test")
            .await,
        Err(ServiceError::NotFound)
    ));
    assert_eq!(
        svc.all_areas()
            .await
            .unwrap()
            .iter()
            .find(|a| a.id == heping.id)
            .unwrap()
            .control_level,
        Some(ControlLevel::Precaution)
    );
    // ...but inside their own community they may.
    let b = svc
        .add_area(me, Some(jinxiu.id), AreaKind::Building, "21栋", &[])
        .await
        .unwrap();
    assert!(b.path.is_within(&jinxiu.path));

    // Agencies: the other community's committee and property managers are invisible.
    let agencies = svc.agencies_for(&qingshi).await.unwrap();
    assert!(!agencies.is_empty());
    assert!(agencies
        .iter()
        .all(|a| !a.row.name.contains("柳岸") && !a.row.name.contains("和平里")));
    let admin = user(svc, "admin").await;
    let all = svc.agencies_for(&admin).await.unwrap();
    let liuan_committee = all.iter().find(|a| a.row.name.contains("柳岸")).unwrap();
    assert!(matches!(
        svc.agency_for(&qingshi, yihaotai_domain::AgencyId(liuan_committee.row.id))
            .await,
        Err(ServiceError::NotFound)
    ));
    let mut input = yihaotai_service::model::AgencyInput {
        name: "被篡改".into(),
        kind: liuan_committee.row.kind.clone(),
        parent: None,
        home_area: liuan_area.id,
        is_forwarding_centre: false,
        areas: vec![],
        categories: vec![],
        active: true,
    };
    assert!(svc
        .update_agency(
            me,
            yihaotai_domain::AgencyId(liuan_committee.row.id),
            &input
        )
        .await
        .is_err());
    assert!(
        svc.create_agency(me, &input).await.is_err(),
        "home area outside scope"
    );
    input.home_area = jinxiu.id;
    input.name = "锦绣花园志愿队".into();
    assert!(svc.create_agency(me, &input).await.is_ok());
    // Escalation follows the parent: another community's agency cannot be made one, and
    // it is refused in the same words as an agency that does not exist.
    let mut refusals = Vec::new();
    for parent in [liuan_committee.row.id, 999_999] {
        input.parent = Some(yihaotai_domain::AgencyId(parent));
        input.name = format!("锦绣花园志愿二队{parent}");
        match svc.create_agency(me, &input).await {
            Err(ServiceError::Invalid { field, zh, .. }) => {
                assert_eq!(field, "parent");
                refusals.push(zh);
            }
            other => panic!("parent {parent} accepted: {other:?}"),
        }
    }
    assert_eq!(
        refusals[0], refusals[1],
        "no oracle between missing and foreign"
    );
    input.parent = None;
    let after = svc.agencies_for(&admin).await.unwrap();
    assert!(after.iter().all(|a| a.row.name != "被篡改"));

    // Accounts: the other secretary cannot be seen, reset or disabled.
    let liuan = user(svc, "liuan").await;
    let users = svc.users_for(&qingshi).await.unwrap();
    assert!(users.iter().any(|u| u.login == "qingshi"));
    assert!(users
        .iter()
        .all(|u| u.login != "liuan" && u.login != "agent"));
    assert!(matches!(
        svc.user_for(&qingshi, liuan.id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(svc
        .set_user_password(me, liuan.id, "a new long password")
        .await
        .is_err());
    assert!(svc.set_user_active(me, liuan.id, false).await.is_err());
    assert!(user(svc, "liuan").await.active);
    svc.login("liuan", "demo-liuan-2026", None)
        .await
        .expect("password unchanged");
    // A new account may only be given areas the secretary serves.
    let bad = UserInput {
        login: "sneaky".into(),
        display_name: "越权".into(),
        password: Some("a long enough pw".into()),
        roles: Roles(vec![Role::Agent]),
        areas: vec![heping.id],
        agency: None,
    };
    assert!(matches!(
        svc.create_user(me, &bad).await,
        Err(ServiceError::Invalid { .. })
    ));
    assert!(svc.store.user_by_login("sneaky").await.unwrap().is_none());
    let ok = UserInput {
        areas: vec![jinxiu.id],
        ..bad
    };
    let created = svc.create_user(me, &ok).await.unwrap();
    assert_eq!(created.areas.len(), 1);
}

#[tokio::test]
async fn roles_gate_administration_and_bad_input_changes_nothing() {
    let d = desk().await;
    let svc = &d.svc;
    let agent = user(svc, "agent").await;
    let leader = user(svc, "leader").await;
    let jinxiu = area_named(svc, "锦绣花园").await;
    let street = area_named(svc, "望江街道").await;
    assert!(matches!(
        svc.add_area(
            Caller::User(&agent),
            Some(jinxiu.id),
            AreaKind::Building,
            "x",
            &[]
        )
        .await,
        Err(ServiceError::Forbidden { .. })
    ));
    assert!(matches!(
        svc.users_for(&agent).await,
        Err(ServiceError::Forbidden { .. })
    ));
    // A leader may set control levels, with a reason, on a compound.
    let e = svc
        .set_control_level(
            Caller::User(&leader),
            jinxiu.id,
            ControlLevel::Controlled,
            None,
            "  ",
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::Invalid { ref field, .. } if field == "reason"));
    let e = svc
        .set_control_level(
            Caller::User(&leader),
            street.id,
            ControlLevel::Sealed,
            None,
            "x",
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::Invalid { .. }));
    assert_eq!(
        svc.all_areas()
            .await
            .unwrap()
            .iter()
            .find(|a| a.id == jinxiu.id)
            .unwrap()
            .control_level,
        Some(ControlLevel::Sealed)
    );
    let a = svc
        .set_control_level(
            Caller::User(&leader),
            jinxiu.id,
            ControlLevel::Controlled,
            None,
            "连续7天无新增",
        )
        .await
        .unwrap();
    assert_eq!(a.control_level, Some(ControlLevel::Controlled));
    assert_eq!(
        svc.control_history(&leader, jinxiu.id).await.unwrap().len(),
        2
    );
    // Nesting and names are checked.
    let admin = user(svc, "admin").await;
    assert!(svc
        .add_area(
            Caller::User(&admin),
            Some(jinxiu.id),
            AreaKind::Community,
            "错层",
            &[]
        )
        .await
        .is_err());
    assert!(svc
        .add_area(
            Caller::User(&admin),
            Some(jinxiu.id),
            AreaKind::Building,
            " ",
            &[]
        )
        .await
        .is_err());
    // Duplicate logins are a conflict that says which login.
    let dup = UserInput {
        login: "agent".into(),
        display_name: "重复".into(),
        password: Some("a long enough pw".into()),
        roles: Roles(vec![Role::Agent]),
        areas: vec![street.id],
        agency: None,
    };
    let e = svc
        .create_user(Caller::User(&admin), &dup)
        .await
        .unwrap_err();
    assert!(e
        .localized(yihaotai_domain::vocab::Lang::En)
        .contains("'agent' is already taken"));
    // Handlers must belong to an agency; short passwords are refused.
    let h = UserInput {
        login: "h2".into(),
        roles: Roles(vec![Role::Handler]),
        ..dup
    };
    assert!(svc.create_user(Caller::User(&admin), &h).await.is_err());
    assert!(svc
        .set_user_password(Caller::User(&admin), agent.id, "short")
        .await
        .is_err());
    svc.login("agent", "demo-agent-2026", None)
        .await
        .expect("unchanged");
    // Every change was audited; the audit log is scoped like everything else.
    let log = svc.audit_for(&admin, 50).await.unwrap();
    assert!(log.iter().any(|e| e.action == "area.control_level"));
}
