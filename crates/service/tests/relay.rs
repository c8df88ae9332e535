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
