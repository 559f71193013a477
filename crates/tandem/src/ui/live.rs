//! Typed live states: a tab's states stay in memory as their Rust values,
//! and an event runs on the value in place.
//!
//! Before an event the engine copies the fields the handler may change
//! ([`Events::touches`]: for `self.count += 1`, only `count`; a handler
//! that calls a method on `self` or passes `self` on may change any).
//! After it, it compares those copies with the fields (`PartialEq`),
//! recomputes the computed values that read a changed field, and encodes
//! only what changed: the delta for the browser is built field by field (a
//! changed list is diffed as before, [`super::delta`]). A handler error or
//! panic puts the copies back. A page holding a 1,000-row list thus pays
//! nothing for the list on an event that changes one integer.
//!
//! The store keeps the value too ([`super::store::Tab`]); it is encoded
//! (serde) only when written, and a tab read back from the database or
//! Redis is decoded once, by its first event. States whose fields do not
//! map one to one onto JSON keys (serde `rename`, `flatten`, `skip`, …, or
//! a hand-written [`State`]) are tracked as a whole: copied as JSON before
//! the event and diffed after, as they always were.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tandem::ui::{Events, State, events};
//!
//! #[derive(Default, Serialize, Deserialize, State)]
//! pub struct Catalog { pub page: u32, pub rows: Vec<String> }
//!
//! #[events]
//! impl Catalog {
//!     pub async fn next(&mut self) { self.page += 1 }
//! }
//!
//! // `next` reaches `page` only: `rows` is neither copied nor compared.
//! assert_eq!(Catalog::touches("next"), Some(&["page"][..]));
//! ```

use std::any::Any;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::{Map, Value};

use super::delta::{Op, Step, diff, diff_at, diff_visible};
use super::state::{EventError, Events, State, is_public, public_part};

/// A copy of one field of a state, kept during an event to compare with
/// and to roll back to (see [`State::copy_field`]).
///
/// ```
/// use tandem::ui::live::FieldValue;
/// let copy: Box<dyn FieldValue> = Box::new(vec![1, 2]);
/// assert_eq!(copy.encode().unwrap(), serde_json::json!([1, 2]));
/// assert_eq!(copy.as_any().downcast_ref::<Vec<i32>>(), Some(&vec![1, 2]));
/// ```
pub trait FieldValue: Any + Send + Sync {
    /// The copy as JSON.
    fn encode(&self) -> Result<Value, serde_json::Error>;
    /// The copy, to downcast to the field's type.
    fn as_any(&self) -> &dyn Any;
}

/// What a state's field type must be for the state to live in memory as
/// its Rust value: `Clone` (the copy before an event), `PartialEq` (what
/// changed), `Serialize`, `Send + Sync + 'static`.
///
/// ```
/// fn live<T: tandem::ui::live::LiveField>() {}
/// live::<Vec<serde_json::Value>>();
/// live::<Option<String>>();
/// ```
#[diagnostic::on_unimplemented(
    message = "the field type `{Self}` of a `#[derive(State)]` struct must be `Clone + PartialEq + Serialize + Send + Sync + 'static`",
    label = "add `#[derive(Clone, PartialEq)]` to this type"
)]
pub trait LiveField: Clone + PartialEq + Serialize + Send + Sync + 'static {}

impl<T: Clone + PartialEq + Serialize + Send + Sync + 'static> LiveField for T {}

