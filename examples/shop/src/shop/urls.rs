//! `shop/urls.py`.

use tandem::axum::http::Method;
use tandem::prelude::*;
use tandem::rest::DefaultRouter;

use super::views;

/// The shop's routes, included under `api/shop/`: the plain views, then the
/// router's (`router.register(r"products", ProductViewSet, basename="product")`).
pub fn urlpatterns() -> Vec<UrlPattern> {
    let mut router = DefaultRouter::new();
    router.register("products", views::product_viewset());
    router.register("reviews", views::review_viewset());

    let mut patterns = vec![
        path("active/", get(views::active_products).openapi(Method::GET, views::active_products_openapi()))
            .name("active-products"),
        path("plain-post/", post(views::plain_post).openapi(Method::POST, views::plain_post_openapi()))
            .name("plain-post"),
        path("stock/", get(views::stock)).guard(tandem::auth::permission_required("shop.change_product")).name("stock"),
    ];
    patterns.push(path("", include(router.urls())));
    patterns
}
