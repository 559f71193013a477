//! The frames the server sends a tab, and the queue they wait in.
//!
//! Every frame that changes what a tab shows is put in the tab's [`Outbox`]
//! while the tab's lock is held, so the browser receives the changes in the
//! order the server made them, whether they come from the tab's own events,
//! from events the server queued, or from background tasks. The connection
//! forwards the queue to the WebSocket.
//!
//! ```
//! use tandem::ui::outbox::{Frame, Outgoing, outbox};
//! let (tx, mut rx) = outbox();
//! tx.send(Frame::error(Some(3), "no such product", &[]).encode());
//! assert_eq!(
//!     rx.try_recv().unwrap(),
//!     Outgoing::Frame(r#"{"t":"error","id":3,"message":"no such product"}"#.into())
//! );
//! ```

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::context::Action;
use super::delta::Op;
use super::storage::ClientStorage;

/// What a connection is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// Send this encoded frame.
    Frame(String),
    /// Data under this topic changed: run the page's live event for it, if
    /// it has one ([`Page::live`](super::Page::live)).
    Changed(Arc<str>),
    /// Close the connection with this code and reason (its session ended).
    Close(u16, &'static str),
}

/// The sending side of a tab's queue.
#[derive(Debug, Clone)]
pub struct Outbox(tokio::sync::mpsc::UnboundedSender<Outgoing>);

impl Outbox {
    /// Queues an encoded frame; `false` when the connection is gone.
    pub fn send(&self, frame: String) -> bool {
        self.0.send(Outgoing::Frame(frame)).is_ok()
    }

    /// Tells the connection that data under `topic` changed.
    pub fn changed(&self, topic: Arc<str>) -> bool {
        self.0.send(Outgoing::Changed(topic)).is_ok()
    }

    /// Asks the connection to close with `code` and `reason`.
    pub fn close(&self, code: u16, reason: &'static str) -> bool {
        self.0.send(Outgoing::Close(code, reason)).is_ok()
    }
}

/// The receiving side, read by the tab's connection.
pub type Inbox = tokio::sync::mpsc::UnboundedReceiver<Outgoing>;

/// A new, empty queue.
///
/// ```
/// let (tx, rx) = tandem::ui::outbox::outbox();
/// drop(rx);
/// assert!(!tx.send("{}".into()), "nobody reads a closed queue");
/// ```
pub fn outbox() -> (Outbox, Inbox) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    (Outbox(tx), rx)
}

fn as_map<S: serde::Serializer>(fields: &&[(&'static str, ClientStorage)], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(fields.iter().map(|(field, kept)| (*field, kept)))
}

/// One server frame (see `docs/protocol.md`), tagged by `t`.
///
/// ```
/// use tandem::ui::outbox::Frame;
/// assert_eq!(Frame::resync("try again").encode(), r#"{"t":"error","message":"try again","resync":true}"#);
/// ```
#[derive(Debug, Serialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Frame<'a> {
    /// The answer to `hello`: the tab's token, its state's name and public
    /// data, the fields the browser keeps, and the event ids already applied.
    Ready {
        /// The state's name.
        state: &'a str,
        /// The tab's token.
        token: &'a str,
        /// The state's public data.
        data: &'a Value,
        /// Field → where the browser keeps it.
        #[serde(skip_serializing_if = "<[_]>::is_empty", serialize_with = "as_map")]
        storage: &'a [(&'static str, ClientStorage)],
        /// Event ids applied already (a reconnect does not send them again).
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        applied: &'a [u64],
    },
    /// The answer to event `id`: the changes and the actions.
    Delta {
        /// The event's id.
        id: u64,
        /// The changes to the public data.
        ops: &'a [Op],
        /// What the browser is asked to do.
        #[serde(skip_serializing_if = "<[Action]>::is_empty")]
        actions: &'a [Action],
    },
    /// Changes the tab did not ask for (a queued event, a background task,
    /// a live update, a handler's `push`).
    Push {
        /// The state's name.
        state: &'a str,
        /// The changes to the public data.
        ops: &'a [Op],
        /// What the browser is asked to do.
        #[serde(skip_serializing_if = "<[Action]>::is_empty")]
        actions: &'a [Action],
    },
    /// Something failed or was refused; nothing changed (but `ops`, which
    /// undo what a handler pushed before failing).
    Error {
        /// The event it answers, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// For the person using the page.
        message: &'a str,
        /// Undoes what the failed handler pushed.
        #[serde(skip_serializing_if = "Option::is_none")]
        ops: Option<&'a [Op]>,
        /// The browser should say `hello` again (its data may be stale).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        resync: bool,
        /// A guarded page refused the `hello`: no tab was made.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        refused: bool,
        /// Where the runtime goes (the login page, or the page over HTTP).
        #[serde(skip_serializing_if = "Option::is_none")]
        navigate: Option<&'a str>,
    },
}

