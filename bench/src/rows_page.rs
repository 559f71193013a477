//! Two pages `serve-shop` adds to the shop for the benchmarks, each a
//! counter beside `rows` generated rows (at most 10,000):
//!
//! - `/bench/rows/<int:rows>` keeps them in a `Vec` in its state. The
//!   events section compares `increment` (the counter only) at 1,000 rows
//!   and at none: its cost should not depend on the list.
//! - `/bench/stream/<int:rows>` sends them as a `Stream`, which the state
//!   does not keep. The streams section compares `add` (one more row) on
//!   both pages: on the stream it should cost the same at 10,000 rows as
//!   at none.

use serde::{Deserialize, Serialize};
use tandem::ui::node::*;
use tandem::ui::{EventContext, EventError, Page, Row, State, Stream, View, events};

/// One generated row.
#[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
pub struct Line {
    /// Its number (the key).
    pub id: i64,
    /// A name of a product's length.
    pub name: String,
    /// A price, as the shop writes prices.
    pub price: String,
}

impl Line {
    fn numbered(id: i64) -> Self {
        Line { id, name: format!("Product {id:04}"), price: format!("{}.{:02}", id % 200, id % 100) }
    }
}

/// The route's row count.
#[derive(Deserialize)]
struct Rows {
    rows: i64,
}

/// The lines `load` makes for the route.
fn lines(ctx: &EventContext) -> Result<impl Iterator<Item = Line>, EventError> {
    let Rows { rows } = ctx.router.params()?;
    Ok((1..=rows.clamp(0, 10_000)).map(Line::numbered))
}

/// A counter beside a list kept in the state.
#[derive(Default, Serialize, Deserialize, State)]
#[state(name = "bench_rows")]
pub struct BenchRows {
    /// What `increment` changes.
    pub count: i64,
    /// The list, filled by `load` from the route's `rows`.
    pub rows: Vec<Line>,
}

#[events]
impl BenchRows {
    /// Fills the list (the page's `on_load`).
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        self.rows = lines(ctx)?.collect();
        Ok(())
    }

    /// Adds one to the counter.
    pub async fn increment(&mut self) {
        self.count += 1;
    }

    /// Adds a row at the end.
    pub async fn add(&mut self) {
        self.count += 1;
        self.rows.push(Line::numbered(100_000 + self.count));
    }
}

/// A counter beside a list the browser keeps.
#[derive(Default, Serialize, Deserialize, State)]
#[state(name = "bench_stream")]
pub struct BenchStream {
    /// What `increment` changes.
    pub count: i64,
    /// The list, sent by `load` from the route's `rows`.
    pub rows: Stream<Line>,
}

#[events]
impl BenchStream {
    /// Sends the list (the page's `on_load`).
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        self.rows.extend(lines(ctx)?);
        Ok(())
    }

    /// Adds one to the counter.
    pub async fn increment(&mut self) {
        self.count += 1;
    }

    /// Adds a row at the end.
    pub async fn add(&mut self) {
        self.count += 1;
        self.rows.insert(Line::numbered(100_000 + self.count));
    }
}

/// The page with the list in its state.
pub fn page() -> Page {
    Page::new("bench/rows/<int:rows>", "Rows", |s: &View<BenchRows>| {
        div().children([p().id("count").child(s.count), ul().child(s.rows.each(|row| li().child(row.name)))])
    })
    .on_load(BenchRowsView::load)
}

/// The page with the list in the browser only.
pub fn stream_page() -> Page {
    Page::new("bench/stream/<int:rows>", "Stream", |s: &View<BenchStream>| {
        div().children([p().id("count").child(s.count), ul().child(s.rows.each(|row| li().child(row.name)))])
    })
    .on_load(BenchStreamView::load)
}
