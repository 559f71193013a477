//! Account pages, ready-made (reflex-django's and `django.contrib.auth.urls`'s):
//! log in, log out, register, change the password, reset a forgotten one by
//! mail ([`crate::mail`], Django-compatible tokens), at Django's paths under
//! `/accounts/`. An application mounts them with one line, and restyles or
//! replaces them one at a time.
//!
//! ```
//! use tandem::accounts::{AccountPage, Accounts};
//! use tandem::ui::node::*;
//!
//! fn my_login() -> Node {
//!     // the app's own look, bound to the same state and events
//!     # tandem::accounts::login::view()
//! }
//!
//! let pages = Accounts::new()
//!     .with_registration()                     // off by default, as in Django
//!     .view(AccountPage::Login, my_login)      // restyle one page
//!     .without(AccountPage::PasswordChange)    // the app serves its own
//!     .pages();
//! assert_eq!(pages.len(), 5);
//! // tandem::App::new(…).pages(pages)
//! ```
//!
//! | Django (`django.contrib.auth.urls`) | Tandem | state | events |
//! |---|---|---|---|
//! | `login/` (`LoginView`) | `/accounts/login/` | [`login::AccountLogin`] | `submit` |
//! | `logout/` (`LogoutView`, POST) | `/accounts/logout/` | [`logout::AccountLogout`] | `load`, `logout` |
//! | (django-registration's `register/`) | `/accounts/register/` | [`register::AccountRegister`] | `submit` |
//! | `password_change/` (login required) | `/accounts/password_change/` | [`password_change::PasswordChange`] | `load`, `submit` |
//! | `password_reset/` (sends the mail) | `/accounts/password_reset/` | [`password_reset::PasswordReset`] | `submit` |
//! | `reset/<uidb64>/<token>/` | `/accounts/reset/<uidb64>/<token>/` | [`password_reset_confirm::PasswordResetConfirm`] | `load`, `submit` |
//!
//! After a login or a registration the browser goes to the page's `?next=`
//! when it is a path of this site ([`safe_next`](crate::auth::safe_next)),
//! else to `/`. The password change page is guarded by
//! [`login_required`](crate::auth::login_required): a visitor is sent to
//! `[auth] login_url` (set it to `/accounts/login/` to use these pages, as
//! Django's default `LOGIN_URL` does) and comes back after logging in.

pub mod login;
pub mod logout;
pub mod password_change;
pub mod password_reset;
pub mod password_reset_confirm;
pub mod register;

use crate::ui::Page;
use crate::ui::forms::FieldErrors;
use crate::ui::node::Node;

/// One of the account pages, to restyle or leave out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountPage {
    /// `/accounts/login/`.
    Login,
    /// `/accounts/logout/`.
    Logout,
    /// `/accounts/register/` (only with [`Accounts::with_registration`]).
    Register,
    /// `/accounts/password_change/`.
    PasswordChange,
    /// `/accounts/password_reset/`: asks for the mail with a link.
    PasswordReset,
    /// `/accounts/reset/<uidb64>/<token>/`: the link, which sets a new password.
    PasswordResetConfirm,
}

impl AccountPage {
    /// Every page, in the order they are mounted.
    pub const ALL: [AccountPage; 6] = [
        AccountPage::Login,
        AccountPage::Logout,
        AccountPage::Register,
        AccountPage::PasswordChange,
        AccountPage::PasswordReset,
        AccountPage::PasswordResetConfirm,
    ];

