//! `/login`: the shop's own look on Tandem's login page state
//! ([`tandem::accounts::login::AccountLogin`]: `username`, `error`, the
//! `submit` event), whose handler logs the tab's session in and goes to a
//! safe `?next=`. The browser receives the new `sessionid` cookie over HTTP,
//! still HttpOnly.

use tandem::accounts::login::AccountLogin;
use tandem::ui::View;
use tandem::ui::components::{Tone, input_field, notice, primary_button};
use tandem::ui::node::*;

use super::layout::layout;

/// The page, bound to `AccountLogin`.
pub fn view(s: &View<AccountLogin>) -> Node {
    layout().page(
        "/login",
        [section().class("login-panel t-card").children([
            h1().text("Log in"),
            p().class("lede").text("Sign in to add products to the catalog."),
            form().id("login").class("t-form").on_submit(s.submit()).children([
                cond(s.error, notice(Tone::Danger, [bind(s.error)]).id("login-error"), nothing()),
                input_field("text", "username", "Username")
                    .required()
                    .control(|input| input.attr("autocomplete", "username").bind_value(s.username))
                    .into(),
                input_field("password", "password", "Password")
                    .required()
                    .control(|input| input.attr("autocomplete", "current-password"))
                    .into(),
                div().class("t-form-actions").child(primary_button("Log in").attr("type", "submit")),
            ]),
            p().class("more").child(a().href("/").text("Back to the shop")),
        ])],
    )
}
