//! Lists the server need not keep (Phoenix LiveView's `stream`): a
//! [`Stream`] field sends its rows to the browser and forgets them. A
//! handler inserts, updates, deletes or resets rows; at the end of the
//! event the changes go out as one [`Op::Stream`] and the field is empty
//! again. The browser keeps the rows (matched by the row's key, so an
//! insert of a row it shows updates that row in place); the tab's stored
//! state holds none, so a page showing a 10,000-row table costs the
//! server the rows an event changes, not the table.
//!
//! The rows a page loads in `on_load` are part of its first paint and of
//! the `ready` frame of every (re)connection, which runs `on_load` again:
//! load the rows there, and insert the ones events add.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tandem::ui::node::*;
//! use tandem::ui::{Row, State, Stream, View, events};
//!
//! #[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
//! pub struct Line { pub id: i64, pub text: String }
//!
//! #[derive(Default, Serialize, Deserialize, State)]
//! pub struct Log { pub lines: Stream<Line>, pub next: i64 }
//!
//! #[events]
//! impl Log {
//!     pub async fn add(&mut self, text: String) {
//!         self.next += 1;
//!         self.lines.insert(Line { id: self.next, text });
//!         self.lines.keep_last(100);
//!     }
//! }
//!
//! fn view(s: &View<Log>) -> Node {
//!     ul().child(s.lines.each(|line| li().child(line.text)))
//! }
//! # let _ = tandem::ui::Page::new("log", "Log", view);
//! ```
//!
//! A stream is always empty in the stored state (it serialises as `[]`):
//!
//! ```
//! # use serde::{Deserialize, Serialize};
//! # use tandem::ui::{Row, Stream};
//! # #[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
//! # pub struct Line { pub id: i64, pub text: String }
//! let mut lines = Stream::<Line>::default();
//! lines.insert(Line { id: 1, text: "hello".into() });
//! assert_eq!(serde_json::to_string(&lines).unwrap(), "[]");
//! ```

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::delta::{Op, Step, StreamStep};
use super::view::Row;

/// A list whose rows go to the browser and are not kept in the tab's
/// state (see the [module](self)). Its changes are sent at the end of the
/// event that made them; an event that fails sends none.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream<R> {
    pending: Vec<Pending<R>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Pending<R> {
    Reset,
    Insert { row: R, first: bool },
    Delete(Value),
    Limit(i64),
}

impl<R> Default for Stream<R> {
    fn default() -> Self {
        Stream { pending: Vec::new() }
    }
}

impl<R: Row> Stream<R> {
    /// Shows `row` at the end of the list, or in place of the shown row
    /// with the same key.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{Row, Stream};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
    /// # pub struct Line { pub id: i64 }
    /// let mut lines = Stream::default();
    /// lines.insert(Line { id: 1 });
    /// assert_eq!(lines.pending(), 1);
    /// ```
    pub fn insert(&mut self, row: R) {
        self.pending.push(Pending::Insert { row, first: false });
    }

    /// Shows `row` at the start of the list (newest first), or in place of
    /// the shown row with the same key.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{Row, Stream};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
    /// # pub struct Line { pub id: i64 }
    /// let mut lines = Stream::default();
    /// lines.insert_first(Line { id: 2 });
    /// assert_eq!(lines.pending(), 1);
    /// ```
    pub fn insert_first(&mut self, row: R) {
        self.pending.push(Pending::Insert { row, first: true });
    }

    /// [`Stream::insert`]s each of `rows`, in order.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{Row, Stream};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
    /// # pub struct Line { pub id: i64 }
    /// let mut lines = Stream::default();
    /// lines.extend((1..=3).map(|id| Line { id }));
    /// assert_eq!(lines.pending(), 3);
    /// ```
    pub fn extend(&mut self, rows: impl IntoIterator<Item = R>) {
        self.pending.extend(rows.into_iter().map(|row| Pending::Insert { row, first: false }));
    }

    /// Removes the shown row with `row`'s key.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{Row, Stream};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
    /// # pub struct Line { pub id: i64 }
    /// let mut lines = Stream::default();
    /// lines.delete(&Line { id: 1 });
    /// assert_eq!(lines.pending(), 1);
    /// ```
    pub fn delete(&mut self, row: &R) {
        let key = serde_json::to_value(row).ok().and_then(|mut row| row.get_mut(R::KEY).map(Value::take));
        self.pending.push(Pending::Delete(key.unwrap_or(Value::Null)));
    }

    /// Removes the shown row whose key is `key` (the row's `id`).
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{Row, Stream};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
    /// # pub struct Line { pub id: i64 }
    /// let mut lines = Stream::<Line>::default();
    /// lines.delete_key(7);
    /// assert_eq!(lines.pending(), 1);
    /// ```
    pub fn delete_key(&mut self, key: impl Serialize) {
        self.pending.push(Pending::Delete(serde_json::to_value(key).unwrap_or(Value::Null)));
    }

