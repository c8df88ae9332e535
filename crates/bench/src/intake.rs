//! Intake throughput: N API clients record requests as fast as the app answers, for S
//! seconds. Afterwards the tickets in the database are counted: every 201 must be there.

use crate::{app, corpus, stats};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Opts {
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// How long to keep sending.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// A database to use instead of a fresh SQLite file (it is migrated and gets the demo).
    #[arg(long)]
    database_url: Option<String>,
}

/// Distinct requests each client cycles through (more than it sends in a 20 s run).
const BODIES_PER_CLIENT: usize = 4096;

#[derive(Default)]
struct ClientResult {
    created: u64,
    latencies: Vec<Duration>,
    failures: Vec<(u16, String)>,
}

pub async fn run(o: Opts) -> anyhow::Result<()> {
    let (url, dir) = app::database(o.database_url.as_deref())?;
    let service = app::prepare(&url).await?;
    let households = Arc::new(households(&service).await?);
    let medical = service
        .user_by_login("handler")
        .await?
        .agency_id
        .map(|a| a.0);
    let before = service.store.count_tickets().await?;
    let app = app::serve(service, url, dir).await?;
    let token = app.token("agent").await?;
    println!(
        "intake: {} clients for {} s against {} ({}), {} households",
        o.clients,
        o.seconds,
        app.base,
        yihaotai_store::db::redact_url(&app.url),
        households.len()
    );
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(o.clients)
        .build()?;
    let endpoint = format!("{}/api/v1/tickets", app.base);
    // The bodies are made and serialised before the clock starts, so the clients, which
    // share the two cores with the server, spend their time on HTTP only.
    let bodies: Vec<Vec<Vec<u8>>> = (0..o.clients)
        .map(|c| {
            let mut rng = StdRng::seed_from_u64(c as u64 + 1);
            (0..BODIES_PER_CLIENT)
                .map(|_| {
                    let body = request(&mut rng, &households, medical);
                    serde_json::to_vec(&body).expect("a JSON value serialises")
                })
                .collect()
        })
        .collect();
    let token = reqwest::header::HeaderValue::from_str(&token)?;
    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for bodies in bodies {
        let (http, endpoint, token) = (http.clone(), endpoint.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = ClientResult::default();
            for body in bodies.iter().cycle() {
                if Instant::now() >= deadline {
                    break;
                }
                let t0 = Instant::now();
                let r = http
                    .post(&endpoint)
                    .header(reqwest::header::AUTHORIZATION, token.clone())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                match r {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let answer = resp.bytes().await.unwrap_or_default();
                        out.latencies.push(t0.elapsed());
                        if status == 201 {
                            out.created += 1;
                        } else if out.failures.len() < 5 {
                            out.failures
                                .push((status, String::from_utf8_lossy(&answer).into_owned()));
                        }
                    }
                    Err(e) => out.failures.push((0, e.to_string())),
                }
            }
            out
        }));
    }
    let mut all = ClientResult::default();
    let mut failed = 0usize;
    for t in tasks {
        let r = t.await?;
        all.created += r.created;
        failed += r.latencies.len() - r.created as usize;
        all.latencies.extend(r.latencies);
        all.failures.extend(r.failures);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let s = stats::summarize(&all.latencies);
    println!(
        "created {} tickets in {:.2} s: {:.0} tickets/s ({} other answers)",
        all.created,
        elapsed,
        all.created as f64 / elapsed,
        failed
    );
    println!("latency: {s}");
    for (status, body) in all.failures.iter().take(5) {
        println!(
            "  failure: {status} {}",
            body.chars().take(300).collect::<String>()
        );
    }
    let after = app.service.store.count_tickets().await?;
    let stored = after - before;
    println!(
        "durability: {stored} tickets in the database, {} acknowledged with 201: {}",
        all.created,
        if stored as u64 == all.created {
            "every acknowledged ticket is stored"
        } else {
            "MISMATCH"
        }
    );
    app.stop().await;
    anyhow::ensure!(
        stored as u64 == all.created,
        "stored {stored} tickets but acknowledged {}",
        all.created
    );
    Ok(())
}

pub struct Household {
    pub id: i64,
    pub address: String,
}

async fn households(service: &yihaotai_service::Service) -> anyhow::Result<Vec<Household>> {
    let agent = service.user_by_login("agent").await?;
    let paths = agent.scope().paths;
    Ok(service
        .store
        .households_within(&paths)
        .await?
        .into_iter()
        .map(|h| Household {
            id: h.id,
            address: h.address,
        })
        .collect())
}

/// One request as an agent records it: mostly for dispatch, some answered on the spot,
/// some dispatched at once to the medical team.
fn request(rng: &mut StdRng, households: &[Household], medical: Option<i64>) -> serde_json::Value {
    let channel = [
        "hotline_12345",
        "community_hotline",
        "wechat",
        "qr_self_service",
    ][rng.gen_range(0..4)];
    let h = &households[rng.gen_range(0..households.len())];
    if rng.gen_ratio(1, 20) {
        let (q, a) = corpus::CONSULTS[rng.gen_range(0..corpus::CONSULTS.len())];
        return json!({
            "channel": channel, "request_type": "consult", "category": "consultation",
            "urgency": "consult", "caller_phone": corpus::phone(rng), "content": q,
            "disposition": {"type": "answer_and_close", "answer": a},
        });
    }
    let t = corpus::pick(rng);
    let mut body = json!({
        "channel": channel,
        "request_type": t.request_type,
        "category": t.category,
        "urgency": t.urgency,
        "epidemic_related": rng.gen_ratio(1, 3),
        "caller_name": corpus::name(rng),
        "caller_phone": corpus::phone(rng),
        "household_id": h.id,
        "content": corpus::text(t, &h.address),
        "suggestion": {"category": t.category, "urgency": t.urgency, "confidence": 0.8},
    });
    if let Some(m) = medical {
        if matches!(t.category, "medical" | "medicine") && rng.gen_ratio(1, 3) {
            body["dispatch_to"] = json!({"agency_id": m, "mode": "direct"});
        }
    }
    body
}
