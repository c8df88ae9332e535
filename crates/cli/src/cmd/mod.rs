//! The subcommands, one file each, and what they share: logging and opening the service.

pub mod crosscheck;
pub mod demo;
pub mod import;
pub mod init;
pub mod migrate;
pub mod rebuild;
pub mod serve;
pub mod token;
pub mod triage;
pub mod user;

use crate::settings::Settings;
use std::sync::Arc;
use yihaotai_service::{Service, SystemClock};
use yihaotai_store::{redact_url, Store};

pub fn init_logging(s: &Settings) {
    use std::io::IsTerminal;
    // `Settings::check` has already refused a filter that does not parse.
    let filter = tracing_subscriber::EnvFilter::try_new(&s.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes help on a terminal and garble a log file or a journal.
        .with_ansi(std::io::stderr().is_terminal());
    let _ = if s.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Connects, applies migrations, seeds the catalogue. Every failure is one clear line.
pub async fn open_service(s: &Settings) -> anyhow::Result<Service> {
    let (service, applied) = open_and_migrate(s).await?;
    if applied > 0 {
        tracing::info!(applied, database = %redact_url(&s.database_url), "migrations applied");
    }
    Ok(service)
}

/// `open_service`, also saying how many migrations it applied (for `migrate` to report).
pub async fn open_and_migrate(s: &Settings) -> anyhow::Result<(Service, usize)> {
    let url = redact_url(&s.database_url);
    let store = Store::connect(&s.database_url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database {url}: {e}"))?;
    let applied = store
        .migrate()
        .await
        .map_err(|e| anyhow::anyhow!("cannot migrate the database {url}: {e}"))?;
    let service = Service::new(store, Arc::new(SystemClock), s.service_config());
    if let Some(path) = &s.triage_lexicon {
        service
            .reload_triage()
            .map_err(|e| lexicon_error(path, &e.localized(yihaotai_domain::vocab::Lang::En)))?;
    }
    service
        .bootstrap()
        .await
        .map_err(|e| anyhow::anyhow!("cannot prepare the database {url}: {e}"))?;
    Ok((service, applied))
}

/// A lexicon file that cannot be read or parsed is a configuration error (exit 2), said on
/// one line: the parser's caret diagram is folded, as the message already names the line.
pub fn lexicon_error(path: &std::path::Path, reason: &str) -> anyhow::Error {
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    let reason = reason.strip_prefix("lexicon: ").unwrap_or(&reason);
    crate::settings::ConfigError(format!(
        "triage_lexicon {}: {reason} (fix the file, or remove triage_lexicon to use the built-in lexicon)",
        path.display()
    ))
    .into()
}

pub fn err(e: yihaotai_service::ServiceError) -> anyhow::Error {
    anyhow::anyhow!(e.localized(yihaotai_domain::vocab::Lang::En))
}
