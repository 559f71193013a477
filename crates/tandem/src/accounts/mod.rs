//! Account pages, ready-made (reflex-django's and `django.contrib.auth.urls`'s):
//! log in, log out, register, change the password, reset a forgotten one by
//! mail ([`crate::mail`], Django-compatible tokens), at Django's paths under
//! `/accounts/`. An application mounts them with one line, and restyles or
//! replaces them one at a time.
//!
//! ```
//! use tandem::accounts::login::AccountLogin;
//! use tandem::accounts::{AccountPage, Accounts};
//! use tandem::ui::View;
//! use tandem::ui::node::*;
//!
//! fn my_login(s: &View<AccountLogin>) -> Node {
//!     // the app's own look, bound to the same state and events
//!     form().on_submit(s.submit()).children([p().child(s.error), input().attr("name", "username")])
//! }
//!
//! let pages = Accounts::new()
//!     .with_registration()                     // off by default, as in Django
//!     .view(my_login)                          // restyle one page (its view says which)
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
use crate::ui::view::StateView;

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

    /// The page shown by `view`: its route and title, and the page's own
    /// `on_load` and guard.
    fn page<V: StateView>(self, view: fn(&V) -> Node) -> Page
    where
        V::State: crate::ui::Events,
    {
        let route = self.path().trim_start_matches('/');
        let page = Page::new(route, self.title(), view);
        match self {
            AccountPage::Logout => page.on_load(logout::AccountLogoutView::load),
            AccountPage::PasswordChange => {
                page.on_load(password_change::PasswordChangeView::load).guard(crate::auth::login_required())
            }
            AccountPage::PasswordResetConfirm => page.on_load(password_reset_confirm::PasswordResetConfirmView::load),
            AccountPage::Login | AccountPage::Register | AccountPage::PasswordReset => page,
        }
    }

    fn title(self) -> &'static str {
        match self {
            AccountPage::Login => "Log in",
            AccountPage::Logout => "Log out",
            AccountPage::Register => "Register",
            AccountPage::PasswordChange => "Password change",
            AccountPage::PasswordReset => "Password reset",
            AccountPage::PasswordResetConfirm => "Enter new password",
        }
    }

    /// The page in Tandem's look.
    fn default_page(self) -> Page {
        match self {
            AccountPage::Login => self.page(login::view),
            AccountPage::Logout => self.page(logout::view),
            AccountPage::Register => self.page(register::view),
            AccountPage::PasswordChange => self.page(password_change::view),
            AccountPage::PasswordReset => self.page(password_reset::view),
            AccountPage::PasswordResetConfirm => self.page(password_reset_confirm::view),
        }
    }
}

/// The view of an account page's state: which page a replacement view
/// (`fn(&View<AccountLogin>) -> Node`) is for.
pub trait AccountView: StateView {
    /// The page.
    const PAGE: AccountPage;
}

macro_rules! account_views {
    ($($view:ty => $page:ident),* $(,)?) => {
        $(impl AccountView for $view { const PAGE: AccountPage = AccountPage::$page; })*
    };
}

account_views!(
    login::AccountLoginView => Login,
    logout::AccountLogoutView => Logout,
    register::AccountRegisterView => Register,
    password_change::PasswordChangeView => PasswordChange,
    password_reset::PasswordResetView => PasswordReset,
    password_reset_confirm::PasswordResetConfirmView => PasswordResetConfirm,
);

/// Which account pages an application mounts, and their views.
#[derive(Clone)]
pub struct Accounts {
    pages: Vec<(AccountPage, Page)>,
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
        let pages = AccountPage::ALL
            .into_iter()
            .filter(|page| *page != AccountPage::Register)
            .map(|page| (page, page.default_page()))
            .collect();
        Accounts { pages }
    }

    /// Adds the registration page.
    ///
    /// ```
    /// assert_eq!(tandem::accounts::Accounts::new().with_registration().pages().len(), 6);
    /// ```
    pub fn with_registration(mut self) -> Self {
        if !self.pages.iter().any(|(page, _)| *page == AccountPage::Register) {
            self.pages.push((AccountPage::Register, AccountPage::Register.default_page()));
        }
        self
    }

    /// Shows a page with the app's own `view`, bound to the page's state
    /// and events (see each page's module); the state `view` takes says
    /// which page it is.
    pub fn view<V: AccountView>(mut self, view: fn(&V) -> Node) -> Self
    where
        V::State: crate::ui::Events,
    {
        let page = V::PAGE.page(view);
        match self.pages.iter_mut().find(|(mounted, _)| *mounted == V::PAGE) {
            Some(entry) => entry.1 = page,
            None => self.pages.push((V::PAGE, page)),
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
        self.pages.retain(|(mounted, _)| *mounted != page);
        self
    }

    /// The pages, for `App::pages`.
    pub fn pages(&self) -> Vec<Page> {
        self.pages.iter().map(|(_, page)| page.clone()).collect()
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
