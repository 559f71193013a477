//! The history page (`<pk>/history/`): every logged addition, change and
//! deletion of one object, oldest first, with who and when.

use serde::{Deserialize, Serialize};

use super::layout::{Chrome, Crumb, model_crumbs, page};
use super::log;
use super::site;
use crate::ui::node::*;
use crate::ui::{EventContext, EventError, State, events};

/// The most entries shown.
const MAX_ENTRIES: u64 = 500;

/// One entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The entry's id.
    pub key: i64,
    /// `2026-12-07 15:30:12 UTC`.
    pub when: String,
    /// The user's name.
    pub user: String,
    /// `Changed Price.`
    pub action: String,
}

/// The history page's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, State)]
#[state(name = "admin_history")]
pub struct History {
    /// Header, breadcrumbs and title.
    #[serde(flatten)]
    pub chrome: Chrome,
    /// The entries, oldest first.
    pub entries: Vec<Entry>,
}

#[events]
impl History {
    /// Reads the object's entries.
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let site = site()?;
        let m = site.model_of_path(&ctx.router.path)?;
        let pk = super::form::pk_param(ctx)?;
        let found = log::of_object(&ctx.db, m.app(), m.model(), &pk, MAX_ENTRIES).await?;
        let live = m.reprs(&ctx.db, std::slice::from_ref(&pk)).await?;
        let repr = live
            .first()
            .map(|(_, r)| r.clone())
            .or_else(|| found.last().map(|e| e.object_repr.clone()))
            .unwrap_or_else(|| pk.clone());
        let mut crumbs = model_crumbs(&site, m);
        crumbs.push(Crumb { href: site.url(m, &format!("{pk}/change/")), label: repr.clone() });
        crumbs.push(Crumb { href: site.url(m, &format!("{pk}/history/")), label: "History".into() });
        let ids: Vec<i64> = found.iter().map(|e| e.user_id).collect();
        let users = crate::auth::models::user::Entity::find()
            .filter(crate::auth::models::user::Column::Id.is_in(ids))
            .all(&ctx.db)
            .await?;
        let name_of = |id: i64| users.iter().find(|u| u.id == id).map(|u| u.username.clone()).unwrap_or_default();
        *self = History {
            chrome: Chrome::new(&site, &ctx.user, &format!("Change history: {repr}"), crumbs),
            entries: found
                .iter()
                .map(|e| Entry {
                    key: e.id,
                    when: e.action_time.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                    user: name_of(e.user_id),
                    action: log::describe(e.action_flag, &e.change_message),
                })
                .collect(),
        };
        Ok(())
    }
}

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// The history page.
pub fn view() -> Node {
    let row = tr().children([
        th().attr("scope", "row").child(bind("item.when")),
        td().child(bind("item.user")),
        td().child(bind("item.action")),
    ]);
    page([cond(
        "entries",
        table().id("admin-history-table").class("t-table").children([
            thead().child(tr().children([
                th().attr("scope", "col").text("Date/time"),
                th().attr("scope", "col").text("User"),
                th().attr("scope", "col").text("Action"),
            ])),
            tbody().child(foreach("entries", "key", row)),
        ]),
        p().id("admin-no-history")
            .text("This object doesn’t have a change history. It probably wasn’t added via this admin site."),
    )])
}
