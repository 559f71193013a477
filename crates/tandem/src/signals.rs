//! Signals: "data under this topic changed", one layer below the REST API
//! and the UI (Django's `post_save`). The REST viewsets send one after each
//! write, naming the table; the UI engine receives them and refreshes the
//! pages live on that topic (`Page::live`). Neither layer knows the other.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use tandem::signals::Signals;
//!
//! let signals = Signals::default();
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let log = seen.clone();
//! signals.connect(move |topic| log.lock().unwrap().push(topic.to_string()));
//! signals.changed("shop_product");
//! assert_eq!(*seen.lock().unwrap(), ["shop_product"]);
//! ```

use std::sync::{Arc, RwLock};

/// A receiver of [`Signals::changed`].
type Receiver = Arc<dyn Fn(&str) + Send + Sync>;

/// The application's change signals: who listens, and a way to tell them.
#[derive(Clone, Default)]
pub struct Signals {
    receivers: Arc<RwLock<Vec<Receiver>>>,
}

impl Signals {
    /// Calls `receiver` with the topic of every later [`changed`](Self::changed).
    /// It runs on the sender's thread: keep it short (hand the work off).
    pub fn connect(&self, receiver: impl Fn(&str) + Send + Sync + 'static) {
        self.receivers.write().unwrap_or_else(|p| p.into_inner()).push(Arc::new(receiver));
    }

    /// Tells every receiver that data under `topic` changed (a REST viewset
    /// sends its table's name after each write).
    pub fn changed(&self, topic: &str) {
        let receivers = self.receivers.read().unwrap_or_else(|p| p.into_inner()).clone();
        for receiver in receivers {
            receiver(topic);
        }
    }
}
