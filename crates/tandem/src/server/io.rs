//! What the listener wraps around a connection's socket and a request's
//! body: its place in the connection count, and the timeouts on a peer that
//! stops reading (`send_timeout_ms`) or stops sending a body it announced
//! (`body_read_timeout_ms`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Sleep;

/// A client socket that holds its place in the connection count for as long
/// as it is open (through a WebSocket upgrade too), and fails a write that
/// makes no progress for `send_timeout`: the peer stopped reading.
pub(super) struct Counted {
    stream: TcpStream,
    _slot: OwnedSemaphorePermit,
    send_timeout: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
}

impl Counted {
    pub(super) fn new(stream: TcpStream, slot: OwnedSemaphorePermit, send_timeout: Duration) -> Self {
        Self { stream, _slot: slot, send_timeout, stalled: None }
    }

    /// Keeps the outcome of a write: progress clears the stall timer; no
    /// progress starts it, and once it runs out the write fails.
    fn watch_write<T>(&mut self, cx: &mut Context<'_>, written: Poll<std::io::Result<T>>) -> Poll<std::io::Result<T>> {
        if written.is_ready() {
            self.stalled = None;
            return written;
        }
        let timeout = self.send_timeout;
        let stalled = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        ready!(stalled.as_mut().poll(cx));
        tracing::debug!(target: "tandem::server", "the client read nothing for `[server] send_timeout_ms`; closing");
        Poll::Ready(Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "send timeout ([server] send_timeout_ms)")))
    }
}

impl AsyncRead for Counted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.watch_write(cx, written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.watch_write(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let flushed = Pin::new(&mut self.stream).poll_flush(cx);
        self.watch_write(cx, flushed)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The request body, failing when the client sends nothing for `timeout`
/// while it is being read (the time the handler spends between reads does
/// not count).
pub(super) struct TimedBody {
    inner: Incoming,
    timeout: Duration,
    waiting: Option<Pin<Box<Sleep>>>,
}

impl TimedBody {
    pub(super) fn new(inner: Incoming, timeout: Duration) -> Self {
        Self { inner, timeout, waiting: None }
    }
}

/// The client stopped sending the body it announced.
#[derive(Debug, thiserror::Error)]
#[error("the client sent no part of the request body for `[server] body_read_timeout_ms`")]
pub(super) struct BodyTimeout;

impl Body for TimedBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            self.waiting = None;
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        let timeout = self.timeout;
        let waiting = self.waiting.get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        ready!(waiting.as_mut().poll(cx));
        tracing::debug!(target: "tandem::server", "{BodyTimeout}");
        Poll::Ready(Some(Err(BodyTimeout.into())))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
