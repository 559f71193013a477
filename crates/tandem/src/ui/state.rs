//! States and their events: what a page binds to and what the browser can
//! ask it to do.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tandem::ui::{EventContext, EventError, State, events};
//!
//! #[derive(Default, Serialize, Deserialize, State)]
//! pub struct Counter {
//!     pub count: i64,
//!     #[state(backend)]
//!     pub clicks_ever: u64,
//! }
//!
//! #[events]
//! impl Counter {
//!     pub async fn increment(&mut self) {
//!         self.count += 1;
//!         self.clicks_ever += 1;
//!     }
//!
//!     pub async fn add(&mut self, _ctx: &mut EventContext, amount: i64) -> Result<(), EventError> {
//!         self.count = self.count.checked_add(amount).ok_or_else(|| EventError::new("too big"))?;
//!         Ok(())
//!     }
//! }
//!
//! assert_eq!(<Counter as State>::NAME, "counter");
//! assert_eq!(<Counter as tandem::ui::Events>::event_names(), ["increment", "add"]);
//! ```

use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::context::EventContext;

/// A state: a serde struct whose public fields the page binds to. Derive it
/// with `#[derive(State)]`.
pub trait State: Serialize + DeserializeOwned + Default + Send + Sync + 'static {
    /// The state's name in the protocol, e.g. `counter`.
    const NAME: &'static str;

    /// Fields that never leave the server (`#[state(backend)]`).
    fn backend_fields() -> &'static [&'static str];

    /// Fields the browser keeps too (`#[state(local_storage)]`,
    /// `#[state(cookie)]`), so their values survive a new tab.
    fn client_storage() -> &'static [(&'static str, super::storage::ClientStorage)] {
        &[]
    }

    /// The state's fields, in order, as its JSON names them; `#[derive(State)]`
    /// lists them all. Empty (a hand-written `State`, or a derived one whose
    /// serde attributes rename, flatten or skip fields): the engine then
    /// tracks the state as a whole, through its JSON. See [`super::live`].
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::State;
    /// #[derive(Default, Serialize, Deserialize, State)]
    /// pub struct Counter { pub count: i64, pub label: String }
    /// assert_eq!(Counter::field_names(), ["count", "label"]);
    /// ```
    fn field_names() -> &'static [&'static str] {
        &[]
    }

    /// Field `index` (of [`State::field_names`]) as JSON.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::State;
    /// #[derive(Default, Serialize, Deserialize, State)]
    /// pub struct Counter { pub count: i64 }
    /// assert_eq!(Counter { count: 3 }.encode_field(0).unwrap(), serde_json::json!(3));
    /// ```
    fn encode_field(&self, _index: usize) -> Result<Value, serde_json::Error> {
        Ok(Value::Null)
    }

    /// Writes field `index` as JSON text to `out` (as the stores keep it).
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::State;
    /// #[derive(Default, Serialize, Deserialize, State)]
    /// pub struct Counter { pub count: i64 }
    /// let mut out = Vec::new();
    /// Counter { count: 3 }.write_field(0, &mut out).unwrap();
    /// assert_eq!(out, b"3");
    /// ```
    fn write_field(&self, index: usize, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        serde_json::to_writer(out, &self.encode_field(index)?)
    }

    /// A copy of field `index`, to compare with or roll back to later.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::State;
    /// #[derive(Default, Serialize, Deserialize, State)]
    /// pub struct Counter { pub count: i64 }
    /// let mut counter = Counter { count: 3 };
    /// let before = counter.copy_field(0).unwrap();
    /// counter.count = 4;
    /// assert!(counter.field_differs(0, &*before));
    /// counter.restore_field(0, &*before);
    /// assert_eq!(counter.count, 3);
    /// ```
    fn copy_field(&self, _index: usize) -> Option<Box<dyn super::live::FieldValue>> {
        None
    }

    /// Whether field `index` differs from `before` (a [`State::copy_field`]).
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::State;
    /// #[derive(Default, Serialize, Deserialize, State)]
    /// pub struct Counter { pub count: i64 }
    /// let before = Counter { count: 3 }.copy_field(0).unwrap();
    /// assert!(!Counter { count: 3 }.field_differs(0, &*before));
    /// ```
    fn field_differs(&self, _index: usize, _before: &dyn super::live::FieldValue) -> bool {
        true
    }

    /// Sets field `index` back to `before` (a [`State::copy_field`]).
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::State;
    /// #[derive(Default, Serialize, Deserialize, State)]
    /// pub struct Counter { pub count: i64 }
    /// let before = Counter { count: 3 }.copy_field(0).unwrap();
    /// let mut counter = Counter { count: 9 };
    /// counter.restore_field(0, &*before);
    /// assert_eq!(counter.count, 3);
    /// ```
    fn restore_field(&mut self, _index: usize, _before: &dyn super::live::FieldValue) {}

    /// The changes waiting in the state's [`super::Stream`] fields, one
    /// operation per stream that has any; the streams are emptied.
    /// `#[derive(State)]` implements it.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{Row, State, Stream};
    /// #[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
    /// pub struct Line { pub id: i64 }
    /// #[derive(Default, Serialize, Deserialize, State)]
    /// pub struct Log { pub count: i64, pub lines: Stream<Line> }
    ///
    /// let mut log = Log::default();
    /// log.lines.insert(Line { id: 1 });
    /// assert_eq!(log.take_streams().len(), 1);
    /// assert!(log.take_streams().is_empty());
    /// ```
    fn take_streams(&mut self) -> Vec<super::delta::Op> {
        Vec::new()
    }
}

