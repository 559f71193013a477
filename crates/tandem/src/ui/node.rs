//! Components: trees of HTML elements, text, bindings to state fields,
//! conditionals, keyed lists and event bindings, built with plain Rust
//! functions. The same tree renders the first paint on the server and is
//! sent to the runtime, which keeps the page in step with the state.
//!
//! ```
//! use tandem::ui::node::*;
//!
//! fn counter() -> Node {
//!     div().class("counter").children([
//!         h1().text("Counter"),
//!         p().child(bind("count")),
//!         button().text("+1").on_click(event("increment")),
//!         button().text("+5").on_click(event("add").arg(5)),
//!     ])
//! }
//! # let _ = counter();
//! ```

use serde::Serialize;
use serde_json::Value;

use super::view::{Fires, Handler, Path, ScalarPath, dom};

/// One argument of an event binding.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arg {
    /// A fixed value.
    Value(Value),
    /// A value read from the state (or a list item: `item.id`) when the event fires.
    Path(String),
}

/// An event binding: which event to send, with which arguments. DOM-derived
/// values come last: the input's value for `input`/`change`, the form's
/// fields (an object) for `submit`, the key for `keydown`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventSpec {
    /// The event's name on the page's state.
    pub name: String,
    /// Arguments before the DOM-derived one.
    pub args: Vec<Arg>,
    /// Only these keys trigger a `keydown` binding (all when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    /// Call `preventDefault()` (always for `submit`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub prevent_default: bool,
    /// Call `stopPropagation()`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stop_propagation: bool,
    /// Send only after the DOM event has been quiet for this many milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debounce_ms: Option<u32>,
    /// Send at most once per this many milliseconds (later ones are dropped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttle_ms: Option<u32>,
    /// Upload the input's files to `/_upload` with the event (see [`super::upload`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub upload: bool,
    /// The state whose event it is, for a typed [`Handler`](super::view::Handler)
    /// (checked against the page's state at start-up); `None` for a name.
    #[serde(skip)]
    pub state: Option<&'static str>,
}

/// An event binding for `name`.
pub fn event(name: &str) -> EventSpec {
    EventSpec {
        name: name.to_string(),
        args: Vec::new(),
        keys: Vec::new(),
        prevent_default: false,
        stop_propagation: false,
        debounce_ms: None,
        throttle_ms: None,
        upload: false,
        state: None,
    }
}

impl EventSpec {
    /// Adds a fixed argument.
    pub fn arg(mut self, value: impl Into<Value>) -> Self {
        self.args.push(Arg::Value(value.into()));
        self
    }

    /// Adds an argument read from the state or the current list item.
    pub fn arg_from(mut self, path: impl Path) -> Self {
        self.args.push(Arg::Path(path.path_string()));
        self
    }

    /// Fires only for these keys (`Enter`, `Escape`, …).
    pub fn keys(mut self, keys: &[&str]) -> Self {
        self.keys = keys.iter().map(|k| k.to_string()).collect();
        self
    }

    /// Prevents the browser's default action.
    pub fn prevent_default(mut self) -> Self {
        self.prevent_default = true;
        self
    }

    /// Stops the DOM event from reaching outer elements' bindings.
    pub fn stop_propagation(mut self) -> Self {
        self.stop_propagation = true;
        self
    }

    /// Waits until the DOM event has been quiet for `ms` (typing in a search box).
    pub fn debounce(mut self, ms: u32) -> Self {
        self.debounce_ms = Some(ms);
        self
    }

    /// Sends at most one event per `ms`, dropping the rest (scrolling, dragging).
    pub fn throttle(mut self, ms: u32) -> Self {
        self.throttle_ms = Some(ms);
        self
    }
}

/// A node of a component tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum Node {
    /// An HTML element.
    El(Element),
    /// Fixed text.
    Text {
        /// The text.
        text: String,
    },
    /// The text of a state field (or list item field).
    Bind {
        /// The field's path: `count`, `user.name`, `item.price`.
        path: String,
    },
    /// `then` when the field is truthy, else `otherwise`.
    Cond {
        /// The field's path.
        path: String,
        /// Shown when truthy.
        then: Box<Node>,
        /// Shown otherwise.
        otherwise: Box<Node>,
    },
    /// `template` for each row of a list, rows matched by `key`.
    Each {
        /// The list's path.
        path: String,
        /// The field identifying a row (`id`).
        key: String,
        /// The row's name inside the template (`item`).
        name: String,
        /// The row template.
        template: Box<Node>,
    },
}

