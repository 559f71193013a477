//! How the engines of several processes reach each other's tabs: a frame
//! for a tab connected elsewhere (a background task's update), "data under
//! this topic changed" for every tab that shows it (live updates), and the
//! end of a session for the connections running as it.
//! Without a bus (one process) both stay local; with Redis configured they
//! travel over Redis pub/sub.

use serde::{Deserialize, Serialize};

/// A message between processes.
///
/// ```
/// use tandem::ui::bus::BusMessage;
/// let message = BusMessage::Changed { topic: "shop_product".into() };
/// let text = serde_json::to_string(&message).unwrap();
/// assert_eq!(text, r#"{"kind":"changed","topic":"shop_product"}"#);
/// assert_eq!(serde_json::from_str::<BusMessage>(&text).unwrap(), message);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BusMessage {
    /// An encoded frame for the connection of tab `token`, wherever it is.
    Frame {
        /// The tab.
        token: String,
        /// The frame's JSON.
        frame: String,
    },
    /// Data under `topic` changed: tabs whose page is live on it refresh.
    Changed {
        /// The topic, e.g. a table name.
        topic: String,
    },
    /// The session `key` ended (logout, login's new key, deletion): its
    /// connections close.
    SessionEnded {
        /// The session's key.
        key: String,
    },
}

/// Carries [`BusMessage`]s to every process, this one included, which
/// hands each to [`Engine::receive`](super::Engine::receive).
pub trait Bus: Send + Sync {
    /// Sends `message` to every process.
    fn publish(&self, message: BusMessage);
}