/// The events of a state. Implement it with `#[events]` on an `impl` block.
pub trait Events: Send {
    /// The event names, in declaration order.
    fn event_names() -> &'static [&'static str]
    where
        Self: Sized;

    /// The state's computed values.
    fn computed() -> &'static [Computed]
    where
        Self: Sized,
    {
        &[]
    }

    /// The current value of computed value `name`.
    fn compute(&self, _name: &str) -> Option<Value> {
        None
    }

    /// The shortest interval the server allows between two `event`s of one
    /// tab (`#[throttle(ms = 500)]` on the handler); faster ones are refused
    /// and not applied.
    fn throttle(_event: &str) -> Option<std::time::Duration>
    where
        Self: Sized,
    {
        None
    }

    /// The fields (by name) that event `event` may change; `None`: any.
    /// `#[events]` reads them from the handler's body: the `x` of every
    /// `self.x`, unless `self` is also used otherwise (a method call on
    /// `self`, `self` passed on whole). The engine copies and compares
    /// only these fields around the event.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{Events, State, events};
    /// #[derive(Default, Serialize, Deserialize, State)]
    /// pub struct Catalog { pub count: i64, pub rows: Vec<String> }
    ///
    /// #[events]
    /// impl Catalog {
    ///     pub async fn increment(&mut self) { self.count += 1 }
    ///     pub async fn reload(&mut self) { self.fill() }
    /// }
    /// impl Catalog { fn fill(&mut self) { self.rows.push("x".into()) } }
    ///
    /// assert_eq!(Catalog::touches("increment"), Some(&["count"][..]));
    /// assert_eq!(Catalog::touches("reload"), None);
    /// ```
    fn touches(_event: &str) -> Option<&'static [&'static str]>
    where
        Self: Sized,
    {
        None
    }

    /// Runs event `event` with JSON `args`.
    fn dispatch<'a>(
        &'a mut self,
        event: &'a str,
        args: Value,
        ctx: &'a mut EventContext,
    ) -> BoxFuture<'a, Result<(), EventError>>;
}

/// A computed value: a method whose result the page binds to like a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Computed {
    /// The name the page binds to (the method's).
    pub name: &'static str,
    /// The fields it reads; it is recomputed only when one of them changed.
    /// Empty: after every event.
    pub deps: &'static [&'static str],
    /// Kept on the server, never sent.
    pub backend: bool,
}

