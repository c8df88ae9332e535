//! Password guessing, on SQLite and (with YIHAOTAI_TEST_DATABASE_URL) PostgreSQL: the
//! guessing address is locked out, the account under attack only slows down (its real
//! user still gets in from elsewhere), concurrent guesses are counted one by one, a
//! disabled account is refused like a wrong password, and a new password ends what the
//! old one made.

mod support;

use support::*;

use std::net::IpAddr;
use yihaotai_domain::vocab::Lang;
use yihaotai_service::admin::Caller;
use yihaotai_service::{ServiceConfig, ServiceError};
use yihaotai_store::login_throttle::ThrottleScope;

/// The demo desk with small limits and millisecond delays, so the tests stay fast.
async fn desk() -> Desk {
    desk_with(ServiceConfig {
        max_failed_logins: 5,
        max_logins_per_address: 10,
        login_delay_base_ms: 1,
        login_delay_max_ms: 4,
        password_queue: 256,
        ..ServiceConfig::default()
    })
    .await
}

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().unwrap())
}

#[tokio::test]
async fn the_guessing_address_is_locked_out_and_the_real_user_still_gets_in() {
    let d = desk().await;
    let svc = &d.svc;
    let attacker = ip("203.0.113.7");
    for _ in 0..10 {
        assert!(matches!(
            svc.login("agent", "wrong password", attacker).await,
            Err(ServiceError::BadCredentials)
        ));
    }
    // The address is out of attempts: refused, even with the right password, unchecked.
    let checked = svc.passwords.verifications();
    let e = svc
        .login("agent", "demo-agent-2026", attacker)
        .await
        .unwrap_err();
    assert!(
        matches!(e, ServiceError::Throttled { minutes: 15 }),
        "{e:?}"
    );
    assert!(e.localized(Lang::Zh).contains("15分钟"));
    assert_eq!(svc.passwords.verifications(), checked);

    // The account past its limit waits longer with each attempt, doubling up to the cap…
    let delays: Vec<u128> = svc
        .login_delays
        .recent()
        .into_iter()
        .filter(|(l, _)| l == "agent")
        .map(|(_, d)| d.as_millis())
        .collect();
    assert_eq!(delays, vec![1, 2, 4, 4, 4]);
    // …but is never locked: its real user, at another desk, gets in.
    let s = svc
        .login("agent", "demo-agent-2026", ip("198.51.100.20"))
        .await
        .expect("the real user is not locked out");
    assert_eq!(s.user.login, "agent");
    assert_eq!(
        svc.store
            .throttle_count(ThrottleScope::Login, "agent")
            .await
            .unwrap(),
        10,
        "a good login takes its count back"
    );
    // After the window the attacker's address may try again.
    d.clock.advance(15 * 60 * 1000 + 1);
    assert!(matches!(
        svc.login("agent", "wrong password", attacker).await,
        Err(ServiceError::BadCredentials)
    ));
}

#[tokio::test]
async fn rotating_through_logins_from_one_address_is_throttled() {
    let d = desk().await;
    let svc = &d.svc;
    let from = ip("203.0.113.8");
    let logins = ["agent", "dispatcher", "leader", "admin", "viewer"];
    for i in 0..10 {
        let r = svc
            .login(logins[i % logins.len()], "guess 123456", from)
            .await;
        assert!(matches!(r, Err(ServiceError::BadCredentials)), "{r:?}");
    }
    assert!(matches!(
        svc.login("handler", "guess 123456", from).await,
        Err(ServiceError::Throttled { .. })
    ));
    // No account was past its own limit, so nobody was slowed.
    assert!(svc.login_delays.recent().is_empty());
}

#[tokio::test]
async fn two_hundred_concurrent_guesses_check_at_most_the_limit() {
    let d = desk().await;
    let svc = &d.svc;
    let before = svc.passwords.verifications();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let svc = svc.clone();
        set.spawn(async move {
            svc.login("agent", "wrong password", ip("203.0.113.9"))
                .await
        });
    }
    let mut throttled = 0;
    while let Some(r) = set.join_next().await {
        match r.unwrap() {
            Err(ServiceError::Throttled { .. }) => throttled += 1,
            Err(ServiceError::BadCredentials) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let checked = svc.passwords.verifications() - before;
    assert_eq!(checked, 10, "exactly the address's limit were checked");
    assert_eq!(throttled, 190);
}

#[tokio::test]
async fn a_disabled_account_with_the_right_password_is_refused_like_a_wrong_one() {
    let d = desk().await;
    let svc = &d.svc;
    let viewer = svc.user_by_login("viewer").await.unwrap();
    svc.set_user_active(Caller::System, viewer.id, false)
        .await
        .unwrap();
    let right = svc
        .login("viewer", "demo-viewer-2026", None)
        .await
        .unwrap_err();
    let wrong = svc
        .login("viewer", "wrong password", None)
        .await
        .unwrap_err();
    for lang in [Lang::Zh, Lang::En] {
        assert_eq!(right.localized(lang), wrong.localized(lang));
    }
    assert_eq!(right.status(), wrong.status());
    assert!(matches!(right, ServiceError::BadCredentials));
    // Counted alike too, so the throttle does not tell either.
    assert_eq!(
        svc.store
            .throttle_count(ThrottleScope::Login, "viewer")
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn a_new_password_revokes_tokens_and_ends_sessions() {
    let d = desk().await;
    let svc = &d.svc;
    let token = svc.create_api_token("agent", "script").await.unwrap();
    assert_eq!(svc.token_user(token.expose()).await.unwrap().login, "agent");
    let s = svc.login("agent", "demo-agent-2026", None).await.unwrap();
    let agent = svc.user_by_login("agent").await.unwrap();
    let admin = svc.user_by_login("admin").await.unwrap();
    let changed = svc
        .set_user_password(Caller::User(&admin), agent.id, "a brand new password")
        .await
        .unwrap();
    assert_eq!((changed.sessions_ended, changed.tokens_revoked), (1, 1));
    assert!(
        svc.token_user(token.expose()).await.is_err(),
        "token revoked"
    );
    assert!(svc.session_user(s.token.expose()).await.is_err());
    assert!(svc.login("agent", "demo-agent-2026", None).await.is_err());
    svc.login("agent", "a brand new password", None)
        .await
        .expect("the new password works");
    let log = svc.audit_for(&admin, 20).await.unwrap();
    assert!(log.iter().any(|e| e.action == "user.password"));
}
