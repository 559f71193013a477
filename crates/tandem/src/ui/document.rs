//! The HTML document of a page: the server-rendered body, the page's
//! template and state as inert JSON, and the runtime script. Served with a
//! `Content-Security-Policy` that allows only this origin's scripts.

use serde_json::{Value, json};

use super::context::RouterData;
use super::page::Page;
use super::render::render;
use crate::http::html_escape;

/// The runtime, embedded in the binary.
pub const RUNTIME: &str = include_str!("runtime.js");

/// The default stylesheet, embedded in the binary: the components' classes
/// and the CSS variables a [`Theme`](super::theme::Theme) overrides.
pub const STYLESHEET: &str = include_str!("tandem.css");

/// Tandem's default favicon, embedded in the binary: linked from every
/// page's head unless the app sets its own
/// ([`Theme::favicon`](super::theme::Theme::favicon)).
pub const FAVICON: &str = include_str!("favicon.svg");

/// The favicon's stable name under `/_tandem/` (not hashed: browsers and
/// bookmarks keep icon URLs).
///
/// ```
/// assert_eq!(tandem::ui::document::FAVICON_FILE, "favicon.svg");
/// ```
pub const FAVICON_FILE: &str = "favicon.svg";

/// The policy pages are served with: no inline script, no `eval`.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";

/// `<stem>.<hash>.<extension>`: the content hash makes the URL safe to cache forever.
fn hashed_name(stem: &str, extension: &str, content: &str) -> String {
    // FNV-1a: a stable fingerprint of the file, not a security measure.
    let hash = content.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{stem}.{hash:016x}.{extension}")
}

/// `runtime.<hash>.js`: the content hash makes the URL safe to cache forever.
pub fn runtime_file() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| hashed_name("runtime", "js", RUNTIME))
}

/// `tandem.<hash>.css`, the stylesheet's name under `/_tandem/`.
///
/// ```
/// let name = tandem::ui::document::stylesheet_file();
/// assert!(name.starts_with("tandem.") && name.ends_with(".css"));
/// ```
pub fn stylesheet_file() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| hashed_name("tandem", "css", STYLESHEET))
}

/// The file served at `/_tandem/<file>`: its content type and content.
///
/// ```
/// use tandem::ui::document::{asset, stylesheet_file};
///
/// assert_eq!(asset(stylesheet_file()).map(|(kind, _)| kind), Some("text/css; charset=utf-8"));
/// assert_eq!(asset("tandem.css"), None, "only the hashed name");
/// assert_eq!(asset("favicon.svg").map(|(kind, _)| kind), Some("image/svg+xml"));
/// ```
pub fn asset(file: &str) -> Option<(&'static str, &'static str)> {
    if file == runtime_file() {
        Some(("text/javascript; charset=utf-8", RUNTIME))
    } else if file == stylesheet_file() {
        Some(("text/css; charset=utf-8", STYLESHEET))
    } else if file == FAVICON_FILE {
        Some(("image/svg+xml", FAVICON))
    } else {
        None
    }
}

/// The page's full HTML for a tab at `router` whose state's public data is
/// `data`: the title and meta tags filled from the router's parameters and
/// the state, the body rendered, the boot block. `backend` lists the backend
/// prefixes, which client-side navigation leaves to the browser;
/// `theme_head` (from [`Theme::head_html`](super::theme::Theme::head_html):
/// Tandem's stylesheet unless replaced, the variables' `<style>`, the app's
/// stylesheet links) follows the title and meta tags.
///
/// ```ignore
/// let html = page_html(page, &router, &token, &data, &["/api".to_string()], "");
/// assert!(html.contains("<title>Product 3</title>"));
/// ```
pub fn page_html(
    page: &Page,
    router: &RouterData,
    token: &str,
    data: &Value,
    backend: &[String],
    theme_head: &str,
) -> String {
    let view = page.view();
    let body = render(&view, data);
    let boot = json!({"state": page.state_name(), "token": token, "template": view, "data": data, "backend": backend});
    // Inert JSON in a script element: `<` is escaped so no text can close it.
    let boot = boot.to_string().replace('<', "\\u003c");
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>{head}\
         {theme_head}</head>\n\
         <body><div id=\"tandem-root\">{body}</div>\n\
         <script type=\"application/json\" id=\"tandem-boot\">{boot}</script>\n\
         <script src=\"/_tandem/{runtime}\" defer></script></body>\n</html>\n",
        title = html_escape(&page.title_for(router, data)),
        head = page.head_html(router, data),
        runtime = runtime_file(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::node::*;

    #[derive(Default, serde::Serialize, serde::Deserialize, crate::ui::State)]
    struct Blank {}

    #[crate::ui::events]
    impl Blank {}

    fn shop() -> Node {
        p().text("hi")
    }

    fn html_with(theme: crate::ui::Theme) -> String {
        let page = Page::dynamic::<Blank>("", "Shop", shop);
        page_html(&page, &RouterData::default(), "t", &json!({}), &[], &theme.head_html())
    }

    #[test]
    fn pages_link_the_hashed_stylesheet_then_the_theme() {
        let html = html_with(crate::ui::Theme::new().set("accent", "teal").stylesheet("/static/app.css"));
        let link = format!("<link rel=\"stylesheet\" href=\"/_tandem/{}\">", stylesheet_file());
        let (at_link, at_theme) = (html.find(&link), html.find("<style>:root{--t-accent:teal}</style>"));
        let at_app = html.find("<link rel=\"stylesheet\" href=\"/static/app.css\">");
        assert!(at_link.is_some() && at_theme.is_some() && at_link < at_theme && at_theme < at_app, "{html}");
        assert!(!html_with(crate::ui::Theme::new()).contains("<style>"));
        let replaced = html_with(crate::ui::Theme::new().without_default_stylesheet().stylesheet("/static/site.css"));
        assert!(!replaced.contains(&link) && replaced.contains("href=\"/static/site.css\""), "{replaced}");
        let hostile = html_with(crate::ui::Theme::new().set("accent", "a</style><script>").stylesheet("/x\"><script>"));
        assert!(!hostile.contains("</style><script>") && !hostile.contains("\"><script>"), "{hostile}");
        assert_ne!(stylesheet_file(), runtime_file());
        assert_eq!(asset(runtime_file()), Some(("text/javascript; charset=utf-8", RUNTIME)));
        assert_eq!(asset("runtime.js"), None);
    }
}
