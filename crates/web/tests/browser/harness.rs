//! The browser harness: the app with the demo street on a random port, one chromedriver,
//! and one or two Chromium sessions with their own profiles; helpers that wait for what a
//! user would see, each with a deadline, never a fixed sleep.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::sync::{oneshot, Mutex};
use yihaotai_service::{Service, ServiceConfig, SystemClock};
use yihaotai_store::Store;
use yihaotai_web::{AppState, WebConfig};

const CHROMIUM: &str = "/usr/bin/chromium";
pub const LAPTOP: (u32, u32) = (1366, 900);
pub const PHONE: (u32, u32) = (390, 844);
pub const PATIENCE: Duration = Duration::from_secs(15);

/// One journey at a time: each starts its own browsers, and on a small machine journeys
/// that race each other for the CPU time out instead of failing for a reason.
static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

/// Kills chromedriver when the test ends, however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The app on a random port, a chromedriver, and the browser sessions; all torn down on
/// drop (the browsers by `run`, which closes them even when the journey panics).
pub struct Harness {
    pub base: String,
    /// The app's own service, for setting up what a journey needs and checking the store.
    pub service: Service,
    stop: Option<oneshot::Sender<()>>,
    _driver: Driver,
    _dirs: Vec<TempDir>,
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

async fn start_app(db_dir: &TempDir) -> (String, Service, oneshot::Sender<()>) {
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
    let state = AppState::new(service.clone(), WebConfig::default());
    tokio::spawn(async move {
        yihaotai_web::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .expect("serve");
    });
    (format!("http://{addr}"), service, tx)
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
        // Two sessions side by side: neither may be throttled as a background window.
        "--disable-background-timer-throttling".into(),
        "--disable-renderer-backgrounding".into(),
        "--disable-backgrounding-occluded-windows".into(),
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

/// Starts the app, chromedriver and `sessions` browsers (each with its own profile, so
/// its own cookies), runs `journey`, closes every browser whatever happened, then
/// re-raises the journey's panic if it had one.
async fn run_sessions<F>(sessions: usize, journey: F)
where
    F: for<'a> AsyncFnOnce(&'a [Client], &'a Harness),
{
    let _turn = ONE_AT_A_TIME.lock().await;
    let db_dir = TempDir::new().expect("temp dir");
    let (base, service, stop) = start_app(&db_dir).await;
    let (driver, port) = start_driver().await;
    let mut dirs = vec![db_dir];
    let mut clients = Vec::new();
    for _ in 0..sessions {
        let profile = TempDir::new().expect("temp dir");
        clients.push(connect(port, &profile).await);
        dirs.push(profile);
    }
    let shots = std::env::var_os("YIHAOTAI_SCREENSHOTS").map(PathBuf::from);
    if let Some(dir) = &shots {
        std::fs::create_dir_all(dir).expect("create the screenshot directory");
    }
    let h = Harness {
        base,
        service,
        stop: Some(stop),
        _driver: driver,
        _dirs: dirs,
        shots,
    };
    let outcome = AssertUnwindSafe(async {
        for c in &clients {
            set_viewport(c, LAPTOP.0, LAPTOP.1).await;
        }
        journey(&clients, &h).await
    })
    .catch_unwind()
    .await;
    for c in clients {
        let _ = c.close().await;
    }
    drop(h);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// A journey of one user in one browser.
pub async fn run<F>(journey: F)
where
    F: for<'a> AsyncFnOnce(&'a Client, &'a Harness),
{
    run_sessions(1, async move |cs: &[Client], h: &Harness| {
        journey(&cs[0], h).await
    })
    .await;
}

/// A journey of two users, each in a browser of their own, at the same time.
pub async fn run2<F>(journey: F)
where
    F: for<'a> AsyncFnOnce(&'a Client, &'a Client, &'a Harness),
{
    run_sessions(2, async move |cs: &[Client], h: &Harness| {
        journey(&cs[0], &cs[1], h).await
    })
    .await;
}

impl Harness {
    pub async fn open(&self, c: &Client, path: &str) {
        // A page that does not load in time is a failure, not a long wait.
        match tokio::time::timeout(PATIENCE, c.goto(&format!("{}{path}", self.base))).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("open {path}: {e}"),
            Err(_) => panic!("{path} did not load within {PATIENCE:?}"),
        }
    }

    /// Saves the current page at laptop and at phone width, when screenshots are wanted.
    pub async fn shoot(&self, c: &Client, name: &str) {
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
pub async fn set_viewport(c: &Client, w: u32, h: u32) {
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

async fn where_am_i(c: &Client) -> String {
    c.current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_else(|e| format!("(no url: {e})"))
}

/// Waits until the element matching `css` exists and its text contains `needle`.
pub async fn wait_text(c: &Client, css: &str, needle: &str) -> String {
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
            let url = where_am_i(c).await;
            panic!("`{css}` never contained {needle:?}; last text {last:?}; at {url}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until exactly `n` elements match `css`; returns them.
pub async fn wait_count(c: &Client, css: &str, n: usize) -> Vec<Element> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let found = c.find_all(Locator::Css(css)).await.unwrap_or_default();
        if found.len() == n {
            return found;
        }
        if Instant::now() > deadline {
            let url = where_am_i(c).await;
            panic!("expected {n} of `{css}`, found {}; at {url}", found.len());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until nothing matches `css` any more.
pub async fn wait_gone(c: &Client, css: &str) {
    wait_count(c, css, 0).await;
}

/// Waits for the element and returns it.
pub async fn find(c: &Client, css: &str) -> Element {
    match c
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(el) => el,
        Err(e) => panic!("`{css}` never appeared ({e}); at {}", where_am_i(c).await),
    }
}

/// Clicks, and waits (within patience) for any page load the click starts.
/// A live refresh may replace the element between finding and clicking it: then it is
/// found again and clicked, within patience.
pub async fn click(c: &Client, css: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let el = find(c, css).await;
        match tokio::time::timeout(PATIENCE, el.click()).await {
            Ok(Ok(())) => return,
            Ok(Err(e))
                if e.to_string().to_lowercase().contains("stale") && Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(Err(e)) => panic!("click `{css}`: {e}"),
            Err(_) => panic!("the page after clicking `{css}` did not load within {PATIENCE:?}"),
        }
    }
}

/// Types into a field as a person would, key by key.
pub async fn type_into(c: &Client, css: &str, text: &str) {
    let el = find(c, css).await;
    el.clear()
        .await
        .unwrap_or_else(|e| panic!("clear `{css}`: {e}"));
    el.send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into `{css}`: {e}"));
}

/// Puts text into a field at once, as pasting does.
pub async fn paste_into(c: &Client, css: &str, text: &str) {
    let el = find(c, css).await;
    let arg = serde_json::to_value(&el).expect("the element as a script argument");
    c.execute(
        "arguments[0].value = arguments[1]; \
         arguments[0].dispatchEvent(new Event('input', { bubbles: true }));",
        vec![arg, serde_json::Value::String(text.to_string())],
    )
    .await
    .unwrap_or_else(|e| panic!("paste into `{css}`: {e}"));
}

pub async fn choose(c: &Client, css: &str, label: &str) {
    find(c, css)
        .await
        .select_by_label(label)
        .await
        .unwrap_or_else(|e| panic!("choose {label:?} in `{css}`: {e}"));
}

/// A form field's current value.
pub async fn value(c: &Client, css: &str) -> String {
    find(c, css)
        .await
        .prop("value")
        .await
        .unwrap_or_else(|e| panic!("read `{css}`: {e}"))
        .unwrap_or_default()
}

pub async fn is_checked(c: &Client, css: &str) -> bool {
    find(c, css)
        .await
        .prop("checked")
        .await
        .unwrap_or_else(|e| panic!("read `{css}`: {e}"))
        .is_some_and(|v| v == "true")
}

pub async fn html_lang(c: &Client) -> String {
    c.find(Locator::Css("html"))
        .await
        .expect("the html element")
        .attr("lang")
        .await
        .expect("read lang")
        .unwrap_or_default()
}

pub async fn path(c: &Client) -> String {
    c.current_url()
        .await
        .expect("current url")
        .path()
        .to_string()
}

/// Waits until the browser shows a page whose path starts with `prefix`.
pub async fn wait_path(c: &Client, prefix: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let p = path(c).await;
        if p.starts_with(prefix) {
            return p;
        }
        if Instant::now() > deadline {
            let said = match c.find(Locator::Css(".flash.error")).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => "(no error shown)".into(),
            };
            panic!("never reached {prefix}; still at {p}, which says {said:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Marks the page so a later check can tell it was never reloaded.
pub async fn mark_page(c: &Client) {
    c.execute("window.__yhtNoReload = true;", vec![])
        .await
        .expect("mark the page");
}

pub async fn still_same_page(c: &Client) -> bool {
    c.execute("return window.__yhtNoReload === true;", vec![])
        .await
        .expect("read the page mark")
        .as_bool()
        .unwrap_or(false)
}

/// Waits until the page's live stream (`/events`) is open, so nothing published from now
/// on can be missed.
pub async fn wait_live(c: &Client) {
    find(c, "body[data-stream=open]").await;
}

pub async fn fill_and_submit(c: &Client, login: &str, password: &str) {
    let field = find(c, "#login").await;
    field.clear().await.expect("clear the login field");
    field.send_keys(login).await.expect("type the login");
    c.find(Locator::Css("#password"))
        .await
        .expect("the password field")
        .send_keys(password)
        .await
        .expect("type the password");
    click(c, "#submit").await;
}

pub async fn log_in(c: &Client, h: &Harness, login: &str, password: &str) {
    h.open(c, "/login").await;
    fill_and_submit(c, login, password).await;
    wait_text(c, "#home-title", "").await;
}

/// A critical medical request as a journey registers it behind the screens' backs, so
/// that the open pages must alarm by themselves; dispatched at once when `dispatch_to`
/// names an agency.
pub fn critical_request(
    content: &str,
    dispatch_to: Option<yihaotai_domain::AgencyId>,
) -> yihaotai_service::tickets::IntakeInput {
    use yihaotai_domain::ticket::DispatchMode;
    use yihaotai_domain::vocab::Urgency;
    yihaotai_service::tickets::IntakeInput {
        dispatch_to: dispatch_to.map(|a| (a, DispatchMode::Direct)),
        ..yihaotai_service::tickets::IntakeInput::request(content, "medical", Urgency::Critical)
    }
}
