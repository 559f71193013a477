//! The index (`/admin/`): the registered models grouped by app, each with
//! only the actions the user may take (Add, Change or View), and the
//! user's recent actions.

use serde::{Deserialize, Serialize};

use super::layout::{Chrome, page};
use super::log;
use super::model::capitalize;
use super::{can, site};
use crate::ui::model_state::Action;
use crate::ui::node::*;
use crate::ui::{EventContext, EventError, State, events};

/// A model of the index.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelLink {
    /// `shop.product`.
    pub key: String,
    /// `Products`.
    pub name: String,
    /// The change list's address.
    pub url: String,
    /// The add page's address, when the user may add.
    pub add_url: String,
    /// `Change` or `View`.
    pub verb: String,
}

/// An app of the index.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AppView {
    /// `shop`.
    pub name: String,
    /// `Shop`.
    pub label: String,
    /// The anchor (`app-shop`).
    pub anchor: String,
    /// Its models the user may see.
    pub models: Vec<ModelLink>,
}

/// One of the user's recent actions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Recent {
    /// The log entry's id.
    pub key: i64,
    /// `Added: Mug (Product)`.
    pub text: String,
}

/// The index's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, State)]
#[state(name = "admin_index")]
pub struct AdminIndex {
    /// Header, breadcrumbs and title.
    #[serde(flatten)]
    pub chrome: Chrome,
    /// The apps with models the user may see.
    pub apps: Vec<AppView>,
    /// Why there is nothing to show.
    pub empty: String,
    /// The user's ten newest actions.
    pub recent: Vec<Recent>,
}

#[events]
impl AdminIndex {
    /// Lists what the user may see and do.
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let site = site()?;
        let mut apps: Vec<AppView> = Vec::new();
        for m in &site.models {
            let m = m.as_ref();
            let change = can(&ctx.db, &ctx.user, m, Action::Change).await?;
            let view = change || can(&ctx.db, &ctx.user, m, Action::View).await?;
            let add = can(&ctx.db, &ctx.user, m, Action::Add).await?;
            if !(view || add) {
                continue;
            }
            let link = ModelLink {
                key: format!("{}.{}", m.app(), m.model()),
                name: capitalize(&m.plural()),
                url: if view { site.url(m, "") } else { String::new() },
                add_url: if add { site.url(m, "add/") } else { String::new() },
                verb: if change {
                    "Change".into()
                } else if view {
                    "View".into()
                } else {
                    String::new()
                },
            };
            match apps.iter_mut().find(|a| a.name == m.app()) {
                Some(app) => app.models.push(link),
                None => apps.push(AppView {
                    name: m.app().to_string(),
                    label: capitalize(m.app()),
                    anchor: format!("app-{}", m.app()),
                    models: vec![link],
                }),
            }
        }
        let recent = match ctx.user.user() {
            Some(user) => log::recent(&ctx.db, user.id, 10).await?,
            None => Vec::new(),
        };
        *self = AdminIndex {
            chrome: Chrome::new(&site, &ctx.user, "Site administration", Vec::new()),
            empty: if apps.is_empty() {
                "You don’t have permission to view or edit anything.".into()
            } else {
                String::new()
            },
            apps,
            recent: recent
                .into_iter()
                .map(|e| Recent {
                    key: e.id,
                    text: format!("{}: {} ({})", log::Flag::word(e.action_flag), e.object_repr, capitalize(&e.model)),
                })
                .collect(),
        };
        Ok(())
    }
}

/// The index page.
pub fn view() -> Node {
    let model = tr().bind_attr("data-model", "item.key").children([
        th().attr("scope", "row").child(cond(
            "item.url",
            a().bind_attr("href", "item.url").child(bind("item.name")),
            bind("item.name"),
        )),
        td().child(cond(
            "item.add_url",
            a().class("admin-addlink").bind_attr("href", "item.add_url").text("Add"),
            nothing(),
        )),
        td().child(cond(
            "item.url",
            a().class("admin-changelink").bind_attr("href", "item.url").child(bind("item.verb")),
            nothing(),
        )),
    ]);
    let app = Node::Each {
        path: "apps".into(),
        key: "name".into(),
        name: "app".into(),
        template: Box::new(section().class("t-card admin-app").bind_attr("id", "app.anchor").children([
            h2().child(bind("app.label")),
            table().class("t-table").child(tbody().child(foreach("app.models", "key", model))),
        ])),
    };
    let recent = section().class("t-card admin-recent").children([
        h2().text("Recent actions"),
        cond(
            "recent",
            ul().id("admin-recent").child(foreach("recent", "key", li().child(bind("item.text")))),
            p().text("None available"),
        ),
    ]);
    page([
        super::layout::notice("empty", "admin-empty", "warning"),
        div().class("admin-index").children([div().id("admin-apps").class("t-vstack").child(app), recent]),
    ])
}
