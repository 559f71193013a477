//! Guards: Django's `login_required`, `permission_required`,
//! `staff_member_required` and `user_passes_test`, with one spelling for
//! pages, single events and HTTP views.
//!
//! | Django / reflex-django | Tandem |
//! |---|---|
//! | `@login_required` | [`login_required()`] |
//! | `@permission_required("shop.change_product", raise_exception=True)` | [`permission_required("shop.change_product")`](permission_required) |
//! | `@staff_member_required` | [`staff_required()`] |
//! | `@user_passes_test(lambda u: u.email.endswith("@example.com"))` | [`user_passes_test(\|user\| …)`](user_passes_test) |
//! | (a test that queries the database) | [`user_passes_test_async(\|user, db\| async { … })`](user_passes_test_async) |
//!
//! A guard refuses an anonymous user with [`Refusal::Login`] (a page
//! redirects to the login page, a view answers 401) and a logged-in user
//! who fails it with [`Refusal::Permission`] (a page answers 403, as
//! Django's `raise_exception=True`; a view 403).
//!
//! ```
//! use tandem::auth::{login_required, permission_required, staff_required, user_passes_test};
//! use tandem::ui::{Page, State, events};
//! use tandem::ui::node::*;
//! use tandem::urls::path;
//! use tandem::views::get;
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Default, Serialize, Deserialize, State)]
//! # pub struct Account { pub name: String }
//! # #[events]
//! # impl Account { pub async fn publish(&mut self) {} }
//! # fn view() -> Node { p() }
//! # async fn stock() -> &'static str { "12" }
//!
//! let page = Page::dynamic::<Account>("account", "Account", view)
//!     .guard(login_required())
//!     .guard_event("publish", permission_required("shop.change_product"));
//! let api = path("stock/", get(stock)).guard(staff_required());
//! let picky = user_passes_test(|user| user.email.ends_with("@example.com"));
//! ```

use std::fmt;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use sea_orm::DbErr;

use super::{CurrentUser, User, has_perm};
use crate::db::Db;

type Check = dyn Fn(CurrentUser, Db) -> BoxFuture<'static, Result<bool, DbErr>> + Send + Sync;

/// A condition on the current user (see the [module](self)); cheap to clone.
///
/// ```
/// use tandem::auth::{Guard, login_required};
/// let guard: Guard = login_required();
/// assert_eq!(guard.name(), "login_required");
/// ```
#[derive(Clone)]
pub struct Guard {
    name: &'static str,
    check: Arc<Check>,
    login_url: Option<Arc<str>>,
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard").field("name", &self.name).finish()
    }
}

/// Why a guard refused.
///
/// ```
/// use tandem::auth::Refusal;
/// assert_eq!(Refusal::Login.event_message(), "Log in to do this.");
/// assert_eq!(Refusal::Permission.event_message(), "You do not have permission to do this.");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No one is logged in: log in first.
    Login,
    /// The logged-in user does not pass the guard.
    Permission,
    /// The check could not be made (the database failed); nothing is allowed.
    Failed(String),
}

impl Refusal {
    /// What a refused event's `error` frame says.
    ///
    /// ```
    /// assert_eq!(tandem::auth::Refusal::Login.event_message(), "Log in to do this.");
    /// ```
    pub fn event_message(&self) -> &'static str {
        match self {
            Refusal::Login => "Log in to do this.",
            Refusal::Permission => "You do not have permission to do this.",
            Refusal::Failed(_) => "A server error occurred.",
        }
    }

    /// What a refused page's `error` frame says.
    ///
    /// ```
    /// assert_eq!(tandem::auth::Refusal::Login.page_message(), "Log in to see this page.");
    /// ```
    pub fn page_message(&self) -> &'static str {
        match self {
            Refusal::Login => "Log in to see this page.",
            Refusal::Permission => "You do not have permission to see this page.",
            Refusal::Failed(_) => "A server error occurred.",
        }
    }
}

impl Guard {
    /// A guard named `name` passing when `check` (given the user, known to
    /// be logged in, and the database) says so.
    fn new<F>(name: &'static str, check: F) -> Self
    where
        F: Fn(Arc<User>, Db) -> BoxFuture<'static, Result<bool, DbErr>> + Send + Sync + 'static,
    {
        let check = move |user: CurrentUser, db: Db| -> BoxFuture<'static, Result<bool, DbErr>> {
            match user {
                CurrentUser::User(user) => check(user, db),
                CurrentUser::Anonymous => Box::pin(async { Ok(false) }),
            }
        };
        Guard { name, check: Arc::new(check), login_url: None }
    }

