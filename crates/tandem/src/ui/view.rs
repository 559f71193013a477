//! Typed views: the handles a view binds to, checked by the compiler.
//!
//! `#[derive(State)]` makes, next to the state `Counter`, a struct
//! `CounterView` (also spelt [`View<Counter>`]) with one [`Field`] per
//! public field; `#[events]` gives it one method per event, returning a
//! [`Handler`] typed by the event's arguments, and one per computed value.
//! A view is a function of that struct, so the page reads like Reflex's
//! `rx.input(value=State.query, on_change=State.search)`:
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tandem::ui::node::*;
//! use tandem::ui::{Page, State, View, events};
//!
//! #[derive(Default, Serialize, Deserialize, State)]
//! pub struct Counter {
//!     pub count: i64,
//! }
//!
//! #[events]
//! impl Counter {
//!     pub async fn increment(&mut self) {
//!         self.count += 1;
//!     }
//!     pub async fn add(&mut self, amount: i64) {
//!         self.count += amount;
//!     }
//! }
//!
//! fn view(s: &View<Counter>) -> Node {
//!     div().children([
//!         p().child(s.count),
//!         button().text("+1").on_click(s.increment()),
//!         button().text("+5").on_click(s.add().with(5)),
//!     ])
//! }
//!
//! // The page's state is the view's: nothing to repeat, nothing to mismatch.
//! let page = Page::new("counter", "Counter", view);
//! assert_eq!(page.state_name(), "counter");
//! ```
//!
//! A misspelt field (`s.cuont`), a misspelt event (`s.incremnt()`), an
//! argument of the wrong type (`s.add().with("five")`), a list shown as
//! text (`p().child(s.rows)`), a click on an event that still needs an
//! argument (`on_click(s.add())`) and a view given another state's view
//! are compile errors; the tests in `crates/tandem/tests/compile_fail`
//! keep rustc's messages for each.
//!
//! Lists of rows: a row type derives [`Row`](macro@crate::ui::Row), which
//! gives it a view of its own, and a list field shows one template per row,
//! keyed by the row's key field:
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tandem::ui::node::*;
//! use tandem::ui::{Row, State, View, events};
//!
//! #[derive(Clone, Default, PartialEq, Serialize, Deserialize, Row)]
//! pub struct Item { pub id: i64, pub name: String }
//!
//! #[derive(Default, Serialize, Deserialize, State)]
//! pub struct Basket { pub items: Vec<Item> }
//!
//! #[events]
//! impl Basket {
//!     pub async fn remove(&mut self, id: i64) {
//!         self.items.retain(|item| item.id != id);
//!     }
//! }
//!
//! fn view(s: &View<Basket>) -> Node {
//!     ul().child(s.items.each(|item| li().child(item.name).child(button().text("×").on_click(s.remove().with(item.id)))))
//! }
//! # let _ = tandem::ui::Page::new("basket", "Basket", view);
//! ```

use std::collections::HashSet;
use std::marker::PhantomData;
use std::sync::Mutex;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::node::{Arg, EventSpec, Node};
use super::state::State;

/// The view of state `S`: the struct `#[derive(State)]` makes for it
/// (`CounterView` for `Counter`).
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// # use tandem::ui::{State, View, events, node::*};
/// # #[derive(Default, Serialize, Deserialize, State)]
/// # pub struct Counter { pub count: i64 }
/// # #[events] impl Counter {}
/// fn view(s: &View<Counter>) -> Node {
///     p().child(s.count)
/// }
/// # let _ = view;
/// ```
pub type View<S> = <S as HasView>::View;

/// A state with a typed view; implemented by `#[derive(State)]`.
pub trait HasView {
    /// The struct of handles (`CounterView`).
    type View: StateView;
}

/// The struct of handles of one state; implemented by `#[derive(State)]`.
pub trait StateView: Sized + 'static {
    /// The state it views.
    type State: State;

    /// The handles, paths from the state's root. Tandem makes it for the
    /// page; a view receives it.
    #[doc(hidden)]
    fn __new() -> Self;
}

/// A row of a list (or an optional part) of a state: a struct with a key
/// field. Implemented by `#[derive(Row)]`.
pub trait Row: Serialize + DeserializeOwned + 'static {
    /// The struct of handles of the row's fields.
    type View;

    /// The field that tells rows apart across updates (`id`, or the one
    /// marked `#[row(key)]`).
    const KEY: &'static str;

    /// The handles, each path starting with `prefix` (`item.`).
    #[doc(hidden)]
    fn __view(prefix: &str) -> Self::View;
}

