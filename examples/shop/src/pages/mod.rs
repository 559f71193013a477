//! The shop's reactive pages: the catalog at `/`, a product page, a login
//! page, and the `/counter` the benchmarks use.

pub mod catalog;
pub mod counter;
pub mod login;
pub mod product;

use tandem::ui::Page;

/// Every page, for `App::page`.
pub fn pages() -> Vec<Page> {
    vec![
        Page::new::<catalog::Catalog>("", "Shop", catalog::view).on_load("load"),
        Page::new::<product::ProductPage>("products/<int:id>", "Product", product::view).on_load("load"),
        Page::new::<login::Login>("login", "Log in", login::view),
        Page::new::<counter::Counter>("counter", "Counter", counter::view),
    ]
}
