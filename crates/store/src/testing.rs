//! Fresh databases for tests: a temporary SQLite file by default, or, when
//! `YIHAOTAI_TEST_DATABASE_URL` names a PostgreSQL server, a new database on it that is
//! dropped when the test ends. Used by this crate's, the service's and the web's tests.

use crate::Store;
use rand::RngCore;

pub const TEST_DB_ENV: &str = "YIHAOTAI_TEST_DATABASE_URL";

pub struct TestDb {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(std::path::PathBuf),
    PostgresDb { admin_url: String, name: String },
}

fn random_name() -> String {
    let mut b = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl TestDb {
    /// A migrated, empty database.
    pub async fn new() -> TestDb {
        let db = match std::env::var(TEST_DB_ENV) {
            Ok(admin_url) if !admin_url.trim().is_empty() => Self::postgres(admin_url).await,
            _ => Self::sqlite().await,
        };
        db.store.migrate().await.expect("migrations apply");
        db
    }

    /// A database migrated only up to the migration `last` (see `Store::migrate_through`),
    /// as an earlier release left it.
    pub async fn at_migration(last: i64) -> TestDb {
        let db = match std::env::var(TEST_DB_ENV) {
            Ok(admin_url) if !admin_url.trim().is_empty() => Self::postgres(admin_url).await,
            _ => Self::sqlite().await,
        };
        db.store
            .migrate_through(last)
            .await
            .expect("migrations apply");
        db
    }

    /// A migrated SQLite database, whatever `YIHAOTAI_TEST_DATABASE_URL` says (for tests
    /// that compare the two engines).
    pub async fn new_sqlite() -> TestDb {
        let db = Self::sqlite().await;
        db.store.migrate().await.expect("migrations apply");
        db
    }

    /// A migrated PostgreSQL database on the server `YIHAOTAI_TEST_DATABASE_URL` names, or
    /// `None` when it names none.
    pub async fn new_postgres() -> Option<TestDb> {
        let admin_url = std::env::var(TEST_DB_ENV).ok()?;
        if admin_url.trim().is_empty() {
            return None;
        }
        let db = Self::postgres(admin_url).await;
        db.store.migrate().await.expect("migrations apply");
        Some(db)
    }

    /// Runs `sqlite` or `postgres` (statements separated by `;`), whichever engine this
    /// is: for tests that need tables of their own, such as a stream kind the product
    /// does not have yet.
    pub async fn execute_ddl(&self, sqlite: &str, postgres: &str) {
        let script = match self.store.backend() {
            crate::Backend::Sqlite => sqlite,
            crate::Backend::Postgres => postgres,
        };
        for stmt in script.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            on_write!(self.store, |p| {
                sqlx::query(stmt).execute(p).await.expect("test DDL runs");
            });
        }
    }

    async fn sqlite() -> TestDb {
        let path = std::env::temp_dir().join(format!("yht-test-{}.db", random_name()));
        let url = format!("sqlite://{}", path.display());
        let store = Store::connect(&url).await.expect("sqlite opens");
        TestDb {
            store,
            url,
            cleanup: Cleanup::SqliteFile(path),
        }
    }

    async fn postgres(admin_url: String) -> TestDb {
        use sqlx::Connection;
        let name = format!("yht_t_{}", random_name());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("{TEST_DB_ENV} is set but PostgreSQL does not answer: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let _ = admin.close().await;
        let mut u = url::Url::parse(&admin_url).expect("test database URL parses");
        u.set_path(&format!("/{name}"));
        let url = u.to_string();
        let store = Store::connect(&url).await.expect("test database opens");
        TestDb {
            store,
            url,
            cleanup: Cleanup::PostgresDb { admin_url, name },
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PostgresDb { admin_url, name } => {
                // Drop runs outside any async context we can borrow, so use a thread with its
                // own runtime; FORCE ends the pool's connections still open.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(rt) = rt {
                        rt.block_on(async {
                            use sqlx::Connection;
                            if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url).await {
                                let _ = sqlx::query(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .execute(&mut c)
                                .await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

/// A morning in 锦绣花园 3号楼's WeChat group, as the paste tests of the service and the web
/// both read it: the title, a staff notice, one sender's two messages a minute apart with
/// the address in her name, a picture, "+1"s, thanks, a recalled message, and the one
/// critical message at the very bottom. The four flats are written "3-2-501" as residents
/// put them in their names.
/// The demo street, with stand-in password hashes (nobody logs in to a store test).
pub async fn load_demo_street(store: &Store) {
    let street = yihaotai_domain::demo::demo_street();
    let hashes: Vec<String> = street
        .users
        .iter()
        .map(|u| format!("hash-{}", u.login))
        .collect();
    store
        .load_demo(&street, &hashes, 1_795_000_000_000)
        .await
        .expect("the demo street loads");
}

/// The last migration of the release of 2026-12-02.
pub const MIGRATION_20261202: i64 = 20261202000004;

/// Brings an empty database to what the release of 2026-12-02 left (its schema, the demo
/// street, twenty tickets with their events as that release stored them: the fixture
/// `tests/fixtures/tickets_20261202.sql`), then migrates it to today's schema.
pub async fn upgrade_from_20261202(store: &Store) {
    store
        .migrate_through(MIGRATION_20261202)
        .await
        .expect("that release's migrations apply");
    load_demo_street(store).await;
    store
        .execute_script(include_str!("../tests/fixtures/tickets_20261202.sql"))
        .await
        .expect("the fixture loads");
    store.migrate().await.expect("today's migrations apply");
}

pub fn group_export(f: &[crate::households::HouseholdRow]) -> String {
    let dashed = |h: &crate::households::HouseholdRow| {
        format!(
            "{}-{}-{}",
            h.building,
            h.entrance.as_deref().unwrap_or(""),
            h.room
        )
    };
    format!(
        "锦绣花园3号楼业主群(486)\n\
         物业-小刘 2022-04-05 08:00\n【通知】今天上午9点3号楼下楼做核酸，请带好身份证\n\n\
         张阿姨-{a} 2022-04-05 08:31\n家里老人降压药只剩一天了\n\n\
         张阿姨-{a} 2022-04-05 08:32\n能不能帮忙买一下，硝苯地平\n\n\
         孙女士 {b} 2022-04-05 08:35\n[图片]\n\n\
         孙女士 {b} 2022-04-05 08:36\n家里米和油都没了，什么时候能送菜\n\
         [08:37] {c}王: +1 我家也没米了\n\
         [08:38] 李大爷: 同求\n\
         [08:41] 王强撤回了一条消息\n\
         [08:42] 网格员小陈: 各位居民，垃圾下午统一清运\n\
         陈三：谢谢[抱拳]\n\
         刘姐：收到\n\
         志愿者老周：辛苦了大家\n\
         郑一：我家在{d}，我爸胸口疼得厉害，喘不上气\n",
        a = dashed(&f[0]),
        b = dashed(&f[1]),
        c = dashed(&f[2]),
        d = dashed(&f[3]),
    )
}
