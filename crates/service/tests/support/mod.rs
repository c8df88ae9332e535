//! The service-test harness shared by every suite in this folder: the demo desk over a
//! fresh test database (SQLite, or PostgreSQL when YIHAOTAI_TEST_DATABASE_URL is set) on a
//! manual clock, and the lookups the suites share.
#![allow(dead_code, reason = "each suite uses a different part of it")]

use std::sync::Arc;
use yihaotai_domain::AreaId;
use yihaotai_service::{ManualClock, Service, ServiceConfig, User};
use yihaotai_store::testing::TestDb;

/// A Tuesday afternoon, China time.
pub const T0: i64 = 1_795_000_000_000;

pub struct Desk {
    pub _db: TestDb,
    pub svc: Service,
    pub clock: Arc<ManualClock>,
}

/// The demo street with the default configuration.
pub async fn desk() -> Desk {
    desk_with(ServiceConfig::default()).await
}

/// The demo street with this configuration.
pub async fn desk_with(config: ServiceConfig) -> Desk {
    let db = TestDb::new().await;
    let clock = Arc::new(ManualClock::new(T0));
    let svc = Service::new(db.store.clone(), clock.clone(), config);
    svc.bootstrap().await.unwrap();
    svc.load_demo().await.unwrap();
    Desk {
        _db: db,
        svc,
        clock,
    }
}

/// A new street stood up with `init` (望江街道 and its administrator `admin`), no demo.
pub async fn empty_street() -> Desk {
    let db = TestDb::new().await;
    let clock = Arc::new(ManualClock::new(T0));
    let svc = Service::new(db.store.clone(), clock.clone(), ServiceConfig::default());
    svc.bootstrap().await.unwrap();
    svc.init_street("望江街道", "admin", "王芳", "a-long-test-password-1")
        .await
        .unwrap();
    Desk {
        _db: db,
        svc,
        clock,
    }
}

/// A new street with the territory this CSV lists (上级,类型,名称).
pub async fn street_with(territory: &str) -> Desk {
    let d = empty_street().await;
    let r = d
        .svc
        .import_areas(
            yihaotai_service::admin::Caller::System,
            "t.csv",
            territory.as_bytes(),
            None,
            false,
        )
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    d
}

pub async fn user(svc: &Service, login: &str) -> User {
    svc.user_by_login(login).await.unwrap()
}

/// A demo area by its key (`jinxiu`, `qingshi`, …).
pub async fn area(svc: &Service, key: &str) -> AreaId {
    svc.store.area_by_demo_key(key).await.unwrap().unwrap().id
}

pub async fn area_named(svc: &Service, name: &str) -> yihaotai_service::model::Area {
    svc.all_areas()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no area {name}"))
}
