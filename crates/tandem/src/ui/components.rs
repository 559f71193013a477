//! The component library: a grid, cards, tables with sortable headers, a
//! modal dialog, tabs, badges and spinners, on top of [`vstack`] and
//! [`hstack`]; with `use tandem::ui::components::*` also the form fields
//! ([`super::field`]), the app shell ([`super::shell`]), buttons
//! ([`super::buttons`]), notices and progress bars ([`super::feedback`]). Every component is a plain [`Node`] tree styled by the
//! default stylesheet (`tandem.css`, linked from every page; its colours,
//! radius and spacing are CSS variables an app sets with
//! [`App::theme`](crate::App::theme)). Whatever changes (the sort column,
//! the open dialog, the selected tab) is a field of the page's state, set by
//! the page's own events.
//!
//! ```
//! # use serde::{Deserialize, Serialize};
//! use tandem::ui::components::*;
//! use tandem::ui::node::*;
//! use tandem::ui::{Row, view::Field};
//!
//! #[derive(Serialize, Deserialize, Row)]
//! pub struct Product { pub id: i64, pub name: String, pub price: tandem::db::Decimal }
//!
//! // In a page, the fields and events are the state's (`s.products`, `s.sort()`).
//! fn view(products: Field<Vec<Product>>, ordering: Field<String>) -> Node {
//!     vstack([
//!         sortable_table(products, ordering, event("sort"), |p| [column(p.name, "Name"), column(p.price, "Price")]),
//!         button().text("Details").on_click(event("open")),
//!         modal("Details", "open", event("close"), [p().text("Hello.")]),
//!         tabs("tab", event("select"), [("about", "About", p().text("…")), ("terms", "Terms", p().text("…"))]),
//!         hstack([badge("New", Tone::Success), busy_spinner()]),
//!     ])
//! }
//! # let _ = view(Field::__at("products"), Field::__at("ordering"));
//! ```

pub use super::buttons::{danger_button, primary_button, secondary_button};
pub use super::feedback::{notice, progress_bar};
pub use super::field::{Field, checkbox_field, field, input_field, select_field, textarea_field};
use super::node::*;
pub use super::node::{hstack, vstack};
pub use super::shell::{Shell, shell};

/// A grid of equal columns, each at least `min_column_width` wide (a CSS
/// length: `"14rem"`, `"200px"`), as many as fit.
///
/// ```
/// use tandem::ui::components::{card, grid};
///
/// let cards = grid("12rem", [card("One", []), card("Two", [])]);
/// # let _ = cards;
/// ```
pub fn grid(min_column_width: &str, children: impl IntoIterator<Item = Node>) -> Node {
    let grid = div().class("t-grid");
    let grid = if super::theme::css_value_is_safe(min_column_width) {
        grid.attr("style", format!("--t-grid-min:{min_column_width}"))
    } else {
        tracing::warn!(min_column_width, "grid: not a safe CSS length; using the default");
        grid
    };
    grid.children(children)
}

/// A card: a bordered panel with a title (text or `bind("…")`) and content.
///
/// ```
/// use tandem::ui::components::card;
/// use tandem::ui::node::*;
///
/// let total = card("Total", [p().child(bind("total"))]);
/// # let _ = total;
/// ```
pub fn card(title: impl Into<Node>, children: impl IntoIterator<Item = Node>) -> Node {
    section().class("t-card").child(h3().class("t-card-title").child(title.into())).children(children)
}

/// A badge's colour.
///
/// ```
/// use tandem::ui::components::{Tone, badge};
///
/// let stock = badge("Low stock", Tone::Warning);
/// # let _ = stock;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Muted text colour.
    Neutral,
    /// The accent colour.
    Accent,
    /// Blue.
    Info,
    /// Green.
    Success,
    /// Orange.
    Warning,
    /// Red.
    Danger,
}

impl Tone {
    /// The `data-tone` value the stylesheet colours (`neutral`, `success`, …);
    /// bind `data-tone` to a field holding one of these to change it live.
    ///
    /// ```
    /// assert_eq!(tandem::ui::components::Tone::Danger.name(), "danger");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Accent => "accent",
            Tone::Info => "info",
            Tone::Success => "success",
            Tone::Warning => "warning",
            Tone::Danger => "danger",
        }
    }
}

/// A small rounded label: text or `bind("…")`, coloured by `tone`.
///
/// ```
/// use tandem::ui::components::{Tone, badge};
/// use tandem::ui::node::bind;
///
/// let count = badge(bind("count"), Tone::Info);
/// # let _ = count;
/// ```
pub fn badge(content: impl Into<Node>, tone: Tone) -> Node {
    span().class("t-badge").attr("data-tone", tone.name()).child(content.into())
}

