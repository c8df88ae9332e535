//! A PostgreSQL outage as clients see it: every API call, page and `/readyz` answers 503
//! with Retry-After within a few seconds instead of hanging, and the desk works again once
//! the database is back. The database is a private cluster that this test creates on a
//! free port, stops, restarts and removes, never the shared server. `.ci/run` runs it with
//! `--ignored`; it skips, saying why, when the PostgreSQL server programs are not installed.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{get, login, send, Resp, T0};
use yihaotai_service::{ManualClock, Service, ServiceConfig};
use yihaotai_store::Store;
use yihaotai_web::{build_app, AppState, WebConfig};

/// Generous bounds on behaviour a client notices, not benchmarks: the acquire timeout is
/// 3 s and readiness gives up after 1.5 s.
const REQUEST_BOUND: Duration = Duration::from_secs(6);
const READY_BOUND: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "starts a private PostgreSQL cluster; .ci/run runs it in its outage step"]
async fn an_outage_answers_503_quickly_and_the_desk_recovers() {
    let Some(cluster) = Cluster::create() else {
        return;
    };
    cluster.start();
    let store = Store::connect(&cluster.url())
        .await
        .expect("private cluster opens");
    store.migrate().await.expect("migrations apply");
    let clock = Arc::new(ManualClock::new(T0));
    let svc = Service::new(store, clock, ServiceConfig::default());
    svc.bootstrap().await.unwrap();
    svc.load_demo().await.unwrap();
    let app = build_app(AppState::new(svc.clone(), WebConfig::default()));
    let (cookies, _) = login(&app, "agent", "demo-agent-2026").await;
    let token = svc.create_api_token("agent", "outage").await.unwrap();
    let bearer = format!("Bearer {}", token.expose());

    let api = || api_get("/api/v1/tickets", &bearer);
    let page = || get("/tickets", &cookies);
    let ready = || get("/readyz", "");
    for (what, req) in [("api", api()), ("page", page()), ("readyz", ready())] {
        let r = send(&app, req).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{what} before the outage: {}",
            r.body
        );
    }

    cluster.stop_immediately();
    for (what, req, bound) in [
        ("api", api(), REQUEST_BOUND),
        ("page", page(), REQUEST_BOUND),
        ("readyz", ready(), READY_BOUND),
        // Once more, now that the pool holds no connection it believes in.
        ("api again", api(), REQUEST_BOUND),
    ] {
        let (r, took) = timed(&app, req).await;
        eprintln!(
            "during the outage, {what} answered {} in {took:?}",
            r.status
        );
        assert_eq!(
            r.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{what}: {}",
            r.body
        );
        assert_eq!(
            r.headers
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("5"),
            "{what} says when to try again"
        );
        assert!(took < bound, "{what} took {took:?}, more than {bound:?}");
    }

    cluster.start();
    // The pool drops the dead connections and opens new ones; poll rather than sleep.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = send(&app, ready()).await;
        if r.status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "not ready again: {}", r.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (what, req) in [("api", api()), ("page", page())] {
        let r = send(&app, req).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{what} after the outage: {}",
            r.body
        );
    }
    // Writes work again too: a transaction begun on a fresh connection commits.
    let agent = svc.user_by_login("agent").await.unwrap();
    let flat = svc
        .find_households(&agent, "锦绣花园3栋2单元501")
        .await
        .unwrap()[0]
        .id;
    let r = send(&app, api_post_intake(&bearer, flat)).await;
    assert!(r.status.is_success(), "intake after the outage: {}", r.body);
}

fn api_get(uri: &str, bearer: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::AUTHORIZATION, bearer)
        .body(Body::empty())
        .unwrap()
}

fn api_post_intake(bearer: &str, household: i64) -> Request<Body> {
    let body = serde_json::json!({
        "channel": "hotline_12345",
        "request_type": "help",
        "category": "medical",
        "urgency": "urgent",
        "caller_name": "张桂英",
        "caller_phone": "13812345678",
        "household_id": household,
        "content": "老人在家摔倒了，需要上门看看",
    });
    Request::post("/api/v1/tickets")
        .header(header::AUTHORIZATION, bearer)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn timed(app: &Router, req: Request<Body>) -> (Resp, Duration) {
    let start = Instant::now();
    let r = send(app, req).await;
    (r, start.elapsed())
}

/// A throwaway PostgreSQL cluster in a temporary directory (data, socket and log), on a
/// free port. Dropping it stops the server and removes the directory.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    /// initdb and the server refuse to run as root; CI is root, so they run as `postgres`.
    run_as: Option<&'static str>,
}

impl Cluster {
    /// None, after saying why, when the server programs are not installed.
    fn create() -> Option<Cluster> {
        let Some(bin) = server_bindir() else {
            eprintln!(
                "skipped: no PostgreSQL server programs (initdb, pg_ctl) found via pg_config or in /usr/lib/postgresql"
            );
            return None;
        };
        let run_as = is_root().then_some("postgres");
        let dir = tempfile::Builder::new()
            .prefix("yht-outage-")
            .tempdir()
            .unwrap();
        if let Some(user) = run_as {
            let ok = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown the cluster directory to {user}");
        }
        let port = free_port();
        let c = Cluster {
            bin,
            dir,
            port,
            run_as,
        };
        c.run(
            "initdb",
            &[
                "-D",
                &c.data().display().to_string(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        Some(c)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-l",
                &self.dir.path().join("log").display().to_string(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// As a crash or a pulled cable looks to the desk: no goodbye to the clients.
    fn stop_immediately(&self) {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self
            .command(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program} runs: {e}"));
        let log = std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default();
        assert!(
            out.status.success(),
            "{program} {args:?} failed:\n{}{}\nserver log:\n{log}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.data().join("postmaster.pid").exists() {
            let _ = self
                .command("pg_ctl")
                .args(["-D", &self.data().display().to_string()])
                .args(["-m", "immediate", "-w", "stop"])
                .output();
        }
        // The TempDir removes the directory after this.
    }
}

fn server_bindir() -> Option<PathBuf> {
    let has_server = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(d) = from_pg_config.filter(|d| has_server(d)) {
        return Some(d);
    }
    // Debian keeps the server programs off PATH, one folder per major version.
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| has_server(d))
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    // Asked of the kernel and released at once; nothing else on this machine races for it.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