impl<T: LiveField> FieldValue for T {
    fn encode(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A boxed copy of `value` (what `#[derive(State)]` generates for
/// [`State::copy_field`]).
///
/// ```
/// let copy = tandem::ui::live::copy(&7_i64);
/// assert!(!tandem::ui::live::differs(&7_i64, &*copy));
/// ```
pub fn copy<T: LiveField>(value: &T) -> Box<dyn FieldValue> {
    Box::new(value.clone())
}

/// Whether `value` differs from `before` (a copy of a field of its type).
///
/// ```
/// let before = tandem::ui::live::copy(&String::from("a"));
/// assert!(tandem::ui::live::differs(&String::from("b"), &*before));
/// ```
pub fn differs<T: LiveField>(value: &T, before: &dyn FieldValue) -> bool {
    before.as_any().downcast_ref::<T>().is_none_or(|before| before != value)
}

/// Sets `value` back to `before` (a copy of a field of its type).
///
/// ```
/// let before = tandem::ui::live::copy(&vec![1]);
/// let mut value = vec![1, 2, 3];
/// tandem::ui::live::restore(&mut value, &*before);
/// assert_eq!(value, [1]);
/// ```
pub fn restore<T: LiveField>(value: &mut T, before: &dyn FieldValue) {
    if let Some(before) = before.as_any().downcast_ref::<T>() {
        value.clone_from(before);
    }
}

/// Large fields a store keeps apart from their state (see
/// [`LiveState::encode_split`]): the field's name and its JSON text, the
/// same text (the same allocation) until the field changes.
pub(crate) type Parts = Vec<(&'static str, Arc<str>)>;

/// What a large field's value is in its state's stored JSON when the store
/// keeps its text apart.
pub(crate) const PART_MARKER: &str = r#"{"__tandem_part__":true}"#;

/// A state's value with its computed values (in [`Events::computed`]
/// order), as a tab holds it.
pub(crate) struct Live<S> {
    pub(crate) state: S,
    computed: Vec<Value>,
    /// Each field's JSON text as last written (`None`: not written since
    /// it changed), so that writing the tab after an event encodes only
    /// the fields it changed.
    /// Shared with the store, which keeps what it last wrote of a large
    /// field to tell whether it changed since (see [`Parts`]).
    texts: Vec<Option<Arc<str>>>,
}

/// A [`Live`] of any state type.
pub(crate) trait LiveState: Any + Send + Sync {
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// The full JSON: fields, backend fields and computed values.
    fn full_json(&self) -> Result<Value, EventError>;
    /// The full JSON as text, as the stores write it (the fields unchanged
    /// since the last time are not encoded again).
    fn encode(&mut self) -> Result<String, serde_json::Error>;
    /// [`LiveState::encode`] with each field whose JSON text is `large`
    /// bytes or more left out (its value [`PART_MARKER`]) and added to
    /// `parts` instead, so that a store can keep it apart and write it only
    /// when it changed.
    fn encode_split(&mut self, large: usize, parts: &mut Parts) -> Result<String, serde_json::Error>;
    /// What the browser sees.
    fn public_json(&self) -> Result<Value, EventError>;
    /// The changes waiting in the state's streams (emptied).
    fn take_streams(&mut self) -> Vec<Op>;

    /// What the browser sees on a first paint or a `ready`: the public
    /// JSON with the rows the streams were given (`on_load`), which the
    /// state then forgets.
    fn first_paint(&mut self) -> Result<Value, EventError> {
        let mut public = self.public_json()?;
        super::delta::apply(&mut public, &self.take_streams());
        Ok(public)
    }
}

fn unserializable(error: serde_json::Error) -> EventError {
    EventError::new(format!("state is not serializable: {error}"))
}

impl<S: State + Events> Live<S> {
    /// `state` with its computed values.
    pub(crate) fn new(state: S) -> Self {
        let computed = S::computed().iter().map(|c| state.compute(c.name).unwrap_or(Value::Null)).collect();
        Live { state, computed, texts: vec![None; S::field_names().len()] }
    }

    /// The state decoded from its full JSON as text.
    pub(crate) fn decode_text(text: &str) -> Result<Self, EventError> {
        let state = serde_json::from_str(text).map_err(|e| {
            tracing::error!(state = S::NAME, %e, "stored state does not match its type");
            EventError::new("This page's saved state no longer fits; reload the page.")
        })?;
        Ok(Self::new(state))
    }

    /// The state decoded from its full JSON (`None`: a new state); its
    /// computed values are computed again.
    pub(crate) fn decode(full: Option<&Value>) -> Result<Self, EventError> {
        Ok(Self::new(match full {
            Some(full) => super::page::stored(full)?,
            None => S::default(),
        }))
    }

    /// What event `event` may change, copied: the fields it touches (all of
    /// them, and the computed values, when it may touch any), or the whole
    /// JSON for a state without field names.
    pub(crate) fn before(&self, event: Option<&str>) -> Before {
        let names = S::field_names();
        if names.is_empty() {
            return Before { fields: Snapshot::Whole(self.full_json().unwrap_or_default()), computed: Vec::new() };
        }
        let touched: Option<Vec<usize>> = event
            .and_then(S::touches)
            .and_then(|fields| fields.iter().map(|field| names.iter().position(|name| name == field)).collect());
        let (indices, computed) = match touched {
            Some(indices) => (indices, Vec::new()),
            // Any field: the handler may push the state (`ctx.push(self)`),
            // which needs what the browser showed, computed values included.
            None => ((0..names.len()).collect(), self.computed.clone()),
        };
        let fields = indices.into_iter().filter_map(|i| Some((i, self.state.copy_field(i)?))).collect();
        Before { fields: Snapshot::Fields(fields), computed }
    }

    /// Puts back what `before` copied, where it changed.
    pub(crate) fn roll_back(&mut self, before: &Before) {
        match &before.fields {
            Snapshot::Fields(fields) => {
                for (i, copy) in fields {
                    if self.state.field_differs(*i, &**copy) {
                        self.state.restore_field(*i, &**copy);
                    }
                }
            }
            Snapshot::Whole(full) => {
                if let Ok(state) = super::page::stored::<S>(full) {
                    self.state = state;
                }
            }
        }
        // Whatever the failed event gave its streams is not sent.
        self.state.take_streams();
    }

    /// What changed since `before`: the computed values that read a
    /// changed field are brought up to date, and the changes to the public
    /// part returned.
    pub(crate) fn changes(&mut self, before: &Before) -> Result<Changes, EventError> {
        let fields = match &before.fields {
            Snapshot::Whole(full) => return self.whole_changes(full),
            Snapshot::Fields(fields) => fields,
        };
        let names = S::field_names();
        let changed: Vec<&(usize, Box<dyn FieldValue>)> =
            fields.iter().filter(|(i, copy)| self.state.field_differs(*i, &**copy)).collect();
        for (i, _) in &changed {
            self.texts[*i] = None;
        }
        let recomputed = self.refresh(|field| changed.iter().any(|(i, _)| names[*i] == field));
        let mut ops = Vec::new();
        for (i, copy) in &changed {
            let name = names[*i];
            if is_public::<S>(name) {
                let (old, new) =
                    (copy.encode().map_err(unserializable)?, self.state.encode_field(*i).map_err(unserializable)?);
                ops.extend(diff_at(vec![Step::Key(name.to_string())], &old, &new));
            }
        }
        let computed = S::computed();
        for (c, old) in &recomputed {
            let name = computed[*c].name;
            if is_public::<S>(name) {
                ops.extend(diff_at(vec![Step::Key(name.to_string())], old, &self.computed[*c]));
            }
        }
        let streamed = self.state.take_streams();
        let changed = !changed.is_empty() || !recomputed.is_empty() || !streamed.is_empty();
        ops.extend(streamed);
        Ok(Changes { ops, changed })
    }

    /// [`Live::changes`] of a state tracked as a whole, from its full JSON
    /// before the event.
    fn whole_changes(&mut self, before: &Value) -> Result<Changes, EventError> {
        let fields = serde_json::to_value(&self.state).map_err(unserializable)?;
        let differs = |field: &str| before.get(field) != fields.get(field);
        self.refresh(differs);
        let after = self.full_json()?;
        let mut ops = diff_visible(before, &after, is_public::<S>);
        let streamed = self.state.take_streams();
        let changed = after != *before || !streamed.is_empty();
        ops.extend(streamed);
        Ok(Changes { changed, ops })
    }

    /// Recomputes the computed values that read a field for which `changed`
    /// holds (or that read no declared field): those whose value changed,
    /// with their old values.
    fn refresh(&mut self, changed: impl Fn(&str) -> bool) -> Vec<(usize, Value)> {
        let mut recomputed = Vec::new();
        for (i, c) in S::computed().iter().enumerate() {
            if !c.deps.is_empty() && !c.deps.iter().any(|dep| changed(dep)) {
                continue;
            }
            let value = self.state.compute(c.name).unwrap_or(Value::Null);
            if value != self.computed[i] {
                recomputed.push((i, std::mem::replace(&mut self.computed[i], value)));
            }
        }
        recomputed
    }

    fn computed_map(&self) -> ComputedMap<'_> {
        ComputedMap(S::computed(), &self.computed)
    }
}

/// The computed values, serialised as the entries of a map.
struct ComputedMap<'a>(&'static [super::state::Computed], &'a [Value]);

impl Serialize for ComputedMap<'_> {
    fn serialize<Z: serde::Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.collect_map(self.0.iter().map(|c| c.name).zip(self.1))
    }
}

/// A state and its computed values as one JSON object.
#[derive(Serialize)]
struct Full<'a, S: Serialize> {
    #[serde(flatten)]
    state: &'a S,
    #[serde(flatten)]
    computed: ComputedMap<'a>,
}

