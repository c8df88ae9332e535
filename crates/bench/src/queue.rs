//! Queue latency at scale: load N tickets, then time, over HTTP, the dispatcher's queue,
//! an agency's inbox and searches, K requests each, one after another.

use crate::{app, loader, stats};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Opts {
    /// Tickets to load before measuring.
    #[arg(long, default_value_t = 100_000)]
    tickets: u64,
    /// Requests per measured list.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// A database to use instead of a fresh SQLite file (it is migrated, gets the demo and
    /// the tickets are added to what is there).
    #[arg(long)]
    database_url: Option<String>,
    /// Run ANALYZE after loading (SQLite), so the planner has statistics.
    #[arg(long)]
    analyze: bool,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

pub async fn run(o: Opts) -> anyhow::Result<()> {
    let (url, dir) = app::database(o.database_url.as_deref())?;
    let service = app::prepare(&url).await?;
    println!(
        "queue: loading {} tickets into {}",
        o.tickets,
        yihaotai_store::db::redact_url(&url)
    );
    let l = loader::load(&url, o.tickets, o.seed).await?;
    println!(
        "loaded {} tickets ({} events) in {:.1} s: {:.0} tickets/s",
        l.tickets,
        l.events,
        l.seconds,
        l.tickets as f64 / l.seconds
    );
    if o.analyze && url.starts_with("sqlite:") {
        println!("ANALYZE took {:.1} s", loader::analyze(&url).await?);
    }
    println!(
        "tickets in the database: {}",
        service.store.count_tickets().await?
    );
    // The deadline watch's work list, as its 30-second pass asks for it.
    let now = service.now();
    let mut lat = Vec::with_capacity(o.requests);
    let mut due = 0;
    for _ in 0..o.requests.max(1) {
        let t0 = Instant::now();
        due = service
            .store
            .tickets_due_for_breach(now, 2_000)
            .await?
            .len();
        lat.push(t0.elapsed());
    }
    println!(
        "{:<30} rows={due:<4} {}",
        "deadline watch: due breaches",
        stats::summarize(&lat)
    );
    let app = app::serve(service, url, dir).await?;
    let http = reqwest::Client::new();
    let dispatcher = app.token("dispatcher").await?;
    let handler = app.token("handler").await?;
    // A ticket number from the middle of the load, for the lookup.
    let number = {
        let r: serde_json::Value = http
            .get(format!(
                "{}/api/v1/tickets?queue=search&q=%E8%83%B0%E5%B2%9B%E7%B4%A0&limit=1",
                app.base
            ))
            .header("authorization", &dispatcher)
            .send()
            .await?
            .json()
            .await?;
        r["tickets"][0]["number"]
            .as_str()
            .unwrap_or("YHT")
            .to_string()
    };
    let cases: Vec<(&str, &str, String)> = vec![
        ("dispatcher queue", &dispatcher, "queue=dispatch".into()),
        ("overdue board", &dispatcher, "queue=overdue".into()),
        ("supervision board", &dispatcher, "queue=supervision".into()),
        ("callback queue", &dispatcher, "queue=callback".into()),
        (
            "agency inbox (to accept)",
            &handler,
            "queue=inbox_to_accept".into(),
        ),
        (
            "agency inbox (in progress)",
            &handler,
            "queue=inbox_in_progress".into(),
        ),
        (
            "search 胰岛素",
            &dispatcher,
            "queue=search&q=%E8%83%B0%E5%B2%9B%E7%B4%A0".into(),
        ),
        (
            "search 发烧 + status=accepted",
            &dispatcher,
            "queue=search&q=%E5%8F%91%E7%83%A7&status=accepted".into(),
        ),
        (
            "search by number",
            &dispatcher,
            format!("queue=search&q={number}"),
        ),
    ];
    for (name, token, query) in cases {
        let uri = format!("{}/api/v1/tickets?{query}", app.base);
        let mut rows = 0usize;
        // Warm-up: connections, statement cache, pages in memory.
        for _ in 0..5 {
            let r: serde_json::Value = http
                .get(&uri)
                .header("authorization", token)
                .send()
                .await?
                .json()
                .await?;
            rows = r["tickets"].as_array().map(|a| a.len()).unwrap_or(0);
        }
        let mut lat = Vec::with_capacity(o.requests);
        for _ in 0..o.requests {
            let t0 = Instant::now();
            let resp = http.get(&uri).header("authorization", token).send().await?;
            let status = resp.status();
            let _ = resp.bytes().await?;
            lat.push(t0.elapsed());
            anyhow::ensure!(status.is_success(), "{name}: {status}");
        }
        println!("{name:<30} rows/page={rows:<3} {}", stats::summarize(&lat));
    }
    app.stop().await;
    Ok(())
}
