//! Form fields laid out: a label above the control (beside it for a
//! checkbox), an optional help text, the field's error from the state, and
//! a required marker. The control is tied to its texts: `for`/`id` for the
//! label, `aria-describedby` naming the help and the error, `aria-invalid`
//! while the field has an error, `required` when it is.
//!
//! ```
//! use tandem::ui::field::*;
//! use tandem::ui::node::*;
//!
//! fn signup() -> Node {
//!     form().class("t-form").on_submit(event("signup")).children([
//!         input_field("email", "email", "Email").required().help("We send the receipt here.").errors("errors").into(),
//!         input_field("password", "password", "Password").required().errors("errors").into(),
//!         select_field("plan", "Plan", [option().attr("value", "free").text("Free")]).into(),
//!         textarea_field("about", "About you").into(),
//!         checkbox_field("newsletter", "Send me the newsletter").into(),
//!         button().class("t-primary").attr("type", "submit").text("Sign up"),
//!     ])
//! }
//! let html = tandem::ui::render::render(&signup(), &serde_json::json!({"errors": {"email": "Enter an email."}}));
//! assert!(html.contains(r#"aria-describedby="email-help email-error""#), "{html}");
//! assert!(html.contains(r#"<small class="t-field-error" id="email-error""#), "{html}");
//! ```

use super::node::*;
use serde_json::Value;

/// How a [`Field`] lays its label out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Label above the control: text inputs, selects, textareas.
    Stacked,
    /// Control, then its label beside it: a checkbox.
    Beside,
}

/// A form field: label, control, help and error, built with [`field`],
/// [`input_field`], [`select_field`], [`textarea_field`] or
/// [`checkbox_field`], then turned into a [`Node`] with `.into()`.
///
/// ```
/// use tandem::ui::field::input_field;
/// use tandem::ui::node::Node;
///
/// let quantity: Node = input_field("number", "quantity", "Quantity").required().errors("errors").into();
/// # let _ = quantity;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    name: String,
    label: Node,
    control: Node,
    layout: Layout,
    id: Option<String>,
    help: Option<String>,
    errors: Option<String>,
    required: bool,
}

/// A field around any `control` (an `input()`, `select()`, `textarea()`,
/// or your own element): its `name` is set to `name` unless it has one, its
/// `id` too (from `name`) unless it has one or [`Field::id`] sets it.
///
/// ```
/// use tandem::ui::field::field;
/// use tandem::ui::node::*;
///
/// let name = field("name", "Name", input().bind_value("name").on_input(event("set_name")));
/// let html = tandem::ui::render::render(&name.into(), &serde_json::json!({"name": "Ada"}));
/// assert!(html.contains(r#"<label class="t-field-label" for="name">Name</label><input name="name" id="name" value="Ada">"#), "{html}");
/// ```
pub fn field(name: &str, label: impl Into<Node>, control: Node) -> Field {
    Field {
        name: name.to_string(),
        label: label.into(),
        control,
        layout: Layout::Stacked,
        id: None,
        help: None,
        errors: None,
        required: false,
    }
}

/// A field around an `<input type="{kind}">`: `text`, `email`,
/// `password`, `number`, `search`, `tel`, `url`, `date`, …
///
/// ```
/// let email = tandem::ui::field::input_field("email", "email", "Email").required();
/// # let _ = email;
/// ```
pub fn input_field(kind: &str, name: &str, label: impl Into<Node>) -> Field {
    field(name, label, input().attr("type", kind))
}

/// A field around a `<select>` of `options` (`option()` elements, or a
/// `foreach` of them).
///
/// ```
/// use tandem::ui::field::select_field;
/// use tandem::ui::node::*;
///
/// let product = select_field("product", "Product", [foreach("products", "id",
///     option().bind_attr("value", "item.id").child(bind("item.name")))]);
/// # let _ = product;
/// ```
pub fn select_field(name: &str, label: impl Into<Node>, options: impl IntoIterator<Item = Node>) -> Field {
    field(name, label, select().children(options))
}

/// A field around a `<textarea>`.
///
/// ```
/// let notes = tandem::ui::field::textarea_field("notes", "Notes").help("Up to 500 characters.");
/// # let _ = notes;
/// ```
pub fn textarea_field(name: &str, label: impl Into<Node>) -> Field {
    field(name, label, textarea().attr("rows", "3"))
}

