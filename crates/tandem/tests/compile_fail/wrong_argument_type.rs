//! An event argument of the wrong type: `add` takes an `i64`.
use serde::{Deserialize, Serialize};
use tandem::ui::node::*;
use tandem::ui::{Page, State, View, events};

#[derive(Default, Serialize, Deserialize, State)]
pub struct Counter {
    pub count: i64,
    pub label: String,
}

#[events]
impl Counter {
    pub async fn add(&mut self, amount: i64) {
        self.count += amount;
    }
}

fn view(s: &View<Counter>) -> Node {
    div().children([
        button().text("+5").on_click(s.add().with("five")),
        // A field of another type is refused too.
        button().text("+label").on_click(s.add().with(s.label)),
    ])
}

fn main() {
    let _ = Page::new("counter", "Counter", view);
}