impl<S: State + Events> LiveState for Live<S> {
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn full_json(&self) -> Result<Value, EventError> {
        let mut full = serde_json::to_value(&self.state).map_err(unserializable)?;
        if let Value::Object(map) = &mut full {
            for (c, value) in S::computed().iter().zip(&self.computed) {
                map.insert(c.name.to_string(), value.clone());
            }
        }
        Ok(full)
    }

    fn encode(&mut self) -> Result<String, serde_json::Error> {
        self.encode_split(usize::MAX, &mut Vec::new())
    }

    fn encode_split(&mut self, large: usize, parts: &mut Parts) -> Result<String, serde_json::Error> {
        let names = S::field_names();
        if names.is_empty() {
            return serde_json::to_string(&Full { state: &self.state, computed: self.computed_map() });
        }
        for (i, text) in self.texts.iter_mut().enumerate().filter(|(_, text)| text.is_none()) {
            let mut out = Vec::new();
            self.state.write_field(i, &mut out)?;
            *text = Some(Arc::from(String::from_utf8(out).map_err(serde::ser::Error::custom)?));
        }
        let texts = self.texts.iter().flatten();
        let mut out = Vec::with_capacity(texts.map(|text| text.len().min(large) + 24).sum::<usize>() + 2);
        out.push(b'{');
        for (i, (name, text)) in names.iter().zip(self.texts.iter().flatten()).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut out, name)?;
            out.push(b':');
            if text.len() >= large {
                out.extend_from_slice(PART_MARKER.as_bytes());
                parts.push((*name, text.clone()));
            } else {
                out.extend_from_slice(text.as_bytes());
            }
        }
        for (c, value) in S::computed().iter().zip(&self.computed) {
            out.push(b',');
            serde_json::to_writer(&mut out, c.name)?;
            out.push(b':');
            serde_json::to_writer(&mut out, value)?;
        }
        out.push(b'}');
        String::from_utf8(out).map_err(serde::ser::Error::custom)
    }

    fn take_streams(&mut self) -> Vec<Op> {
        self.state.take_streams()
    }

    fn public_json(&self) -> Result<Value, EventError> {
        let names = S::field_names();
        if names.is_empty() {
            return Ok(public_part::<S>(&self.full_json()?));
        }
        let mut public = Map::new();
        for (i, name) in names.iter().enumerate().filter(|(_, name)| is_public::<S>(name)) {
            public.insert(name.to_string(), self.state.encode_field(i).map_err(unserializable)?);
        }
        for (c, value) in S::computed().iter().zip(&self.computed).filter(|(c, _)| is_public::<S>(c.name)) {
            public.insert(c.name.to_string(), value.clone());
        }
        Ok(Value::Object(public))
    }
}

