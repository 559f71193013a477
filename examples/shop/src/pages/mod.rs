//! The shop's reactive pages: the catalog at `/`, a product page and its
//! reviews (an optional page segment), help topics (a catch-all segment), a
//! login page, the `/counter` the benchmarks use, a `/playground` of computed
//! values, server actions, event options and client storage, `/jobs`
//! (streamed progress, chained events, a background import, a server-side
//! throttle), `/order` (a typed form with per-field errors), `/gallery`
//! (uploads), `/components` (the component library), `/account` (for
//! logged-in users only), `/account/stock` (for users who may change
//! products), `/manage` (the products' CRUD page, a `ModelState`) and the
//! 404 page.

pub mod account;
pub mod catalog;
pub mod components;
pub mod counter;
pub mod gallery;
pub mod help;
pub mod jobs;
pub mod layout;
pub mod login;
pub mod manage;
pub mod missing;
pub mod order;
pub mod playground;
pub mod product;
pub mod reviews;

use tandem::auth::{login_required, permission_required};
use tandem::ui::Page;
use tandem::ui::model_state::ModelState;

/// Every page, for `App::pages`, in matching order.
pub fn pages() -> Vec<Page> {
    vec![
        Page::new("", "Shop", catalog::view)
            .on_load(catalog::CatalogView::load)
            // Products written through the REST API (any process) show up live.
            .live("shop_product", catalog::CatalogView::load)
            .meta("description", "Coffee gear for the home barista: cups, kettles, grinders & beans.")
            .meta_property("og:title", "Shop"),
        Page::new("products/<int:id>", "{heading} · Product {id}", product::view)
            .name("product")
            .on_load(product::ProductPageView::load)
            .meta_property("og:title", "{heading}")
            .canonical("/products/{id}"),
        Page::new("products/<int:id>/reviews[/<int:page>]", "Reviews of product {id}, page {page}", reviews::view)
            .name("reviews")
            .on_load(reviews::ReviewsView::load),
        Page::new("help[/<path:topic>]", "Help", help::view).on_load(help::HelpView::load),
        Page::new("login", "Log in", login::view),
        Page::new("counter", "Counter", counter::view),
        Page::new("playground", "Playground", playground::view),
        Page::new("jobs", "Jobs", jobs::view),
        Page::new("order", "Order", order::view).on_load(order::OrderView::load),
        Page::new("gallery", "Gallery", gallery::view),
        Page::new("components", "Components", components::view).on_load(components::ComponentsView::load),
        Page::new("account", "Your account", account::view)
            .on_load(account::AccountView::load)
            .guard(login_required())
            .guard_event(account::AccountView::audit, permission_required("shop.change_product")),
        Page::new("account/stock", "Stock", account::stock_view).guard(permission_required("shop.change_product")),
        // Loaded on load and again, live, whenever `shop_product` changes.
        ModelState::<manage::Products>::page("manage", "Manage products", manage::view),
    ]
}

/// The page shown at every other path, for `App::not_found`.
pub fn not_found() -> Page {
    Page::new("", "Not found · Shop", missing::view).on_load(missing::MissingView::load).meta("robots", "noindex")
}