/// A spinning ring, announced to screen readers as "Loading…". Show it
/// with `cond("loading", spinner(), nothing())`.
///
/// ```
/// use tandem::ui::components::spinner;
/// use tandem::ui::node::*;
///
/// let loading = cond("loading", spinner(), nothing());
/// # let _ = loading;
/// ```
pub fn spinner() -> Node {
    span().class("t-spinner").attr("role", "status").child(span().class("t-visually-hidden").text("Loading…"))
}

/// A [`spinner`] shown only while the tab waits for the server to answer
/// its events (the runtime's `data-tandem-pending`; no state field needed).
///
/// ```
/// use tandem::ui::components::busy_spinner;
/// use tandem::ui::node::*;
///
/// let save = hstack([button().text("Save").on_click(event("save")), busy_spinner()]);
/// # let _ = save;
/// ```
pub fn busy_spinner() -> Node {
    spinner().class("t-when-busy")
}

/// One column of a [`data_table`] or [`sortable_table`], made with
/// [`column`] from a field of the table's row.
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// use tandem::ui::Row;
/// use tandem::ui::components::column;
/// use tandem::ui::node::*;
///
/// #[derive(Serialize, Deserialize, Row)]
/// pub struct Product { pub id: i64, pub name: String, pub url: String }
///
/// # let row = <Product as tandem::ui::view::Row>::__view("item.");
/// // `row` as a table's `columns` closure receives it.
/// let name = column(row.name, "Name").cell(a().bind_attr("href", row.url).child(row.name));
/// # let _ = name;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    key: String,
    label: String,
    sortable: bool,
    cell: Node,
}

/// A column showing `field` of each row under the header `label`, sorted
/// by the field's name in a [`sortable_table`]. `field` is one of the
/// row's handles the table's `columns` closure receives, so a misspelt
/// field or a list where a value is expected does not compile.
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// # use tandem::ui::Row;
/// # #[derive(Serialize, Deserialize, Row)]
/// # pub struct Product { pub id: i64, pub price: tandem::db::Decimal }
/// # let row = <Product as tandem::ui::view::Row>::__view("item.");
/// let price = tandem::ui::components::column(row.price, "Price");
/// # let _ = price;
/// ```
pub fn column<T: crate::ui::view::Scalar>(field: crate::ui::view::Field<T>, label: &str) -> Column {
    let path = field.path();
    Column::named(path.strip_prefix("item.").unwrap_or(path), label)
}

/// A column of `label` showing `cell` in each row and no field of its own
/// (buttons, a computed badge): never sortable.
///
/// ```
/// use tandem::ui::components::cell_column;
/// use tandem::ui::node::*;
///
/// let actions = cell_column("", button().text("Edit"));
/// # let _ = actions;
/// ```
pub fn cell_column(label: &str, cell: Node) -> Column {
    Column { key: String::new(), label: label.to_string(), sortable: false, cell }
}

impl Column {
    /// The column of the row field named `key` (the escape hatch for
    /// tables built from names known only at run time, such as a model's
    /// columns; its binding is checked when the app starts).
    pub(crate) fn named(key: &str, label: &str) -> Column {
        Column { key: key.to_string(), label: label.to_string(), sortable: true, cell: bind(format!("item.{key}")) }
    }

    /// Shows `cell` in each row instead of the field.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::Row;
    /// use tandem::ui::components::{Tone, badge, column};
    /// # #[derive(Serialize, Deserialize, Row)]
    /// # pub struct Product { pub id: i64, pub sku: String }
    /// # let row = <Product as tandem::ui::view::Row>::__view("item.");
    ///
    /// let sku = column(row.sku, "SKU").cell(badge(row.sku, Tone::Neutral));
    /// # let _ = sku;
    /// ```
    pub fn cell(mut self, cell: Node) -> Self {
        self.cell = cell;
        self
    }

    /// A plain header, even in a [`sortable_table`].
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::Row;
    /// # #[derive(Serialize, Deserialize, Row)]
    /// # pub struct Product { pub id: i64, pub is_active: bool }
    /// # let row = <Product as tandem::ui::view::Row>::__view("item.");
    /// let status = tandem::ui::components::column(row.is_active, "Status").unsortable();
    /// # let _ = status;
    /// ```
    pub fn unsortable(mut self) -> Self {
        self.sortable = false;
        self
    }
}