/// What an event may change, as it was before (see [`Live::before`]).
pub(crate) struct Before {
    fields: Snapshot,
    /// The computed values, when the event may change any field.
    computed: Vec<Value>,
}

enum Snapshot {
    /// Copies of the fields, by index.
    Fields(Vec<(usize, Box<dyn FieldValue>)>),
    /// The full JSON of a state without field names.
    Whole(Value),
}

impl Before {
    /// The public JSON the browser showed before the event, `now` being the
    /// state as the handler has it (a handler that can push a state may
    /// change any field, so every field was copied).
    pub(crate) fn public<S: State + Events>(&self, now: &S) -> Value {
        let fields = match &self.fields {
            Snapshot::Whole(full) => return public_part::<S>(full),
            Snapshot::Fields(fields) => fields,
        };
        let mut public = Map::new();
        for (i, name) in S::field_names().iter().enumerate().filter(|(_, name)| is_public::<S>(name)) {
            let value = match fields.iter().find(|(at, _)| *at == i) {
                Some((_, copy)) => copy.encode(),
                None => now.encode_field(i),
            };
            public.insert(name.to_string(), value.unwrap_or_default());
        }
        for (c, value) in S::computed().iter().zip(&self.computed).filter(|(c, _)| is_public::<S>(c.name)) {
            public.insert(c.name.to_string(), value.clone());
        }
        Value::Object(public)
    }
}

/// What an event changed.
pub(crate) struct Changes {
    /// The changes to the public part.
    pub(crate) ops: Vec<Op>,
    /// Whether anything changed, backend fields included.
    pub(crate) changed: bool,
}

