//! The security headers every response carries, errors included, as Django's
//! `SecurityMiddleware` and `XFrameOptionsMiddleware` send them.

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;

/// The headers and their values.
pub const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "same-origin"),
    (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// Adds the security headers a handler did not set itself.
///
/// ```
/// let mut response = axum::response::Response::new(axum::body::Body::empty());
/// tandem::http::headers::add_security_headers(&mut response);
/// assert_eq!(response.headers()["x-frame-options"], "DENY");
/// ```
pub fn add_security_headers(response: &mut Response) {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
}
