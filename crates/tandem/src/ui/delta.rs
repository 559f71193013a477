//! Minimal updates: the structural difference between a state's public JSON
//! before and after an event. A list that grew at its end sends only the new
//! rows; a changed row sends only what changed in it; nothing changed sends
//! nothing.
//!
//! ```
//! use serde_json::json;
//! use tandem::ui::delta::{Op, diff};
//!
//! let before = json!({"count": 1, "items": [{"id": 1}]});
//! let after = json!({"count": 2, "items": [{"id": 1}, {"id": 2}]});
//! assert_eq!(diff(&before, &after), vec![
//!     Op::Set { path: vec!["count".into()], value: json!(2) },
//!     Op::Append { path: vec!["items".into()], values: vec![json!({"id": 2})] },
//! ]);
//! assert!(diff(&after, &after).is_empty());
//! ```

use serde::Serialize;
use serde_json::{Map, Value};

/// One step of a path: an object key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Step {
    /// An object key.
    Key(String),
    /// A list index.
    Index(usize),
}

impl From<&str> for Step {
    fn from(key: &str) -> Self {
        Step::Key(key.to_string())
    }
}

impl From<usize> for Step {
    fn from(index: usize) -> Self {
        Step::Index(index)
    }
}

/// One structural change.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Replace the value at `path`.
    Set {
        /// Where.
        path: Vec<Step>,
        /// The new value.
        value: Value,
    },
    /// Add `values` at the end of the list at `path`.
    Append {
        /// The list.
        path: Vec<Step>,
        /// The new rows.
        values: Vec<Value>,
    },
    /// Cut the list at `path` to `len` rows.
    Truncate {
        /// The list.
        path: Vec<Step>,
        /// Rows kept.
        len: usize,
    },
    /// Remove key `path` from its object.
    Remove {
        /// Where.
        path: Vec<Step>,
    },
    /// Change the rows of the list at `path` that the browser keeps and
    /// the server does not (a [`super::Stream`]), rows told apart by
    /// their field `key`.
    Stream {
        /// The list.
        path: Vec<Step>,
        /// The rows' key field.
        key: String,
        /// The changes, in order.
        steps: Vec<StreamStep>,
    },
}

/// One change to a stream's rows (see [`Op::Stream`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum StreamStep {
    /// Remove every row.
    Reset,
    /// Replace the row with `row`'s key, or add `row` at the start
    /// (`first`) or the end.
    Insert {
        /// The row.
        row: Value,
        /// At the start rather than the end.
        first: bool,
    },
    /// Remove the row whose key is `key`.
    Delete {
        /// The row's key.
        key: Value,
    },
    /// Keep the first `keep` rows (the last `-keep` when negative).
    Limit {
        /// How many, and from which end.
        keep: i64,
    },
}

/// The operations that turn `before` into `after`.
pub fn diff(before: &Value, after: &Value) -> Vec<Op> {
    diff_visible(before, after, |_| true)
}

/// [`diff`] of two objects' top-level keys for which `visible` holds (the
/// public part of a state's full JSON, without copying it first).
///
/// ```
/// use serde_json::json;
/// use tandem::ui::delta::{Op, diff_visible};
///
/// let before = json!({"count": 1, "secret": "a"});
/// let after = json!({"count": 2, "secret": "b"});
/// let ops = diff_visible(&before, &after, |key| key != "secret");
/// assert_eq!(ops, vec![Op::Set { path: vec!["count".into()], value: json!(2) }]);
/// ```
pub fn diff_visible(before: &Value, after: &Value, visible: impl Fn(&str) -> bool) -> Vec<Op> {
    let mut ops = Vec::new();
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => walk_object(&mut Vec::new(), old, new, &visible, &mut ops),
        _ => walk(&mut Vec::new(), before, after, &mut ops),
    }
    ops
}

/// [`diff`] of a value at `path` in the state (one field): the same
/// operations, their paths starting with `path`.
///
/// ```
/// use serde_json::json;
/// use tandem::ui::delta::{Op, diff_at};
///
/// let ops = diff_at(vec!["rows".into()], &json!([1, 2]), &json!([1, 2, 3]));
/// assert_eq!(ops, vec![Op::Append { path: vec!["rows".into()], values: vec![json!(3)] }]);
/// ```
pub fn diff_at(mut path: Vec<Step>, before: &Value, after: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    walk(&mut path, before, after, &mut ops);
    ops
}

fn walk(path: &mut Vec<Step>, before: &Value, after: &Value, ops: &mut Vec<Op>) {
    if before == after {
        return;
    }
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => walk_object(path, old, new, &|_| true, ops),
        (Value::Array(old), Value::Array(new)) => {
            let common = old.len().min(new.len());
            let changed = (0..common).filter(|i| old[*i] != new[*i]).count();
            // Rewriting most rows one by one costs more than sending the list.
            if common > 0 && changed * 2 > common {
                ops.push(Op::Set { path: path.clone(), value: after.clone() });
                return;
            }
            for i in 0..common {
                path.push(Step::Index(i));
                walk(path, &old[i], &new[i], ops);
                path.pop();
            }
            if new.len() > old.len() {
                ops.push(Op::Append { path: path.clone(), values: new[old.len()..].to_vec() });
            } else if new.len() < old.len() {
                ops.push(Op::Truncate { path: path.clone(), len: new.len() });
            }
        }
        _ => ops.push(Op::Set { path: path.clone(), value: after.clone() }),
    }
}