/// A field of a state or of a row, as a view binds it: its path in the
/// state and, in its type, what it holds.
///
/// ```
/// use tandem::ui::view::Field;
/// let count: Field<i64> = Field::__at("count");
/// assert_eq!(count.path(), "count");
/// ```
pub struct Field<T> {
    path: &'static str,
    holds: PhantomData<fn() -> T>,
}

impl<T> Clone for Field<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Field<T> {}

impl<T> std::fmt::Debug for Field<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Field({})", self.path)
    }
}

impl<T> Field<T> {
    /// The field at `path` (made by the derives).
    #[doc(hidden)]
    pub fn __at(path: &str) -> Self {
        Field { path: intern(path), holds: PhantomData }
    }

    /// The field's path: `count`, `item.name`, `selected.price`.
    ///
    /// ```
    /// assert_eq!(tandem::ui::view::Field::<String>::__at("item.name").path(), "item.name");
    /// ```
    pub fn path(self) -> &'static str {
        self.path
    }
}

impl<R: Row> Field<Vec<R>> {
    /// `template` once per row of the list, rows matched across updates
    /// by their key field.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{Row, node::*, view::Field};
    /// #[derive(Serialize, Deserialize, Row)]
    /// pub struct Line { pub id: i64, pub text: String }
    ///
    /// let lines: Field<Vec<Line>> = Field::__at("lines");
    /// let list = ul().child(lines.each(|line| li().child(line.text)));
    /// # let _ = list;
    /// ```
    pub fn each(self, template: impl FnOnce(R::View) -> Node) -> Node {
        each_row::<R>(self.path, template)
    }
}

impl<R: Row> Field<super::Stream<R>> {
    /// `template` once per row the browser keeps of the stream, rows
    /// matched by their key field (see [`super::stream`]).
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{Row, Stream, node::*, view::Field};
    /// #[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
    /// pub struct Line { pub id: i64, pub text: String }
    ///
    /// let lines: Field<Stream<Line>> = Field::__at("lines");
    /// let log = ol().child(lines.each(|line| li().child(line.text)));
    /// # let _ = log;
    /// ```
    pub fn each(self, template: impl FnOnce(R::View) -> Node) -> Node {
        each_row::<R>(self.path, template)
    }
}

/// A keyed list of rows of `R` at `path`.
fn each_row<R: Row>(path: &str, template: impl FnOnce(R::View) -> Node) -> Node {
    Node::Each {
        path: path.to_string(),
        key: R::KEY.to_string(),
        name: "item".into(),
        template: Box::new(template(R::__view("item."))),
    }
}

impl<T: Scalar> Field<Vec<T>> {
    /// `template` once per value of a list of plain values (strings,
    /// numbers), rows matched by position.
    ///
    /// ```
    /// # use tandem::ui::{node::*, view::Field};
    /// let steps: Field<Vec<String>> = Field::__at("steps");
    /// let list = ol().child(steps.each_value(|step| li().child(step)));
    /// # let _ = list;
    /// ```
    pub fn each_value(self, template: impl FnOnce(Field<T>) -> Node) -> Node {
        let value = Field::__at("item");
        Node::Each {
            path: self.path.to_string(),
            key: String::new(),
            name: "item".into(),
            template: Box::new(template(value)),
        }
    }
}

impl<R: Row> Field<Option<R>> {
    /// The handles of the row's fields (empty text while the option is `None`).
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{Row, node::*, view::Field};
    /// #[derive(Serialize, Deserialize, Row)]
    /// pub struct User { pub id: i64, pub name: String }
    ///
    /// let user: Field<Option<User>> = Field::__at("user");
    /// assert_eq!(user.fields().name.path(), "user.name");
    /// ```
    pub fn fields(self) -> R::View {
        R::__view(&format!("{}.", self.path))
    }
}

/// Interns a path: views are built from the same few paths again and
/// again, so each is allocated once and handles stay `Copy`.
fn intern(path: &str) -> &'static str {
    static PATHS: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut paths = PATHS.lock().unwrap_or_else(|p| p.into_inner());
    let paths = paths.get_or_insert_with(HashSet::new);
    if let Some(known) = paths.get(path) {
        return known;
    }
    let leaked: &'static str = Box::leak(path.to_string().into_boxed_str());
    paths.insert(leaked);
    leaked
}

/// A value a page can show as text or put in an attribute: numbers,
/// strings, booleans, decimals, dates, and options of them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value a page can show as text",
    label = "a list, a row or a map here",
    note = "show a list with `.each(|row| …)`, a row's fields with `.fields()`"
)]
pub trait Scalar {}

macro_rules! scalars {
    ($($t:ty),* $(,)?) => { $(impl Scalar for $t {})* };
}

