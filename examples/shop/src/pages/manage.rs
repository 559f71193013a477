//! `/manage`: the products' CRUD page, declared with `ModelState` (search,
//! sort, filter, pages, a validated form, delete with confirmation, live
//! updates) instead of written.

use tandem::ui::model_state::{ManagedModel, ModelOptions, model_view};
use tandem::ui::node::*;

use super::layout::layout;
use crate::shop::models::product;
use crate::shop::serializers::drf_product_serializer;

/// The products as `/manage` shows them.
pub struct Products;

impl ManagedModel for Products {
    type Entity = product::Entity;
    const NAME: &'static str = "manage_products";

    fn options() -> ModelOptions<product::Entity> {
        ModelOptions::new("shop.product", drf_product_serializer())
            .search(&["name", "sku"])
            .ordering(&["name", "price", "sku"])
            .default_ordering(&["-id"])
            .filter("is_active")
            .initial("is_active", true)
            .per_page(10)
    }
}

/// The page.
pub fn view() -> Node {
    layout().page("/manage", [h1().text("Manage products"), model_view::<Products>()])
}
