//! `yihaotai migrate`: apply pending migrations and exit.

use crate::settings::Settings;

pub async fn run(s: &Settings) -> anyhow::Result<()> {
    let service = super::open_service(s).await?;
    println!(
        "database {} is up to date",
        yihaotai_store::redact_url(&s.database_url)
    );
    service.store.close().await;
    Ok(())
}