/// An HTML element.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Element {
    /// The tag.
    pub tag: &'static str,
    /// Fixed attributes, in order.
    pub attrs: Vec<(String, String)>,
    /// Attributes bound to fields: (attribute, path).
    pub bound: Vec<(String, String)>,
    /// Attributes chosen by a field's value: (attribute, path, choice).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chosen: Vec<(String, String, Choice)>,
    /// Event bindings: (DOM event, binding).
    pub on: Vec<(String, EventSpec)>,
    /// Children.
    pub children: Vec<Node>,
}

/// An attribute's value chosen by a field's value: the first case whose
/// value equals the field's wins, else `otherwise`; `None` means no
/// attribute at all (how `hidden` goes away).
///
/// ```
/// use tandem::ui::node::*;
///
/// let tab = button()
///     .bind_attr_choice("aria-selected", "tab", choice().when("reviews", "true").otherwise("false"));
/// let panel = div().bind_attr_choice("hidden", "tab", choice().absent_when("reviews").otherwise(""));
/// # let _ = (tab, panel);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Choice {
    /// (the field's value, the attribute's value), in order.
    pub cases: Vec<(Value, Option<String>)>,
    /// The attribute's value when no case matches.
    pub otherwise: Option<String>,
}

/// A [`Choice`] with no cases: no attribute until cases are added.
///
/// ```
/// use serde_json::json;
/// use tandem::ui::node::choice;
///
/// let sort = choice().when("name", "ascending").when("-name", "descending");
/// assert_eq!(sort.pick(Some(&json!("-name"))), Some("descending"));
/// assert_eq!(sort.pick(Some(&json!("price"))), None);
/// ```
pub fn choice() -> Choice {
    Choice::default()
}

impl Choice {
    /// The attribute is `value` when the field equals `equals`.
    ///
    /// ```
    /// # use serde_json::json;
    /// let selected = tandem::ui::node::choice().when("a", "true");
    /// assert_eq!(selected.pick(Some(&json!("a"))), Some("true"));
    /// ```
    pub fn when(mut self, equals: impl Into<Value>, value: &str) -> Self {
        self.cases.push((equals.into(), Some(value.to_string())));
        self
    }

    /// No attribute when the field equals `equals`.
    ///
    /// ```
    /// # use serde_json::json;
    /// let hidden = tandem::ui::node::choice().absent_when("a").otherwise("");
    /// assert_eq!(hidden.pick(Some(&json!("a"))), None);
    /// assert_eq!(hidden.pick(Some(&json!("b"))), Some(""));
    /// ```
    pub fn absent_when(mut self, equals: impl Into<Value>) -> Self {
        self.cases.push((equals.into(), None));
        self
    }

    /// The attribute is `value` when no case matches.
    ///
    /// ```
    /// let selected = tandem::ui::node::choice().when("a", "true").otherwise("false");
    /// assert_eq!(selected.pick(None), Some("false"));
    /// ```
    pub fn otherwise(mut self, value: &str) -> Self {
        self.otherwise = Some(value.to_string());
        self
    }

    /// The attribute's value for a field's value (a missing field counts as `null`).
    ///
    /// ```
    /// # use serde_json::json;
    /// let tone = tandem::ui::node::choice().when(true, "success").otherwise("neutral");
    /// assert_eq!(tone.pick(Some(&json!(true))), Some("success"));
    /// ```
    pub fn pick(&self, field: Option<&Value>) -> Option<&str> {
        let field = field.unwrap_or(&Value::Null);
        self.cases
            .iter()
            .find(|(equals, _)| equals == field)
            .map_or(self.otherwise.as_deref(), |(_, value)| value.as_deref())
    }
}

/// Elements that have no closing tag.
pub const VOID: &[&str] = &["img", "input", "br", "hr", "meta", "link"];

macro_rules! elements {
    ($($tag:ident),* $(,)?) => {
        $(
            #[doc = concat!("A `<", stringify!($tag), ">` element.")]
            pub fn $tag() -> Node {
                Node::El(Element {
                    tag: stringify!($tag),
                    attrs: Vec::new(),
                    bound: Vec::new(),
                    chosen: Vec::new(),
                    on: Vec::new(),
                    children: Vec::new(),
                })
            }
        )*
    };
}

