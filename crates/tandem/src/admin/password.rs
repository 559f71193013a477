//! A user's new password, set through the admin
//! (`/admin/auth/user/<pk>/password/`, Django's `AdminPasswordChangeForm`):
//! typed twice, checked by the password validators, hashed as
//! `changepassword` hashes it; the change is logged in the history.

use serde::{Deserialize, Serialize};

use super::layout::{Chrome, Crumb, model_crumbs, notice, page};
use super::log::{self, Flag};
use super::{require, site};
use crate::auth::models::user;
use crate::ui::components::{input_field, primary_button};
use crate::ui::forms::FieldErrors;
use crate::ui::model_state::Action;
use crate::ui::node::*;
use crate::ui::{EventContext, EventError, Level, State, events};

/// The password page's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, State)]
#[state(name = "admin_password")]
pub struct UserPassword {
    /// Header, breadcrumbs and title.
    #[serde(flatten)]
    pub chrome: Chrome,
    /// The user's name.
    pub username: String,
    /// The fields' messages.
    pub errors: FieldErrors,
    /// Why there is no form.
    pub missing: String,
}

/// What the form submits.
#[derive(Deserialize)]
pub struct NewPassword {
    #[serde(default)]
    password1: String,
    #[serde(default)]
    password2: String,
}

async fn target(ctx: &EventContext) -> Result<Option<user::Model>, EventError> {
    let pk: i64 = match super::form::pk_param(ctx)?.parse() {
        Ok(pk) => pk,
        Err(_) => return Ok(None),
    };
    use sea_orm::EntityTrait;
    Ok(user::Entity::find_by_id(pk).one(&ctx.db).await?)
}

#[events]
impl UserPassword {
    /// Finds the user.
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let site = site()?;
        let m = site.model_of_path(&ctx.router.path)?;
        let pk = super::form::pk_param(ctx)?;
        let mut crumbs = model_crumbs(&site, m);
        *self = UserPassword::default();
        match target(ctx).await? {
            Some(found) => {
                crumbs.push(Crumb { href: site.url(m, &format!("{pk}/change/")), label: found.username.clone() });
                crumbs.push(Crumb { href: site.url(m, &format!("{pk}/password/")), label: "Change password".into() });
                self.chrome = Chrome::new(&site, &ctx.user, &format!("Change password: {}", found.username), crumbs);
                self.username = found.username;
            }
            None => {
                self.chrome = Chrome::new(&site, &ctx.user, "Change password", crumbs);
                self.missing = format!("User with ID “{pk}” doesn’t exist. Perhaps it was deleted?");
            }
        }
        Ok(())
    }

    /// Checks and sets the new password.
    pub async fn submit(&mut self, ctx: &mut EventContext, form: NewPassword) -> Result<(), EventError> {
        let site = site()?;
        let m = site.model_of_path(&ctx.router.path)?;
        require(&ctx.db, &ctx.user, m, Action::Change).await?;
        let Some(admin_id) = ctx.user.user().map(|u| u.id) else { return Err(EventError::new("Log in to do this.")) };
        let Some(found) = target(ctx).await? else { return Err(EventError::new("No such user.")) };
        self.errors.clear();
        if form.password1.is_empty() {
            self.errors.add("password1", "This field is required.");
        }
        if form.password2.is_empty() {
            self.errors.add("password2", "This field is required.");
        }
        if self.errors.is_empty() {
            crate::accounts::check_new_password(
                &mut self.errors,
                "password2",
                &form.password1,
                &form.password2,
                &crate::accounts::attributes_of(&found),
            );
        }
        if !self.errors.is_empty() {
            return Ok(());
        }
        let saved = crate::auth::set_password(&ctx.db, &found, &form.password1).await?;
        let changed = ["Password".to_string()];
        log::record(&ctx.db, admin_id, "auth", "user", &saved.id.to_string(), &saved.username, Flag::Change, &changed)
            .await?;
        ctx.notify(Level::Success, "Password changed successfully.");
        ctx.redirect(&site.url(m, &format!("{}/change/", saved.id)));
        Ok(())
    }
}

/// The password page.
pub fn view() -> Node {
    let form = form().id("admin-password-form").class("t-form t-card").on_submit(event("submit")).children([
        p().children([text("Enter a new password for the user "), strong().child(bind("username")), text(".")]),
        input_field("password", "password1", "Password")
            .id("admin-password1")
            .required()
            .errors("errors")
            .control(|c| c.attr("autocomplete", "new-password"))
            .into(),
        input_field("password", "password2", "Password (again)")
            .id("admin-password2")
            .required()
            .errors("errors")
            .help("Enter the same password as before, for verification.")
            .control(|c| c.attr("autocomplete", "new-password"))
            .into(),
        div()
            .class("t-form-actions")
            .child(primary_button("Change password").id("admin-password-save").attr("type", "submit")),
    ]);
    page([notice("missing", "admin-missing", "warning"), cond("missing", nothing(), form)])
}
