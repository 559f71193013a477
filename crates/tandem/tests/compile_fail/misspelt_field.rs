//! A view binds a field the state does not have.
use serde::{Deserialize, Serialize};
use tandem::ui::node::*;
use tandem::ui::{Page, State, View, events};

#[derive(Default, Serialize, Deserialize, State)]
pub struct Counter {
    pub count: i64,
}

#[events]
impl Counter {}

fn view(s: &View<Counter>) -> Node {
    p().child(s.cuont)
}

fn main() {
    let _ = Page::new("counter", "Counter", view);
}
