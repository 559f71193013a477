//! The seed guide's shop, built with Tandem: the Rust counterpart of
//! `rxconfig.py`, `backend/urls.py` and the `shop` Django app.

pub mod accounts;
pub mod admin;
pub mod backend;
pub mod commands;
pub mod pages;
pub mod shop;

use tandem::App;

/// The application: its root URLs, migrations, models, initial data, pages, theme and commands.
pub fn app() -> App {
    let app = App::new(env!("CARGO_MANIFEST_DIR"))
        .urls(backend::urls::urlpatterns)
        .migrator::<shop::migrations::Migrator>()
        .model::<shop::models::product::Entity>("shop.product")
        .model::<shop::models::review::Entity>("shop.review")
        .initial_data(include_str!("../fixtures/products.json"))
        .pages(pages::pages())
        // Django's account pages under /accounts/ (login, logout, register, password change).
        .pages(tandem::accounts::Accounts::new().with_registration().pages())
        // Django's admin over the shop's models, users and groups, at /admin/.
        .pages(admin::pages())
        .not_found(pages::not_found())
        .static_files(tandem::static_files!())
        .theme(theme());
    commands::commands().into_iter().fold(app, App::command)
}

/// The shop's colours on top of the default stylesheet (a teal accent), and
/// its own stylesheet from `static/`.
pub fn theme() -> tandem::ui::Theme {
    tandem::ui::Theme::new()
        .set("accent", "#0f766e")
        .set_dark("accent", "#2dd4bf")
        .stylesheet(tandem::static_url!("css/shop.css"))
}
