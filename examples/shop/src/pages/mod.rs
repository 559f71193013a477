//! The shop's reactive pages: the catalog at `/`, a product page, a login
//! page, the `/counter` the benchmarks use, and a `/playground` of computed
//! values, server actions and event options.

pub mod catalog;
pub mod counter;
pub mod login;
pub mod playground;
pub mod product;

use tandem::ui::Page;

/// Every page, for `App::page`.
pub fn pages() -> Vec<Page> {
    vec![
        Page::new::<catalog::Catalog>("", "Shop", catalog::view).on_load("load"),
        Page::new::<product::ProductPage>("products/<int:id>", "Product", product::view).on_load("load"),
        Page::new::<login::Login>("login", "Log in", login::view),
        Page::new::<counter::Counter>("counter", "Counter", counter::view),
        Page::new::<playground::Playground>("playground", "Playground", playground::view),
    ]
}
