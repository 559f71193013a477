//! A view, or a piece of one, used for a page of another state.
use serde::{Deserialize, Serialize};
use tandem::ui::node::*;
use tandem::ui::{Page, State, View, events};

#[derive(Default, Serialize, Deserialize, State)]
pub struct Catalog {
    pub query: String,
}

#[events]
impl Catalog {}

#[derive(Default, Serialize, Deserialize, State)]
pub struct Counter {
    pub count: i64,
}

#[events]
impl Counter {}

fn search_box(s: &View<Catalog>) -> Node {
    input().bind_value(s.query)
}

fn counter_view(s: &View<Counter>) -> Node {
    div().children([p().child(s.count), search_box(s)])
}

fn main() {
    let _ = Page::new::<CatalogView>("catalog", "Catalog", counter_view);
}