    /// Sends anonymous visitors refused by this guard to `url` instead of
    /// `[auth] login_url` (the admin's own login page, as Django's admin
    /// has).
    ///
    /// ```
    /// use tandem::auth::{Guard, staff_required};
    /// let guards = [staff_required().with_login_url("/admin/login/")];
    /// assert_eq!(Guard::login_url_of(&guards, "/login"), "/admin/login/");
    /// assert_eq!(Guard::login_url_of(&[staff_required()], "/login"), "/login");
    /// ```
    pub fn with_login_url(mut self, url: &str) -> Self {
        self.login_url = Some(url.into());
        self
    }

    /// Where an anonymous visitor refused by `guards` logs in: the first
    /// guard's own login page ([`Guard::with_login_url`]), else `default`.
    pub fn login_url_of<'a>(guards: &'a [Guard], default: &'a str) -> &'a str {
        guards.iter().find_map(|guard| guard.login_url.as_deref()).unwrap_or(default)
    }

    /// The guard's name (`login_required`, `permission_required`, …), for logs.
    ///
    /// ```
    /// assert_eq!(tandem::auth::staff_required().name(), "staff_required");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether `user` passes: `Ok(())`, or why not. An anonymous user is
    /// always refused with [`Refusal::Login`], a logged-in one who fails
    /// with [`Refusal::Permission`].
    ///
    /// ```ignore
    /// if let Err(refusal) = login_required().check(&ctx.user, &ctx.db).await { … }
    /// ```
    pub async fn check(&self, user: &CurrentUser, db: &Db) -> Result<(), Refusal> {
        match (self.check)(user.clone(), db.clone()).await {
            Ok(true) => Ok(()),
            Ok(false) if user.is_authenticated() => Err(Refusal::Permission),
            Ok(false) => Err(Refusal::Login),
            Err(error) => {
                tracing::error!(guard = self.name, %error, "a guard could not be checked");
                Err(Refusal::Failed(error.to_string()))
            }
        }
    }

    /// Checks every guard of `guards` in order; the first refusal wins.
    ///
    /// ```ignore
    /// Guard::check_all(&page.guards, &ctx.user, &ctx.db).await?;
    /// ```
    pub async fn check_all(guards: &[Guard], user: &CurrentUser, db: &Db) -> Result<(), Refusal> {
        for guard in guards {
            guard.check(user, db).await?;
        }
        Ok(())
    }
}

/// Django's `login_required`: passes any logged-in (active) user.
///
/// ```
/// let guard = tandem::auth::login_required();
/// assert_eq!(guard.name(), "login_required");
/// ```
pub fn login_required() -> Guard {
    Guard::new("login_required", |_, _| Box::pin(async { Ok(true) }))
}

/// Django's `permission_required(perm, raise_exception=True)`: passes a user
/// holding `perm` (`app_label.codename`, see [`has_perm`]): directly,
/// through a group, or as a superuser.
///
/// ```
/// let guard = tandem::auth::permission_required("shop.change_product");
/// assert_eq!(guard.name(), "permission_required");
/// ```
pub fn permission_required(perm: &str) -> Guard {
    let perm: Arc<str> = perm.into();
    Guard::new("permission_required", move |user, db| {
        let perm = perm.clone();
        Box::pin(async move { has_perm(&db, &user, &perm).await })
    })
}

/// Django's `staff_member_required`: passes an active staff user. A
/// logged-in user who is not staff gets 403 (Django sends them to the
/// admin's login page instead).
///
/// ```
/// assert_eq!(tandem::auth::staff_required().name(), "staff_required");
/// ```
pub fn staff_required() -> Guard {
    Guard::new("staff_required", |user, _| {
        let staff = user.is_active && user.is_staff;
        Box::pin(async move { Ok(staff) })
    })
}

/// Django's `user_passes_test`: passes a logged-in user for whom `test` is
/// true (anonymous users are sent to log in).
///
/// ```
/// let guard = tandem::auth::user_passes_test(|user| user.email.ends_with("@example.com"));
/// assert_eq!(guard.name(), "user_passes_test");
/// ```
pub fn user_passes_test<F>(test: F) -> Guard
where
    F: Fn(&User) -> bool + Send + Sync + 'static,
{
    Guard::new("user_passes_test", move |user, _| {
        let passed = test(&user);
        Box::pin(async move { Ok(passed) })
    })
}