scalars!(
    String,
    &'static str,
    bool,
    char,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    f32,
    f64,
    rust_decimal::Decimal,
    crate::db::Decimal,
    chrono::NaiveDate,
    chrono::NaiveTime,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>,
    Value,
);

impl<T: Scalar> Scalar for Option<T> {}

/// What a binding names: a typed [`Field`] or, as the escape hatch, a path
/// written as a string (checked when the application starts).
pub trait Path {
    /// The path.
    fn path_string(self) -> String;
}

impl Path for &str {
    fn path_string(self) -> String {
        self.to_string()
    }
}

impl Path for &String {
    fn path_string(self) -> String {
        self.clone()
    }
}

impl Path for String {
    fn path_string(self) -> String {
        self
    }
}

impl<T> Path for Field<T> {
    fn path_string(self) -> String {
        self.path.to_string()
    }
}

/// A path whose value a page can show as text: a string path or a
/// [`Field`] of a [`Scalar`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value a page can show as text",
    label = "a list, a row or a map here",
    note = "show a list with `.each(|row| …)`, a row's fields with `.fields()`"
)]
pub trait ScalarPath: Path {}

impl ScalarPath for &str {}

impl ScalarPath for &String {}

impl ScalarPath for String {}

impl<T: Scalar> ScalarPath for Field<T> {}

/// A field shown as text: `p().child(s.count)`.
impl<T: Scalar> From<Field<T>> for Node {
    fn from(field: Field<T>) -> Node {
        Node::Bind { path: field.path.to_string() }
    }
}

/// An event of a state, ready to bind, still needing the arguments in `A`
/// (a tuple): `s.add()` is a `Handler<(i64,)>`, `s.add().with(5)` a
/// `Handler<()>`. The last argument may come from the DOM: an input's
/// value, a form's fields, a key.
///
/// ```
/// use tandem::ui::view::Handler;
/// let add: Handler<(i64,)> = Handler::__new("counter", "add");
/// let five: Handler<()> = add.with(5);
/// assert_eq!(five.spec().name, "add");
/// ```
#[must_use = "a handler does nothing until a control is bound to it"]
pub struct Handler<A> {
    spec: EventSpec,
    needs: PhantomData<fn(A)>,
}

impl<A> std::fmt::Debug for Handler<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Handler").field(&self.spec).finish()
    }
}

impl<A> Clone for Handler<A> {
    fn clone(&self) -> Self {
        Handler { spec: self.spec.clone(), needs: PhantomData }
    }
}

impl<A> Handler<A> {
    /// The handler of event `event` of state `state` (made by `#[events]`).
    #[doc(hidden)]
    pub fn __new(state: &'static str, event: &str) -> Self {
        let mut spec = super::node::event(event);
        spec.state = Some(state);
        Handler { spec, needs: PhantomData }
    }

    /// The binding as the runtime gets it.
    pub fn spec(&self) -> &EventSpec {
        &self.spec
    }

    /// The binding as the runtime gets it.
    pub fn into_spec(self) -> EventSpec {
        self.spec
    }

    fn map(self, change: impl FnOnce(EventSpec) -> EventSpec) -> Self {
        Handler { spec: change(self.spec), needs: PhantomData }
    }

    /// Fires only for these keys (`Enter`, `Escape`, …).
    pub fn keys(self, keys: &[&str]) -> Self {
        self.map(|spec| spec.keys(keys))
    }

    /// Prevents the browser's default action.
    pub fn prevent_default(self) -> Self {
        self.map(EventSpec::prevent_default)
    }

    /// Stops the DOM event from reaching outer elements' bindings.
    pub fn stop_propagation(self) -> Self {
        self.map(EventSpec::stop_propagation)
    }

    /// Waits until the DOM event has been quiet for `ms` (typing in a search box).
    pub fn debounce(self, ms: u32) -> Self {
        self.map(|spec| spec.debounce(ms))
    }

    /// Sends at most one event per `ms`, dropping the rest.
    pub fn throttle(self, ms: u32) -> Self {
        self.map(|spec| spec.throttle(ms))
    }
}

/// A value for an argument of type `T`: a `T` itself, or a [`Field`]
/// holding a `T` (read when the event fires: `s.remove().with(item.id)`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an argument of type `{T}`",
    label = "this event argument is a `{T}`"
)]
pub trait IntoArg<T> {
    /// The argument as the binding carries it.
    fn into_arg(self) -> Arg;
}

impl<T: Serialize> IntoArg<T> for T {
    fn into_arg(self) -> Arg {
        Arg::Value(serde_json::to_value(self).unwrap_or(Value::Null))
    }
}

