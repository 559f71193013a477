//! Django's `Origin` and `Referer` checks against the request's own origin
//! and `backend.trusted_origins` (Django's `CSRF_TRUSTED_ORIGINS`).
//!
//! A trusted origin is exact (`https://app.example.com`) or a wildcard
//! (`https://*.example.com`), which Django turns into the domain pattern
//! `.example.com`: it matches `example.com` itself and every subdomain, with
//! no port (`is_same_domain`).
//!
//! ```
//! use tandem::csrf::origin::origin_verified;
//!
//! let trusted = vec!["https://*.example.com".to_string()];
//! assert!(origin_verified("http://localhost:3000", "http", "localhost:3000", &[]));
//! assert!(origin_verified("https://shop.example.com", "http", "localhost:3000", &trusted));
//! assert!(!origin_verified("https://shop.example.com:8443", "http", "localhost:3000", &trusted));
//! assert!(!origin_verified("https://evil.test", "http", "localhost:3000", &trusted));
//! ```

use super::token::Reject;

/// `scheme` and `netloc` of an absolute URL, if it has both.
fn split_url(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let netloc = &rest[..end];
    (!scheme.is_empty() && !netloc.is_empty()).then_some((scheme, netloc))
}

/// Django's `is_same_domain(host, pattern)`: a pattern starting with `.`
/// matches the domain and its subdomains; anything else must be equal.
fn is_same_domain(host: &str, pattern: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix('.') {
        Some(bare) => host.ends_with(&pattern) || host == bare,
        None => host == pattern,
    }
}

/// Whether an `Origin` header value is the request's own origin or a
/// trusted one (Django's `_origin_verified`).
pub fn origin_verified(origin: &str, scheme: &str, host: &str, trusted: &[String]) -> bool {
    if !host.is_empty() && origin == format!("{scheme}://{host}") {
        return true;
    }
    if trusted.iter().any(|t| !t.contains('*') && t == origin) {
        return true;
    }
    let Some((origin_scheme, origin_netloc)) = split_url(origin) else { return false };
    trusted.iter().filter(|t| t.contains('*')).filter_map(|t| split_url(t)).any(|(scheme, netloc)| {
        scheme == origin_scheme && is_same_domain(origin_netloc, netloc.trim_start_matches('*'))
    })
}

/// Django's `_check_referer`, used for HTTPS requests that carry no `Origin`.
pub fn check_referer(referer: Option<&str>, host: &str, trusted: &[String]) -> Result<(), Reject> {
    let referer = referer.ok_or(Reject::NoReferer)?;
    let (scheme, netloc) = split_url(referer).ok_or(Reject::MalformedReferer)?;
    if scheme != "https" {
        return Err(Reject::InsecureReferer);
    }
    let trusted_hosts = trusted.iter().filter_map(|t| split_url(t)).map(|(_, n)| n.trim_start_matches('*'));
    let good = trusted_hosts
        .chain(std::iter::once(host))
        .any(|pattern| !pattern.is_empty() && is_same_domain(netloc, pattern));
    if good { Ok(()) } else { Err(Reject::BadReferer(referer.to_string())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted() -> Vec<String> {
        vec!["https://partner.test".into(), "https://*.example.com".into()]
    }

    #[test]
    fn origins() {
        assert!(origin_verified("http://h:3000", "http", "h:3000", &[]));
        assert!(!origin_verified("http://h:3001", "http", "h:3000", &[]));
        assert!(!origin_verified("https://h:3000", "http", "h:3000", &[]));
        assert!(origin_verified("https://partner.test", "http", "h", &trusted()));
        assert!(!origin_verified("http://partner.test", "http", "h", &trusted()));
        assert!(origin_verified("https://a.b.example.com", "http", "h", &trusted()));
        assert!(origin_verified("https://example.com", "http", "h", &trusted()));
        assert!(!origin_verified("http://a.example.com", "http", "h", &trusted()));
        assert!(!origin_verified("https://evilexample.com", "http", "h", &trusted()));
        assert!(!origin_verified("null", "http", "h", &trusted()));
    }

    #[test]
    fn referers() {
        let t = trusted();
        assert_eq!(check_referer(None, "h", &t), Err(Reject::NoReferer));
        assert_eq!(check_referer(Some("not a url"), "h", &t), Err(Reject::MalformedReferer));
        assert_eq!(check_referer(Some("http://h/page"), "h", &t), Err(Reject::InsecureReferer));
        assert!(check_referer(Some("https://h/page"), "h", &t).is_ok());
        assert!(check_referer(Some("https://shop.example.com/x"), "h", &t).is_ok());
        assert!(check_referer(Some("https://partner.test/"), "h", &t).is_ok());
        assert_eq!(
            check_referer(Some("https://evil.test/x"), "h", &t),
            Err(Reject::BadReferer("https://evil.test/x".into()))
        );
    }
}