/// [`user_passes_test`] for a test that needs the database: `test` gets
/// the user and the pool and answers asynchronously (an error refuses).
///
/// ```
/// use tandem::auth::{has_perm, user_passes_test_async};
/// let editor = user_passes_test_async(|user, db| async move {
///     Ok(has_perm(&db, &user, "shop.add_product").await? || has_perm(&db, &user, "shop.change_product").await?)
/// });
/// assert_eq!(editor.name(), "user_passes_test");
/// ```
pub fn user_passes_test_async<F, Fut>(test: F) -> Guard
where
    F: Fn(Arc<User>, Db) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<bool, DbErr>> + Send + 'static,
{
    Guard::new("user_passes_test", move |user, db| Box::pin(test(user, db)))
}

/// Django's `url_has_allowed_host_and_scheme` for a `next` parameter: `next`
/// itself when it is a same-origin path (starting with one `/`, no scheme,
/// no host, no backslash tricks, no control characters), else `/`.
///
/// ```
/// use tandem::auth::safe_next;
/// assert_eq!(safe_next("/account?tab=orders"), "/account?tab=orders");
/// assert_eq!(safe_next("//evil.example"), "/");
/// assert_eq!(safe_next("https://evil.example/"), "/");
/// assert_eq!(safe_next("javascript:alert(1)"), "/");
/// ```
pub fn safe_next(next: &str) -> &str {
    let safe = next.starts_with('/')
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && !next.starts_with("//")
        && next.len() <= 2048;
    if safe { next } else { "/" }
}

/// Characters of a `next` value kept as they are in the login URL (Django
/// keeps `/`).
const NEXT_KEEPS: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'/').remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Django's `redirect_to_login`: the address of `login_url` with `next` (a
/// path and query, made safe with [`safe_next`]) as its `next` parameter.
///
/// ```
/// use tandem::auth::login_url_with_next;
/// assert_eq!(login_url_with_next("/login", "/the/path?q=1"), "/login?next=/the/path%3Fq%3D1");
/// assert_eq!(login_url_with_next("/login?lang=fr", "/x"), "/login?lang=fr&next=/x");
/// assert_eq!(login_url_with_next("/login", "//evil.example"), "/login?next=/");
/// ```
pub fn login_url_with_next(login_url: &str, next: &str) -> String {
    let encoded = percent_encoding::utf8_percent_encode(safe_next(next), NEXT_KEEPS);
    let joiner = if login_url.contains('?') { '&' } else { '?' };
    format!("{login_url}{joiner}next={encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_accepts_same_origin_paths_only() {
        for good in ["/", "/account", "/products/3?tab=reviews&x=%2F%2F", "/a//b", "/caf\u{e9}"] {
            assert_eq!(safe_next(good), good, "{good:?}");
        }
        for hostile in [
            "",
            "//evil.example",
            "///evil.example",
            "https:evil",
            "https://evil.example",
            "http://evil.example",
            "/\\evil",
            "\\\\evil",
            "\\/evil",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "/\tevil",
            "/\nevil",
            "\t//evil.example",
            " //evil.example",
            "/a\u{0}b",
            "/a\u{7f}",
            "account",
            "data:text/html,x",
            "mailto:x@evil.example",
        ] {
            assert_eq!(safe_next(hostile), "/", "{hostile:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(3000))), "/", "too long");
    }

    #[test]
    fn login_redirects_carry_a_safe_encoded_next() {
        assert_eq!(login_url_with_next("/login", "/account"), "/login?next=/account");
        assert_eq!(
            login_url_with_next("/accounts/login/", "/a b?q=é&r=1"),
            "/accounts/login/?next=/a%20b%3Fq%3D%C3%A9%26r%3D1"
        );
        assert_eq!(login_url_with_next("/login", "http://evil.example"), "/login?next=/");
    }

    #[test]
    fn refusals_have_messages() {
        assert_eq!(Refusal::Permission.page_message(), "You do not have permission to see this page.");
        assert_eq!(Refusal::Failed("x".into()).event_message(), "A server error occurred.");
    }
}
