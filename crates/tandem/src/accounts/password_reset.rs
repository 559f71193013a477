//! `/accounts/password_reset/` (Django's `PasswordResetView`): an email
//! address; every active user with that address and a usable password is
//! sent a link to `/accounts/reset/<uidb64>/<token>/`
//! ([`super::password_reset_confirm`]). The page answers the same whether
//! or not the address is known, and in the same time: the mail leaves after
//! the answer.
//!
//! State [`PasswordReset`]: `email`, `sent`, `errors` (`email`). Event:
//! `submit` (the form: `email`).

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::auth::models::user;
use crate::auth::tokens::uid_encode;
use crate::mail::EmailMessage;
use crate::ui::components::{Tone, input_field, notice, primary_button};
use crate::ui::forms::FieldErrors;
use crate::ui::node::*;
use crate::ui::{EventContext, EventError, State, View, events};

/// The request form's state.
#[derive(Default, Serialize, Deserialize, State)]
pub struct PasswordReset {
    /// The address typed last.
    pub email: String,
    /// The request was taken (whether or not the address is known).
    pub sent: bool,
    /// Messages by field.
    pub errors: FieldErrors,
}

/// What the form submits.
#[derive(Deserialize)]
pub struct ResetRequest {
    #[serde(default)]
    email: String,
}

#[events]
impl PasswordReset {
    /// Sends the reset mail to the address's users, if any.
    pub async fn submit(&mut self, ctx: &mut EventContext, form: ResetRequest) -> Result<(), EventError> {
        self.email = form.email.trim().to_string();
        self.errors = FieldErrors::default();
        if !super::register::valid_email(&self.email) {
            self.errors.add("email", "Enter a valid email address.");
            return Ok(());
        }
        let tokens = ctx.reset_tokens.clone().ok_or_else(|| EventError::new("password reset is not set up"))?;
        let mailer = ctx.mail()?.clone();
        let origin = ctx.origin.clone().unwrap_or_default();
        let site = origin.split_once("://").map_or(origin.as_str(), |(_, host)| host).to_string();
        // Django's get_users: active, a usable password, the address case-insensitively.
        let users: Vec<user::Model> = user::Entity::find()
            .filter(user::Column::IsActive.eq(true))
            .filter(ExprTrait::eq(Expr::expr(Func::lower(Expr::col(user::Column::Email))), self.email.to_lowercase()))
            .all(&ctx.db)
            .await?
            .into_iter()
            .filter(|user| !user.password.starts_with('!'))
            .collect();
        let messages: Vec<EmailMessage> = users
            .iter()
            .map(|user| {
                let link = format!("{origin}/accounts/reset/{}/{}/", uid_encode(user.id), tokens.make_token(user));
                EmailMessage::new(
                    format!("Password reset on {site}"),
                    reset_body(&site, &link, &user.username),
                    [user.email.clone()],
                )
            })
            .collect();
        // The answer does not wait for the mail: its time says nothing about
        // whether the address is known.
        tokio::spawn(async move {
            for message in messages {
                if let Err(error) = mailer.send(&message).await {
                    tracing::error!(%error, "cannot send a password reset mail");
                }
            }
        });
        self.sent = true;
        Ok(())
    }
}

/// Django's `registration/password_reset_email.html`, as text.
fn reset_body(site: &str, link: &str, username: &str) -> String {
    format!(
        "You're receiving this email because you requested a password reset for your user account at {site}.\n\n\
         Please go to the following page and choose a new password:\n\n{link}\n\n\
         Your username, in case you've forgotten: {username}\n\n\
         Thanks for using our site!\n\nThe {site} team\n"
    )
}

/// The page, in Tandem's look.
pub fn view(s: &View<PasswordReset>) -> Node {
    main().class("t-account").child(section().class("t-card").children([
        h1().text("Password reset"),
        cond(s.sent,
            notice(
                Tone::Success,
                [text(
                    "We’ve emailed you instructions for setting your password, if an account exists with the email \
                     you entered. You should receive them shortly.",
                )],
            )
            .id("reset-sent"),
            form().id("password-reset").class("t-form").on_submit(s.submit()).children([
                p().text("Forgotten your password? Enter your email address below, and we’ll email instructions for setting a new one."),
                input_field("email", "email", "Email address")
                    .required()
                    .errors(s.errors)
                    .control(|input| input.attr("autocomplete", "email").bind_value(s.email))
                    .into(),
                div().class("t-form-actions").child(primary_button("Reset my password").attr("type", "submit")),
            ]),
        ),
    ]))
}
