//! `backend/urls.py`: the root URL configuration.

use tandem::prelude::*;

use crate::{accounts, shop};

/// Every backend route, by full path (Django's `urlpatterns`).
pub fn urlpatterns() -> Vec<UrlPattern> {
    vec![
        path("api/shop/", include(shop::urls::urlpatterns())),
        path("api/whoami/", get(accounts::views::whoami)).name("whoami"),
        path("api/csrf/", get(accounts::views::csrf)).name("csrf"),
        path("api/auth/login/", post(accounts::views::login)).name("login"),
        path("api/auth/logout/", post(accounts::views::logout)).name("logout"),
        path("webhooks/stripe/", post(shop::views::stripe_webhook)).csrf_exempt().name("stripe-webhook"),
        path("api/", include(tandem::rest::openapi::urls())),
    ]
}
