//! `/accounts/reset/<uidb64>/<token>/` (Django's
//! `PasswordResetConfirmView`): the link a reset mail carries. A valid link
//! shows a form for the new password; a used, outdated, tampered or other
//! user's link says it is invalid. Setting the password makes the link
//! invalid (the token is bound to the password hash) and logs out the
//! user's sessions; the user then logs in.
//!
//! State [`PasswordResetConfirm`]: `valid`, `done`, `errors`
//! (`new_password1`, `new_password2`). Events: `load`, `submit`.

use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};

use crate::auth::models::user;
use crate::auth::set_password;
use crate::auth::tokens::uid_decode;
use crate::ui::components::{Tone, input_field, notice, primary_button};
use crate::ui::forms::FieldErrors;
use crate::ui::node::*;
use crate::ui::{EventContext, EventError, State, View, events};

/// The confirmation page's state. Neither the token nor passwords are kept.
#[derive(Default, Serialize, Deserialize, State)]
pub struct PasswordResetConfirm {
    /// The link is good: the form shows.
    pub valid: bool,
    /// The password was set.
    pub done: bool,
    /// Messages by field.
    pub errors: FieldErrors,
}

/// The link's parts, from the route.
#[derive(Deserialize)]
struct Link {
    uidb64: String,
    token: String,
}

/// What the form submits.
#[derive(Deserialize)]
pub struct NewPassword {
    #[serde(default)]
    new_password1: String,
    #[serde(default)]
    new_password2: String,
}

/// The user the link is for, when the link is good now.
async fn user_of_link(ctx: &EventContext) -> Result<Option<user::Model>, EventError> {
    let Ok(link) = ctx.router.params::<Link>() else { return Ok(None) };
    let Some(tokens) = ctx.reset_tokens.clone() else { return Ok(None) };
    let Some(id) = uid_decode(&link.uidb64) else { return Ok(None) };
    let Some(user) = user::Entity::find_by_id(id).one(&ctx.db).await? else { return Ok(None) };
    Ok((user.is_active && tokens.check_token(&user, &link.token)).then_some(user))
}

#[events]
impl PasswordResetConfirm {
    /// Checks the link.
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        self.valid = user_of_link(ctx).await?.is_some();
        Ok(())
    }

    /// Sets the new password, if the link is still good.
    pub async fn submit(&mut self, ctx: &mut EventContext, form: NewPassword) -> Result<(), EventError> {
        let Some(user) = user_of_link(ctx).await? else {
            self.valid = false;
            return Ok(());
        };
        let mut errors = FieldErrors::default();
        let attributes = super::attributes_of(&user);
        super::check_new_password(&mut errors, "new_password2", &form.new_password1, &form.new_password2, &attributes);
        self.errors = errors;
        if self.errors.is_empty() {
            set_password(&ctx.db, &user, &form.new_password1).await?;
            (self.done, self.valid) = (true, false);
        }
        Ok(())
    }
}

/// The page, in Tandem's look.
pub fn view(s: &View<PasswordResetConfirm>) -> Node {
    main().class("t-account").child(
        section().class("t-card").children([
            h1().text("Enter new password"),
            cond(
                s.done,
                div().id("reset-done").children([
                    notice(Tone::Success, [text("Your password has been set. You may go ahead and log in now.")]),
                    p().child(a().href("/accounts/login/").text("Log in")),
                ]),
                cond(
                    s.valid,
                    form().id("password-reset-confirm").class("t-form").on_submit(s.submit()).children([
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
                        div()
                            .class("t-form-actions")
                            .child(primary_button("Change my password").attr("type", "submit")),
                    ]),
                    div().id("reset-invalid").children([
                        notice(
                            Tone::Danger,
                            [text(
                                "The password reset link was invalid, possibly because it has already been used. \
                             Please request a new password reset.",
                            )],
                        ),
                        p().child(a().href("/accounts/password_reset/").text("Request a new link")),
                    ]),
                ),
            ),
        ]),
    )
}