elements!(
    div, span, p, h1, h2, h3, h4, h5, h6, a, button, input, textarea, select, option, form, label, table, thead, tbody,
    tr, th, td, ul, ol, li, img, nav, header, footer, main, section, article, strong, em, small, br, hr, progress,
    fieldset, legend,
);

/// Fixed text.
pub fn text(text: impl Into<String>) -> Node {
    Node::Text { text: text.into() }
}

/// The text of a field: a typed [`Field`](super::view::Field) (`bind(s.count)`,
/// the same as `s.count` where a node is expected) or a path written as a
/// string (`bind("count")`, checked at start-up).
pub fn bind(path: impl ScalarPath) -> Node {
    Node::Bind { path: path.path_string() }
}

/// `then` when the field is truthy (not `false`, `null`, `0`, `""` or
/// empty), else `otherwise`.
///
/// ```
/// use tandem::ui::node::*;
/// use tandem::ui::view::Field;
///
/// let empty: Field<bool> = Field::__at("empty");
/// let note = cond(empty, p().text("Nothing yet."), nothing());
/// # let _ = note;
/// ```
pub fn cond(path: impl Path, then: impl Into<Node>, otherwise: impl Into<Node>) -> Node {
    Node::Cond { path: path.path_string(), then: Box::new(then.into()), otherwise: Box::new(otherwise.into()) }
}

/// Nothing (an empty branch of [`cond`]).
pub fn nothing() -> Node {
    text("")
}

/// `template` once per row of the list at `path`; rows are matched by their
/// `key` field across updates and reached as `item.<field>` in the template.
pub fn foreach(path: &str, key: &str, template: Node) -> Node {
    Node::Each { path: path.to_string(), key: key.to_string(), name: "item".into(), template: Box::new(template) }
}

/// A vertical stack: children in a column, spaced (`.t-vstack` in the stylesheet).
///
/// ```
/// use tandem::ui::node::*;
///
/// let form = vstack([label().text("Name"), input().attr("name", "name")]);
/// # let _ = form;
/// ```
pub fn vstack(children: impl IntoIterator<Item = Node>) -> Node {
    div().class("t-vstack").children(children)
}

/// A horizontal stack: children in a row, spaced, vertically centred,
/// wrapping when narrow (`.t-hstack` in the stylesheet).
///
/// ```
/// use tandem::ui::node::*;
///
/// let toolbar = hstack([button().text("Save"), button().text("Cancel")]);
/// # let _ = toolbar;
/// ```
pub fn hstack(children: impl IntoIterator<Item = Node>) -> Node {
    div().class("t-hstack").children(children)
}

/// Text converts to a text node, so components take `"Title"` or `bind("title")` alike.
///
/// ```
/// use tandem::ui::node::*;
///
/// assert_eq!(Node::from("Hi"), text("Hi"));
/// ```
impl From<&str> for Node {
    fn from(value: &str) -> Self {
        text(value)
    }
}

/// See the `From<&str>` conversion.
///
/// ```
/// use tandem::ui::node::*;
///
/// assert_eq!(Node::from(String::from("Hi")), text("Hi"));
/// ```
impl From<String> for Node {
    fn from(value: String) -> Self {
        text(value)
    }
}

impl Node {
    /// Changes the element; other nodes (text, bindings) take no attributes,
    /// children or events and are returned unchanged.
    fn with_element(mut self, change: impl FnOnce(&mut Element)) -> Self {
        match &mut self {
            Node::El(element) => change(element),
            other => tracing::warn!(?other, "attributes, children and events only apply to elements"),
        }
        self
    }

    /// Sets attribute `name`.
    pub fn attr(self, name: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        self.with_element(|element| {
            element.attrs.retain(|(n, _)| n != name);
            element.attrs.push((name.to_string(), value));
        })
    }

    /// Adds CSS classes.
    pub fn class(self, classes: &str) -> Self {
        self.with_element(|element| match element.attrs.iter_mut().find(|(n, _)| n == "class") {
            Some((_, existing)) => {
                existing.push(' ');
                existing.push_str(classes);
            }
            None => element.attrs.push(("class".into(), classes.to_string())),
        })
    }

