//! `/`: the active products, loaded in `on_load` straight from the ORM, and a
//! search box that narrows the list on the server as you type.

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tandem::ui::node::*;
use tandem::ui::{EventContext, EventError, State, events};

use crate::shop::models::product;

/// The catalog's state.
#[derive(Default, Serialize, Deserialize, State)]
pub struct Catalog {
    /// What the search box holds.
    pub query: String,
    /// The products shown: `{"id", "name", "price"}`, price as a string.
    pub products: Vec<Value>,
    /// How many are shown.
    pub count: usize,
}

#[events]
impl Catalog {
    /// Loads the active products (the page's `on_load`).
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        self.refresh(ctx).await
    }

    /// Narrows the list to products whose name or SKU contains `query`.
    pub async fn search(&mut self, ctx: &mut EventContext, query: String) -> Result<(), EventError> {
        self.query = query;
        self.refresh(ctx).await
    }
}

impl Catalog {
    async fn refresh(&mut self, ctx: &EventContext) -> Result<(), EventError> {
        let mut select = product::Entity::find().filter(product::Column::IsActive.eq(true));
        let term = self.query.trim();
        if !term.is_empty() {
            select = select.filter(
                Condition::any().add(product::Column::Name.contains(term)).add(product::Column::Sku.contains(term)),
            );
        }
        let rows = select.order_by_desc(product::Column::Id).all(&ctx.db).await?;
        self.products = rows
            .iter()
            .map(|p| json!({"id": p.id, "name": p.name, "price": p.price.quantize(2).to_string()}))
            .collect();
        self.count = self.products.len();
        Ok(())
    }
}

/// The page.
pub fn view() -> Node {
    main().children([
        h1().text("Shop"),
        input()
            .id("search")
            .attr("type", "search")
            .attr("placeholder", "Search products")
            .bind_value("query")
            .on_input(event("search")),
        p().children([bind("count"), text(" products")]),
        ul().id("products").child(foreach(
            "products",
            "id",
            li().children([
                span().class("name").child(bind("item.name")),
                text(" — "),
                span().class("price").child(bind("item.price")),
            ]),
        )),
        p().child(a().href("/counter").text("Counter")),
    ])
}
