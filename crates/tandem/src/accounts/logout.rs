//! `/accounts/logout/` (Django's `LogoutView`, which logs out only on a
//! POST): a button that logs the tab's session out.
//!
//! State [`AccountLogout`]: `username` (empty once logged out). Events:
//! `load`, `logout`.

use serde::{Deserialize, Serialize};

use crate::ui::components::primary_button;
use crate::ui::node::*;
use crate::ui::{EventContext, State, View, events};

/// Who would be logged out.
#[derive(Default, Serialize, Deserialize, State)]
pub struct AccountLogout {
    /// The logged-in user's name; empty for a visitor or once logged out.
    pub username: String,
}

#[events]
impl AccountLogout {
    /// Reads who is logged in.
    pub async fn load(&mut self, ctx: &mut EventContext) {
        self.username = ctx.user.username().unwrap_or_default().to_string();
    }

    /// Logs the session out (every tab of it: the session row is deleted).
    pub async fn logout(&mut self, ctx: &mut EventContext) {
        ctx.logout();
        self.username.clear();
    }
}

/// The page, in Tandem's look.
pub fn view(s: &View<AccountLogout>) -> Node {
    main().class("t-account").child(section().class("t-card").children([
        h1().text("Log out"),
        cond(
            s.username,
            div().children([
                p().children([text("You are logged in as "), strong().child(bind(s.username)), text(".")]),
                primary_button("Log out").id("logout").on_click(s.logout()),
            ]),
            div().id("logged-out").children([
                p().text("You are logged out."),
                p().child(a().href("/accounts/login/").text("Log in again")),
            ]),
        ),
    ]))
}