/// A table of the list `rows`, rows matched by their key field, one column
/// per [`Column`] that `columns` makes from the row's field handles.
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// use tandem::ui::components::{column, data_table};
/// use tandem::ui::{Row, view::Field};
///
/// #[derive(Serialize, Deserialize, Row)]
/// pub struct Order { pub id: i64, pub number: String, pub total: tandem::db::Decimal }
///
/// # let orders: Field<Vec<Order>> = Field::__at("orders");
/// // In a view: `data_table(s.orders, |order| …)`.
/// let table = data_table(orders, |order| [column(order.number, "Order"), column(order.total, "Total")]);
/// # let _ = table;
/// ```
pub fn data_table<R: crate::ui::view::Row, C: IntoIterator<Item = Column>>(
    rows: crate::ui::view::Field<Vec<R>>,
    columns: impl FnOnce(R::View) -> C,
) -> Node {
    let columns: Vec<Column> = columns(R::__view("item.")).into_iter().collect();
    build_table(rows.path(), R::KEY, &columns, None)
}

/// A [`data_table`] whose headers sort it. The state field `ordering` holds
/// the sort as Django writes it: `"price"` ascending, `"-price"`
/// descending, anything else unsorted; the header shows it as `aria-sort`
/// and an arrow. A header click sends `on_sort` with the column's key as
/// last argument; the handler sets `ordering` (see [`next_ordering`]) and
/// sorts the rows.
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// use tandem::ui::components::{column, sortable_table};
/// use tandem::ui::node::event;
/// use tandem::ui::{Row, view::Field};
///
/// #[derive(Serialize, Deserialize, Row)]
/// pub struct Product { pub id: i64, pub name: String }
///
/// # let (products, ordering): (Field<Vec<Product>>, Field<String>) = (Field::__at("products"), Field::__at("ordering"));
/// // In a view: `sortable_table(s.products, s.ordering, s.sort(), |product| …)`.
/// let table = sortable_table(products, ordering, event("sort"), |product| [column(product.name, "Name")]);
/// # let _ = table;
/// ```
pub fn sortable_table<R: crate::ui::view::Row, C: IntoIterator<Item = Column>>(
    rows: crate::ui::view::Field<Vec<R>>,
    ordering: crate::ui::view::Field<String>,
    // The column's key comes last, a `String` as a key press's name does.
    on_sort: impl crate::ui::view::Fires<crate::ui::view::dom::Key>,
    columns: impl FnOnce(R::View) -> C,
) -> Node {
    let columns: Vec<Column> = columns(R::__view("item.")).into_iter().collect();
    build_table(rows.path(), R::KEY, &columns, Some((ordering.path(), &on_sort.into_spec())))
}

/// A sortable table of the list at the path `rows` (rows keyed by `key`):
/// for tables whose rows are known only at run time (a model's).
pub(crate) fn sortable_table_by_name(
    rows: &str,
    key: &str,
    ordering: &str,
    on_sort: &EventSpec,
    columns: &[Column],
) -> Node {
    build_table(rows, key, columns, Some((ordering, on_sort)))
}

/// The ordering after a click on column `key`: ascending first, then
/// flipping between ascending and descending.
///
/// ```
/// use tandem::ui::components::next_ordering;
///
/// assert_eq!(next_ordering("", "price"), "price");
/// assert_eq!(next_ordering("price", "price"), "-price");
/// assert_eq!(next_ordering("-price", "price"), "price");
/// assert_eq!(next_ordering("-price", "name"), "name");
/// ```
pub fn next_ordering(current: &str, key: &str) -> String {
    if current == key { format!("-{key}") } else { key.to_string() }
}

fn build_table(rows: &str, key: &str, columns: &[Column], sort: Option<(&str, &EventSpec)>) -> Node {
    table().class("t-table").children([
        thead().child(tr().children(columns.iter().map(|column| column_header(column, sort)))),
        tbody().child(foreach(rows, key, tr().children(columns.iter().map(|column| td().child(column.cell.clone()))))),
    ])
}

fn column_header(column: &Column, sort: Option<(&str, &EventSpec)>) -> Node {
    let th = th().attr("scope", "col");
    match sort {
        Some((ordering, on_sort)) if column.sortable => th
            .bind_attr_choice(
                "aria-sort",
                ordering,
                choice().when(column.key.as_str(), "ascending").when(format!("-{}", column.key), "descending"),
            )
            .child(
                button()
                    .class("t-sort")
                    .attr("type", "button")
                    .attr("data-column", &column.key)
                    .text(&column.label)
                    .on_click(on_sort.clone().arg(column.key.as_str())),
            ),
        _ => th.text(&column.label),
    }
}