/// Brings the computed values stored in `after` (the state's full JSON) up
/// to date: those whose fields changed since `before` (or that are missing)
/// are recomputed, the others keep their stored value.
pub fn refresh_computed<S: State + Events>(state: &S, before: Option<&Value>, after: &mut Value) {
    let computed = S::computed();
    if computed.is_empty() {
        return;
    }
    let is_computed = |key: &str| computed.iter().any(|c| c.name == key);
    let changed = |field: &str| match (before, &*after) {
        (Some(Value::Object(old)), Value::Object(new)) => old.get(field) != new.get(field),
        _ => true,
    };
    let changed_fields: Vec<String> = match &*after {
        Value::Object(map) => map.keys().filter(|k| !is_computed(k) && changed(k)).cloned().collect(),
        _ => Vec::new(),
    };
    let Value::Object(map) = after else { return };
    for c in computed {
        let stored = before.and_then(|b| b.get(c.name));
        let stale =
            stored.is_none() || c.deps.is_empty() || c.deps.iter().any(|d| changed_fields.iter().any(|f| f == d));
        let value = if stale { state.compute(c.name) } else { stored.cloned() };
        map.insert(c.name.to_string(), value.unwrap_or(Value::Null));
    }
}

/// Why an event failed: shown to the tab as an error notice; the state is
/// rolled back to what it was before the event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EventError {
    /// The message for the person using the page.
    pub message: String,
}

impl EventError {
    /// An error with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }

    /// The state has no event called `name`.
    pub fn unknown_event(name: &str) -> Self {
        Self::new(format!("unknown event `{}`", crate::http::log::clip(name)))
    }
}

impl From<sea_orm::DbErr> for EventError {
    fn from(error: sea_orm::DbErr) -> Self {
        tracing::error!(%error, "database error in an event handler");
        Self::new("A server error occurred.")
    }
}

impl From<super::store::StoreError> for EventError {
    fn from(error: super::store::StoreError) -> Self {
        match error {
            super::store::StoreError::LeaseLost => {
                tracing::warn!("a tab's lease was lost; its newer state stands");
                Self::new("This page changed elsewhere meanwhile; it shows the latest state.")
            }
            other => {
                tracing::error!(error = %other, "the tab store failed");
                Self::new("A server error occurred.")
            }
        }
    }
}

impl From<serde_json::Error> for EventError {
    fn from(error: serde_json::Error) -> Self {
        tracing::error!(%error, "a value did not fit its type in an event handler");
        Self::new("A server error occurred.")
    }
}

impl From<crate::urls::ReverseError> for EventError {
    fn from(error: crate::urls::ReverseError) -> Self {
        tracing::error!(%error, "a URL could not be built in an event handler");
        Self::new("A server error occurred.")
    }
}

impl From<String> for EventError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl From<&str> for EventError {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}

/// Decodes argument `name` (position `index`) of an event: `args` is an
/// object keyed by argument name or an array in argument order. A missing
/// argument is `null`, which an `Option` accepts.
///
/// ```
/// use serde_json::json;
/// let amount: i64 = tandem::ui::event_arg(&json!({"amount": 5}), "amount", 0).unwrap();
/// assert_eq!(amount, 5);
/// let first: String = tandem::ui::event_arg(&json!(["x"]), "text", 0).unwrap();
/// assert_eq!(first, "x");
/// let error = tandem::ui::event_arg::<i64>(&json!({"amount": "five"}), "amount", 0).unwrap_err();
/// assert!(error.message.starts_with("argument `amount`:"), "{}", error.message);
/// ```
pub fn event_arg<T: DeserializeOwned>(args: &Value, name: &str, index: usize) -> Result<T, EventError> {
    let value = match args {
        Value::Object(map) => map.get(name).cloned(),
        Value::Array(items) => items.get(index).cloned(),
        Value::Null => None,
        other if index == 0 => Some(other.clone()),
        _ => None,
    }
    .unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|e| EventError::new(format!("argument `{name}`: {e}")))
}

/// The part of a state the browser sees: everything but the backend fields.
pub fn public_json<S: State>(state: &S) -> Result<Value, serde_json::Error> {
    let mut value = serde_json::to_value(state)?;
    if let Value::Object(map) = &mut value {
        for field in S::backend_fields() {
            map.remove(*field);
        }
    }
    Ok(value)
}

/// What the browser sees of a state's full JSON (`full`, computed values
/// included): backend fields and backend computed values removed.
pub(crate) fn public_part<S: State + Events>(full: &Value) -> Value {
    match full {
        Value::Object(map) => Value::Object(
            map.iter().filter(|(key, _)| is_public::<S>(key)).map(|(k, v)| (k.clone(), v.clone())).collect(),
        ),
        other => other.clone(),
    }
}

