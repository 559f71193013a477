//! `/accounts/register/` (Django's `UserCreationForm` in a view): a
//! username, an email address and a password typed twice, checked by
//! Django's default password validators; the new user is logged in.
//!
//! State [`AccountRegister`]: `username`, `email`, `errors` (by field:
//! `username`, `email`, `password1`, `password2`). Event: `submit`.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::auth::models::user;
use crate::auth::{NewUser, create_user};
use crate::ui::components::{input_field, primary_button};
use crate::ui::forms::FieldErrors;
use crate::ui::node::*;
use crate::ui::{EventContext, EventError, Level, State, View, events};

/// The registration form's state. Passwords are never kept.
#[derive(Default, Serialize, Deserialize, State)]
pub struct AccountRegister {
    /// The name typed last.
    pub username: String,
    /// The address typed last.
    pub email: String,
    /// Messages by field.
    pub errors: FieldErrors,
}

/// What the form submits.
#[derive(Deserialize)]
pub struct Registration {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password1: String,
    #[serde(default)]
    password2: String,
}

/// Django's `UnicodeUsernameValidator`: letters, digits and `@.+-_`.
fn valid_username(name: &str) -> bool {
    !name.is_empty() && name.chars().count() <= 150 && name.chars().all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
}

/// Enough of an address to send mail to: one `@`, text on both sides, a dot
/// in the domain, no spaces.
pub(super) fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@')
        && email.len() <= 254
}

#[events]
impl AccountRegister {
    /// Validates the form as Django's `UserCreationForm` does, creates the
    /// user and logs them in.
    pub async fn submit(&mut self, ctx: &mut EventContext, form: Registration) -> Result<(), EventError> {
        self.username = form.username.trim().to_string();
        self.email = form.email.trim().to_string();
        let mut errors = FieldErrors::default();
        if self.username.is_empty() {
            errors.add("username", "This field is required.");
        } else if !valid_username(&self.username) {
            errors.add(
                "username",
                "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
            );
        } else if user::Entity::find().filter(user::Column::Username.eq(&self.username)).count(&ctx.db).await? > 0 {
            errors.add("username", "A user with that username already exists.");
        }
        if !self.email.is_empty() && !valid_email(&self.email) {
            errors.add("email", "Enter a valid email address.");
        }
        if form.password1.is_empty() {
            errors.add("password1", "This field is required.");
        }
        if form.password2.is_empty() {
            errors.add("password2", "This field is required.");
        } else {
            let attributes = [self.username.as_str(), "", "", &self.email];
            super::check_new_password(&mut errors, "password2", &form.password1, &form.password2, &attributes);
        }
        self.errors = errors;
        if !self.errors.is_empty() {
            return Ok(());
        }
        let new = NewUser {
            username: &self.username,
            email: &self.email,
            password: Some(&form.password1),
            ..Default::default()
        };
        let created = create_user(&ctx.db, new).await?;
        ctx.login(&created);
        ctx.notify(Level::Success, &format!("Welcome, {}.", created.username));
        ctx.redirect(&super::next_of(ctx));
        Ok(())
    }
}

/// The page, in Tandem's look.
pub fn view(s: &View<AccountRegister>) -> Node {
    main().class("t-account").child(
        section().class("t-card").children([
            h1().text("Create an account"),
            form().id("account-register").class("t-form").on_submit(s.submit()).children([
                input_field("text", "username", "Username")
                    .required()
                    .help("150 characters or fewer. Letters, digits and @/./+/-/_ only.")
                    .errors(s.errors)
                    .control(|input| input.attr("autocomplete", "username").bind_value(s.username))
                    .into(),
                input_field("email", "email", "Email address")
                    .help("For a password reset.")
                    .errors(s.errors)
                    .control(|input| input.attr("autocomplete", "email").bind_value(s.email))
                    .into(),
                input_field("password", "password1", "Password")
                    .required()
                    .errors(s.errors)
                    .control(|input| input.attr("autocomplete", "new-password"))
                    .into(),
                input_field("password", "password2", "Password confirmation")
                    .required()
                    .help("Enter the same password as before, for verification.")
                    .errors(s.errors)
                    .control(|input| input.attr("autocomplete", "new-password"))
                    .into(),
                div().class("t-form-actions").child(primary_button("Create the account").attr("type", "submit")),
            ]),
            p().class("t-account-links").child(a().href("/accounts/login/").text("I have an account")),
        ]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_addresses() {
        assert!(valid_username("ada.lovelace+1@x") && !valid_username("ada lovelace") && !valid_username(""));
        assert!(valid_email("ada@example.com"));
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@@example.com",
            "ada@example.com\r\nBcc: x",
        ] {
            assert!(!valid_email(bad), "{bad:?}");
        }
    }
}
