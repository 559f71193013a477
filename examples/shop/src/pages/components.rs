//! `/components`: every piece of the component library on one page, driven
//! by a small state: a product table sorted on the server by header clicks,
//! tabs, a modal dialog, badges, spinners and a toast.

use std::cmp::Ordering;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tandem::rest::ModelSerializer;
use tandem::sea_orm::EntityTrait;
use tandem::ui::components::*;
use tandem::ui::node::*;
use tandem::ui::{EventContext, EventError, Level, Row, State, View, events};

use super::layout::layout;
use crate::shop::models::product;

/// The page's state.
#[derive(Serialize, Deserialize, State)]
pub struct Components {
    /// Every product: `{"id", "name", "price", "sku", "is_active"}`, in `ordering`.
    pub products: Vec<ProductRow>,
    /// The table's sort, Django-style: `"price"` ascending, `"-price"` descending.
    pub ordering: String,
    /// The selected tab's key.
    pub tab: String,
    /// Whether the dialog is open.
    pub dialog_open: bool,
    /// How many slow events have finished.
    pub slow_runs: u32,
}

impl Default for Components {
    fn default() -> Self {
        Self { products: Vec::new(), ordering: "name".into(), tab: "table".into(), dialog_open: false, slow_runs: 0 }
    }
}

/// The columns the table sorts by.
const SORTABLE: &[&str] = &["name", "price", "sku"];

/// A product as the table shows it, rendered by the product's serializer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Row)]
pub struct ProductRow {
    /// Its id (the row's key).
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its price, exact, as text.
    pub price: String,
    /// Its SKU.
    pub sku: String,
    /// Whether the catalog shows it.
    pub is_active: bool,
}

#[events]
impl Components {
    /// Loads the products (the page's `on_load`).
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        self.refresh(ctx).await
    }

    /// A header click: sorts by `column`, flipping the direction on a second click.
    pub async fn sort(&mut self, ctx: &mut EventContext, column: String) -> Result<(), EventError> {
        if !SORTABLE.contains(&column.as_str()) {
            return Err(EventError::new(format!("Cannot sort by {column}.")));
        }
        self.ordering = next_ordering(&self.ordering, &column);
        self.refresh(ctx).await
    }

    /// Shows tab `key`.
    pub async fn select_tab(&mut self, key: String) {
        self.tab = key;
    }

    /// Opens the dialog.
    pub async fn open_dialog(&mut self) {
        self.dialog_open = true;
    }

    /// Closes the dialog (its close button, the backdrop, Escape).
    pub async fn close_dialog(&mut self) {
        self.dialog_open = false;
    }

    /// Shows a toast.
    pub async fn toast(&mut self, ctx: &mut EventContext) {
        ctx.notify(Level::Success, "Saved. This is a toast.");
    }

    /// Takes most of a second, so the busy spinner shows.
    pub async fn slow(&mut self) {
        tandem::tokio::time::sleep(Duration::from_millis(800)).await;
        self.slow_runs += 1;
    }
}

impl Components {
    /// Reads the products and sorts them by `ordering`, in Rust: prices are
    /// exact decimals, which SQLite would compare as text.
    async fn refresh(&mut self, ctx: &EventContext) -> Result<(), EventError> {
        let mut rows = product::Entity::find().all(&ctx.db).await?;
        let (column, descending) = match self.ordering.strip_prefix('-') {
            Some(column) => (column, true),
            None => (self.ordering.as_str(), false),
        };
        rows.sort_by(|a, b| {
            let order = compare(a, b, column);
            if descending { order.reverse() } else { order }
        });
        self.products = ModelSerializer::<product::Entity>::new()
            .fields(&["id", "name", "price", "sku", "is_active"])
            .rows(&rows)?;
        Ok(())
    }
}

fn compare(a: &product::Model, b: &product::Model, column: &str) -> Ordering {
    match column {
        "price" => a.price.cmp(&b.price),
        "sku" => a.sku.cmp(&b.sku),
        _ => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
    }
}

fn product_table(s: &View<Components>) -> Node {
    sortable_table(s.products, s.ordering, s.sort(), |product| {
        [
            column(product.name, "Name"),
            column(product.price, "Price"),
            column(product.sku, "SKU"),
            column(product.is_active, "Status").unsortable().cell(cond(
                product.is_active,
                badge("Active", Tone::Success),
                badge("Hidden", Tone::Neutral),
            )),
        ]
    })
    .id("product-table")
}

fn showcase(s: &View<Components>) -> Node {
    grid(
        "15rem",
        [
            card(
                "Badges",
                [hstack([
                    badge("Neutral", Tone::Neutral),
                    badge("Accent", Tone::Accent),
                    badge("Info", Tone::Info),
                    badge("Success", Tone::Success),
                    badge("Warning", Tone::Warning),
                    badge("Danger", Tone::Danger),
                ])],
            ),
            card("Spinner", [hstack([spinner(), text("Loading…")])]),
            card(
                "Busy",
                [hstack([
                    button().id("slow").text("Slow event").on_click(s.slow()),
                    busy_spinner().id("busy"),
                    span().children([text("done "), span().id("slow-runs").child(bind(s.slow_runs))]),
                ])],
            ),
            card("Toast", [button().id("toast").class("t-primary").text("Show a toast").on_click(s.toast())]),
        ],
    )
}

/// The page.
pub fn view(s: &View<Components>) -> Node {
    layout().page(
        "/components",
        [div().class("t-vstack").children([
            h1().text("Components"),
            p().text("The component library and the default stylesheet; the shop's theme sets the accent colour."),
            showcase(s),
            tabs(
                s.tab,
                s.select_tab(),
                [
                    ("table", "Table", product_table(s)),
                    (
                        "dialog",
                        "Dialog",
                        div().children([
                            p().text("A modal dialog: its button, the backdrop and Escape close it."),
                            p().child(button().id("open-dialog").text("Open the dialog").on_click(s.open_dialog())),
                        ]),
                    ),
                ],
            ),
            modal(
                "A modal dialog",
                s.dialog_open,
                s.close_dialog(),
                [
                    p().text("It is shown while the state's dialog_open is true."),
                    button().id("dialog-done").class("t-primary").text("Done").on_click(s.close_dialog()),
                ],
            ),
            p().child(a().href("/").text("Back to the shop")),
        ])],
    )
}