/// A checkbox with its label beside it (the form sends `true`/`false`).
///
/// ```
/// use tandem::ui::field::checkbox_field;
///
/// let html = tandem::ui::render::render(&checkbox_field("gift", "Gift wrap").into(), &serde_json::json!({}));
/// assert_eq!(
///     html,
///     r#"<div class="t-field t-field-check"><input type="checkbox" name="gift" id="gift"><label class="t-field-label" for="gift">Gift wrap</label></div>"#
/// );
/// ```
pub fn checkbox_field(name: &str, label: impl Into<Node>) -> Field {
    Field { layout: Layout::Beside, ..field(name, label, input().attr("type", "checkbox")) }
}

impl Field {
    /// The control's `id` (and the prefix of its texts' ids), when `name`
    /// is not unique on the page or the page's tests know another.
    ///
    /// ```
    /// let gift = tandem::ui::field::checkbox_field("gift_wrap", "Gift wrap").id("gift-wrap");
    /// # let _ = gift;
    /// ```
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_string());
        self
    }

    /// A help text under the control, read out with it (`aria-describedby`).
    ///
    /// ```
    /// let sku = tandem::ui::field::input_field("text", "sku", "SKU").help("Letters and digits, as on the box.");
    /// # let _ = sku;
    /// ```
    pub fn help(mut self, text: &str) -> Self {
        self.help = Some(text.to_string());
        self
    }

    /// Shows the field's message from the state's errors at `errors_path`
    /// (a map by field name, such as [`FieldErrors`](super::forms::FieldErrors)),
    /// read out with the control (`aria-describedby`), which is
    /// `aria-invalid="true"` meanwhile. The message element is
    /// `<small class="t-field-error" data-field="{name}" role="alert">`.
    ///
    /// ```
    /// use tandem::ui::field::input_field;
    ///
    /// let email = input_field("email", "email", "Email").errors("errors");
    /// let html = tandem::ui::render::render(&email.into(), &serde_json::json!({"errors": {"email": "Enter an email."}}));
    /// assert!(html.contains(r#"aria-describedby="email-error" aria-invalid="true""#), "{html}");
    /// assert!(html.contains(r#"id="email-error" data-field="email" role="alert">Enter an email.</small>"#), "{html}");
    /// ```
    pub fn errors(mut self, errors_path: impl crate::ui::view::Path) -> Self {
        self.errors = Some(errors_path.path_string());
        self
    }

    /// A required field: the control is `required` and the label shows a
    /// marker (hidden from screen readers, which announce `required`).
    ///
    /// ```
    /// let html = tandem::ui::render::render(
    ///     &tandem::ui::field::input_field("text", "name", "Name").required().into(),
    ///     &serde_json::json!({}),
    /// );
    /// assert!(html.contains(r#"Name<span class="t-required" aria-hidden="true">*</span></label>"#), "{html}");
    /// assert!(html.contains(r#"<input type="text" name="name" id="name" required="">"#), "{html}");
    /// ```
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Changes the control: binds its value, adds its events or attributes.
    ///
    /// ```
    /// use tandem::ui::field::input_field;
    /// use tandem::ui::node::*;
    ///
    /// let name = input_field("text", "name", "Name").control(|input| input.bind_value("name").on_input(event("set_name")));
    /// # let _ = name;
    /// ```
    pub fn control(mut self, change: impl FnOnce(Node) -> Node) -> Self {
        self.control = change(self.control);
        self
    }

    /// The field's nodes (what `.into()` gives).
    ///
    /// ```
    /// let node = tandem::ui::field::textarea_field("notes", "Notes").build();
    /// # let _ = node;
    /// ```
    pub fn build(self) -> Node {
        let existing = attribute(&self.control, "id");
        let id = self.id.or(existing.clone()).unwrap_or_else(|| id_part(&self.name));
        let mut control = self.control;
        if attribute(&control, "name").is_none() {
            control = control.attr("name", &self.name);
        }
        if existing.as_deref() != Some(id.as_str()) {
            control = control.attr("id", &id);
        }
        let (help_id, error_id) = (format!("{id}-help"), format!("{id}-error"));
        let described: Vec<&str> =
            [self.help.as_ref().map(|_| help_id.as_str()), self.errors.as_ref().map(|_| error_id.as_str())]
                .into_iter()
                .flatten()
                .collect();
        if !described.is_empty() {
            control = control.attr("aria-describedby", described.join(" "));
        }
        let error = self.errors.map(|errors| {
            let path = format!("{errors}.{}", self.name);
            control = std::mem::replace(&mut control, nothing()).bind_attr_choice(
                "aria-invalid",
                &path,
                choice().absent_when(Value::Null).absent_when("").otherwise("true"),
            );
            cond(
                &path,
                small()
                    .class("t-field-error")
                    .id(&error_id)
                    .attr("data-field", &self.name)
                    .attr("role", "alert")
                    .child(bind(&path)),
                nothing(),
            )
        });
        if self.required {
            control = control.attr("required", "");
        }
        let mut label = label().class("t-field-label").attr("for", &id).child(self.label);
        if self.required {
            label = label.child(span().class("t-required").attr("aria-hidden", "true").text("*"));
        }
        let help = self.help.map(|text| small().class("t-field-help").id(&help_id).text(text));
        let (class, first, second) = match self.layout {
            Layout::Stacked => ("t-field", label, control),
            Layout::Beside => ("t-field t-field-check", control, label),
        };
        div().class(class).children([first, second]).children(help).children(error)
    }
}

