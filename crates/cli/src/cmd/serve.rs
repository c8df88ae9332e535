//! `yihaotai serve`: run the desk until SIGINT or SIGTERM.

use crate::settings::Settings;
use std::time::Duration;
use yihaotai_service::Service;
use yihaotai_web::AppState;

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
    // Bind before anything slow, so a port in use is said at once and changes nothing.
    let listener = bind(&s.listen, "--listen").await?;
    let metrics_listener = match &s.metrics_listen {
        Some(a) => Some(bind(a, "metrics_listen").await?),
        None => None,
    };
    raise_descriptor_limit();
    let service = super::open_service(s).await?;
    if o.demo {
        super::demo::load_and_print(&service).await?;
    }
    let addr = listener.local_addr()?;
    println!("一号台 desk is serving at http://{addr}/ (Ctrl-C to stop)");
    tracing::info!(%addr, "serving");
    let jobs = tokio::spawn(background_jobs(service.clone()));
    let deadlines = tokio::spawn(deadline_watch(service.clone()));
    let outbox = tokio::spawn(outbox_relay(service.clone()));
    let relay = {
        let s = service.clone();
        tokio::spawn(async move { s.relay_notices().await })
    };
    let state = AppState::new(service.clone(), s.web_config());
    let metrics = metrics_listener.map(|l| {
        let app = yihaotai_web::ops::metrics_router(state.clone());
        if let Ok(a) = l.local_addr() {
            println!("metrics at http://{a}/metrics");
        }
        tokio::spawn(async move { axum_serve(l, app).await })
    });
    yihaotai_web::serve(listener, state, shutdown_signal()).await?;
    if let Some(m) = metrics {
        m.abort();
    }
    jobs.abort();
    deadlines.abort();
    outbox.abort();
    relay.abort();
    service.store.close().await;
    println!("stopped");
    Ok(())
}

async fn bind(addr: &str, flag: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!(
                "cannot listen on {addr}: the port is already in use; stop the other program or choose another with {flag}"
            )
        } else {
            anyhow::anyhow!("cannot listen on {addr}: {e}")
        }
    })
}

/// The metrics address: few clients, all trusted, so axum's plain loop serves it.
async fn axum_serve(l: tokio::net::TcpListener, app: axum::Router) {
    if let Err(e) = axum::serve(l, app).await {
        tracing::warn!(error = %e, "metrics listener stopped");
    }
}

/// Each connection takes a descriptor; the usual soft limit (1024) is below what a busy
/// desk needs, so take what the system allows.
fn raise_descriptor_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => tracing::debug!(limit = n, "file descriptor limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the file descriptor limit"),
    }
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

/// Notices left in the outbox by a process that stopped between a commit and its notice:
/// all of them at start, then every 5 seconds those older than 5 seconds (younger ones are
/// still being delivered by the process that wrote them).
async fn outbox_relay(service: Service) {
    let mut min_age = 0;
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        match service.deliver_outbox(min_age).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(notices = n, "delivered notices left in the outbox"),
            Err(e) => tracing::warn!(error = %e, "outbox relay failed"),
        }
        min_age = 5_000;
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
