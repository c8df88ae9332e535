//! A real listener under clients that connect and then say nothing, dribble their
//! headers, or never finish a body: the desk closes them on its timeouts, refuses
//! connections beyond its bound with a 503, and keeps answering.

mod support;

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use yihaotai_web::server::Limits;
use yihaotai_web::{AppState, WebConfig};

const LIMITS: Limits = Limits {
    max_connections: 40,
    header_timeout: Duration::from_secs(1),
    idle_timeout: Duration::from_secs(4),
    request_timeout: Duration::from_secs(2),
    body_timeout: Duration::from_secs(1),
};

struct Server {
    addr: std::net::SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
    _app: support::App,
}

async fn server() -> Server {
    let app = support::app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let web = WebConfig {
        limits: LIMITS,
        ..WebConfig::default()
    };
    tokio::spawn(yihaotai_web::serve(
        listener,
        AppState::new(app.svc.clone(), web),
        async {
            let _ = stopped.await;
        },
    ));
    Server {
        addr,
        _stop: stop,
        _app: app,
    }
}

/// Sends a whole request on a new connection and returns the status line and headers.
async fn ask(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: desk\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    read_all(&mut s, Duration::from_secs(5)).await
}

async fn read_all(s: &mut TcpStream, within: Duration) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(within, s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Waits until the server closes the connection (EOF or reset); how long it took.
async fn closed_within(s: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(start.elapsed()), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => continue,
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn idle_and_slow_clients_are_cut_off_and_the_desk_still_answers() {
    let srv = server().await;
    // Thirty connections that never send a byte: the desk still answers beside them.
    let mut idle = Vec::new();
    for _ in 0..30 {
        idle.push(TcpStream::connect(srv.addr).await.unwrap());
    }
    let r = ask(srv.addr, "/healthz").await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");

    // Past the bound: a clear 503 saying when to come back, and the connection closed.
    let mut over = Vec::new();
    for _ in 0..20 {
        over.push(TcpStream::connect(srv.addr).await.unwrap());
    }
    let mut refused = 0;
    for s in &mut over {
        let text = read_all(s, Duration::from_millis(1500)).await;
        if text.starts_with("HTTP/1.1 503") {
            assert!(text.contains("Retry-After: 5"), "{text}");
            refused += 1;
        }
    }
    assert!(
        refused >= 10,
        "only {refused} of 20 over the bound were refused"
    );

    // Headers dribbled a byte at a time: closed at the header deadline, not held.
    let mut slow = TcpStream::connect(srv.addr).await;
    if let Ok(s) = slow.as_mut() {
        let dribble = async {
            for b in b"GET /healthz HTTP/1.1\r\nHost: desk\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa" {
                if s.write_all(&[*b]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(3), dribble).await;
    }

    // The idle ones are closed at the header deadline.
    for s in &mut idle {
        let took = closed_within(s, Duration::from_secs(5)).await;
        assert!(took.is_some(), "an idle connection was not closed");
    }
    drop(over);

    // With the idle ones gone there is room again.
    let r = ask(srv.addr, "/healthz").await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
}

#[tokio::test]
async fn a_body_that_never_ends_gets_an_answer_and_is_closed() {
    let srv = server().await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(
        b"POST /login HTTP/1.1\r\nHost: desk\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\nlogin=a",
    )
    .await
    .unwrap();
    // Trickle a byte every half second, faster than the body timeout, for longer than
    // the request may take.
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while start.elapsed() < Duration::from_secs(8) {
        let _ = s.write_all(b"a").await;
        match tokio::time::timeout(Duration::from_millis(500), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    let text = String::from_utf8_lossy(&got);
    assert!(
        start.elapsed() < Duration::from_secs(6),
        "the slow body was held for {:?}",
        start.elapsed()
    );
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("retry-after: 5"), "{text}");
    // And the desk answers others meanwhile.
    let r = ask(srv.addr, "/healthz").await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
}

#[tokio::test]
async fn responses_with_personal_data_are_not_stored_by_caches() {
    let srv = server().await;
    let r = ask(srv.addr, "/login").await;
    assert!(
        r.to_ascii_lowercase().contains("cache-control: no-store"),
        "{r}"
    );
    let r = ask(srv.addr, "/static/app.css").await;
    assert!(r.contains("max-age=3600"), "{r}");
}
