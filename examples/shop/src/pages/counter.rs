//! `/counter`: the smallest reactive page, the one the benchmarks drive.

use super::layout::layout;
use serde::{Deserialize, Serialize};
use tandem::ui::node::*;
use tandem::ui::{EventError, State, View, events};

/// A number and two ways to change it.
#[derive(Default, Serialize, Deserialize, State)]
pub struct Counter {
    /// The number shown.
    pub count: i64,
}

#[events]
impl Counter {
    /// Adds one.
    pub async fn increment(&mut self) {
        self.count += 1;
    }

    /// Adds `amount`; refuses an overflow.
    pub async fn add(&mut self, amount: i64) -> Result<(), EventError> {
        self.count = self.count.checked_add(amount).ok_or_else(|| EventError::new("That number is too big."))?;
        Ok(())
    }
}

/// The page.
pub fn view(s: &View<Counter>) -> Node {
    layout().page(
        "",
        [
            h1().text("Counter"),
            p().attr("id", "count").child(bind(s.count)),
            button().id("increment").text("+1").on_click(s.increment()),
            button().id("add-five").text("+5").on_click(s.add().with(5)),
            p().children([
                a().href("/").text("Back to the shop"),
                text(" · "),
                a().href("/playground").text("Playground"),
            ]),
        ],
    )
}
