//! `yihaotai serve`: run the desk until SIGINT or SIGTERM.

use crate::settings::Settings;
use yihaotai_service::jobs::{JobSpec, JOBS};
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
    let holder = format!("{}-{}", std::process::id(), service.now());
    let jobs: Vec<_> = JOBS
        .iter()
        .map(|spec| tokio::spawn(job_loop(service.clone(), spec, holder.clone())))
        .collect();
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
    for j in jobs {
        j.abort();
    }
    for spec in JOBS.iter().filter(|s| s.lease.is_some()) {
        let _ = service.store.release_lease(spec.name, &holder).await;
    }
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

/// One registered job, every period (the first run at once). Leased jobs run in the one
/// process holding their lease; the registry records every run (`/admin/jobs`).
async fn job_loop(service: Service, spec: &'static JobSpec, holder: String) {
    let mut tick = tokio::time::interval(spec.period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut first = true;
    loop {
        tick.tick().await;
        match service.run_job(spec.job, &holder, first).await {
            Ok(r) if r.ran && !r.summary.is_empty() => {
                tracing::debug!(job = spec.name, summary = %r.summary, "job ran")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(job = spec.name, error = %e, "job failed"),
        }
        first = false;
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
