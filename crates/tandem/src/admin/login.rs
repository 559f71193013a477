//! The admin's own login and logout pages (`/admin/login/`,
//! `/admin/logout/`): the site's session cookie, the login counted against
//! password guessing like every other, and only active staff admitted, as
//! Django's `AdminAuthenticationForm` does. After a login the browser goes
//! to `?next=` when it is a path of this site, else to the index.

use serde::{Deserialize, Serialize};

use super::site;
use crate::accounts::login::Credentials;
use crate::auth::LoginError;
use crate::ui::components::{Tone, input_field, notice, primary_button};
use crate::ui::node::*;
use crate::ui::{EventContext, EventError, Level, State, events};

/// Django's message for a login that is not an active staff account.
pub const STAFF_LOGIN: &str =
    "Please enter the correct username and password for a staff account. Note that both fields may be case-sensitive.";

/// The login form's state. The password is never kept.
#[derive(Default, Serialize, Deserialize, State)]
#[state(name = "admin_login")]
pub struct AdminLogin {
    /// The name typed last.
    pub username: String,
    /// Why the last attempt failed.
    pub error: String,
}

#[events]
impl AdminLogin {
    /// Checks the credentials; an active staff user is logged in and sent
    /// on.
    pub async fn submit(&mut self, ctx: &mut EventContext, form: Credentials) -> Result<(), EventError> {
        self.username = form.username.trim().to_string();
        match ctx.authenticate(&self.username, &form.password).await {
            Ok(user) if user.is_staff && user.is_active => {
                self.error.clear();
                ctx.login(&user);
                ctx.notify(Level::Success, &format!("Welcome, {}.", user.username));
                let home = format!("{}/", site()?.prefix);
                let next = ctx.router.query.get("next").map(|n| crate::auth::safe_next(n).to_string());
                ctx.redirect(next.as_deref().filter(|n| *n != "/").unwrap_or(&home));
            }
            Ok(_) | Err(LoginError::Invalid) => self.error = STAFF_LOGIN.into(),
            Err(refused @ (LoginError::Throttled(_) | LoginError::Busy(_))) => {
                self.error = format!("Not checked: {refused}.");
            }
            Err(LoginError::Database(error)) => return Err(error.into()),
        }
        Ok(())
    }
}

/// The login page.
pub fn view() -> Node {
    main().class("t-account admin-login").child(
        section().class("t-card").children([
            h1().text("Log in to the administration"),
            form().id("admin-login").class("t-form").on_submit(event("submit")).children([
                cond("error", notice(Tone::Danger, [bind("error")]).id("admin-login-error"), nothing()),
                input_field("text", "username", "Username")
                    .required()
                    .control(|input| {
                        input.attr("autocomplete", "username").attr("autofocus", "").bind_value("username")
                    })
                    .into(),
                input_field("password", "password", "Password")
                    .required()
                    .control(|input| input.attr("autocomplete", "current-password"))
                    .into(),
                div().class("t-form-actions").child(primary_button("Log in").attr("type", "submit")),
            ]),
        ]),
    )
}

/// The logout page's state.
#[derive(Default, Serialize, Deserialize, State)]
#[state(name = "admin_logout")]
pub struct AdminLogout {
    /// Who is logged in; empty once logged out.
    pub username: String,
    /// The login page's address.
    pub login: String,
}

#[events]
impl AdminLogout {
    /// Reads who is logged in.
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        self.username = ctx.user.username().unwrap_or_default().to_string();
        self.login = format!("{}/login/", site()?.prefix);
        Ok(())
    }

    /// Logs the session out.
    pub async fn logout(&mut self, ctx: &mut EventContext) {
        ctx.logout();
        self.username.clear();
    }
}

/// The logout page: a button (a logout is a change, never a GET).
pub fn logout_view() -> Node {
    main().class("t-account").child(section().class("t-card").children([
        h1().text("Log out"),
        cond(
            "username",
            div().children([
                p().children([text("You are logged in as "), strong().child(bind("username")), text(".")]),
                primary_button("Log out").id("admin-logout-button").on_click(event("logout")),
            ]),
            div().id("admin-logged-out").children([
                p().text("Thanks for spending some quality time with the web site today."),
                p().child(a().bind_attr("href", "login").text("Log in again")),
            ]),
        ),
    ]))
}
