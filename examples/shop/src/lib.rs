//! The seed guide's shop, built with Tandem: the Rust counterpart of
//! `rxconfig.py`, `backend/urls.py` and the `shop` Django app.

pub mod accounts;
pub mod backend;
pub mod pages;
pub mod shop;

use tandem::App;

/// The application: its root URLs, migrations, models and initial data.
pub fn app() -> App {
    App::new(env!("CARGO_MANIFEST_DIR"))
        .urls(backend::urls::urlpatterns)
        .migrator::<shop::migrations::Migrator>()
        .model::<shop::models::product::Entity>("shop.product")
        .model::<shop::models::review::Entity>("shop.review")
        .initial_data(include_str!("../fixtures/products.json"))
        .pages(pages::pages())
}
