//! The connection loop: what axum's `serve` does, plus the limits a public desk needs.
//! axum's own loop sets no timer, so hyper's header timeout never fires and an idle or
//! dribbling client holds its descriptor for ever; it also has no bound on connections.
//! Here every connection has a header-read deadline (which is also the keep-alive idle
//! limit between requests), an inactivity limit on the socket itself, and a place under
//! `max_connections`; a connection beyond that gets a plain 503 with `Retry-After` and
//! is closed. Whole-request and body timeouts are middleware in [`crate::build_app`].

use crate::AppState;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// The limits of one listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// Time to send a request's headers, from the moment the server waits for them
    /// (so it also closes a keep-alive connection left idle between requests).
    pub header_timeout: Duration,
    /// A connection that moves no byte either way for this long is closed.
    pub idle_timeout: Duration,
    /// Time for a handler to answer, reading the body included.
    pub request_timeout: Duration,
    /// Longest wait for the next piece of a request body.
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_timeout: crate::REQUEST_TIMEOUT,
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// At most this many refusals are being written at once; past that a connection is
/// simply closed, so a flood cannot turn refusals into a second way to hold descriptors.
const MAX_REFUSING: usize = 64;

/// Serves `state`'s app on `listener` until `shutdown` completes, then lets the requests
/// in flight finish. Live streams never finish by themselves, so they are told to end.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.web.limits;
    let streams = state.shutdown.clone();
    let app = crate::build_app(state);
    let places = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    // Each connection holds a receiver; shutdown waits until all are dropped.
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut fd_warned: Option<Instant> = None;
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                accept_failed(&e, &mut fd_warned).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        match places.clone().try_acquire_owned() {
            Ok(place) => {
                let app = app.clone();
                let stop = stop_rx.clone();
                tokio::spawn(async move {
                    serve_connection(stream, peer, app, limits, stop).await;
                    drop(place);
                });
            }
            Err(_) => {
                metrics::counter!("http_connections_refused_total").increment(1);
                if let Ok(slot) = refusing.clone().try_acquire_owned() {
                    tokio::spawn(async move {
                        refuse(stream).await;
                        drop(slot);
                    });
                }
            }
        }
    }
    drop(listener);
    streams.trigger();
    let _ = stop_tx.send(true);
    drop(stop_rx);
    stop_tx.closed().await;
    Ok(())
}

/// Out of descriptors (EMFILE/ENFILE) or a connection reset before accept: keep the loop
/// alive, wait a moment so it does not spin, and say so once in a while.
async fn accept_failed(e: &std::io::Error, warned: &mut Option<Instant>) {
    let out_of_fds = matches!(e.raw_os_error(), Some(23 | 24));
    if out_of_fds {
        if warned.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
            tracing::warn!(error = %e, "cannot accept connections: out of file descriptors");
            *warned = Some(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    } else {
        tracing::debug!(error = %e, "accept failed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: axum::Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let io = TokioIo::new(IdleIo::new(stream, limits.idle_timeout));
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req.map(axum::body::Body::new))
        });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(20)))
        .keep_alive_timeout(Duration::from_secs(10));
    let conn = builder.serve_connection_with_upgrades(io, service);
    let mut conn = std::pin::pin!(conn);
    loop {
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::trace!(error = %e, "connection ended");
                }
                return;
            }
            changed = stop.changed() => {
                conn.as_mut().graceful_shutdown();
                if changed.is_err() {
                    // The sender is gone: nothing more to wait for but the connection.
                    let _ = conn.as_mut().await;
                    return;
                }
            }
        }
    }
}

/// The answer to a connection beyond the limit: short, in both languages, and closed.
async fn refuse(mut stream: TcpStream) {
    const BODY: &str = "服务器繁忙，请稍后重试 / the desk is busy; try again shortly\n";
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Retry-After: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\
         Content-Length: {}\r\n\r\n",
        crate::error::RETRY_AFTER_SECONDS,
        BODY.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(BODY.as_bytes()).await?;
        stream.shutdown().await?;
        // Read what the client sent, briefly, so closing does not reset the connection
        // before the client has read the answer.
        let mut sink = [0u8; 1024];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), std::io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), write).await;
}

/// A socket that fails with `TimedOut` once no byte has moved either way for `limit`:
/// the last word on a client that stops reading its answer or goes quiet mid-request.
/// Live streams send a keep-alive well within the limit, so they are never cut.
struct IdleIo {
    inner: TcpStream,
    limit: Duration,
    timer: Pin<Box<Sleep>>,
}

impl IdleIo {
    fn new(inner: TcpStream, limit: Duration) -> IdleIo {
        IdleIo {
            inner,
            limit,
            timer: Box::pin(tokio::time::sleep(limit)),
        }
    }

    fn progressed(&mut self) {
        let at = Instant::now() + self.limit;
        self.timer.as_mut().reset(at);
    }

    /// A write's outcome: bytes moved reset the clock; a stalled write past the limit fails.
    fn wrote(
        &mut self,
        cx: &mut Context<'_>,
        r: Poll<std::io::Result<usize>>,
    ) -> Poll<std::io::Result<usize>> {
        match r {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.progressed();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Called when the socket is not ready: has the connection been idle too long?
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.timer.as_mut().poll(cx).is_ready()
    }
}

fn idle_error() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "connection idle")
}

impl AsyncRead for IdleIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    this.progressed();
                }
                Poll::Ready(r)
            }
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for IdleIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, data);
        this.wrote(cx, r)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.wrote(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
