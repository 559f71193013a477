//! `backend/urls.py`: the root URL configuration.

use tandem::axum::http::Method;
use tandem::prelude::*;

use crate::accounts::views::openapi as docs;
use crate::{accounts, shop};

/// Every backend route, by full path (Django's `urlpatterns`).
pub fn urlpatterns() -> Vec<UrlPattern> {
    vec![
        path("api/shop/", include(shop::urls::urlpatterns())),
        path("api/whoami/", get(accounts::views::whoami).openapi(Method::GET, docs::whoami())).name("whoami"),
        path("api/csrf/", get(accounts::views::csrf).openapi(Method::GET, docs::csrf())).name("csrf"),
        path("api/auth/login/", post(accounts::views::login).openapi(Method::POST, docs::login())).name("login"),
        path("api/auth/logout/", post(accounts::views::logout).openapi(Method::POST, docs::logout())).name("logout"),
        path("webhooks/stripe/", post(shop::views::stripe_webhook)).csrf_exempt().name("stripe-webhook"),
        path("api/", include(tandem::rest::openapi::urls())),
    ]
}
