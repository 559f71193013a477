//! `/accounts/login/` (Django's `LoginView`): a username and a password;
//! on success the tab's session logs in and the browser goes to `?next=`.
//!
//! State [`AccountLogin`]: `username`, `error`. Event: `submit` (the form:
//! `username`, `password`). A replacement view binds to these, e.g.
//! `form().on_submit(s.submit())`; the shop's own `/login` is one.

use serde::{Deserialize, Serialize};

use crate::auth::LoginError;
use crate::ui::components::{Tone, input_field, notice, primary_button};
use crate::ui::node::*;
use crate::ui::{EventContext, EventError, Level, State, View, events};

/// The login form's state. The password is never kept.
#[derive(Default, Serialize, Deserialize, State)]
pub struct AccountLogin {
    /// The name typed last.
    pub username: String,
    /// Why the last attempt failed.
    pub error: String,
}

/// What a login form submits (this page's and the admin's).
#[derive(Deserialize)]
pub struct Credentials {
    #[serde(default)]
    pub(crate) username: String,
    #[serde(default)]
    pub(crate) password: String,
}

#[events]
impl AccountLogin {
    /// Checks the credentials (counted against password guessing); on
    /// success logs the session in and leaves for `next`.
    pub async fn submit(&mut self, ctx: &mut EventContext, form: Credentials) -> Result<(), EventError> {
        self.username = form.username.trim().to_string();
        match ctx.authenticate(&self.username, &form.password).await {
            Ok(user) => {
                self.error.clear();
                ctx.login(&user);
                ctx.notify(Level::Success, &format!("Welcome, {}.", user.username));
                ctx.redirect(&super::next_of(ctx));
            }
            Err(LoginError::Invalid) => self.error = crate::auth::INVALID_LOGIN.into(),
            Err(refused @ (LoginError::Throttled(_) | LoginError::Busy(_))) => {
                self.error = format!("Not checked: {refused}.");
            }
            Err(LoginError::Database(error)) => return Err(error.into()),
        }
        Ok(())
    }
}

/// The page, in Tandem's look.
pub fn view(s: &View<AccountLogin>) -> Node {
    main().class("t-account").child(
        section().class("t-card").children([
            h1().text("Log in"),
            form().id("account-login").class("t-form").on_submit(s.submit()).children([
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
            p().class("t-account-links").children([a().href("/accounts/register/").text("Create an account")]),
        ]),
    )
}
