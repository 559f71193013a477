//! `/bench/rows/<int:rows>`: a page whose state holds a list of `rows` rows
//! beside a counter, added to the shop by `serve-shop` for the events
//! section. `increment` changes the counter only, so its cost should not
//! depend on the list: the section compares it at 1,000 rows and at none.

use serde::{Deserialize, Serialize};
use tandem::ui::node::*;
use tandem::ui::{EventContext, Page, State, events};

/// One row of the list, typed.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Its number.
    pub id: i64,
    /// A name of a product's length.
    pub name: String,
    /// A price, as the shop writes prices.
    pub price: String,
}

/// A counter beside a list.
#[derive(Default, Serialize, Deserialize, State)]
#[state(name = "bench_rows")]
pub struct BenchRows {
    /// What `increment` changes.
    pub count: i64,
    /// The list, filled by `load` from the route's `rows`.
    pub rows: Vec<Row>,
}

#[events]
impl BenchRows {
    /// Fills the list (the page's `on_load`).
    pub async fn load(&mut self, ctx: &mut EventContext) {
        let rows: i64 = ctx.router.params.get("rows").and_then(|n| n.parse().ok()).unwrap_or(0);
        self.rows = (1..=rows.min(10_000))
            .map(|id| Row { id, name: format!("Product {id:04}"), price: format!("{}.{:02}", id % 200, id % 100) })
            .collect();
    }

    /// Adds one to the counter.
    pub async fn increment(&mut self) {
        self.count += 1;
    }
}

fn view() -> Node {
    div().children([
        p().attr("id", "count").child(bind("count")),
        ul().child(foreach("rows", "id", li().child(bind("item.name")))),
    ])
}

/// The page.
pub fn page() -> Page {
    Page::dynamic::<BenchRows>("bench/rows/<int:rows>", "Rows", view).on_load("load")
}
