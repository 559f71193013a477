//! `shop/urls.py`.

use tandem::prelude::*;

use super::views;

/// The shop's routes, included under `api/shop/`.
pub fn urlpatterns() -> Vec<UrlPattern> {
    vec![
        path("active/", get(views::active_products)).name("active-products"),
        path("plain-post/", post(views::plain_post)).name("plain-post"),
    ]
}
