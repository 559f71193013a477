//! A click cannot give an event the argument it needs; nor can an input
//! give a number where the handler wants a row.
use serde::{Deserialize, Serialize};
use tandem::ui::node::*;
use tandem::ui::{Page, State, View, events};

#[derive(Default, Serialize, Deserialize, State)]
pub struct Counter {
    pub count: i64,
}

#[events]
impl Counter {
    pub async fn add(&mut self, amount: i64) {
        self.count += amount;
    }

    pub async fn pick(&mut self, id: i64, label: String) {
        let _ = (id, label);
    }
}

fn view(s: &View<Counter>) -> Node {
    div().children([button().text("+?").on_click(s.add()), input().on_input(s.pick())])
}

fn main() {
    let _ = Page::new("counter", "Counter", view);
}
