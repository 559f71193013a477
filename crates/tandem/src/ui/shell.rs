//! The app shell: a header with the app's name, logo and navigation (the
//! current page's link marked `aria-current="page"`), the main content in a
//! column of readable width, and a footer. It wraps on a narrow screen and
//! follows the visitor's light or dark colour scheme, like the rest of the
//! default stylesheet.
//!
//! An app describes its shell once and wraps each page's content in it:
//!
//! ```
//! use tandem::ui::node::*;
//! use tandem::ui::shell::{Shell, shell};
//!
//! fn layout() -> Shell {
//!     shell("Shop").logo("/static/img/logo.svg").link("/", "Catalog").link("/order", "Order")
//!         .footer([text("© Shop")])
//! }
//!
//! fn order_page() -> Node {
//!     layout().page("/order", [h1().text("Order")])
//! }
//! let html = tandem::ui::render::render(&order_page(), &serde_json::json!({}));
//! assert!(html.contains(r#"<a href="/order" aria-current="page">Order</a>"#), "{html}");
//! assert!(html.contains(r#"<main class="t-main" id="t-main"><h1>Order</h1></main>"#), "{html}");
//! ```

use super::node::*;

/// An app's shell: built with [`shell`], then [`page`](Shell::page) wraps
/// each page's content.
///
/// ```
/// let layout = tandem::ui::shell::shell("Shop").link("/", "Catalog");
/// # let _ = layout;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Shell {
    name: String,
    logo: Option<String>,
    home: String,
    links: Vec<(String, String)>,
    actions: Vec<Node>,
    footer: Vec<Node>,
}

/// A shell for the app called `name` (shown in the header, linking home).
///
/// ```
/// let layout = tandem::ui::shell::shell("Acme");
/// # let _ = layout;
/// ```
pub fn shell(name: &str) -> Shell {
    Shell {
        name: name.to_string(),
        logo: None,
        home: "/".into(),
        links: Vec::new(),
        actions: Vec::new(),
        footer: Vec::new(),
    }
}

impl Shell {
    /// The logo before the app's name: an image URL, usually
    /// `tandem::static_url!("img/logo.svg")`.
    ///
    /// ```
    /// let layout = tandem::ui::shell::shell("Shop").logo("/static/img/logo.svg");
    /// # let _ = layout;
    /// ```
    pub fn logo(mut self, url: &str) -> Self {
        self.logo = Some(url.to_string());
        self
    }

    /// Where the app's name links (`/` unless set).
    ///
    /// ```
    /// let layout = tandem::ui::shell::shell("Admin").home("/admin");
    /// # let _ = layout;
    /// ```
    pub fn home(mut self, href: &str) -> Self {
        self.home = href.to_string();
        self
    }

    /// A navigation link, after the others.
    ///
    /// ```
    /// let layout = tandem::ui::shell::shell("Shop").link("/", "Catalog").link("/help", "Help");
    /// # let _ = layout;
    /// ```
    pub fn link(mut self, href: &str, label: &str) -> Self {
        self.links.push((href.to_string(), label.to_string()));
        self
    }

    /// Nodes at the header's end (who is logged in, a log-in link), after
    /// any set before. They may bind the page's state, so a page usually
    /// adds its own: `layout().actions([…]).page(…)`.
    ///
    /// ```
    /// use tandem::ui::node::*;
    ///
    /// let layout = tandem::ui::shell::shell("Shop").actions([a().href("/login").text("Log in")]);
    /// # let _ = layout;
    /// ```
    pub fn actions(mut self, nodes: impl IntoIterator<Item = Node>) -> Self {
        self.actions.extend(nodes);
        self
    }

    /// The footer's content, after any set before.
    ///
    /// ```
    /// use tandem::ui::node::*;
    ///
    /// let layout = tandem::ui::shell::shell("Shop").footer([text("Made with Tandem")]);
    /// # let _ = layout;
    /// ```
    pub fn footer(mut self, nodes: impl IntoIterator<Item = Node>) -> Self {
        self.footer.extend(nodes);
        self
    }

    /// The page: the header (the link whose href is `current` marked
    /// `aria-current="page"`), `content` in `<main id="t-main">` (a skip
    /// link jumps there), the footer.
    ///
    /// ```
    /// use tandem::ui::node::*;
    ///
    /// let page = tandem::ui::shell::shell("Shop").link("/", "Catalog").page("/", [h1().text("Catalog")]);
    /// let html = tandem::ui::render::render(&page, &serde_json::json!({}));
    /// assert!(html.contains(r#"<nav class="t-nav" aria-label="Main"><ul><li><a href="/" aria-current="page">Catalog</a></li></ul></nav>"#), "{html}");
    /// ```
    pub fn page(self, current: &str, content: impl IntoIterator<Item = Node>) -> Node {
        let brand = a()
            .class("t-brand")
            .href(&self.home)
            .children(self.logo.as_deref().map(|url| img().class("t-brand-logo").attr("src", url).attr("alt", "")))
            .child(span().class("t-brand-name").text(&self.name));
        let links = self.links.iter().map(|(href, label)| {
            let link = a().href(href).text(label);
            li().child(if href == current { link.attr("aria-current", "page") } else { link })
        });
        let nav = nav().class("t-nav").attr("aria-label", "Main").child(ul().children(links.collect::<Vec<_>>()));
        let mut bar = vec![brand, nav];
        if !self.actions.is_empty() {
            bar.push(div().class("t-header-actions").children(self.actions));
        }
        let mut parts = vec![
            a().class("t-skip-link").href("#t-main").text("Skip to content"),
            header().class("t-header").child(div().class("t-header-inner").children(bar)),
            main().class("t-main").id("t-main").children(content),
        ];
        if !self.footer.is_empty() {
            parts.push(footer().class("t-footer").child(div().class("t-footer-inner").children(self.footer)));
        }
        div().class("t-shell").children(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::render::render;
    use serde_json::json;

    #[test]
    fn only_the_current_link_is_marked_and_text_is_escaped() {
        let layout = shell("A & <B>").logo("/static/l.svg").link("/", "Home").link("/x", "<X>").footer([text("f")]);
        let html = render(&layout.clone().actions([span().text("me")]).page("/x", [p().text("hi")]), &json!({}));
        assert_eq!(html.matches("aria-current").count(), 1, "{html}");
        assert!(html.contains("<a href=\"/x\" aria-current=\"page\">&lt;X&gt;</a>"), "{html}");
        assert!(html.contains("<img class=\"t-brand-logo\" src=\"/static/l.svg\" alt=\"\">"), "{html}");
        assert!(html.contains("<span class=\"t-brand-name\">A &amp; &lt;B&gt;</span>"), "{html}");
        assert!(html.contains("<div class=\"t-header-actions\"><span>me</span></div>"), "{html}");
        assert!(html.contains("<footer class=\"t-footer\"><div class=\"t-footer-inner\">f</div></footer>"), "{html}");
        let bare = render(&shell("A").page("/", []), &json!({}));
        assert!(!bare.contains("t-header-actions") && !bare.contains("<footer"), "{bare}");
    }
}
