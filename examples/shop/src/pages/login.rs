//! `/login`: a login form whose handler logs the tab's session in. The
//! browser receives the new `sessionid` cookie over HTTP, still HttpOnly.

use serde::{Deserialize, Serialize};
use tandem::auth::LoginError;
use tandem::ui::components::{Tone, input_field, notice, primary_button};
use tandem::ui::node::*;

use super::layout::layout;
use tandem::ui::{EventContext, EventError, Level, State, events};

/// The login form's state. The password is never kept.
#[derive(Default, Serialize, Deserialize, State)]
pub struct Login {
    /// The name typed last.
    pub username: String,
    /// Why the last attempt failed.
    pub error: String,
}

/// The login page's query: where to go after logging in.
#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

/// What the form submits.
#[derive(Deserialize)]
pub struct Credentials {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

#[events]
impl Login {
    /// Checks the credentials; on success logs in and goes to `?next=` (a
    /// guarded page sent the visitor here), if it is a path of this site,
    /// else to the shop.
    pub async fn submit(&mut self, ctx: &mut EventContext, form: Credentials) -> Result<(), EventError> {
        self.username = form.username.trim().to_string();
        match ctx.authenticate(&self.username, &form.password).await {
            Ok(user) => {
                self.error.clear();
                ctx.login(&user);
                ctx.notify(Level::Success, &format!("Welcome, {}.", user.username));
                let next = ctx.router.query_as::<Next>().ok().and_then(|query| query.next);
                let to = tandem::auth::safe_next(next.as_deref().unwrap_or("/")).to_string();
                ctx.redirect(&to);
            }
            Err(LoginError::Invalid) => self.error = "Invalid username or password.".into(),
            // Too many failures for this name or address, or every password
            // check busy: say when to try again.
            Err(refused @ (LoginError::Throttled(_) | LoginError::Busy(_))) => {
                self.error = format!("Not checked: {refused}.");
            }
            Err(LoginError::Database(error)) => return Err(error.into()),
        }
        Ok(())
    }
}

/// The page.
pub fn view() -> Node {
    layout().page(
        "/login",
        [section().class("login-panel t-card").children([
            h1().text("Log in"),
            p().class("lede").text("Sign in to add products to the catalog."),
            form().id("login").class("t-form").on_submit(event("submit")).children([
                cond("error", notice(Tone::Danger, [bind("error")]).id("login-error"), nothing()),
                input_field("text", "username", "Username")
                    .required()
                    .control(|input| input.attr("autocomplete", "username").bind_value("username"))
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