/// Whether the top-level field `key` of `S`'s full JSON reaches the
/// browser: not a backend field, not a backend computed value.
pub(crate) fn is_public<S: State + Events>(key: &str) -> bool {
    !S::backend_fields().contains(&key) && !S::computed().iter().any(|c| c.backend && c.name == key)
}

/// The full JSON of `state` with its computed values brought up to date
/// against `before` (the full JSON it was loaded from, if any).
pub(crate) fn full_json<S: State + Events>(state: &S, before: Option<&Value>) -> Result<Value, EventError> {
    let mut full =
        serde_json::to_value(state).map_err(|e| EventError::new(format!("state is not serializable: {e}")))?;
    refresh_computed(state, before, &mut full);
    Ok(full)
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::ui::State;

    #[derive(Default, Serialize, Deserialize, State)]
    #[state(name = "vault")]
    struct Vault {
        shown: u32,
        #[state(backend)]
        secret: String,
    }

    #[crate::ui::events]
    impl Vault {
        async fn reveal(&mut self, times: u32) {
            self.shown += times;
        }
    }

    #[test]
    fn backend_fields_never_reach_the_public_data() {
        let vault = Vault { shown: 1, secret: "hunter2".into() };
        assert_eq!(<Vault as State>::NAME, "vault");
        assert_eq!(public_json(&vault).unwrap(), serde_json::json!({"shown": 1}));
        assert_eq!(serde_json::to_value(&vault).unwrap()["secret"], "hunter2", "but they are stored");
    }

    static SUMS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    #[derive(Default, Serialize, Deserialize, State)]
    struct Cart {
        prices: Vec<u32>,
        coupon: String,
    }

    #[crate::ui::events]
    impl Cart {
        async fn add(&mut self, price: u32) {
            self.prices.push(price);
        }

        #[computed(deps = ["prices"])]
        fn total(&self) -> u32 {
            SUMS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.prices.iter().sum()
        }

        #[computed(backend)]
        fn audit(&self) -> String {
            format!("{} items", self.prices.len())
        }
    }

    #[test]
    fn computed_values_follow_their_fields() {
        use std::sync::atomic::Ordering;
        let mut cart = Cart { prices: vec![3, 4], coupon: String::new() };
        let mut before = serde_json::to_value(&cart).unwrap();
        refresh_computed(&cart, None, &mut before);
        assert_eq!(
            (before["total"].clone(), before["audit"].clone()),
            (serde_json::json!(7), serde_json::json!("2 items"))
        );
        let sums = SUMS.load(Ordering::SeqCst);

        // A field the total does not read: the stored total is kept.
        cart.coupon = "SAVE".into();
        let mut after = serde_json::to_value(&cart).unwrap();
        refresh_computed(&cart, Some(&before), &mut after);
        assert_eq!(after["total"], 7);
        assert_eq!(SUMS.load(Ordering::SeqCst), sums, "not recomputed");

        cart.prices.push(10);
        let mut later = serde_json::to_value(&cart).unwrap();
        refresh_computed(&cart, Some(&after), &mut later);
        assert_eq!(later["total"], 17);
        assert_eq!(SUMS.load(Ordering::SeqCst), sums + 1);
        assert_eq!(<Cart as Events>::computed().iter().map(|c| c.name).collect::<Vec<_>>(), ["total", "audit"]);
    }

    #[tokio::test]
    async fn dispatch_decodes_arguments_and_refuses_unknown_events() {
        let db = crate::db::Db::from(sea_orm::DatabaseConnection::default());
        let mut ctx = EventContext::new(db, Default::default(), Default::default(), "t".into(), "");
        let mut vault = Vault::default();
        vault.dispatch("reveal", serde_json::json!({"times": 3}), &mut ctx).await.unwrap();
        assert_eq!(vault.shown, 3);
        let error = vault.dispatch("open", Value::Null, &mut ctx).await.unwrap_err();
        assert_eq!(error.message, "unknown event `open`");
        let error = vault.dispatch("reveal", serde_json::json!([-1]), &mut ctx).await.unwrap_err();
        assert!(error.message.starts_with("argument `times`:"), "{}", error.message);
        assert_eq!(vault.shown, 3);
    }
}