/// A field converts to its nodes, so it goes where a `Node` does.
///
/// ```
/// use tandem::ui::field::input_field;
/// use tandem::ui::node::*;
///
/// let form = form().children([input_field("search", "q", "Search").into(), button().text("Go")]);
/// # let _ = form;
/// ```
impl From<Field> for Node {
    fn from(field: Field) -> Self {
        field.build()
    }
}

/// The value of the element's fixed attribute `name`.
fn attribute(node: &Node, name: &str) -> Option<String> {
    match node {
        Node::El(element) => element.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()),
        _ => None,
    }
}

/// `text` with anything but ASCII letters, digits, `-` and `_` as `-`.
fn id_part(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::render::render;
    use serde_json::json;

    #[test]
    fn the_error_is_linked_and_shown_only_while_there_is_one() {
        let email: Node =
            input_field("email", "email", "Email <you>").help("We write <once>.").errors("errors").required().into();
        let clean = render(&email, &json!({"errors": {}}));
        assert_eq!(
            clean,
            "<div class=\"t-field\"><label class=\"t-field-label\" for=\"email\">Email &lt;you&gt;<span \
             class=\"t-required\" aria-hidden=\"true\">*</span></label><input type=\"email\" name=\"email\" \
             id=\"email\" aria-describedby=\"email-help email-error\" required=\"\"><small class=\"t-field-help\" \
             id=\"email-help\">We write &lt;once&gt;.</small></div>"
        );
        let wrong = render(&email, &json!({"errors": {"email": "Not <an> email."}}));
        assert!(wrong.contains("aria-invalid=\"true\""), "{wrong}");
        assert!(
            wrong.contains(
                "<small class=\"t-field-error\" id=\"email-error\" data-field=\"email\" role=\"alert\">Not &lt;an&gt; email.</small>"
            ),
            "{wrong}"
        );
    }

    #[test]
    fn the_controls_own_name_and_id_are_kept() {
        let html = render(&field("x", "X", input().attr("name", "y").id("z")).into(), &json!({}));
        assert!(html.contains("for=\"z\"><") || html.contains("for=\"z\">X"), "{html}");
        assert!(html.contains("<input name=\"y\" id=\"z\">"), "{html}");
        let html = render(&checkbox_field("gift_wrap", "Gift").id("gift-wrap").into(), &json!({}));
        assert!(html.contains("<input type=\"checkbox\" name=\"gift_wrap\" id=\"gift-wrap\"><label"), "{html}");
        let html = render(&select_field("a b", "A", [option().text("1")]).into(), &json!({}));
        assert!(html.contains("<select name=\"a b\" id=\"a-b\"><option>1</option></select>"), "{html}");
    }
}
