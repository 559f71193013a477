//! The shop's 404 page (`App::not_found`): shown, with status 404, at every
//! path no page serves, also after a client-side navigation. It suggests
//! products named like the path's last segment and has a search box.

use serde::{Deserialize, Serialize};
use tandem::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tandem::ui::node::*;
use tandem::ui::{EventContext, EventError, Row, State, View, events};

use tandem::urls::reverse;

use super::layout::layout;
use crate::shop::models::product;

/// The 404 page's state.
#[derive(Default, Serialize, Deserialize, State)]
pub struct Missing {
    /// The path nobody serves.
    pub path: String,
    /// What the suggestions match.
    pub query: String,
    /// Active products whose name contains the query: `{"id", "name", "url"}`.
    pub suggestions: Vec<Suggestion>,
}

/// A product named like the missing path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Row)]
pub struct Suggestion {
    /// The product's id (the row's key).
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its page.
    pub url: String,
}

#[events]
impl Missing {
    /// Takes the requested path from the router data and searches for its
    /// last segment (`/burr-grinder` looks for "burr grinder").
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        self.path = ctx.router.path.clone();
        let last = self.path.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
        let query = last.replace(['-', '_'], " ");
        self.search(ctx, query).await
    }

    /// Suggests the active products whose name contains `query` (any case).
    pub async fn search(&mut self, ctx: &mut EventContext, query: String) -> Result<(), EventError> {
        let needle = query.trim().to_lowercase();
        self.suggestions = if needle.is_empty() {
            Vec::new()
        } else {
            product::Entity::find()
                .filter(product::Column::IsActive.eq(true))
                .all(&ctx.db)
                .await?
                .into_iter()
                .filter(|p| p.name.to_lowercase().contains(&needle))
                .map(|p| Ok(Suggestion { url: reverse("product", [("id", p.id)])?, id: p.id, name: p.name }))
                .collect::<Result<_, EventError>>()?
        };
        self.query = query;
        Ok(())
    }
}

/// The page.
pub fn view(s: &View<Missing>) -> Node {
    layout().page(
        "",
        [div().id("missing").children([
            h1().text("Nothing here"),
            p().children([
                text("The shop has no page at "),
                strong().id("missing-path").child(bind(s.path)),
                text("."),
            ]),
            input()
                .id("suggest-search")
                .attr("type", "search")
                .attr("placeholder", "Search products")
                .bind_value(s.query)
                .on_input(s.search().debounce(150)),
            ul().id("suggestions")
                .child(s.suggestions.each(|item| li().child(a().bind_attr("href", item.url).child(bind(item.name))))),
            p().children([
                a().id("home").href("/").text("Back to the shop"),
                text(" or "),
                a().id("help").href("/help").text("get help"),
                text("."),
            ]),
        ])],
    )
}
