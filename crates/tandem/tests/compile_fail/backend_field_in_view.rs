//! A backend-only field never reaches the browser: a view cannot bind it.
use serde::{Deserialize, Serialize};
use tandem::ui::node::*;
use tandem::ui::{Page, State, View, events};

#[derive(Default, Serialize, Deserialize, State)]
pub struct Vault {
    pub shown: u32,
    #[state(backend)]
    pub secret: String,
}

#[events]
impl Vault {}

fn view(s: &View<Vault>) -> Node {
    p().child(s.secret)
}

fn main() {
    let _ = Page::new("vault", "Vault", view);
}
