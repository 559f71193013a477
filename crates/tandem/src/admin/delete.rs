//! The delete page (`<pk>/delete/`) and what it shares with the change
//! list's "Delete selected": the confirmation lists the objects, the rows
//! of other registered models the deletion takes along (`ON DELETE
//! CASCADE`) and those that block it (any other foreign key action), as
//! Django's `get_deleted_objects` does; confirmed, each deleted object is
//! logged in the history.

use serde::{Deserialize, Serialize};

use super::layout::{Chrome, Crumb, model_crumbs, notice, page};
use super::log::{self, Flag};
use super::model::{AdminModel, MAX_CHOICES, capitalize};
use super::{Site, require, site};
use crate::db::Db;
use crate::ui::model_state::Action;
use crate::ui::node::*;
use crate::ui::{EventContext, EventError, Level, State, events};

/// One line of the confirmation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// A unique key in its list.
    pub key: String,
    /// `Product: Mug`.
    pub text: String,
}

/// What deleting some objects means.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    /// The objects themselves (those that exist).
    pub objects: Vec<Item>,
    /// Rows deleted with them.
    pub related: Vec<Item>,
    /// Rows that forbid the deletion.
    pub blocked: Vec<Item>,
}

/// The confirmation of deleting `pks` of model `m`.
pub(crate) async fn preview(site: &Site, m: &dyn AdminModel, db: &Db, pks: &[String]) -> Result<Preview, EventError> {
    let verbose = capitalize(&m.verbose());
    let objects = m
        .reprs(db, pks)
        .await?
        .into_iter()
        .map(|(pk, repr)| Item { key: pk, text: format!("{verbose}: {repr}") })
        .collect();
    let mut out = Preview { objects, ..Preview::default() };
    let table = m.table();
    for other in &site.models {
        for fk in other.foreign_keys().iter().filter(|fk| fk.table == table) {
            let (count, rows) = other.referencing(db, &fk.column, pks).await?;
            if count == 0 {
                continue;
            }
            let name = capitalize(&other.verbose());
            let mut items: Vec<Item> = rows
                .into_iter()
                .map(|(pk, repr)| Item {
                    key: format!("{}.{}:{pk}", other.app(), other.model()),
                    text: format!("{name}: {repr}"),
                })
                .collect();
            if count > MAX_CHOICES {
                let key = format!("{}.{}:more", other.app(), other.model());
                items.push(Item { key, text: format!("… and {} more {}", count - MAX_CHOICES, other.plural()) });
            }
            match fk.on_delete {
                Some(sea_orm::sea_query::ForeignKeyAction::Cascade) => out.related.extend(items),
                Some(
                    sea_orm::sea_query::ForeignKeyAction::SetNull | sea_orm::sea_query::ForeignKeyAction::SetDefault,
                ) => {}
                _ => out.blocked.extend(items),
            }
        }
    }
    Ok(out)
}

/// Deletes `pks` of model `m` after checking nothing blocks it, logging
/// each object; answers how many were deleted.
pub(crate) async fn delete(
    site: &Site,
    m: &dyn AdminModel,
    ctx: &mut EventContext,
    pks: &[String],
) -> Result<u64, EventError> {
    require(&ctx.db, &ctx.user, m, Action::Delete).await?;
    let Some(user_id) = ctx.user.user().map(|u| u.id) else { return Err(EventError::new("Log in to do this.")) };
    let shown = preview(site, m, &ctx.db, pks).await?;
    if !shown.blocked.is_empty() {
        return Err(EventError::new(format!(
            "Deleting these {} would require deleting protected related objects.",
            m.plural()
        )));
    }
    let reprs = m.reprs(&ctx.db, pks).await?;
    for (pk, repr) in &reprs {
        log::record(&ctx.db, user_id, m.app(), m.model(), pk, repr, Flag::Deletion, &[]).await?;
    }
    let existing: Vec<String> = reprs.into_iter().map(|(pk, _)| pk).collect();
    let deleted = m.delete(&ctx.db, &existing).await?;
    ctx.table_changed(&m.table());
    for other in &site.models {
        if other.foreign_keys().iter().any(|fk| fk.table == m.table()) {
            ctx.table_changed(&other.table());
        }
    }
    Ok(deleted)
}

