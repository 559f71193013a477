//! Signals, one layer below the REST API, the sessions and the UI (Django's
//! `post_save` and `user_logged_out`): "data under this topic changed" (the
//! REST viewsets send one after each write, naming the table) and "this
//! session ended" (a logout; the sessions layer sends it). The UI engine
//! receives them: it refreshes the pages live on the topic (`Page::live`)
//! and closes the ended session's connections. No layer knows the other.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use tandem::signals::{Signal, Signals};
//!
//! let signals = Signals::default();
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let log = seen.clone();
//! signals.connect(move |signal| log.lock().unwrap().push(format!("{signal:?}")));
//! signals.changed("shop_product");
//! signals.session_ended("k3y");
//! assert_eq!(*seen.lock().unwrap(), [r#"Changed("shop_product")"#, r#"SessionEnded("k3y")"#]);
//! ```

use std::sync::{Arc, RwLock};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal<'a> {
    /// Data under this topic changed (a REST write names its table).
    Changed(&'a str),
    /// The session with this key ended (a logout, or a login that replaced it).
    SessionEnded(&'a str),
}

/// A receiver of every [`Signal`].
type Receiver = Arc<dyn Fn(Signal<'_>) + Send + Sync>;

/// The application's change signals: who listens, and a way to tell them.
#[derive(Clone, Default)]
pub struct Signals {
    receivers: Arc<RwLock<Vec<Receiver>>>,
}

impl Signals {
    /// Calls `receiver` with every later signal. It runs on the sender's
    /// thread: keep it short (hand the work off).
    pub fn connect(&self, receiver: impl Fn(Signal<'_>) + Send + Sync + 'static) {
        self.receivers.write().unwrap_or_else(|p| p.into_inner()).push(Arc::new(receiver));
    }

    /// Tells every receiver that data under `topic` changed (a REST viewset
    /// sends its table's name after each write).
    pub fn changed(&self, topic: &str) {
        self.send(Signal::Changed(topic));
    }

    /// Tells every receiver that the session `key` ended.
    pub fn session_ended(&self, key: &str) {
        self.send(Signal::SessionEnded(key));
    }

    fn send(&self, signal: Signal<'_>) {
        let receivers = self.receivers.read().unwrap_or_else(|p| p.into_inner()).clone();
        for receiver in receivers {
            receiver(signal);
        }
    }
}
