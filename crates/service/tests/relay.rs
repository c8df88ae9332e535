//! Live notices across app processes: with PostgreSQL, a ticket saved by one process
//! reaches the subscribers of another through LISTEN/NOTIFY; with SQLite (one process)
//! the relay has nothing to do and returns at once.

use std::sync::Arc;
use std::time::Duration;
use yihaotai_domain::vocab::Urgency;
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
        .intake(&agent, critical_request("产妇羊水破了，需要马上去医院"))
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

fn critical_request(content: &str) -> IntakeInput {
    IntakeInput::request(content, "medical", Urgency::Critical)
}

/// A process stops between committing a critical ticket and announcing it (the test hook
/// stops it there): the notice waits in the outbox, and the next process to start delivers
/// it, once. A process that does not stop takes its own notice from the outbox at once.
#[tokio::test]
async fn an_alarm_committed_before_a_crash_is_delivered_after_the_restart() {
    let db = TestDb::new().await;
    let crashing = Service::new(
        db.store.clone(),
        Arc::new(SystemClock),
        ServiceConfig {
            halt_after_commit: true,
            ..ServiceConfig::default()
        },
    );
    crashing.bootstrap().await.unwrap();
    crashing.load_demo().await.unwrap();
    let mut its_screen = crashing.bus.subscribe();
    let agent = crashing.user_by_login("agent").await.unwrap();
    let saved = crashing
        .intake(
            &agent,
            critical_request("我爸胸口剧烈疼痛，出冷汗，救护车进不来"),
        )
        .await
        .unwrap();
    assert!(
        its_screen.try_recv().is_err(),
        "it stopped before any notice"
    );
    assert_eq!(db.store.outbox_len().await.unwrap(), 1);

    // The restart: a new process with its own pools and bus on the same database.
    let restarted = Service::new(
        Store::connect(&db.url).await.unwrap(),
        Arc::new(SystemClock),
        ServiceConfig::default(),
    );
    restarted.bootstrap().await.unwrap();
    let mut screen = restarted.bus.subscribe();
    assert_eq!(restarted.deliver_outbox(0).await.unwrap(), 1);
    let n = screen
        .try_recv()
        .expect("the alarm arrives after the restart");
    assert_eq!(n.ticket_id, saved.record.id.0);
    assert!(n.critical_unaccepted, "{n:?}");
    assert_eq!(n.event, "registered");
    assert_eq!(db.store.outbox_len().await.unwrap(), 0);
    assert_eq!(
        restarted.deliver_outbox(0).await.unwrap(),
        0,
        "delivered once, not again"
    );

    // Without the crash, the process that committed takes its own notice.
    let agent = restarted.user_by_login("agent").await.unwrap();
    restarted
        .intake(&agent, critical_request("孩子误吞了纽扣电池"))
        .await
        .unwrap();
    assert!(screen.try_recv().is_ok(), "announced at once");
    assert_eq!(db.store.outbox_len().await.unwrap(), 0);
    assert_eq!(restarted.deliver_outbox(0).await.unwrap(), 0);
}
