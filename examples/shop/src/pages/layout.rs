//! The shop's shell: its name and logo, the navigation every page shares
//! and the footer. Each page wraps its content with
//! `layout().page("/its-path", […])`.

use tandem::ui::node::*;
use tandem::ui::shell::{Shell, shell};

/// The shell of every shop page.
pub fn layout() -> Shell {
    shell("Shop")
        .logo(tandem::static_url!("img/logo.svg"))
        .link("/", "Catalog")
        .link("/order", "Order")
        .link("/manage", "Manage")
        .link("/jobs", "Jobs")
        .link("/components", "Components")
        .link("/help", "Help")
        .footer([
            span().text("Shop · a Tandem example"),
            a().href("/api/shop/products/").text("REST API"),
            a().href("/counter").text("Counter"),
            a().href("/playground").text("Playground"),
        ])
}