    /// `id`.
    pub fn id(self, id: &str) -> Self {
        self.attr("id", id)
    }

    /// `href`. A `javascript:` (or other unsafe) URL is written as
    /// `about:blank#blocked`: see [`safe_attr_value`](super::render::safe_attr_value).
    pub fn href(self, href: &str) -> Self {
        self.attr("href", href)
    }

    /// Binds attribute `name` to field `path` (`value`, `href`, `disabled`, `checked`, …).
    /// In a URL attribute (`href`, `src`, …) a value that would run script
    /// is replaced, on the server and in the runtime: see
    /// [`safe_attr_value`](super::render::safe_attr_value).
    pub fn bind_attr(self, name: &str, path: impl ScalarPath) -> Self {
        let path = path.path_string();
        self.with_element(|element| element.bound.push((name.to_string(), path)))
    }

    /// Sets attribute `name` from field `path` through `choice`, kept in step
    /// with the field (`aria-selected`, `aria-sort`, `hidden`, …).
    ///
    /// ```
    /// use tandem::ui::node::*;
    ///
    /// let th = th().bind_attr_choice("aria-sort", "ordering", choice().when("name", "ascending"));
    /// # let _ = th;
    /// ```
    pub fn bind_attr_choice(self, name: &str, path: impl Path, choice: Choice) -> Self {
        let path = path.path_string();
        self.with_element(|element| element.chosen.push((name.to_string(), path, choice)))
    }

    /// Binds an input's value to field `path`.
    pub fn bind_value(self, path: impl ScalarPath) -> Self {
        self.bind_attr("value", path)
    }

    /// Adds a child: a node, text, or a field shown as text (`s.count`).
    pub fn child(self, child: impl Into<Node>) -> Self {
        let child = child.into();
        self.with_element(|element| element.children.push(child))
    }

    /// Adds children.
    pub fn children(self, children: impl IntoIterator<Item = Node>) -> Self {
        self.with_element(|element| element.children.extend(children))
    }

    /// Adds a text child.
    pub fn text(self, value: impl Into<String>) -> Self {
        self.child(text(value))
    }

    /// Sends `spec` on DOM event `dom_event`.
    pub fn on(self, dom_event: &str, spec: impl Into<EventSpec>) -> Self {
        let spec = spec.into();
        self.with_element(|element| element.on.push((dom_event.to_string(), spec)))
    }

    /// On click: a handler that needs no more arguments.
    pub fn on_click(self, handler: impl Fires<dom::Click>) -> Self {
        self.on("click", handler.into_spec())
    }

    /// On every keystroke; the handler's last argument is the input's value.
    pub fn on_input(self, handler: impl Fires<dom::Value>) -> Self {
        self.on("input", handler.into_spec())
    }

    /// When the value is committed; the handler's last argument is the
    /// input's value (a checkbox's `bool`).
    pub fn on_change(self, handler: impl Fires<dom::Value>) -> Self {
        self.on("change", handler.into_spec())
    }

    /// On submit (the page does not reload); the handler's last argument is
    /// the form's fields as an object, any `Deserialize` type.
    pub fn on_submit(self, handler: impl Fires<dom::Form>) -> Self {
        self.on("submit", handler.into_spec().prevent_default())
    }

    /// On a key press; the handler's last argument is the key's name.
    pub fn on_key_down(self, handler: impl Fires<dom::Key>) -> Self {
        self.on("keydown", handler.into_spec())
    }

    /// On an `<input type=file>`: once files are chosen, uploads them and
    /// runs `spec`'s event, whose handler reads them from
    /// [`EventContext::uploads`](super::EventContext::uploads).
    ///
    /// ```
    /// use tandem::ui::node::*;
    /// let picker = input().id("photo").attr("type", "file").on_upload(event("add_photo"));
    /// # let _ = picker;
    /// ```
    pub fn on_upload(self, handler: impl Fires<dom::Click>) -> Self {
        let mut spec = handler.into_spec();
        spec.upload = true;
        self.on("change", spec)
    }
}

/// A typed handler with all its arguments, where a binding is expected
/// (`.on("dblclick", s.open())`).
impl From<Handler<()>> for EventSpec {
    fn from(handler: Handler<()>) -> Self {
        handler.into_spec()
    }
}
