//! Live notices across app processes: with PostgreSQL, a ticket saved by one process
//! reaches the subscribers of another through LISTEN/NOTIFY; with SQLite (one process)
//! the relay has nothing to do and returns at once.

use std::sync::Arc;
use std::time::Duration;
use yihaotai_domain::ticket::Disposition;
use yihaotai_domain::vocab::{Channel, RequestType, Urgency};
use yihaotai_service::tickets::IntakeInput;
use yihaotai_service::{Service, ServiceConfig, SystemClock};
use yihaotai_store::testing::TestDb;
use yihaotai_store::{Backend, Store};

#[tokio::test]
async fn a_critical_ticket_saved_by_one_process_alarms_on_another() {
    let db = TestDb::new().await;
    let a = Service::new(
        db.store.clone(),
        Arc::new(SystemClock),
        ServiceConfig::default(),
    );
    a.bootstrap().await.unwrap();
    a.load_demo().await.unwrap();
    if db.store.backend() == Backend::Sqlite {
        tokio::time::timeout(Duration::from_secs(5), a.relay_notices())
            .await
            .expect("on SQLite the relay returns at once");
        return;
    }
    // A second "process": its own pools and its own bus on the same database.
    let other_store = Store::connect(&db.url).await.unwrap();
    let b = Service::new(other_store, Arc::new(SystemClock), ServiceConfig::default());
    let mut screen = b.bus.subscribe();
    let relay = tokio::spawn({
        let b = b.clone();
        async move { b.relay_notices().await }
    });
    // Give the relay time to LISTEN before the ticket is saved.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let agent = a.user_by_login("agent").await.unwrap();
    let id = a
        .intake(
            &agent,
            IntakeInput {
                channel: Channel::Hotline12345,
                request_type: RequestType::Help,
                category: "medical".into(),
                urgency: Urgency::Critical,
                epidemic_related: false,
                confidential: false,
                caller_name: None,
                caller_phone: None,
                household: None,
                area: None,
                content: "产妇羊水破了，需要马上去医院".into(),
                disposition: Disposition::Dispatch,
                dispatch_to: None,
                suggestion: None,
                downgrade_reason: None,
            },
        )
        .await
        .unwrap()
        .record
        .id;
    let n = tokio::time::timeout(Duration::from_secs(5), screen.recv())
        .await
        .expect("the notice crosses processes within seconds")
        .unwrap();
    assert_eq!(n.ticket_id, id.0);
    assert!(n.critical_unaccepted);
    assert_ne!(n.origin, b.bus.origin());
    relay.abort();
}

#[tokio::test]
async fn a_password_changed_by_another_process_ends_its_tokens_here_at_once() {
    let db = TestDb::new().await;
    if db.store.backend() == Backend::Sqlite {
        return; // one process: covered by the service's own tests
    }
    let a = Service::new(
        db.store.clone(),
        Arc::new(SystemClock),
        ServiceConfig::default(),
    );
    a.bootstrap().await.unwrap();
    a.load_demo().await.unwrap();
    // The server process, which has the token cached; `a` plays `yihaotai user passwd`.
    let other_store = Store::connect(&db.url).await.unwrap();
    let b = Service::new(other_store, Arc::new(SystemClock), ServiceConfig::default());
    let token = a.create_api_token("agent", "script").await.unwrap();
    let relay = tokio::spawn({
        let b = b.clone();
        async move { b.relay_notices().await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(b.token_user(token.expose()).await.unwrap().login, "agent");
    let cached = b.store.cache_generation();
    let agent = a.user_by_login("agent").await.unwrap();
    a.set_user_password(
        yihaotai_service::admin::Caller::System,
        agent.id,
        "a brand new password",
    )
    .await
    .unwrap();
    // The notice makes `b` forget (a forgetting, not the 5-second expiry, which would not
    // move the generation).
    tokio::time::timeout(Duration::from_secs(3), async {
        while b.store.cache_generation() == cached {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the forget notice crosses processes");
    assert!(b.token_user(token.expose()).await.is_err());
    relay.abort();
}
