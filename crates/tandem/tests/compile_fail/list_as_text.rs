//! A list bound where a value is expected.
use serde::{Deserialize, Serialize};
use tandem::ui::node::*;
use tandem::ui::{Page, Row, State, View, events};

#[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
pub struct Item {
    pub id: i64,
    pub name: String,
}

#[derive(Default, Serialize, Deserialize, State)]
pub struct Basket {
    pub items: Vec<Item>,
}

#[events]
impl Basket {}

fn view(s: &View<Basket>) -> Node {
    div().children([p().child(bind(s.items)), input().bind_value(s.items)])
}

fn main() {
    let _ = Page::new("basket", "Basket", view);
}
