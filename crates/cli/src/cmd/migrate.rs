//! `yihaotai migrate`: apply pending migrations and exit.

use crate::settings::Settings;

pub async fn run(s: &Settings) -> anyhow::Result<()> {
    let (service, applied) = super::open_and_migrate(s).await?;
    let url = yihaotai_store::redact_url(&s.database_url);
    match applied {
        0 => println!("database {url} is up to date"),
        1 => println!("applied 1 migration to {url}"),
        n => println!("applied {n} migrations to {url}"),
    }
    service.store.close().await;
    Ok(())
}