    /// Replaces every shown row with `rows` (a new search, another page).
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{Row, Stream};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
    /// # pub struct Line { pub id: i64 }
    /// let mut lines = Stream::default();
    /// lines.reset([Line { id: 1 }, Line { id: 2 }]);
    /// assert_eq!(lines.pending(), 3);
    /// ```
    pub fn reset(&mut self, rows: impl IntoIterator<Item = R>) {
        // What was pending is superseded: a reset sends only what follows.
        self.pending.clear();
        self.pending.push(Pending::Reset);
        self.extend(rows);
    }

    /// Keeps the browser's list to its first `rows` rows (a list growing
    /// at its end).
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{Row, Stream};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
    /// # pub struct Line { pub id: i64 }
    /// let mut lines = Stream::<Line>::default();
    /// lines.keep_first(50);
    /// assert_eq!(lines.pending(), 1);
    /// ```
    pub fn keep_first(&mut self, rows: u32) {
        self.pending.push(Pending::Limit(i64::from(rows)));
    }

    /// Keeps the browser's list to its last `rows` rows (a log: the
    /// oldest rows go).
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{Row, Stream};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
    /// # pub struct Line { pub id: i64 }
    /// let mut lines = Stream::<Line>::default();
    /// lines.keep_last(50);
    /// assert_eq!(lines.pending(), 1);
    /// ```
    pub fn keep_last(&mut self, rows: u32) {
        self.pending.push(Pending::Limit(-i64::from(rows)));
    }

    /// How many changes wait to be sent (none between events).
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{Row, Stream};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
    /// # pub struct Line { pub id: i64 }
    /// assert_eq!(Stream::<Line>::default().pending(), 0);
    /// ```
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// The pending changes as one operation on the list at `key`, the
    /// stream emptied; `None` when nothing is pending.
    fn take(&mut self, key: &str) -> Option<Op> {
        if self.pending.is_empty() {
            return None;
        }
        let steps = std::mem::take(&mut self.pending)
            .into_iter()
            .map(|pending| match pending {
                Pending::Reset => StreamStep::Reset,
                Pending::Insert { row, first } => {
                    StreamStep::Insert { row: serde_json::to_value(row).unwrap_or(Value::Null), first }
                }
                Pending::Delete(key) => StreamStep::Delete { key },
                Pending::Limit(keep) => StreamStep::Limit { keep },
            })
            .collect();
        Some(Op::Stream { path: vec![Step::Key(key.to_string())], key: R::KEY.to_string(), steps })
    }
}

/// Always `[]`: the rows are never stored.
impl<R> Serialize for Stream<R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(std::iter::empty::<()>())
    }
}

/// An empty stream, whatever was stored.
impl<'de, R> Deserialize<'de> for Stream<R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer)?;
        Ok(Stream::default())
    }
}

/// What `#[derive(State)]` asks of each field to collect the streams'
/// changes: a [`Stream`] field answers through [`TakeStream`], any other
/// through [`NoStream`] (method resolution picks the first that applies).
#[doc(hidden)]
pub struct Probe<'a, T>(pub &'a mut T);

#[doc(hidden)]
pub trait TakeStream {
    fn __take_stream(&mut self, key: &str) -> Option<Op>;
}

impl<R: Row> TakeStream for Probe<'_, Stream<R>> {
    fn __take_stream(&mut self, key: &str) -> Option<Op> {
        self.0.take(key)
    }
}

#[doc(hidden)]
pub trait NoStream {
    fn __take_stream(&mut self, _key: &str) -> Option<Op> {
        None
    }
}