impl<'a> Frame<'a> {
    /// `ready`: the tab `token` shows state `state` with public `data`.
    ///
    /// ```
    /// use tandem::ui::ClientStorage;
    /// use tandem::ui::outbox::Frame;
    /// let data = serde_json::json!({"count": 1, "theme": "dark"});
    /// assert_eq!(
    ///     Frame::ready("tok", "counter", &data, &[("theme", ClientStorage::Cookie)]).applied(&[4]).encode(),
    ///     r#"{"t":"ready","state":"counter","token":"tok","data":{"count":1,"theme":"dark"},"storage":{"theme":"cookie"},"applied":[4]}"#
    /// );
    /// ```
    pub fn ready(
        token: &'a str,
        state: &'a str,
        data: &'a Value,
        storage: &'a [(&'static str, ClientStorage)],
    ) -> Self {
        Frame::Ready { token, state, data, storage, applied: &[] }
    }

    /// The same `ready` frame, listing the event ids already applied.
    pub fn applied(self, applied: &'a [u64]) -> Self {
        match self {
            Frame::Ready { token, state, data, storage, .. } => Frame::Ready { token, state, data, storage, applied },
            other => other,
        }
    }

    /// `delta`: the answer to event `id`.
    pub fn delta(id: u64, ops: &'a [Op], actions: &'a [Action]) -> Self {
        Frame::Delta { id, ops, actions }
    }

    /// `push`: changes to state `state` the tab did not ask for.
    pub fn push(state: &'a str, ops: &'a [Op], actions: &'a [Action]) -> Self {
        Frame::Push { state, ops, actions }
    }

    /// `error` for event `id` (or none), undoing `undo`.
    pub fn error(id: Option<u64>, message: &'a str, undo: &'a [Op]) -> Self {
        let ops = (!undo.is_empty()).then_some(undo);
        Frame::Error { id, message, ops, resync: false, refused: false, navigate: None }
    }

    /// `error` asking the browser to say `hello` again.
    pub fn resync(message: &'a str) -> Self {
        Frame::Error { id: None, message, ops: None, resync: true, refused: false, navigate: None }
    }

    /// `error` refusing a guarded page's `hello`; the runtime goes to `navigate`.
    ///
    /// ```
    /// use tandem::ui::outbox::Frame;
    /// assert_eq!(
    ///     Frame::refused("Log in to see this page.", Some("/login?next=/account")).encode(),
    ///     r#"{"t":"error","message":"Log in to see this page.","refused":true,"navigate":"/login?next=/account"}"#
    /// );
    /// ```
    pub fn refused(message: &'a str, navigate: Option<&'a str>) -> Self {
        Frame::Error { id: None, message, ops: None, resync: false, refused: true, navigate }
    }

    /// The frame's JSON text.
    pub fn encode(&self) -> String {
        // Only strings, numbers and JSON values: serialization cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}