/// A modal dialog, shown while the state field `open` is truthy. Its close
/// button, a click on the backdrop and the Escape key send `on_close`,
/// whose handler should clear `open`. The dialog is `role="dialog"`,
/// `aria-modal`, named by `title`, and takes the focus when it opens.
///
/// ```
/// use tandem::ui::components::modal;
/// use tandem::ui::node::*;
///
/// let confirm = modal("Delete?", "confirming", event("cancel"), [button().text("Delete").on_click(event("delete"))]);
/// # let _ = confirm;
/// ```
pub fn modal(
    title: impl Into<Node>,
    open: impl crate::ui::view::Path,
    on_close: impl crate::ui::view::Fires<crate::ui::view::dom::Click>,
    children: impl IntoIterator<Item = Node>,
) -> Node {
    let (open, on_close) = (&open.path_string(), on_close.into_spec());
    let title_id = format!("{}-title", element_id("t-modal", open));
    let dialog = div()
        .class("t-modal")
        .attr("role", "dialog")
        .attr("aria-modal", "true")
        .attr("aria-labelledby", &title_id)
        .attr("tabindex", "-1")
        .attr("autofocus", "")
        .children([
            header().class("t-modal-header").children([
                h2().id(&title_id).child(title.into()),
                button()
                    .class("t-modal-close")
                    .attr("type", "button")
                    .attr("aria-label", "Close")
                    .text("×")
                    .on_click(on_close.clone()),
            ]),
            div().class("t-modal-body").children(children),
        ]);
    let root = div()
        .class("t-modal-root")
        .on_key_down(on_close.clone().keys(&["Escape"]))
        .children([div().class("t-modal-backdrop").on_click(on_close), dialog]);
    cond(open, root, nothing())
}

/// Tabs: one button per `(key, label, content)`; the state field `active`
/// holds the shown tab's key, and a click sends `on_select` with the key as
/// last argument. Buttons are `role="tab"` with `aria-selected`, panels
/// `role="tabpanel"`, `hidden` unless theirs is active.
///
/// ```
/// use tandem::ui::components::tabs;
/// use tandem::ui::node::*;
///
/// let product = tabs("tab", event("select_tab"), [
///     ("details", "Details", p().child(bind("description"))),
///     ("reviews", "Reviews", p().text("No reviews yet.")),
/// ]);
/// # let _ = product;
/// ```
pub fn tabs<'a>(
    active: impl crate::ui::view::Path,
    // The tab's key comes last, a `String` as a key press's name does.
    on_select: impl crate::ui::view::Fires<crate::ui::view::dom::Key>,
    tabs: impl IntoIterator<Item = (&'a str, &'a str, Node)>,
) -> Node {
    let (active, on_select) = (&active.path_string(), on_select.into_spec());
    let tabs: Vec<_> = tabs.into_iter().collect();
    let prefix = element_id("t-tabs", active);
    let buttons = tabs.iter().map(|(key, label, _)| {
        button()
            .class("t-tab")
            .attr("type", "button")
            .attr("role", "tab")
            .id(&format!("{prefix}-{}", id_part(key)))
            .attr("aria-controls", format!("{prefix}-{}-panel", id_part(key)))
            .bind_attr_choice("aria-selected", active, choice().when(*key, "true").otherwise("false"))
            .text(*label)
            .on_click(on_select.clone().arg(*key))
    });
    let list = div().class("t-tablist").attr("role", "tablist").children(buttons.collect::<Vec<_>>());
    let panels = tabs.into_iter().map(|(key, _, content)| {
        div()
            .class("t-tabpanel")
            .attr("role", "tabpanel")
            .id(&format!("{prefix}-{}-panel", id_part(key)))
            .attr("aria-labelledby", format!("{prefix}-{}", id_part(key)))
            .attr("tabindex", "0")
            .bind_attr_choice("hidden", active, choice().absent_when(key).otherwise(""))
            .child(content)
    });
    div().class("t-tabs").child(list).children(panels.collect::<Vec<_>>())
}

