//! A view sends an event the state does not have.
use serde::{Deserialize, Serialize};
use tandem::ui::node::*;
use tandem::ui::{Page, State, View, events};

#[derive(Default, Serialize, Deserialize, State)]
pub struct Counter {
    pub count: i64,
}

#[events]
impl Counter {
    pub async fn increment(&mut self) {
        self.count += 1;
    }
}

fn view(s: &View<Counter>) -> Node {
    button().text("+1").on_click(s.incremnt())
}

fn main() {
    let _ = Page::new("counter", "Counter", view);
}
