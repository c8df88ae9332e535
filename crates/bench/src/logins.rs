//! The desk under a login storm: N clients post the login form as fast as they are
//! answered (right passwords, as at a shift change; wrong ones would soon be refused by
//! the throttle without hashing at all) while one client asks
//! `/api/v1/me` with a token. Password hashing must not take the request workers, so the
//! `/me` figures should stay near those of a quiet desk; both are printed.

use crate::{app, stats};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Opts {
    /// Concurrent clients logging in.
    #[arg(long, default_value_t = 64)]
    logins: usize,
    /// How long to measure under the storm (and, before it, on a quiet desk).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

pub async fn run(o: Opts) -> anyhow::Result<()> {
    let (url, dir) = app::database(None)?;
    // Each client comes from its own address (as desks do), told by X-Forwarded-For, so
    // the per-address throttle does not answer them all before a password is hashed.
    let config = yihaotai_service::ServiceConfig {
        trust_forwarded_for: true,
        ..Default::default()
    };
    let service = app::prepare_with(&url, config).await?;
    // One account per client, as at a shift change: many people, each their own login.
    let agent = service.user_by_login("agent").await?;
    let areas: Vec<_> = agent
        .areas
        .iter()
        .map(|a| yihaotai_domain::AreaId(a.id))
        .collect();
    for i in 0..o.logins {
        service
            .create_user(
                yihaotai_service::admin::Caller::System,
                &yihaotai_service::admin::UserInput {
                    login: format!("bench{i:03}"),
                    display_name: format!("压测坐席{i}"),
                    password: Some(format!("bench-password-{i:03}")),
                    roles: yihaotai_domain::role::Roles(vec![yihaotai_domain::role::Role::Agent]),
                    areas: areas.clone(),
                    agency: agent.agency_id,
                },
            )
            .await?;
    }
    let app = app::serve(service, url, dir).await?;
    let token = app.token("agent").await?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(o.logins + 4)
        .build()?;
    let me = format!("{}/api/v1/me", app.base);
    let window = Duration::from_secs(o.seconds);

    let quiet = probe(&http, &me, &token, window).await;
    println!("/api/v1/me on a quiet desk:          {quiet}");

    let stop_at = Instant::now() + window;
    let mut storm = Vec::new();
    for i in 0..o.logins {
        let http = http.clone();
        let base = app.base.clone();
        storm.push(tokio::spawn(async move {
            let mut answered = 0u64;
            let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
            let login = format!("bench{i:03}");
            let password = format!("bench-password-{i:03}");
            while Instant::now() < stop_at {
                // A pre-login cookie and a matching form token, as a browser sends them.
                let pre = "0123456789abcdef0123456789abcdef0123456789abcdef";
                let r = http
                    .post(format!("{base}/login"))
                    .header("cookie", format!("yht_pre={pre}"))
                    .header(
                        "x-forwarded-for",
                        format!("10.0.{}.{}", i / 200, i % 200 + 1),
                    )
                    .form(&[
                        ("_csrf", pre),
                        ("login", login.as_str()),
                        ("password", password.as_str()),
                    ])
                    .send()
                    .await;
                if let Ok(r) = r {
                    *statuses.entry(r.status().as_u16()).or_default() += 1;
                    answered += 1;
                }
            }
            (answered, statuses)
        }));
    }
    let busy = probe(&http, &me, &token, window).await;
    let mut answered = 0;
    let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
    for t in storm {
        let (n, s) = t.await?;
        answered += n;
        for (k, v) in s {
            *statuses.entry(k).or_default() += v;
        }
    }
    println!("/api/v1/me during {} concurrent logins: {busy}", o.logins);
    println!(
        "logins answered: {answered} in {} s, by status: {statuses:?}",
        o.seconds
    );
    app.stop().await;
    Ok(())
}

/// Asks `/me` back to back for `window`; the latency summary.
async fn probe(http: &reqwest::Client, me: &str, token: &str, window: Duration) -> stats::Summary {
    let until = Instant::now() + window;
    let mut samples = Vec::new();
    while Instant::now() < until {
        let t = Instant::now();
        let ok = http
            .get(me)
            .header("authorization", token)
            .send()
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false);
        if ok {
            samples.push(t.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stats::summarize(&samples)
}
