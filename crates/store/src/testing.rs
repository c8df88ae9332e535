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
