//! `/products/<id>`: one product, or a not-found state. Its title and
//! `og:title` are filled from the route's `id` and the state's `heading`.

use serde::{Deserialize, Serialize};
use tandem::sea_orm::EntityTrait;
use tandem::ui::node::*;
use tandem::ui::{EventContext, EventError, State, View, events};

use super::layout::layout;
use crate::shop::models::product;

/// The product page's state.
#[derive(Default, Serialize, Deserialize, State)]
pub struct ProductPage {
    /// Whether the id names a product.
    pub found: bool,
    /// The product's name, or "No such product": the page's title.
    pub heading: String,
    /// Its name.
    pub name: String,
    /// Its price, exact, as text.
    pub price: String,
    /// Its SKU.
    pub sku: String,
    /// Its reviews page.
    pub reviews_url: String,
}

/// The route's parameters (`products/<int:id>`).
#[derive(Deserialize)]
struct Route {
    id: i64,
}

#[events]
impl ProductPage {
    /// Loads the product named by the route's `id`.
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let Route { id } = ctx.router.params()?;
        *self = match product::Entity::find_by_id(id).one(&ctx.db).await? {
            Some(p) => ProductPage {
                found: true,
                heading: p.name.clone(),
                name: p.name,
                price: p.price.quantize(2).to_string(),
                sku: p.sku,
                reviews_url: super::reviews::url(id, 1, "newest")?,
            },
            None => ProductPage { heading: "No such product".into(), ..ProductPage::default() },
        };
        Ok(())
    }
}

/// The page.
pub fn view(s: &View<ProductPage>) -> Node {
    layout().page(
        "",
        [
            cond(
                s.found,
                article().id("product").children([
                    h1().child(bind(s.name)),
                    p().children([text("Price: "), span().class("price").child(bind(s.price))]),
                    p().children([text("SKU: "), bind(s.sku)]),
                    p().child(a().id("reviews-link").bind_attr("href", s.reviews_url).text("Reviews")),
                ]),
                h1().id("not-found").text("No such product"),
            ),
            p().child(a().id("back").href("/").text("Back to the shop")),
        ],
    )
}
