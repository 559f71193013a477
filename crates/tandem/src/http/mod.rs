//! HTTP building blocks shared by every side of the server: JSON error
//! responses, the security headers, the allowed hosts and the request log.

pub mod compression;
pub mod cookies;
pub mod errors;
pub mod headers;
pub mod hosts;
pub mod log;

pub use errors::ApiError;

use axum::http::{HeaderMap, header};

use crate::config::Settings;

/// Whether the request came over HTTPS. Tandem serves plain HTTP itself, so
/// this is only true behind a proxy that sets `X-Forwarded-Proto: https` and
/// when `backend.trust_forwarded_proto` is on (Django's
/// `SECURE_PROXY_SSL_HEADER`).
pub fn is_secure(headers: &HeaderMap, settings: &Settings) -> bool {
    settings.backend.trust_forwarded_proto
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The request's scheme (`http`/`https`) and host (with port), from the
/// `Host` header. The dispatcher refuses a request whose `Host` is not in
/// `[server] allowed_hosts` before any side sees it (see [`hosts`]), so the
/// host returned here is always an allowed one and absolute links built
/// from it (pagination's `next`/`previous`) cannot carry a forged name.
pub fn scheme_and_host(headers: &HeaderMap, settings: &Settings) -> (&'static str, String) {
    let scheme = if is_secure(headers, settings) { "https" } else { "http" };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    (scheme, host)
}

/// Escapes text for HTML element content and attribute values.
///
/// ```
/// assert_eq!(tandem::http::html_escape("<b a=\"1\">&'"), "&lt;b a=&quot;1&quot;&gt;&amp;&#x27;");
/// ```
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}