/// The changes to the public part from `pushed` (what the browser shows
/// after a push) to the state as it is.
pub(crate) fn since_pushed(pushed: &Value, live: &dyn LiveState) -> Result<Vec<Op>, EventError> {
    Ok(diff(pushed, &live.public_json()?))
}

/// Where a tab keeps one state: its value, or (a tab on which no event ran
/// since its `hello`: an idle tab) its JSON text until an event decodes it,
/// so that an idle tab costs the text only. Empty while an event runs on
/// it (the event took it out; a writer finding it so tries again later).
pub(crate) struct LiveCell(Mutex<Held>);

enum Held {
    Value(Box<dyn LiveState>),
    Text(Box<str>),
    /// An event has the value.
    Out,
    /// An event kept the value in the next tab's cell: this cell's tab is
    /// replaced (a writer meeting it skips it for good).
    Moved,
}

impl std::fmt::Debug for LiveCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.full_json() {
            Ok(full) => write!(f, "LiveCell({full})"),
            Err(_) => f.write_str("LiveCell(<in use>)"),
        }
    }
}

impl LiveCell {
    /// A cell holding `live`.
    pub(crate) fn new(live: Box<dyn LiveState>) -> Arc<Self> {
        Arc::new(LiveCell(Mutex::new(Held::Value(live))))
    }

    /// A cell holding `live` as its JSON text (decoded by the next event).
    pub(crate) fn parked(live: &mut dyn LiveState) -> Result<Arc<Self>, EventError> {
        let text = live.encode().map_err(unserializable)?;
        Ok(Arc::new(LiveCell(Mutex::new(Held::Text(text.into())))))
    }

    /// A cell holding what this one holds, as JSON text: shares nothing.
    pub(crate) fn copy(&self) -> Result<Arc<Self>, EventError> {
        Ok(Arc::new(LiveCell(Mutex::new(Held::Text(self.encode()?.into())))))
    }

    /// Whether an event kept this cell's value in another cell (its tab is
    /// replaced).
    pub(crate) fn moved(&self) -> bool {
        matches!(*self.slot(), Held::Moved)
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Held> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The full JSON; an error while an event has the value out.
    pub(crate) fn full_json(&self) -> Result<Value, EventError> {
        match &*self.slot() {
            Held::Value(live) => live.full_json(),
            Held::Text(text) => serde_json::from_str(text).map_err(unserializable),
            Held::Out | Held::Moved => Err(in_use()),
        }
    }

    /// The full JSON as text; an error while an event has the value out.
    pub(crate) fn encode(&self) -> Result<String, EventError> {
        self.encode_split(usize::MAX, &mut Vec::new())
    }

    /// [`LiveState::encode_split`] of the value (a value held as text
    /// keeps every field in it).
    pub(crate) fn encode_split(&self, large: usize, parts: &mut Parts) -> Result<String, EventError> {
        match &mut *self.slot() {
            Held::Value(live) => live.encode_split(large, parts).map_err(unserializable),
            Held::Text(text) => Ok(text.to_string()),
            Held::Out | Held::Moved => Err(in_use()),
        }
    }
}

fn in_use() -> EventError {
    EventError::new("the state is in use by an event")
}

/// A value taken out of its cell for an event: put back when dropped
/// (the event failed, or its future was dropped), unless kept with
/// [`Taken::keep`].
pub(crate) struct Taken {
    live: Option<Box<dyn LiveState>>,
    cell: Option<Arc<LiveCell>>,
}

impl Taken {
    /// The value of `cell`, taken out (decoded with `decode` when the cell
    /// holds it as text).
    pub(crate) fn from_cell(
        cell: &Arc<LiveCell>,
        decode: impl FnOnce(&str) -> Result<Box<dyn LiveState>, EventError>,
    ) -> Result<Self, EventError> {
        let mut slot = cell.slot();
        let live = match std::mem::replace(&mut *slot, Held::Out) {
            Held::Value(live) => live,
            Held::Text(text) => match decode(&text) {
                Ok(live) => live,
                Err(error) => {
                    *slot = Held::Text(text);
                    return Err(error);
                }
            },
            held @ (Held::Out | Held::Moved) => {
                *slot = held;
                return Err(in_use());
            }
        };
        Ok(Taken { live: Some(live), cell: Some(cell.clone()) })
    }

