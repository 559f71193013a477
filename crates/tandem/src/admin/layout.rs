//! What every admin page shares: the header (the site's name, who is
//! logged in, "View site", "Log out"), the breadcrumbs and the page's
//! heading, in Tandem's default look (light and dark), and the state
//! fields they bind to.

use serde::{Deserialize, Serialize};

use super::Site;
use super::model::{AdminModel, capitalize};
use crate::auth::CurrentUser;
use crate::ui::node::*;

/// One link of the breadcrumbs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Crumb {
    /// Where it goes.
    pub href: String,
    /// What it says.
    pub label: String,
}

/// The fields the shared layout binds to, flattened into each page's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Chrome {
    /// The site's name (`Tandem administration`).
    pub site_title: String,
    /// The index's address (`/admin/`).
    pub home: String,
    /// The logout page's address.
    pub logout: String,
    /// The logged-in user's name.
    pub user_name: String,
    /// The page's heading and title.
    pub title: String,
    /// Home › App › Model › Object.
    pub crumbs: Vec<Crumb>,
}

impl Chrome {
    /// The chrome of a page titled `title` for `user`, its breadcrumbs
    /// after Home.
    pub(crate) fn new(site: &Site, user: &CurrentUser, title: &str, crumbs: Vec<Crumb>) -> Self {
        let home = format!("{}/", site.prefix);
        let mut all = vec![Crumb { href: home.clone(), label: "Home".into() }];
        all.extend(crumbs);
        Chrome {
            site_title: site.title.clone(),
            home,
            logout: format!("{}/logout/", site.prefix),
            user_name: user.username().unwrap_or_default().to_string(),
            title: title.to_string(),
            crumbs: all,
        }
    }
}

/// The breadcrumbs of model `m`'s pages: its app, then its change list.
pub(crate) fn model_crumbs(site: &Site, m: &dyn AdminModel) -> Vec<Crumb> {
    vec![
        Crumb { href: format!("{}/#app-{}", site.prefix, m.app()), label: capitalize(m.app()) },
        Crumb { href: site.url(m, ""), label: capitalize(&m.plural()) },
    ]
}

/// A page of the admin: header, breadcrumbs, heading, then `content`.
pub(crate) fn page(content: impl IntoIterator<Item = Node>) -> Node {
    let brand =
        a().class("t-brand").bind_attr("href", "home").child(span().class("t-brand-name").child(bind("site_title")));
    let actions = div().class("t-header-actions admin-user").children([
        cond(
            "user_name",
            span().children([text("Welcome, "), strong().id("admin-user").child(bind("user_name")), text(".")]),
            nothing(),
        ),
        a().href("/").text("View site"),
        cond("user_name", a().id("admin-logout").bind_attr("href", "logout").text("Log out"), nothing()),
    ]);
    let crumbs = nav().class("admin-crumbs").attr("aria-label", "Breadcrumbs").child(ol().child(foreach(
        "crumbs",
        "href",
        li().child(a().bind_attr("href", "item.href").child(bind("item.label"))),
    )));
    let main =
        main().class("t-main admin-main").id("t-main").child(crumbs).child(h1().id("admin-title").child(bind("title")));
    div().class("t-shell admin").children([
        a().class("t-skip-link").href("#t-main").text("Skip to content"),
        header().class("t-header").child(div().class("t-header-inner").children([brand, actions])),
        main.children(content),
    ])
}

/// A callout shown while field `path` holds text (a missing object, a
/// form's error), `role="alert"`, in `tone` (`warning`, `danger`).
pub(crate) fn notice(path: &str, id: &str, tone: &str) -> Node {
    let callout = div().id(id).class("t-callout").attr("data-tone", tone).attr("role", "alert").child(bind(path));
    cond(path, callout, nothing())
}
