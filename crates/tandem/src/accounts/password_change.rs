//! `/accounts/password_change/` (Django's `PasswordChangeView`, login
//! required): the old password and a new one typed twice; the tab's session
//! stays logged in, every other session of the user is logged out.
//!
//! State [`PasswordChange`]: `username`, `done`, `errors` (by field:
//! `old_password`, `new_password1`, `new_password2`). Events: `load`,
//! `submit`. The page is guarded by `login_required`.

use serde::{Deserialize, Serialize};

use crate::auth::{CurrentUser, password::check_password, set_password};
use crate::ui::components::{Tone, input_field, notice, primary_button};
use crate::ui::forms::FieldErrors;
use crate::ui::node::*;
use crate::ui::{EventContext, EventError, State, View, events};

/// The form's state. Passwords are never kept.
#[derive(Default, Serialize, Deserialize, State)]
pub struct PasswordChange {
    /// Whose password changes.
    pub username: String,
    /// The password was changed.
    pub done: bool,
    /// Messages by field.
    pub errors: FieldErrors,
}

/// What the form submits.
#[derive(Deserialize)]
pub struct NewPassword {
    #[serde(default)]
    old_password: String,
    #[serde(default)]
    new_password1: String,
    #[serde(default)]
    new_password2: String,
}

#[events]
impl PasswordChange {
    /// Reads whose password changes (the page's guard keeps visitors out).
    pub async fn load(&mut self, ctx: &mut EventContext) {
        self.username = ctx.user.username().unwrap_or_default().to_string();
    }

    /// Checks the old password, validates the new one, saves it.
    pub async fn submit(&mut self, ctx: &mut EventContext, form: NewPassword) -> Result<(), EventError> {
        let CurrentUser::User(user) = &ctx.user else {
            return Err(EventError::new("Log in to change your password."));
        };
        let user = user.clone();
        let mut errors = FieldErrors::default();
        let encoded = user.password.clone();
        let old = form.old_password.clone();
        let old_matches = crate::auth::hashing::run(move || check_password(&old, &encoded))
            .await
            .map_err(|error| EventError::new(error.to_string()))?;
        if !old_matches {
            errors.add("old_password", "Your old password was entered incorrectly. Please enter it again.");
        }
        let attributes = super::attributes_of(&user);
        super::check_new_password(&mut errors, "new_password2", &form.new_password1, &form.new_password2, &attributes);
        self.errors = errors;
        if !self.errors.is_empty() {
            return Ok(());
        }
        let updated = set_password(&ctx.db, &user, &form.new_password1).await?;
        // Django's update_session_auth_hash: this session stays logged in.
        ctx.login(&updated);
        self.done = true;
        Ok(())
    }
}

/// The page, in Tandem's look.
pub fn view(s: &View<PasswordChange>) -> Node {
    main().class("t-account").child(
        section().class("t-card").children([
            h1().text("Password change"),
            cond(
                s.done,
                notice(Tone::Success, [text("Your password was changed.")]).id("password-changed"),
                form().id("password-change").class("t-form").on_submit(s.submit()).children([
                    input_field("password", "old_password", "Old password")
                        .required()
                        .errors(s.errors)
                        .control(|input| input.attr("autocomplete", "current-password"))
                        .into(),
                    input_field("password", "new_password1", "New password")
                        .required()
                        .errors(s.errors)
                        .control(|input| input.attr("autocomplete", "new-password"))
                        .into(),
                    input_field("password", "new_password2", "New password confirmation")
                        .required()
                        .errors(s.errors)
                        .control(|input| input.attr("autocomplete", "new-password"))
                        .into(),
                    div().class("t-form-actions").child(primary_button("Change my password").attr("type", "submit")),
                ]),
            ),
        ]),
    )
}
