//! Real-browser journeys: headless Chromium driven through chromedriver against the app
//! served in-process on a random port. Ignored by default (they need both programs);
//! `.ci/run` runs them with `--ignored`. Set `YIHAOTAI_SCREENSHOTS=<dir>` to keep a PNG of
//! every step at laptop and phone width.

use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::sync::oneshot;
use yihaotai_service::{Service, ServiceConfig, SystemClock};
use yihaotai_store::Store;
use yihaotai_web::{AppState, WebConfig};

const CHROMIUM: &str = "/usr/bin/chromium";
const LAPTOP: (u32, u32) = (1366, 900);
const PHONE: (u32, u32) = (390, 844);
const PATIENCE: Duration = Duration::from_secs(15);

/// Kills chromedriver when the test ends, however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The app on a random port, a chromedriver, and a browser session; all torn down on drop
/// (the browser by `run`, which closes the session even when the journey panics).
struct Harness {
    base: String,
    stop: Option<oneshot::Sender<()>>,
    _driver: Driver,
    _dirs: (TempDir, TempDir),
    shots: Option<PathBuf>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn free_port() -> u16 {
    let l = StdListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local address").port()
}

async fn start_app(db_dir: &TempDir) -> (String, oneshot::Sender<()>) {
    let url = format!("sqlite://{}", db_dir.path().join("t.db").display());
    let store = Store::connect(&url).await.expect("open the test database");
    store.migrate().await.expect("migrate the test database");
    let service = Service::new(store, Arc::new(SystemClock), ServiceConfig::default());
    service.bootstrap().await.expect("bootstrap");
    service.load_demo().await.expect("load the demo street");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the app");
    let addr: SocketAddr = listener.local_addr().expect("app address");
    let (tx, rx) = oneshot::channel::<()>();
    let state = AppState::new(service, WebConfig::default());
    tokio::spawn(async move {
        yihaotai_web::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .expect("serve");
    });
    (format!("http://{addr}"), tx)
}

async fn start_driver() -> (Driver, u16) {
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver (is chromium-driver installed?)");
    let driver = Driver(child);
    let status = format!("http://127.0.0.1:{port}/status");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(r) = http.get(&status).send().await {
            if r.status().is_success() {
                return (driver, port);
            }
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not answer on {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn connect(port: u16, profile: &TempDir) -> Client {
    let args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--no-first-run".into(),
        "--disable-sync".into(),
        "--disable-quic".into(),
        format!("--window-size={},{}", LAPTOP.0, LAPTOP.1),
        format!("--user-data-dir={}", profile.path().display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "args": args, "binary": CHROMIUM }),
    );
    let mut builder = ClientBuilder::native();
    builder.capabilities(caps);
    builder
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("open a chromium session")
}

/// Starts everything, runs `journey`, closes the browser whatever happened, then re-raises
/// the journey's panic if it had one.
async fn run<F>(journey: F)
where
    F: for<'a> AsyncFnOnce(&'a Client, &'a Harness),
{
    let db_dir = TempDir::new().expect("temp dir");
    let profile = TempDir::new().expect("temp dir");
    let (base, stop) = start_app(&db_dir).await;
    let (driver, port) = start_driver().await;
    let client = connect(port, &profile).await;
    let shots = std::env::var_os("YIHAOTAI_SCREENSHOTS").map(PathBuf::from);
    if let Some(dir) = &shots {
        std::fs::create_dir_all(dir).expect("create the screenshot directory");
    }
    let h = Harness {
        base,
        stop: Some(stop),
        _driver: driver,
        _dirs: (db_dir, profile),
        shots,
    };
    let outcome = AssertUnwindSafe(async {
        set_viewport(&client, LAPTOP.0, LAPTOP.1).await;
        journey(&client, &h).await
    })
    .catch_unwind()
    .await;
    let _ = client.close().await;
    drop(h);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

impl Harness {
    async fn open(&self, c: &Client, path: &str) {
        c.goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// Saves the current page at laptop and at phone width, when screenshots are wanted.
    async fn shoot(&self, c: &Client, name: &str) {
        let Some(dir) = &self.shots else { return };
        for (label, (w, h)) in [("laptop", LAPTOP), ("phone", PHONE)] {
            set_viewport(c, w, h).await;
            // Let the layout settle after the resize.
            tokio::time::sleep(Duration::from_millis(150)).await;
            let png = c.screenshot().await.expect("take a screenshot");
            let file = dir.join(format!("{name}-{label}.png"));
            std::fs::write(&file, png).expect("write the screenshot");
        }
        set_viewport(c, LAPTOP.0, LAPTOP.1).await;
    }
}

/// Sizes the page's viewport (not the window, which headless Chromium pads with room for
/// toolbars) so screenshots come out at exactly `w`×`h`. Only the height is corrected:
/// the padding is all vertical, and `outerWidth` reads wrong below 500 pixels.
async fn set_viewport(c: &Client, w: u32, h: u32) {
    c.set_window_size(w, h).await.expect("resize the window");
    let pad = c
        .execute("return window.outerHeight - window.innerHeight;", vec![])
        .await
        .expect("measure the window")
        .as_u64()
        .unwrap_or(0) as u32;
    if pad > 0 {
        c.set_window_size(w, h + pad)
            .await
            .expect("resize the window");
    }
}

/// Waits until the element matching `css` exists and its text contains `needle`.
async fn wait_text(c: &Client, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    let mut last = String::from("(element not found)");
    loop {
        if let Ok(el) = c.find(Locator::Css(css)).await {
            if let Ok(text) = el.text().await {
                if text.contains(needle) {
                    return text;
                }
                last = text;
            }
        }
        if Instant::now() > deadline {
            let url = c.current_url().await.map(|u| u.to_string());
            panic!("`{css}` never contained {needle:?}; last text {last:?}; at {url:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn html_lang(c: &Client) -> String {
    c.find(Locator::Css("html"))
        .await
        .expect("the html element")
        .attr("lang")
        .await
        .expect("read lang")
        .unwrap_or_default()
}

async fn path(c: &Client) -> String {
    c.current_url()
        .await
        .expect("current url")
        .path()
        .to_string()
}

async fn fill_and_submit(c: &Client, login: &str, password: &str) {
    let field = c
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("#login"))
        .await
        .expect("the login field");
    field.clear().await.expect("clear the login field");
    field.send_keys(login).await.expect("type the login");
    c.find(Locator::Css("#password"))
        .await
        .expect("the password field")
        .send_keys(password)
        .await
        .expect("type the password");
    c.find(Locator::Css("#submit"))
        .await
        .expect("the submit button")
        .click()
        .await
        .expect("click submit");
}

async fn log_in(c: &Client, h: &Harness, login: &str, password: &str) {
    h.open(c, "/login").await;
    fill_and_submit(c, login, password).await;
    wait_text(c, "#home-title", "").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn agent_logs_in_sees_chinese_switches_to_english_and_logs_out() {
    run(async |c: &Client, h: &Harness| {
        h.open(c, "/login").await;
        wait_text(c, "h1", "").await;
        h.shoot(c, "01-login").await;

        fill_and_submit(c, "agent", "demo-agent-2026").await;
        wait_text(c, "#home-title", "您好").await;
        assert_eq!(path(c).await, "/");
        assert_eq!(html_lang(c).await, "zh-CN");
        wait_text(c, "#logout", "退出登录").await;
        h.shoot(c, "02-home-zh").await;

        c.find(Locator::Css("#lang-switch"))
            .await
            .expect("the language switch")
            .click()
            .await
            .expect("click the language switch");
        wait_text(c, "#home-title", "Hello").await;
        c.find(Locator::Css("html[lang=en]"))
            .await
            .expect("the page is marked as English");
        assert_eq!(path(c).await, "/", "the switch returns to the same page");
        h.shoot(c, "03-home-en").await;

        c.find(Locator::Css("#logout"))
            .await
            .expect("the logout button")
            .click()
            .await
            .expect("click logout");
        wait_text(c, "main", "You have logged out.").await;
        assert_eq!(path(c).await, "/login");
        h.shoot(c, "04-logged-out").await;

        // The session is really gone: the home page sends us back to log in.
        h.open(c, "/").await;
        c.wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css("#login, .error, h1"))
            .await
            .expect("a page after logout");
        assert!(
            c.find(Locator::Css("#home-title")).await.is_err(),
            "the home page is still shown after logging out"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn wrong_password_shows_an_error_and_stays_on_login() {
    run(async |c: &Client, h: &Harness| {
        h.open(c, "/login").await;
        fill_and_submit(c, "agent", "not-the-password").await;
        let msg = wait_text(c, "#login-error", "").await;
        assert!(!msg.trim().is_empty(), "the login error is empty");
        assert_eq!(path(c).await, "/login");
        assert!(
            c.find(Locator::Css("#home-title")).await.is_err(),
            "a wrong password let us in"
        );
        let kept = c
            .find(Locator::Css("#login"))
            .await
            .expect("the login field")
            .prop("value")
            .await
            .expect("read the login field");
        assert_eq!(
            kept.as_deref(),
            Some("agent"),
            "the login is kept for retrying"
        );
        h.shoot(c, "05-login-error").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn admin_pages_render_in_the_browser() {
    run(async |c: &Client, h: &Harness| {
        log_in(c, h, "admin", "demo-admin-2026").await;
        let pages = [
            ("06-admin-areas", "/admin/areas"),
            ("07-admin-area-6", "/admin/areas/6"),
            ("08-admin-agencies", "/admin/agencies"),
            ("09-admin-agency-1", "/admin/agencies/1"),
            ("10-admin-users", "/admin/users"),
            ("11-admin-user-1", "/admin/users/1"),
            ("12-admin-audit", "/admin/audit"),
        ];
        for (name, p) in pages {
            h.open(c, p).await;
            let title = wait_text(c, "main h1", "").await;
            assert!(!title.trim().is_empty(), "{p} has an empty heading");
            assert!(
                c.find(Locator::Css(".flash.error")).await.is_err(),
                "{p} shows an error"
            );
            assert_eq!(path(c).await, p, "{p} redirected elsewhere");
            h.shoot(c, name).await;
        }
    })
    .await;
}
