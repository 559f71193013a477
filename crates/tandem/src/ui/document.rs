//! The HTML document of a page: the server-rendered body, the page's
//! template and state as inert JSON, and the runtime script. Served with a
//! `Content-Security-Policy` that allows only this origin's scripts.

use serde_json::{Value, json};

use super::node::Node;
use super::render::render;
use crate::http::html_escape;

/// The runtime, embedded in the binary.
pub const RUNTIME: &str = include_str!("runtime.js");

/// The policy pages are served with: no inline script, no `eval`.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";

/// `runtime.<hash>.js`: the content hash makes the URL safe to cache forever.
pub fn runtime_file() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        // FNV-1a: a stable fingerprint of the script, not a security measure.
        let hash =
            RUNTIME.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        format!("runtime.{hash:016x}.js")
    })
}

/// The page's full HTML.
/// `backend` lists the backend prefixes, which client-side navigation leaves
/// to the browser.
pub fn page_html(title: &str, view: &Node, state: &str, token: &str, data: &Value, backend: &[String]) -> String {
    let body = render(view, data);
    let boot = json!({"state": state, "token": token, "template": view, "data": data, "backend": backend});
    // Inert JSON in a script element: `<` is escaped so no text can close it.
    let boot = boot.to_string().replace('<', "\\u003c");
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head>\n<body><div id=\"tandem-root\">{body}</div>\n\
         <script type=\"application/json\" id=\"tandem-boot\">{boot}</script>\n\
         <script src=\"/_tandem/{runtime}\" defer></script></body>\n</html>\n",
        title = html_escape(title),
        runtime = runtime_file(),
    )
}