    /// The page's path (a route pattern for the reset link's page).
    ///
    /// ```
    /// assert_eq!(tandem::accounts::AccountPage::Login.path(), "/accounts/login/");
    /// ```
    pub fn path(self) -> &'static str {
        match self {
            AccountPage::Login => "/accounts/login/",
            AccountPage::Logout => "/accounts/logout/",
            AccountPage::Register => "/accounts/register/",
            AccountPage::PasswordChange => "/accounts/password_change/",
            AccountPage::PasswordReset => "/accounts/password_reset/",
            AccountPage::PasswordResetConfirm => "/accounts/reset/<str:uidb64>/<str:token>/",
        }
    }

    fn page(self, view: fn() -> Node) -> Page {
        let route = self.path().trim_start_matches('/');
        match self {
            AccountPage::Login => Page::new::<login::AccountLogin>(route, "Log in", view),
            AccountPage::Logout => Page::new::<logout::AccountLogout>(route, "Log out", view).on_load("load"),
            AccountPage::Register => Page::new::<register::AccountRegister>(route, "Register", view),
            AccountPage::PasswordChange => Page::new::<password_change::PasswordChange>(route, "Password change", view)
                .on_load("load")
                .guard(crate::auth::login_required()),
            AccountPage::PasswordReset => Page::new::<password_reset::PasswordReset>(route, "Password reset", view),
            AccountPage::PasswordResetConfirm => {
                Page::new::<password_reset_confirm::PasswordResetConfirm>(route, "Enter new password", view)
                    .on_load("load")
            }
        }
    }

    fn default_view(self) -> fn() -> Node {
        match self {
            AccountPage::Login => login::view,
            AccountPage::Logout => logout::view,
            AccountPage::Register => register::view,
            AccountPage::PasswordChange => password_change::view,
            AccountPage::PasswordReset => password_reset::view,
            AccountPage::PasswordResetConfirm => password_reset_confirm::view,
        }
    }
}

/// Which account pages an application mounts, and their views.
#[derive(Debug, Clone)]
pub struct Accounts {
    views: Vec<(AccountPage, fn() -> Node)>,
}

impl Default for Accounts {
    fn default() -> Self {
        Self::new()
    }
}

impl Accounts {
    /// Log in, log out, password change and password reset, in Tandem's look.
    ///
    /// ```
    /// assert_eq!(tandem::accounts::Accounts::new().pages().len(), 5);
    /// ```
    pub fn new() -> Self {
        let views = AccountPage::ALL
            .into_iter()
            .filter(|page| *page != AccountPage::Register)
            .map(|page| (page, page.default_view()))
            .collect();
        Accounts { views }
    }

    /// Adds the registration page.
    ///
    /// ```
    /// assert_eq!(tandem::accounts::Accounts::new().with_registration().pages().len(), 6);
    /// ```
    pub fn with_registration(mut self) -> Self {
        if !self.views.iter().any(|(page, _)| *page == AccountPage::Register) {
            self.views.push((AccountPage::Register, register::view));
        }
        self
    }

    /// Shows `page` with the app's own `view`, bound to the page's state and
    /// events (see each page's module).
    pub fn view(mut self, page: AccountPage, view: fn() -> Node) -> Self {
        match self.views.iter_mut().find(|(mounted, _)| *mounted == page) {
            Some(entry) => entry.1 = view,
            None => self.views.push((page, view)),
        }
        self
    }

    /// Leaves `page` out, for an app that serves its own at that path.
    ///
    /// ```
    /// use tandem::accounts::{AccountPage, Accounts};
    /// assert_eq!(Accounts::new().without(AccountPage::Logout).pages().len(), 4);
    /// ```
    pub fn without(mut self, page: AccountPage) -> Self {
        self.views.retain(|(mounted, _)| *mounted != page);
        self
    }

    /// The pages, for `App::pages`.
    pub fn pages(&self) -> Vec<Page> {
        self.views.iter().map(|(page, view)| page.page(*view)).collect()
    }
}

/// Django's `SetPasswordForm` checks of a new password typed twice: the
/// second field (`second_field`) gets the mismatch or the validators'
/// messages, judged against the user's `attributes` (username, first name,
/// last name, email).
pub(crate) fn check_new_password(
    errors: &mut FieldErrors,
    second_field: &str,
    first: &str,
    second: &str,
    attributes: &[&str],
) {
    if first != second {
        errors.add(second_field, "The two password fields didn’t match.");
        return;
    }
    for message in crate::auth::validation::validate_password(second, attributes) {
        errors.add(second_field, &message);
    }
}

/// The validators' attributes of `user`.
pub(crate) fn attributes_of(user: &crate::auth::User) -> [&str; 4] {
    [&user.username, &user.first_name, &user.last_name, &user.email]
}

/// What the account pages read from their URL's query.
#[derive(Debug, Default, serde::Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

/// The page's `?next=`, when safe.
fn next_of(ctx: &crate::ui::EventContext) -> String {
    let query: NextQuery = ctx.router.query_as().unwrap_or_default();
    crate::auth::safe_next(&query.next).to_string()
}