/// An element id from a state path: `t-tabs-tab`, `t-modal-editing-open`.
fn element_id(kind: &str, path: &str) -> String {
    format!("{kind}-{}", id_part(path))
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
    fn sortable_headers_show_the_ordering_as_aria_sort() {
        let columns = [Column::named("name", "Name"), Column::named("sku", "SKU")];
        let table = sortable_table_by_name("rows", "id", "ordering", &event("sort"), &columns);
        let data = json!({"rows": [{"id": 1, "name": "<Mug>", "sku": "M"}], "ordering": "-name"});
        let html = render(&table, &data);
        assert!(html.contains("<th scope=\"col\" aria-sort=\"descending\"><button class=\"t-sort\""), "{html}");
        assert!(html.contains("<th scope=\"col\"><button class=\"t-sort\" type=\"button\" data-column=\"sku\">SKU"));
        assert!(html.contains("<td>&lt;Mug&gt;</td><td>M</td>"), "cells are escaped: {html}");
        let html = render(&table, &json!({"rows": [], "ordering": "sku"}));
        assert!(html.contains("aria-sort=\"ascending\"><button class=\"t-sort\" type=\"button\" data-column=\"sku\""));
        assert_eq!(html.matches("aria-sort").count(), 1, "{html}");
    }

    #[test]
    fn header_clicks_send_the_column_key() {
        let Node::El(th) = column_header(&Column::named("price", "Price"), Some(("ordering", &event("sort").arg("x"))))
        else {
            panic!("an element")
        };
        let Some(Node::El(button)) = th.children.first() else { panic!("a button") };
        assert_eq!(button.on[0].1, event("sort").arg("x").arg("price"));
        let plain = render(
            &column_header(&Column::named("price", "Price").unsortable(), Some(("o", &event("sort")))),
            &json!({}),
        );
        assert_eq!(plain, "<th scope=\"col\">Price</th>");
        assert_eq!(render(&column_header(&Column::named("a", "A"), None), &json!({})), "<th scope=\"col\">A</th>");
    }

    #[test]
    fn the_modal_is_an_accessible_dialog_only_while_open() {
        let dialog = modal("Edit <it>", "editing.open", event("close"), [p().text("Body")]);
        assert_eq!(render(&dialog, &json!({"editing": {"open": false}})), "");
        let html = render(&dialog, &json!({"editing": {"open": true}}));
        for part in [
            "role=\"dialog\"",
            "aria-modal=\"true\"",
            "aria-labelledby=\"t-modal-editing-open-title\"",
            "<h2 id=\"t-modal-editing-open-title\">Edit &lt;it&gt;</h2>",
            "aria-label=\"Close\"",
            "<p>Body</p>",
        ] {
            assert!(html.contains(part), "{part} in {html}");
        }
        let Node::Cond { then, .. } = &dialog else { panic!("a cond") };
        let Node::El(root) = then.as_ref() else { panic!("an element") };
        assert_eq!(root.on, vec![("keydown".to_string(), event("close").keys(&["Escape"]))]);
    }

    #[test]
    fn tabs_select_by_the_active_field() {
        let view = tabs("tab", event("pick"), [("a", "A", p().text("one")), ("b c", "B", p().text("two"))]);
        let html = render(&view, &json!({"tab": "b c"}));
        assert!(html.contains("role=\"tablist\""), "{html}");
        assert!(html.contains("id=\"t-tabs-tab-a\" aria-controls=\"t-tabs-tab-a-panel\" aria-selected=\"false\""));
        assert!(html.contains("id=\"t-tabs-tab-b-c\" aria-controls=\"t-tabs-tab-b-c-panel\" aria-selected=\"true\""));
        assert!(html.contains("aria-labelledby=\"t-tabs-tab-a\" tabindex=\"0\" hidden=\"\"><p>one</p>"), "{html}");
        assert!(html.contains("aria-labelledby=\"t-tabs-tab-b-c\" tabindex=\"0\"><p>two</p>"), "{html}");
    }

    #[test]
    fn badges_cards_grids_and_spinners() {
        assert_eq!(
            render(&badge(bind("n"), Tone::Success), &json!({"n": "<3"})),
            "<span class=\"t-badge\" data-tone=\"success\">&lt;3</span>"
        );
        assert_eq!(
            render(&card("T", [p()]), &json!({})),
            "<section class=\"t-card\"><h3 class=\"t-card-title\">T</h3><p></p></section>"
        );
        assert_eq!(render(&grid("10rem", []), &json!({})), "<div class=\"t-grid\" style=\"--t-grid-min:10rem\"></div>");
        assert_eq!(render(&grid("1px;color:red", []), &json!({})), "<div class=\"t-grid\"></div>");
        assert!(
            render(&busy_spinner(), &json!({})).starts_with("<span class=\"t-spinner t-when-busy\" role=\"status\">")
        );
    }
}
