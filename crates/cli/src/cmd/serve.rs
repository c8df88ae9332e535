//! `yihaotai serve`: run the desk until SIGINT or SIGTERM.

use crate::settings::Settings;
use std::time::Duration;
use yihaotai_service::Service;
use yihaotai_web::{AppState, WebConfig};

#[derive(clap::Args)]
pub struct Opts {
    /// Address to listen on, e.g. 127.0.0.1:8080 (also YIHAOTAI_LISTEN).
    #[arg(long)]
    pub listen: Option<String>,
    /// Load the fictional demo street first (idempotent) and print its logins.
    #[arg(long)]
    pub demo: bool,
}

pub async fn run(s: &Settings, o: Opts) -> anyhow::Result<()> {
    let service = super::open_service(s).await?;
    if o.demo {
        super::demo::load_and_print(&service).await?;
    }
    let listener = tokio::net::TcpListener::bind(&s.listen).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!(
                "cannot listen on {}: the port is already in use; stop the other program or choose another with --listen",
                s.listen
            )
        } else {
            anyhow::anyhow!("cannot listen on {}: {e}", s.listen)
        }
    })?;
    let addr = listener.local_addr()?;
    println!("一号台 desk is serving at http://{addr}/ (Ctrl-C to stop)");
    tracing::info!(%addr, "serving");
    let jobs = tokio::spawn(background_jobs(service.clone()));
    let deadlines = tokio::spawn(deadline_watch(service.clone()));
    let relay = {
        let s = service.clone();
        tokio::spawn(async move { s.relay_notices().await })
    };
    let state = AppState::new(
        service.clone(),
        WebConfig {
            secure_cookies: s.secure_cookies,
        },
    );
    yihaotai_web::serve(listener, state, shutdown_signal()).await?;
    jobs.abort();
    deadlines.abort();
    relay.abort();
    service.store.close().await;
    println!("stopped");
    Ok(())
}

/// Housekeeping every minute: scheduled control levels take effect, expired sessions go.
/// With several app processes on one PostgreSQL, the lease makes one process do it. Every
/// process re-reads the deadline policy, so one saved in another process applies here
/// within a minute.
async fn background_jobs(service: Service) {
    let holder = format!("{}-{}", std::process::id(), service.now());
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(e) = service.load_policy().await {
            tracing::warn!(error = %e, "cannot re-read the deadline policy");
        }
        if let Err(e) = service.housekeeping(&holder).await {
            tracing::warn!(error = %e, "housekeeping failed");
        }
    }
}

/// Every 30 seconds: breaches, supervision and escalation (one process holds the lease).
async fn deadline_watch(service: Service) {
    let holder = format!("{}-{}", std::process::id(), service.now());
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    loop {
        tick.tick().await;
        match service.deadline_pass(&holder).await {
            Ok(r) if r.breaches + r.supervised + r.escalated > 0 => tracing::info!(
                breaches = r.breaches,
                supervised = r.supervised,
                escalated = r.escalated,
                "deadline pass"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "deadline pass failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