    /// A value that has no cell yet (a new state, or one just decoded).
    pub(crate) fn new(live: Box<dyn LiveState>) -> Self {
        Taken { live: Some(live), cell: None }
    }

    /// The value.
    pub(crate) fn live(&mut self) -> &mut dyn LiveState {
        &mut **self.live.as_mut().expect("a taken value is held until kept or dropped")
    }

    /// The value, in a new cell for the tab that follows (the cell it was
    /// taken from is marked moved).
    pub(crate) fn keep(mut self) -> Arc<LiveCell> {
        if let Some(cell) = self.cell.take() {
            *cell.slot() = Held::Moved;
        }
        LiveCell::new(self.live.take().expect("a taken value is held until kept or dropped"))
    }
}

impl Drop for Taken {
    fn drop(&mut self) {
        if let (Some(live), Some(cell)) = (self.live.take(), &self.cell) {
            *cell.slot() = Held::Value(live);
        }
    }
}

/// Rolls `live` back to `before` when dropped armed: a handler's panic, or
/// its future dropped before it finished, leaves nothing changed.
pub(crate) struct RollBack<'a, S: State + Events> {
    pub(crate) live: &'a mut Live<S>,
    pub(crate) before: Arc<Before>,
    pub(crate) armed: bool,
}

impl<S: State + Events> Drop for RollBack<'_, S> {
    fn drop(&mut self) {
        if self.armed {
            self.live.roll_back(&self.before);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::*;
    use crate::ui::delta::Op;
    use crate::ui::store::Tab;
    use crate::ui::{EventContext, Page};

    static CLONES: AtomicUsize = AtomicUsize::new(0);
    static COMPARISONS: AtomicUsize = AtomicUsize::new(0);

    /// A list that counts how often it is copied and compared (only
    /// [`Tally`] holds one, so that tests running at once do not count).
    #[derive(Default, Serialize, Deserialize)]
    struct Rows(Vec<i64>);

    impl Clone for Rows {
        fn clone(&self) -> Self {
            CLONES.fetch_add(1, Ordering::SeqCst);
            Rows(self.0.clone())
        }
    }

    impl PartialEq for Rows {
        fn eq(&self, other: &Self) -> bool {
            COMPARISONS.fetch_add(1, Ordering::SeqCst);
            self.0 == other.0
        }
    }

    #[derive(Default, Serialize, Deserialize, crate::ui::State)]
    struct Tally {
        count: i64,
        rows: Rows,
    }

    #[crate::ui::events]
    impl Tally {
        async fn increment(&mut self) {
            self.count += 1;
        }

        async fn through_a_method(&mut self) {
            self.bump();
        }
    }

    impl Tally {
        fn bump(&mut self) {
            self.count += 10;
        }
    }

    #[derive(Default, Serialize, Deserialize, crate::ui::State)]
    #[state(name = "ledger")]
    struct Ledger {
        count: i64,
        rows: Vec<i64>,
        #[state(backend)]
        audit: String,
    }

    #[crate::ui::events]
    impl Ledger {
        async fn increment(&mut self) {
            self.count += 1;
        }

        async fn append(&mut self, value: i64) {
            self.rows.push(value);
            self.audit = format!("appended {value}");
        }

        async fn fail_midway(&mut self) -> Result<(), EventError> {
            self.count = 99;
            self.rows.clear();
            Err(EventError::new("refused"))
        }

        async fn panic_midway(&mut self) {
            self.count = 99;
            self.rows.clear();
            panic!("the handler panicked");
        }

        #[computed(deps = ["rows"])]
        fn total(&self) -> i64 {
            self.rows.iter().sum()
        }
    }

    fn context() -> EventContext {
        let db = crate::db::Db::from(sea_orm::DatabaseConnection::default());
        EventContext::new(db, Default::default(), Default::default(), "t".into(), "")
    }

    fn page() -> Page {
        Page::dynamic::<Ledger>("ledger", "Ledger", crate::ui::node::p)
    }

    fn ledger(live: &mut Box<dyn LiveState>) -> &mut Ledger {
        &mut live.as_any_mut().downcast_mut::<Live<Ledger>>().unwrap().state
    }

    async fn run(page: &Page, live: &mut Box<dyn LiveState>, event: &str, args: Value) -> Result<Changes, Failed> {
        page.kind.run(&mut **live, event, args, &mut context()).await
    }

    use crate::ui::page::Failed;

    #[tokio::test]
    async fn an_event_copies_and_compares_only_the_fields_it_touches() {
        assert_eq!(Ledger::touches("append"), Some(&["audit", "rows"][..]));
        assert_eq!(Tally::touches("increment"), Some(&["count"][..]));
        assert_eq!(Tally::touches("through_a_method"), None);
        let page = Page::dynamic::<Tally>("tally", "Tally", crate::ui::node::p);
        let mut live = page.kind.live(Some(&json!({"count": 1, "rows": [1, 2, 3]}))).unwrap();
        let (clones, comparisons) = (CLONES.load(Ordering::SeqCst), COMPARISONS.load(Ordering::SeqCst));
        let changes = run(&page, &mut live, "increment", Value::Null).await.ok().unwrap();
        assert_eq!(changes.ops, vec![Op::Set { path: vec!["count".into()], value: json!(2) }]);
        assert_eq!(
            (CLONES.load(Ordering::SeqCst), COMPARISONS.load(Ordering::SeqCst)),
            (clones, comparisons),
            "the list was neither copied nor compared"
        );
        // A handler that calls a method on `self` may change any field.
        let changes = run(&page, &mut live, "through_a_method", Value::Null).await.ok().unwrap();
        assert_eq!(changes.ops, vec![Op::Set { path: vec!["count".into()], value: json!(12) }]);
        assert!(CLONES.load(Ordering::SeqCst) > clones && COMPARISONS.load(Ordering::SeqCst) > comparisons);
    }

    #[tokio::test]
    async fn deltas_are_built_from_the_changed_fields_and_computed_values() {
        let page = page();
        let mut live = page.kind.live(Some(&json!({"count": 0, "rows": [5], "audit": ""}))).unwrap();
        assert_eq!(live.public_json().unwrap(), json!({"count": 0, "rows": [5], "total": 5}));
        let changes = run(&page, &mut live, "append", json!([7])).await.ok().unwrap();
        // The backend field changed too, but never reaches the browser.
        assert_eq!(
            changes.ops,
            vec![
                Op::Append { path: vec!["rows".into()], values: vec![json!(7)] },
                Op::Set { path: vec!["total".into()], value: json!(12) },
            ]
        );
        assert!(changes.changed);
        assert_eq!(live.full_json().unwrap(), json!({"count": 0, "rows": [5, 7], "audit": "appended 7", "total": 12}));
        // Stored as the store writes it, computed values included.
        let stored: Value = serde_json::from_str(&live.encode().unwrap()).unwrap();
        assert_eq!(stored, live.full_json().unwrap());
        // Written again after another event: the fields it changed are new,
        // the others as they were written.
        run(&page, &mut live, "append", json!([1])).await.ok().unwrap();
        let text = live.encode().unwrap();
        assert_eq!(text, r#"{"count":0,"rows":[5,7,1],"audit":"appended 1","total":13}"#);
    }

    #[tokio::test]
    async fn an_error_or_a_panic_rolls_the_value_back_in_place() {
        let page = page();
        let mut live = page.kind.live(Some(&json!({"count": 3, "rows": [1, 2], "audit": "kept"}))).unwrap();
        let before = live.full_json().unwrap();
        let failed = run(&page, &mut live, "fail_midway", Value::Null).await.err().unwrap();
        assert_eq!((failed.error.message.as_str(), failed.undo.len()), ("refused", 0));
        assert_eq!(live.full_json().unwrap(), before);
        let failed = run(&page, &mut live, "panic_midway", Value::Null).await.err().unwrap();
        assert_eq!(failed.error.message, "A server error occurred.");
        assert_eq!(live.full_json().unwrap(), before);
        assert_eq!(ledger(&mut live).rows, [1, 2]);
        // And it still runs events.
        let changes = run(&page, &mut live, "increment", Value::Null).await.ok().unwrap();
        assert_eq!(changes.ops, vec![Op::Set { path: vec!["count".into()], value: json!(4) }]);
    }

    #[tokio::test]
    async fn a_dropped_event_leaves_the_value_as_it_was() {
        #[derive(Default, Serialize, Deserialize, crate::ui::State)]
        struct Slow {
            count: i64,
        }

        #[crate::ui::events]
        impl Slow {
            async fn stall(&mut self) {
                self.count = 7;
                std::future::pending::<()>().await;
            }
        }

        let page = Page::dynamic::<Slow>("slow", "Slow", crate::ui::node::p);
        let mut live = page.kind.live(None).unwrap();
        let mut ctx = context();
        let running = page.kind.run(&mut *live, "stall", Value::Null, &mut ctx);
        assert!(tokio::time::timeout(std::time::Duration::from_millis(20), running).await.is_err());
        assert_eq!(live.full_json().unwrap(), json!({"count": 0}));
    }

    #[tokio::test]
    async fn an_idle_tab_keeps_its_text_until_an_event_decodes_it() {
        let page = page();
        let mut live = page.kind.live(Some(&json!({"count": 2, "rows": [1], "audit": ""}))).unwrap();
        let full = live.full_json().unwrap();
        let cell = LiveCell::parked(&mut *live).unwrap();
        assert!(matches!(&*cell.slot(), Held::Text(_)));
        assert_eq!(cell.full_json().unwrap(), full);
        let mut taken = Taken::from_cell(&cell, |text| page.kind.decode_text(text)).unwrap();
        assert!(cell.encode().is_err(), "out while the event runs");
        assert_eq!(ledger_of(taken.live()).count, 2);
        drop(taken);
        assert!(matches!(&*cell.slot(), Held::Value(_)), "put back decoded");
        assert_eq!(cell.full_json().unwrap(), full);
        // Text that no longer fits the type stays as it was.
        let stale = Arc::new(LiveCell(Mutex::new(Held::Text(r#"{"count": "two"}"#.into()))));
        assert!(Taken::from_cell(&stale, |text| page.kind.decode_text(text)).is_err());
        assert!(matches!(&*stale.slot(), Held::Text(_)));
    }

    #[tokio::test]
    async fn a_copied_tab_shares_no_value_and_a_replaced_one_is_known() {
        let page = page();
        let live = page.kind.live(Some(&json!({"count": 5, "rows": [], "audit": ""}))).unwrap();
        let tab = Tab::new("session").with_live("ledger", LiveCell::new(live));
        let copy = tab.detached().unwrap();
        // An event on the original takes its value and keeps it in the next tab.
        let taken = Taken::from_cell(tab.live_cell("ledger").unwrap(), |text| page.kind.decode_text(text)).unwrap();
        let next = tab.with_live("ledger", taken.keep());
        assert!(tab.replaced() && !next.replaced() && !copy.replaced());
        assert!(tab.state_json("ledger").is_err(), "the replaced tab has no value left");
        assert_eq!(copy.state_json("ledger").unwrap(), next.state_json("ledger").unwrap());
    }

    fn ledger_of(live: &mut dyn LiveState) -> &mut Ledger {
        &mut live.as_any_mut().downcast_mut::<Live<Ledger>>().unwrap().state
    }

    #[tokio::test]
    async fn a_tab_written_and_read_back_holds_the_same_value() {
        let database = crate::testing::TestDatabase::new().await;
        let db = crate::db::connect(&database.url).await.expect("the database opens");
        use sea_orm_migration::MigrationTrait;
        let schema = sea_orm_migration::SchemaManager::new(db.sea_orm());
        crate::ui::store::migration::Migration.up(&schema).await.expect("the table");
        use crate::ui::store::{DatabaseStates, Lease, StateManager};
        let hour = std::time::Duration::from_secs(3600);
        let states = DatabaseStates::new(db.clone(), hour);
        let page = page();
        let mut live = page.kind.live(None).unwrap();
        run(&page, &mut live, "append", json!([4])).await.ok().unwrap();
        let mut tab = Tab::new("session").with_live("ledger", LiveCell::new(live));
        tab.record_applied(1);
        let written = tab.state_json("ledger").unwrap();
        states.release(Lease { token: "t".into(), fence: 0, hold: None }, Some(tab.clone())).await.unwrap();
        states.flush().await.unwrap();

        // A restart: read back as JSON, decoded once into the same value.
        let restarted = DatabaseStates::new(db, hour);
        let loaded = restarted.load("t").await.unwrap().expect("the tab was written");
        assert_eq!(*loaded, tab);
        assert_eq!(loaded.applied(), [1]);
        let mut decoded = page.kind.live(loaded.states.get("ledger")).unwrap();
        assert_eq!(Some(decoded.full_json().unwrap()), written);
        assert_eq!(
            (ledger(&mut decoded).rows.clone(), ledger(&mut decoded).audit.clone()),
            (vec![4], "appended 4".into())
        );
        drop((states, restarted));
        database.drop_database().await;
    }
}
