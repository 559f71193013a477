//! `backend/urls.py`: the root URL configuration.

use tandem::prelude::*;

use crate::shop;

/// Every backend route, by full path (Django's `urlpatterns`).
pub fn urlpatterns() -> Vec<UrlPattern> {
    vec![
        path("api/shop/", include(shop::urls::urlpatterns())),
        path("webhooks/stripe/", post(shop::views::stripe_webhook)).csrf_exempt().name("stripe-webhook"),
    ]
}
