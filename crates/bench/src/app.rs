//! The app served in-process on 127.0.0.1:0 over a fresh SQLite file (or a given database),
//! with the demo street loaded, exactly as `yihaotai serve --demo` would run it.

use anyhow::Context;
use std::sync::Arc;
use tempfile::TempDir;
use tokio::sync::oneshot;
use yihaotai_service::{Service, ServiceConfig, SystemClock};
use yihaotai_store::Store;
use yihaotai_web::{AppState, WebConfig};

pub struct Running {
    pub base: String,
    pub service: Service,
    pub url: String,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _dir: Option<TempDir>,
}

/// A database: the given URL, or a new SQLite file in a temporary directory.
pub fn database(url: Option<&str>) -> anyhow::Result<(String, Option<TempDir>)> {
    match url {
        Some(u) => Ok((u.to_string(), None)),
        None => {
            let dir = tempfile::Builder::new().prefix("yht-bench-").tempdir()?;
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            Ok((url, Some(dir)))
        }
    }
}

/// Opens, migrates and loads the demo, without serving yet.
pub async fn prepare(url: &str) -> anyhow::Result<Service> {
    prepare_with(url, ServiceConfig::default()).await
}

/// [`prepare`] with other service settings.
pub async fn prepare_with(url: &str, config: ServiceConfig) -> anyhow::Result<Service> {
    let store = Store::connect(url)
        .await
        .with_context(|| format!("opening {}", yihaotai_store::db::redact_url(url)))?;
    store.migrate().await?;
    let service = Service::new(store, Arc::new(SystemClock), config);
    service.bootstrap().await?;
    service.load_demo().await?;
    Ok(service)
}

pub async fn serve(service: Service, url: String, dir: Option<TempDir>) -> anyhow::Result<Running> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let state = AppState::new(service.clone(), WebConfig::default());
    let server = tokio::spawn(async move {
        if let Err(e) = yihaotai_web::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        {
            eprintln!("server stopped: {e}");
        }
    });
    Ok(Running {
        base: format!("http://{addr}"),
        service,
        url,
        stop: Some(tx),
        server: Some(server),
        _dir: dir,
    })
}

impl Running {
    /// A bearer token for a demo login.
    pub async fn token(&self, login: &str) -> anyhow::Result<String> {
        Ok(format!(
            "Bearer {}",
            self.service
                .create_api_token(login, "bench")
                .await?
                .expose()
        ))
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
        self.service.store.close().await;
    }
}
