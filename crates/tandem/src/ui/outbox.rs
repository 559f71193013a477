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

/// One server frame (see `docs/protocol.md`).
#[derive(Debug, Serialize)]
pub struct Frame<'a> {
    t: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty", serialize_with = "as_map")]
    storage: &'a [(&'static str, ClientStorage)],
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ops: Option<&'a [Op]>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    resync: bool,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    applied: &'a [u64],
    #[serde(skip_serializing_if = "<[Action]>::is_empty")]
    actions: &'a [Action],
}

impl<'a> Frame<'a> {
    fn of(t: &'static str) -> Self {
        Frame {
            t,
            id: None,
            state: None,
            token: None,
            data: None,
            storage: &[],
            message: None,
            ops: None,
            resync: false,
            applied: &[],
            actions: &[],
        }
    }

    /// `ready`: the tab `token` shows state `state` with public `data`;
    /// `storage` names the fields the browser keeps and where.
    ///
    /// ```
    /// # use tandem::ui::outbox::Frame;
    /// use tandem::ui::ClientStorage;
    /// let data = serde_json::json!({"count": 1, "theme": "dark"});
    /// assert_eq!(
    ///     Frame::ready("tok", "counter", &data, &[("theme", ClientStorage::Cookie)]).encode(),
    ///     r#"{"t":"ready","state":"counter","token":"tok","data":{"count":1,"theme":"dark"},"storage":{"theme":"cookie"}}"#
    /// );
    /// ```
    pub fn ready(
        token: &'a str,
        state: &'a str,
        data: &'a Value,
        storage: &'a [(&'static str, ClientStorage)],
    ) -> Self {
        Frame { token: Some(token), state: Some(state), data: Some(data), storage, ..Frame::of("ready") }
    }

    /// A `ready` that also lists the browser events the tab applied most
    /// recently (the runtime sends its unanswered events that are not
    /// listed again).
    ///
    /// ```
    /// # use tandem::ui::outbox::Frame;
    /// let data = serde_json::json!({});
    /// assert!(Frame::ready("tok", "counter", &data, &[]).applied(&[3, 4]).encode().ends_with(r#""applied":[3,4]}"#));
    /// ```
    pub fn applied(self, applied: &'a [u64]) -> Self {
        Frame { applied, ..self }
    }

    /// `delta`: the answer to the browser's event `id`.
    ///
    /// ```
    /// # use tandem::ui::outbox::Frame;
    /// assert_eq!(Frame::delta(7, &[], &[]).encode(), r#"{"t":"delta","id":7,"ops":[]}"#);
    /// ```
    pub fn delta(id: u64, ops: &'a [Op], actions: &'a [Action]) -> Self {
        Frame { id: Some(id), ops: Some(ops), actions, ..Frame::of("delta") }
    }

    /// `push`: changes the browser did not ask for (a handler streaming its
    /// progress, a queued event, a background task) to state `state`.
    ///
    /// ```
    /// # use tandem::ui::outbox::Frame;
    /// assert_eq!(Frame::push("importer", &[], &[]).encode(), r#"{"t":"push","state":"importer","ops":[]}"#);
    /// ```
    pub fn push(state: &'a str, ops: &'a [Op], actions: &'a [Action]) -> Self {
        Frame { state: Some(state), ops: Some(ops), actions, ..Frame::of("push") }
    }

    /// `error`: event `id` (or a queued event, `None`) failed; `undo`
    /// takes back what it had already pushed.
    ///
    /// ```
    /// # use tandem::ui::outbox::Frame;
    /// assert_eq!(Frame::error(None, "nope", &[]).encode(), r#"{"t":"error","message":"nope"}"#);
    /// ```
    pub fn error(id: Option<u64>, message: &'a str, undo: &'a [Op]) -> Self {
        let ops = (!undo.is_empty()).then_some(undo);
        Frame { id, message: Some(message), ops, ..Frame::of("error") }
    }

    /// `error` with `resync`: what the browser shows may not be what the
    /// server kept; the runtime says `hello` again to get the tab's state.
    ///
    /// ```
    /// # use tandem::ui::outbox::Frame;
    /// assert_eq!(Frame::resync("changed elsewhere").encode(), r#"{"t":"error","message":"changed elsewhere","resync":true}"#);
    /// ```
    pub fn resync(message: &'a str) -> Self {
        Frame { message: Some(message), resync: true, ..Frame::of("error") }
    }

    /// The frame as JSON text.
    pub fn encode(&self) -> String {
        // Only strings, numbers and JSON values: serialization cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}
