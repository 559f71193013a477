//! Reading request cookies and writing `Set-Cookie` headers with Django's
//! attributes (`Path=/`, `SameSite=Lax`, `Max-Age`).
//!
//! ```
//! use axum::http::{HeaderMap, HeaderValue, header};
//! use tandem::http::cookies::request_cookie;
//!
//! let mut headers = HeaderMap::new();
//! headers.insert(header::COOKIE, HeaderValue::from_static("a=1; sessionid=abc"));
//! assert_eq!(request_cookie(&headers, "sessionid").as_deref(), Some("abc"));
//! assert_eq!(request_cookie(&headers, "missing"), None);
//! ```

use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};

/// The value of cookie `name` in the request's `Cookie` headers (the last one
/// wins, as in Django).
pub fn request_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| Cookie::split_parse(v.to_string()))
        .filter_map(Result::ok)
        .filter(|c| c.name() == name)
        .last()
        .map(|c| c.value().to_string())
}

/// A cookie to set on the response.
#[derive(Debug, Clone)]
pub struct CookieSpec<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its value.
    pub value: &'a str,
    /// `Max-Age` in seconds; `0` deletes the cookie.
    pub max_age: i64,
    /// Hidden from scripts.
    pub http_only: bool,
    /// Sent over HTTPS only.
    pub secure: bool,
}

impl CookieSpec<'_> {
    /// The `Set-Cookie` header value.
    ///
    /// ```
    /// use tandem::http::cookies::CookieSpec;
    /// let spec = CookieSpec { name: "sessionid", value: "k", max_age: 1209600, http_only: true, secure: false };
    /// let header = spec.header_value();
    /// let text = header.to_str().unwrap();
    /// assert!(text.starts_with("sessionid=k"));
    /// assert!(text.contains("HttpOnly") && text.contains("SameSite=Lax") && text.contains("Max-Age=1209600"));
    /// ```
    pub fn header_value(&self) -> HeaderValue {
        let mut builder = Cookie::build((self.name, self.value))
            .path("/")
            .same_site(SameSite::Lax)
            .max_age(cookie::time::Duration::seconds(self.max_age))
            .http_only(self.http_only)
            .secure(self.secure);
        if self.max_age == 0 {
            builder = builder.expires(cookie::time::OffsetDateTime::UNIX_EPOCH);
        }
        let text = builder.build().to_string();
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

/// Appends `spec` as a `Set-Cookie` header.
pub fn set_cookie(headers: &mut HeaderMap, spec: CookieSpec<'_>) {
    headers.append(header::SET_COOKIE, spec.header_value());
}
