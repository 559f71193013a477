//! The listener: accepts connections up to `[server] max_connections` and
//! serves each with hyper's HTTP/1 connection, under the header-read, idle
//! keep-alive, body-read and send timeouts, then drains for at most
//! `shutdown_timeout_ms`.
//!
//! hyper starts its header-read timer when it waits for a request head, so
//! it bounds a stalled first request and the idle wait between requests
//! alike; the shorter keep-alive timeout is this module's, armed when a
//! response is done. A connection upgraded to a WebSocket leaves hyper (and
//! both timers) at the upgrade; it keeps its place in the connection count
//! until it closes.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::io::{Counted, TimedBody};
use crate::config::ConnectionLimits;

/// How long accepting pauses after an error such as `EMFILE` (out of file
/// descriptors), so that the loop does not spin while nothing can be accepted.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_secs(1);

/// Serves `app` on `listener` until `shutdown` resolves, then asks every
/// connection to finish its current request and close, and returns once all
/// have or `limits.shutdown_timeout` has passed (the rest are dropped).
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.min(Semaphore::MAX_PERMITS)));
    let (closing, closed) = watch::channel(false);
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
    let mut connections = JoinSet::new();
    let mut full = false;
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = accept(&listener, &slots, &mut full, limits.max_connections) => accepted,
            () = &mut shutdown => break,
        };
        let Some((stream, remote, slot)) = accepted else { continue };
        while connections.try_join_next().is_some() {}
        let connection = Connection { app: app.clone(), remote, limits };
        let stream = Counted::new(stream, slot, limits.send_timeout);
        connections.spawn(connection.run(builder.clone(), stream, closed.clone()));
    }
    drop(listener);
    closing.send_replace(true);
    drain(connections, limits.shutdown_timeout).await;
    Ok(())
}

/// Waits for a free slot, then accepts one connection; `None` after an
/// accept error (paused after if it was not the client's doing).
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
    full: &mut bool,
    max: usize,
) -> Option<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    let slot = match slots.clone().try_acquire_owned() {
        Ok(slot) => {
            *full = false;
            slot
        }
        Err(_) => {
            if !std::mem::replace(full, true) {
                tracing::warn!(target: "tandem::server", max, "connection limit reached (`[server] max_connections`); new connections wait");
            }
            slots.clone().acquire_owned().await.ok()?
        }
    };
    match listener.accept().await {
        Ok((stream, remote)) => Some((stream, remote, slot)),
        Err(error) if is_connection_error(&error) => None,
        Err(error) => {
            tracing::error!(target: "tandem::server", %error, "cannot accept a connection; pausing");
            drop(slot);
            tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
            None
        }
    }
}

/// Errors that concern one client only (it left before it was accepted).
fn is_connection_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(error.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset)
}

/// Waits for every connection for at most `timeout`, then drops the rest.
async fn drain(mut connections: JoinSet<()>, timeout: Duration) {
    let open = connections.len();
    if open > 0 {
        tracing::info!(target: "tandem::server", open, ?timeout, "waiting for open connections");
    }
    let all_done = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(timeout, all_done).await.is_err() {
        tracing::warn!(
            target: "tandem::server",
            left = connections.len(),
            "connections still open after `[server] shutdown_timeout_ms`; closing them"
        );
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

/// Where a connection is between requests, as its service sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Accepted, no request yet: only hyper's header-read timeout applies.
    Fresh,
    /// A request is being answered.
    Busy,
    /// The last response is done since then; the keep-alive timeout runs.
    Idle(Instant),
    /// Switched to a WebSocket: no timeout of this module applies.
    Upgraded,
}

/// One accepted connection.
struct Connection {
    app: Router,
    remote: SocketAddr,
    limits: ConnectionLimits,
}

impl Connection {
    /// Serves the connection until it closes, is upgraded, idles past the
    /// keep-alive timeout or the server shuts down (the current request
    /// finishes first).
    async fn run(self, builder: http1::Builder, stream: Counted, mut closed: watch::Receiver<bool>) {
        let (phase, mut changed) = watch::channel(Phase::Fresh);
        let phase = Arc::new(phase);
        let (app, remote, body_timeout) = (self.app, self.remote, self.limits.body_read_timeout);
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let (app, phase) = (app.clone(), phase.clone());
            let request = request.map(|body| TimedBody::new(body, body_timeout));
            async move { Ok::<_, Infallible>(answer(app, remote, phase, request).await) }
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
        tokio::pin!(connection);
        let mut closing = false;
        loop {
            let idle_until = match *changed.borrow_and_update() {
                Phase::Idle(since) if !closing => Some(since + self.limits.keepalive_timeout),
                _ => None,
            };
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(target: "tandem::server", %error, %remote, "connection ended");
                    }
                    return;
                }
                _ = closed.wait_for(|closed| *closed), if !closing => {
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
                _ = changed.changed(), if !closing => {}
                () = sleep_until(idle_until), if idle_until.is_some() => {
                    // A request may have begun since (marking busy wakes no one).
                    let keepalive = self.limits.keepalive_timeout;
                    if matches!(*changed.borrow(), Phase::Idle(since) if since + keepalive <= Instant::now()) {
                        tracing::debug!(target: "tandem::server", %remote, "idle keep-alive connection closed");
                        connection.as_mut().graceful_shutdown();
                        closing = true;
                    }
                }
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Answers one request, with the peer's address as `ConnectInfo` (what
/// `into_make_service_with_connect_info` gives handlers), keeping `phase`.
async fn answer(
    app: Router,
    remote: SocketAddr,
    phase: Arc<watch::Sender<Phase>>,
    request: hyper::Request<TimedBody>,
) -> axum::response::Response {
    let busy = Busy::start(phase);
    let mut request = request.map(axum::body::Body::new);
    request.extensions_mut().insert(ConnectInfo(remote));
    let response = super::answer(app, request).await;
    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        busy.upgraded();
    }
    response
}

/// Marks the connection busy while a request is answered; idle when
/// dropped (also when the request is cancelled), unless it was upgraded.
struct Busy(Arc<watch::Sender<Phase>>);

impl Busy {
    fn start(phase: Arc<watch::Sender<Phase>>) -> Self {
        // Silently: the connection's task needs waking only to arm the
        // idle timer, when the request is done.
        phase.send_if_modified(|phase| {
            *phase = Phase::Busy;
            false
        });
        Self(phase)
    }

    fn upgraded(&self) {
        self.0.send_replace(Phase::Upgraded);
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.send_if_modified(|phase| {
            let idle = *phase != Phase::Upgraded;
            if idle {
                *phase = Phase::Idle(Instant::now());
            }
            idle
        });
    }
}