impl IntoArg<String> for &str {
    fn into_arg(self) -> Arg {
        Arg::Value(Value::String(self.to_string()))
    }
}

impl<T> IntoArg<T> for Field<T> {
    fn into_arg(self) -> Arg {
        Arg::Path(self.path.to_string())
    }
}

macro_rules! with_first {
    ($first:ident $(, $rest:ident)*) => {
        impl<$first $(, $rest)*> Handler<($first, $($rest,)*)> {
            /// Gives the first argument still needed: a value, or a field read
            /// when the event fires.
            pub fn with(self, value: impl IntoArg<$first>) -> Handler<($($rest,)*)> {
                let mut spec = self.spec;
                spec.args.push(value.into_arg());
                Handler { spec, needs: PhantomData }
            }
        }
    };
}

with_first!(A);
with_first!(A, B);
with_first!(A, B, C);
with_first!(A, B, C, D);
with_first!(A, B, C, D, E);
with_first!(A, B, C, D, E, F);

/// What a DOM event gives the handler as its last argument.
pub mod dom {
    /// A click (or any event that gives nothing): the handler needs no more arguments.
    pub struct Click;
    /// `input` / `change`: the control's value (a checkbox's `checked`, a
    /// number input's number or `null`, else the text).
    pub struct Value;
    /// `submit`: the form's named fields as an object.
    pub struct Form;
    /// `keydown`: the key's name.
    pub struct Key;
}

/// A value the runtime sends for an input's `input` or `change` event.
#[diagnostic::on_unimplemented(
    message = "an input's value cannot be a `{Self}`",
    note = "an input gives its text (`String`), a checkbox its `bool`, a number input an `f64`/`i64` (`Option` when it may be empty)"
)]
pub trait InputValue: DeserializeOwned {}

impl InputValue for String {}
impl InputValue for bool {}
impl InputValue for f64 {}
impl InputValue for i64 {}
impl InputValue for Value {}
impl<T: InputValue> InputValue for Option<T> {}

/// A handler a DOM event of kind `D` (see [`dom`]) can fire: the DOM gives
/// the rest of its arguments. Strings from [`event`](super::node::event)
/// (the escape hatch) fit every kind.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be fired by this DOM event as it is",
    label = "the event still needs arguments this DOM event does not give",
    note = "give the missing arguments with `.with(…)`"
)]
pub trait Fires<D> {
    /// The binding.
    fn into_spec(self) -> EventSpec;
}

impl<D> Fires<D> for EventSpec {
    fn into_spec(self) -> EventSpec {
        self
    }
}

impl Fires<dom::Click> for Handler<()> {
    fn into_spec(self) -> EventSpec {
        self.spec
    }
}

impl<T: InputValue> Fires<dom::Value> for Handler<(T,)> {
    fn into_spec(self) -> EventSpec {
        self.spec
    }
}

impl<T: DeserializeOwned> Fires<dom::Form> for Handler<(T,)> {
    fn into_spec(self) -> EventSpec {
        self.spec
    }
}

impl Fires<dom::Key> for Handler<(String,)> {
    fn into_spec(self) -> EventSpec {
        self.spec
    }
}

/// An event a page names outside its view (`on_load`, `live`,
/// `guard_event`): a method of the state's view (`CatalogView::load`), or
/// its name as a string (the escape hatch, checked at start-up).
pub trait PageEvent<M> {
    /// The event's name and, when typed, its state's name.
    fn event(self) -> (String, Option<&'static str>);
}

/// Marks an event named by a string.
pub struct ByName;

impl PageEvent<ByName> for &str {
    fn event(self) -> (String, Option<&'static str>) {
        (self.to_string(), None)
    }
}

impl<V: StateView, F: Fn(&V) -> Handler<()>> PageEvent<(V,)> for F {
    fn event(self) -> (String, Option<&'static str>) {
        let spec = self(&V::__new()).into_spec();
        (spec.name, spec.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_interned_once() {
        let a = Field::<i64>::__at("intern.me").path();
        let b = Field::<String>::__at(&String::from("intern.me")).path();
        assert!(std::ptr::eq(a, b));
    }

    #[test]
    fn arguments_are_values_or_paths() {
        let handler: Handler<(i64, String, bool)> = Handler::__new("s", "go");
        let spec = handler.with(3).with(Field::<String>::__at("item.name")).with(true).into_spec();
        assert_eq!(spec.args, vec![Arg::Value(3.into()), Arg::Path("item.name".into()), Arg::Value(true.into())]);
        assert_eq!(spec.state, Some("s"));
    }
}
