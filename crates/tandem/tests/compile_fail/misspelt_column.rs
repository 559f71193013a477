//! A table's column names a field its row does not have.
use serde::{Deserialize, Serialize};
use tandem::ui::components::{column, data_table};
use tandem::ui::node::*;
use tandem::ui::{Page, Row, State, View, events};

#[derive(Clone, PartialEq, Serialize, Deserialize, Row)]
pub struct Product {
    pub id: i64,
    pub name: String,
}

#[derive(Default, Serialize, Deserialize, State)]
pub struct Catalog {
    pub products: Vec<Product>,
}

#[events]
impl Catalog {}

fn view(s: &View<Catalog>) -> Node {
    data_table(s.products, |product| [column(product.nmae, "Name")])
}

fn main() {
    let _ = Page::new("catalog", "Catalog", view);
}