impl<T> NoStream for &mut Probe<'_, T> {}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::*;
    use crate::ui::delta::{StreamStep, apply};

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::ui::Row)]
    struct Line {
        id: i64,
        text: String,
    }

    fn line(id: i64, text: &str) -> Line {
        Line { id, text: text.into() }
    }

    /// What the browser shows after `ops`, starting from `shown`.
    fn shown_after(shown: Value, stream: &mut Stream<Line>) -> Value {
        let mut data = json!({ "lines": shown });
        apply(&mut data, &stream.take("lines").into_iter().collect::<Vec<_>>());
        data["lines"].take()
    }

    #[test]
    fn inserts_update_rows_in_place_and_deletes_go_by_key() {
        let mut lines = Stream::default();
        lines.insert(line(3, "c"));
        lines.insert_first(line(0, "zero"));
        lines.insert(line(1, "A"));
        lines.delete_key(2);
        let shown = json!([{"id": 1, "text": "a"}, {"id": 2, "text": "b"}]);
        assert_eq!(
            shown_after(shown, &mut lines),
            json!([{"id": 0, "text": "zero"}, {"id": 1, "text": "A"}, {"id": 3, "text": "c"}])
        );
        assert_eq!(lines.pending(), 0, "taking the changes empties the stream");
        assert_eq!(lines.take("lines"), None);
    }

    #[test]
    fn a_reset_replaces_the_rows_and_limits_trim_either_end() {
        let mut lines = Stream::default();
        lines.insert(line(9, "dropped by the reset"));
        lines.reset([line(1, "a"), line(2, "b"), line(3, "c")]);
        lines.keep_last(2);
        assert_eq!(
            shown_after(json!([{"id": 7, "text": "old"}]), &mut lines),
            json!([{"id": 2, "text": "b"}, {"id": 3, "text": "c"}])
        );
        lines.extend([line(4, "d"), line(5, "e")]);
        lines.keep_first(1);
        assert_eq!(shown_after(json!([{"id": 2, "text": "b"}]), &mut lines), json!([{"id": 2, "text": "b"}]));
    }

    #[test]
    fn the_stored_stream_is_empty_whatever_it_held() {
        let mut lines = Stream::default();
        lines.insert(line(1, "a"));
        assert_eq!(serde_json::to_value(&lines).unwrap(), json!([]));
        let read: Stream<Line> = serde_json::from_value(json!([{"id": 1, "text": "a"}, "junk"])).unwrap();
        assert_eq!(read, Stream::default());
    }

    #[derive(Default, Serialize, Deserialize, crate::ui::State)]
    #[state(name = "board")]
    struct Board {
        count: i64,
        lines: Stream<Line>,
        #[state(backend)]
        hidden: Stream<Line>,
    }

    #[crate::ui::events]
    impl Board {
        async fn post(&mut self, id: i64) {
            self.count += 1;
            self.lines.insert(line(id, "posted"));
            self.hidden.insert(line(id, "secret"));
        }

        async fn post_and_fail(&mut self, id: i64) -> Result<(), crate::ui::EventError> {
            self.lines.insert(line(id, "never shown"));
            Err(crate::ui::EventError::new("refused"))
        }
    }

    async fn run(live: &mut Box<dyn crate::ui::live::LiveState>, event: &str, id: i64) -> Option<Vec<Op>> {
        let page = crate::ui::Page::dynamic::<Board>("board", "Board", crate::ui::node::p);
        let db = crate::db::Db::from(sea_orm::DatabaseConnection::default());
        let mut ctx = crate::ui::EventContext::new(db, Default::default(), Default::default(), "t".into(), "");
        page.kind.run(&mut **live, event, json!([id]), &mut ctx).await.ok().map(|changes| changes.ops)
    }

    #[tokio::test]
    async fn an_event_sends_the_stream_changes_and_keeps_no_rows() {
        let page = crate::ui::Page::dynamic::<Board>("board", "Board", crate::ui::node::p);
        let mut live = page.kind.live(None).unwrap();
        let ops = run(&mut live, "post", 1).await.unwrap();
        let inserted = StreamStep::Insert { row: json!({"id": 1, "text": "posted"}), first: false };
        assert_eq!(
            ops,
            vec![
                Op::Set { path: vec!["count".into()], value: json!(1) },
                Op::Stream { path: vec!["lines".into()], key: "id".into(), steps: vec![inserted] },
            ],
            "the backend stream's row never reaches the browser"
        );
        assert_eq!(live.encode().unwrap(), r#"{"count":1,"lines":[],"hidden":[]}"#);
        // A failed event sends nothing, and the next one not its rows.
        assert!(run(&mut live, "post_and_fail", 2).await.is_none());
        let ops = run(&mut live, "post", 3).await.unwrap();
        assert!(matches!(&ops[1], Op::Stream { steps, .. } if steps.len() == 1), "{ops:?}");
    }

    #[tokio::test]
    async fn the_first_paint_shows_the_rows_given_before_it_then_forgets_them() {
        let page = crate::ui::Page::dynamic::<Board>("board", "Board", crate::ui::node::p);
        let mut live = page.kind.live(None).unwrap();
        let board = live.as_any_mut().downcast_mut::<crate::ui::live::Live<Board>>().unwrap();
        board.state.lines.extend([line(1, "a"), line(2, "b")]);
        board.state.hidden.insert(line(3, "secret"));
        let painted = live.first_paint().unwrap();
        assert_eq!(painted, json!({"count": 0, "lines": [{"id": 1, "text": "a"}, {"id": 2, "text": "b"}]}));
        assert_eq!(live.public_json().unwrap(), json!({"count": 0, "lines": []}));
    }

    #[test]
    fn the_probe_finds_streams_and_passes_over_other_fields() {
        let (mut lines, mut count) = (Stream::default(), 0_i64);
        lines.insert(line(1, "a"));
        assert!(Probe(&mut lines).__take_stream("lines").is_some());
        assert!((&mut Probe(&mut count)).__take_stream("count").is_none());
    }
}
