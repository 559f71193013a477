//! `/account`: a page for logged-in users only (`.guard(login_required())`),
//! with an event only users who may change products can run
//! (`.guard_event("audit", permission_required("shop.change_product"))`),
//! and `/account/stock`, a page for those users only.

use serde::{Deserialize, Serialize};
use tandem::ui::components::secondary_button;
use tandem::ui::node::*;
use tandem::ui::{EventContext, State, View, events};

use super::layout::layout;

/// Who is logged in, and what they did here.
#[derive(Default, Serialize, Deserialize, State)]
pub struct Account {
    /// The logged-in user's name.
    pub username: String,
    /// Times the "Visit" button was pressed.
    pub visits: i64,
    /// Whether the catalog was audited (a guarded event).
    pub audited: bool,
}

#[events]
impl Account {
    /// Reads the user; the page's guard let only a logged-in one in.
    pub async fn load(&mut self, ctx: &mut EventContext) {
        self.username = ctx.user.username().unwrap_or_default().to_string();
    }

    /// Counts a visit: any logged-in user may.
    pub async fn visit(&mut self) {
        self.visits += 1;
    }

    /// Marks the catalog audited: guarded by `shop.change_product`.
    pub async fn audit(&mut self) {
        self.audited = true;
    }

    /// Logs the tab's session out; the page's guard then sends it to the
    /// login page.
    pub async fn logout(&mut self, ctx: &mut EventContext) {
        ctx.logout();
    }
}

/// The account page.
pub fn view(s: &View<Account>) -> Node {
    layout().page(
        "/account",
        [section().id("account").class("t-card").children([
            h1().text("Your account"),
            p().children([text("Signed in as "), strong().id("account-user").child(bind(s.username))]),
            p().children([text("Visits: "), span().id("visits").child(bind(s.visits))]),
            cond(s.audited, p().id("audited").text("Catalog audited."), nothing()),
            div().class("t-form-actions").children([
                button().id("visit").attr("type", "button").text("Visit").on_click(s.visit()),
                button().id("audit").attr("type", "button").text("Audit the catalog").on_click(s.audit()),
                secondary_button("Log out").id("account-logout").attr("type", "button").on_click(s.logout()),
            ]),
        ])],
    )
}

/// The stock page's state: nothing but a heading.
#[derive(Default, Serialize, Deserialize, State)]
pub struct Stock {
    /// The heading.
    pub heading: String,
}

#[events]
impl Stock {}

/// The stock page, for users who may change products.
pub fn stock_view(_: &View<Stock>) -> Node {
    layout().page("/account/stock", [h1().id("stock").text("Stock")])
}
