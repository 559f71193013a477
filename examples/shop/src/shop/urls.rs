//! `shop/urls.py`.

use axum::http::Method;
use serde_json::json;
use tandem::prelude::*;
use tandem::rest::DefaultRouter;
use tandem::rest::openapi::{detail_schema, operation};

use super::views;

/// The shop's routes, included under `api/shop/`: the plain views, then the
/// router's (`router.register(r"products", ProductViewSet, basename="product")`).
pub fn urlpatterns() -> Vec<UrlPattern> {
    let mut router = DefaultRouter::new();
    router.register("products", views::product_viewset());
    router.register("reviews", views::review_viewset());

    let active = json!({"type": "object", "required": ["results"], "properties": {"results": {"type": "array", "items": {
        "type": "object", "required": ["id", "name", "price"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "price": {"type": "number"}},
    }}}});
    let mut patterns = vec![
        path(
            "active/",
            get(views::active_products).openapi(
                Method::GET,
                operation("Active products, newest first.", &[], None, &[("200", "The products.", active)]),
            ),
        )
        .name("active-products"),
        path(
            "plain-post/",
            post(views::plain_post).openapi(
                Method::POST,
                operation(
                    "A CSRF-protected plain POST.",
                    &[],
                    None,
                    &[("200", "Accepted.", json!({"type": "object"})), ("403", "CSRF check failed.", detail_schema())],
                ),
            ),
        )
        .name("plain-post"),
    ];
    patterns.push(path("", include(router.urls())));
    patterns
}
