//! The subcommands, one file each, and what they share: logging and opening the service.

pub mod demo;
pub mod migrate;
pub mod serve;
pub mod token;
pub mod triage;
pub mod user;

use crate::settings::Settings;
use std::sync::Arc;
use yihaotai_service::{Service, SystemClock};
use yihaotai_store::{redact_url, Store};

pub fn init_logging(s: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_new(&s.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if s.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Connects, applies migrations, seeds the catalogue. Every failure is one clear line.
pub async fn open_service(s: &Settings) -> anyhow::Result<Service> {
    let url = redact_url(&s.database_url);
    let store = Store::connect(&s.database_url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database {url}: {e}"))?;
    let applied = store
        .migrate()
        .await
        .map_err(|e| anyhow::anyhow!("cannot migrate the database {url}: {e}"))?;
    if applied > 0 {
        tracing::info!(applied, database = %url, "migrations applied");
    }
    let service = Service::new(store, Arc::new(SystemClock), s.service_config());
    if let Some(path) = &s.triage_lexicon {
        service.reload_triage().map_err(|e| {
            anyhow::anyhow!(
                "triage lexicon {}: {}",
                path.display(),
                e.localized(yihaotai_domain::vocab::Lang::En)
            )
        })?;
    }
    service
        .bootstrap()
        .await
        .map_err(|e| anyhow::anyhow!("cannot prepare the database {url}: {e}"))?;
    Ok(service)
}

pub fn err(e: yihaotai_service::ServiceError) -> anyhow::Error {
    anyhow::anyhow!(e.localized(yihaotai_domain::vocab::Lang::En))
}