/// The delete page's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, State)]
#[state(name = "admin_delete")]
pub struct DeletePage {
    /// Header, breadcrumbs and title.
    #[serde(flatten)]
    pub chrome: Chrome,
    /// The question.
    pub question: String,
    /// What goes, and what forbids it.
    pub preview: Preview,
    /// Whether the deletion is forbidden by related rows.
    pub blocked: bool,
    /// Why there is nothing to delete.
    pub missing: String,
    /// The change page's address (the "No, take me back" link).
    pub back: String,
    /// The object's name.
    pub repr: String,
}

#[events]
impl DeletePage {
    /// Lists what the deletion takes along.
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let site = site()?;
        let m = site.model_of_path(&ctx.router.path)?;
        let pk = super::form::pk_param(ctx)?;
        let preview = preview(&site, m, &ctx.db, std::slice::from_ref(&pk)).await?;
        let mut crumbs = model_crumbs(&site, m);
        let verbose = m.verbose();
        *self = DeletePage { back: site.url(m, &format!("{pk}/change/")), ..DeletePage::default() };
        let found = m.reprs(&ctx.db, std::slice::from_ref(&pk)).await?;
        match found.into_iter().next() {
            Some((_, repr)) => {
                crumbs.push(Crumb { href: self.back.clone(), label: repr.clone() });
                crumbs.push(Crumb { href: site.url(m, &format!("{pk}/delete/")), label: "Delete".into() });
                self.blocked = !preview.blocked.is_empty();
                self.question = if self.blocked {
                    format!(
                        "Deleting the {verbose} “{repr}” would require deleting the following protected related objects:"
                    )
                } else {
                    format!(
                        "Are you sure you want to delete the {verbose} “{repr}”? All of the following related items will be deleted:"
                    )
                };
                self.preview = preview;
                self.repr = repr;
            }
            None => {
                self.missing =
                    format!("{} with ID “{pk}” doesn’t exist. Perhaps it was deleted?", capitalize(&verbose));
            }
        }
        self.chrome = Chrome::new(&site, &ctx.user, "Are you sure?", crumbs);
        Ok(())
    }

    /// Deletes the object, then goes back to the change list.
    pub async fn confirm(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let site = site()?;
        let m = site.model_of_path(&ctx.router.path)?;
        let pk = super::form::pk_param(ctx)?;
        if delete(&site, m, ctx, std::slice::from_ref(&pk)).await? == 0 {
            return Err(EventError::new(format!("This {} no longer exists.", m.verbose())));
        }
        ctx.notify(Level::Success, &format!("The {} “{}” was deleted successfully.", m.verbose(), self.repr));
        ctx.redirect(&site.url(m, ""));
        Ok(())
    }
}

/// A list of [`Item`]s at `path`.
pub(crate) fn items(path: &str, id: &str) -> Node {
    ul().id(id).class("admin-deleted").child(foreach(path, "key", li().child(bind("item.text"))))
}

/// The delete page.
pub fn view() -> Node {
    let confirm = div().class("t-card admin-confirm").children([
        p().id("admin-question").child(bind("question")),
        cond(
            "blocked",
            items("preview.blocked", "admin-blocked"),
            div().children([
                items("preview.objects", "admin-objects"),
                items("preview.related", "admin-related"),
                div().class("t-form-actions").children([
                    button()
                        .id("admin-confirm-delete")
                        .class("t-button t-danger")
                        .attr("type", "button")
                        .text("Yes, I’m sure")
                        .on_click(event("confirm")),
                    a().id("admin-cancel-delete").class("t-button").bind_attr("href", "back").text("No, take me back"),
                ]),
            ]),
        ),
    ]);
    page([notice("missing", "admin-missing", "warning"), cond("missing", nothing(), confirm)])
}