/// The operations between two objects, over the keys `visible` lets through.
fn walk_object(
    path: &mut Vec<Step>,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    visible: &dyn Fn(&str) -> bool,
    ops: &mut Vec<Op>,
) {
    for (key, new_value) in new.iter().filter(|(key, _)| visible(key)) {
        match old.get(key) {
            // Unchanged: no step pushed, nothing copied.
            Some(old_value) if old_value == new_value => {}
            Some(old_value) => {
                path.push(Step::Key(key.clone()));
                walk(path, old_value, new_value, ops);
                path.pop();
            }
            None => {
                let mut added = path.clone();
                added.push(Step::Key(key.clone()));
                ops.push(Op::Set { path: added, value: new_value.clone() });
            }
        }
    }
    for key in old.keys().filter(|key| visible(key) && !new.contains_key(*key)) {
        let mut removed = path.clone();
        removed.push(Step::Key(key.clone()));
        ops.push(Op::Remove { path: removed });
    }
}

/// Applies `ops` to `value` (what the runtime does in the browser), for tests
/// and for keeping server-side copies in step.
pub fn apply(value: &mut Value, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Set { path, value: new } => {
                if let Some(target) = locate(value, path, true) {
                    *target = new.clone();
                }
            }
            Op::Append { path, values } => {
                if let Some(Value::Array(list)) = locate(value, path, false) {
                    list.extend(values.iter().cloned());
                }
            }
            Op::Truncate { path, len } => {
                if let Some(Value::Array(list)) = locate(value, path, false) {
                    list.truncate(*len);
                }
            }
            Op::Remove { path } => {
                if let Some((Step::Key(key), parent)) = path.split_last()
                    && let Some(Value::Object(map)) = locate(value, parent, false)
                {
                    map.remove(key);
                }
            }
            Op::Stream { path, key, steps } => {
                if let Some(Value::Array(rows)) = locate(value, path, false) {
                    apply_stream(rows, key, steps);
                }
            }
        }
    }
}

/// What the runtime does with an [`Op::Stream`].
fn apply_stream(rows: &mut Vec<Value>, key: &str, steps: &[StreamStep]) {
    for step in steps {
        match step {
            StreamStep::Reset => rows.clear(),
            StreamStep::Insert { row, first } => match rows.iter_mut().find(|shown| shown.get(key) == row.get(key)) {
                Some(shown) => *shown = row.clone(),
                None if *first => rows.insert(0, row.clone()),
                None => rows.push(row.clone()),
            },
            StreamStep::Delete { key: gone } => rows.retain(|shown| shown.get(key) != Some(gone)),
            StreamStep::Limit { keep } => {
                let count = usize::try_from(keep.unsigned_abs()).unwrap_or(usize::MAX);
                if *keep >= 0 {
                    rows.truncate(count);
                } else if rows.len() > count {
                    rows.drain(..rows.len() - count);
                }
            }
        }
    }
}

fn locate<'v>(value: &'v mut Value, path: &[Step], create: bool) -> Option<&'v mut Value> {
    let mut current = value;
    for step in path {
        current = match (step, current) {
            (Step::Key(key), Value::Object(map)) => {
                if create {
                    map.entry(key.clone()).or_insert(Value::Null)
                } else {
                    map.get_mut(key)?
                }
            }
            (Step::Index(i), Value::Array(list)) => list.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(before: Value, after: Value) -> Vec<Op> {
        let ops = diff(&before, &after);
        let mut patched = before.clone();
        apply(&mut patched, &ops);
        assert_eq!(patched, after, "ops {ops:?}");
        ops
    }

    #[test]
    fn changes_are_structural() {
        let ops = round_trip(
            json!({"rows": [{"id": 1, "n": "a"}, {"id": 2, "n": "b"}, {"id": 3, "n": "c"}]}),
            json!({"rows": [{"id": 1, "n": "a"}, {"id": 2, "n": "B"}, {"id": 3, "n": "c"}]}),
        );
        assert_eq!(ops, vec![Op::Set { path: vec!["rows".into(), 1.into(), "n".into()], value: json!("B") }]);
        let ops = round_trip(json!({"rows": [1, 2, 3]}), json!({"rows": [1]}));
        assert_eq!(ops, vec![Op::Truncate { path: vec!["rows".into()], len: 1 }]);
        round_trip(json!({"a": {"b": 1, "c": 2}}), json!({"a": {"b": 1}}));
        round_trip(json!({"a": null}), json!({"a": {"b": [1, 2]}}));
        round_trip(json!({"rows": [1, 2, 3]}), json!({"rows": [4, 5, 6, 7]}));
    }

    #[test]
    fn an_append_costs_the_same_whatever_the_list_length() {
        let sizes: Vec<usize> = [10usize, 1000]
            .into_iter()
            .map(|n| {
                let before: Vec<Value> = (0..n).map(|i| json!({"id": i, "name": format!("row {i}")})).collect();
                let mut after = before.clone();
                after.push(json!({"id": 999_999, "name": "new"}));
                let ops = round_trip(json!({"rows": before}), json!({"rows": after}));
                serde_json::to_vec(&ops).unwrap().len()
            })
            .collect();
        assert_eq!(sizes[0], sizes[1]);
    }
}
