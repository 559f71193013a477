//! The shop's reactive pages: the catalog at `/`, and the `/counter` the
//! benchmarks use.

pub mod catalog;
pub mod counter;

use tandem::ui::Page;

/// Every page, for `App::page`.
pub fn pages() -> Vec<Page> {
    vec![
        Page::new::<catalog::Catalog>("", "Shop", catalog::view).on_load("load"),
        Page::new::<counter::Counter>("counter", "Counter", counter::view),
    ]
}
