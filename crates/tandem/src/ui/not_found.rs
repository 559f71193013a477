//! Tandem's own 404 page, shown at every UI path no page's route matches
//! unless the application sets its own with `App::not_found`.

use serde::{Deserialize, Serialize};

use super::context::EventContext;
use super::node::*;
use super::page::Page;
use crate::ui::{State, events};

/// The default 404 page's state: the path nobody serves.
#[derive(Default, Serialize, Deserialize, State)]
#[state(name = "tandem_not_found")]
pub(crate) struct NotFound {
    /// The requested path.
    pub path: String,
}

#[events]
impl NotFound {
    /// Takes the path from the router data.
    pub async fn load(&mut self, ctx: &mut EventContext) {
        self.path = ctx.router.path.clone();
    }
}

fn view() -> Node {
    main().id("not-found-page").children([
        h1().text("Page not found"),
        p().children([text("There is no page at "), strong().id("missing-path").child(bind("path")), text(".")]),
        p().child(a().id("home").href("/").text("Go to the home page")),
    ])
}

/// The default 404 page.
pub(crate) fn page() -> Page {
    Page::dynamic::<NotFound>("", "Page not found", view).on_load("load").meta("robots", "noindex")
}
