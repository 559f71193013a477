//! Django's `ALLOWED_HOSTS`: which `Host` headers the site answers to.
//!
//! A request naming another host (DNS rebinding, a forged `Host` meant to end
//! up in absolute links) is refused with 400 before any side sees it, so
//! everything that builds a URL from the `Host` header
//! ([`scheme_and_host`](super::scheme_and_host)) only ever sees an allowed one.
//!
//! ```
//! use tandem::http::hosts::AllowedHosts;
//!
//! let hosts = AllowedHosts::new(vec![".example.com".into(), "[::1]".into()]);
//! assert!(hosts.check("shop.example.com:8000").is_ok());
//! assert!(hosts.check("example.com").is_ok());
//! assert!(hosts.check("[::1]:3000").is_ok());
//! let refused = hosts.check("evil.example").unwrap_err();
//! assert_eq!(
//!     refused.to_string(),
//!     "Invalid HTTP_HOST header: 'evil.example'. You may need to add 'evil.example' to `[server] allowed_hosts`."
//! );
//! ```

use axum::http::{HeaderMap, header};

use crate::config::Settings;

/// What an empty list means in development (Django's, with `DEBUG`).
pub const DEVELOPMENT_HOSTS: [&str; 3] = [".localhost", "127.0.0.1", "[::1]"];

/// A `Host` header the site does not answer to (Django's `DisallowedHost`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisallowedHost {
    /// Well formed, but not in the list.
    #[error("Invalid HTTP_HOST header: '{host}'. You may need to add '{domain}' to `[server] allowed_hosts`.")]
    NotAllowed {
        /// The header as sent.
        host: String,
        /// Its name without the port.
        domain: String,
    },
    /// Missing, repeated, or not a host name (RFC 1034/1035) or bracketed IPv6 address.
    #[error("Invalid HTTP_HOST header: '{host}'. The domain name provided is not valid according to RFC 1034/1035.")]
    Malformed {
        /// The header as sent (lossily decoded), empty when missing.
        host: String,
    },
}

/// The allowed host patterns, lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHosts {
    patterns: Vec<String>,
}

impl AllowedHosts {
    /// Exactly these patterns (`name`, `.domain`, `*`).
    pub fn new(patterns: Vec<String>) -> Self {
        Self { patterns: patterns.into_iter().map(|p| p.to_ascii_lowercase()).collect() }
    }

    /// `[server] allowed_hosts`, or [`DEVELOPMENT_HOSTS`] when it is empty in
    /// development. Empty in production allows nothing (start-up refuses it
    /// before that).
    pub fn from_settings(settings: &Settings) -> Self {
        let patterns = &settings.server.allowed_hosts;
        if patterns.is_empty() && settings.debug() {
            Self::new(DEVELOPMENT_HOSTS.iter().map(|p| p.to_string()).collect())
        } else {
            Self::new(patterns.clone())
        }
    }

    /// Checks a request's `Host` header; exactly one is required.
    pub fn check_headers(&self, headers: &HeaderMap) -> Result<(), DisallowedHost> {
        let mut values = headers.get_all(header::HOST).iter();
        match (values.next(), values.next()) {
            (Some(value), None) => match value.to_str() {
                Ok(host) => self.check(host),
                Err(_) => Err(DisallowedHost::Malformed { host: String::from_utf8_lossy(value.as_bytes()).into() }),
            },
            (Some(value), Some(_)) => {
                Err(DisallowedHost::Malformed { host: String::from_utf8_lossy(value.as_bytes()).into() })
            }
            (None, _) => Err(DisallowedHost::Malformed { host: String::new() }),
        }
    }

    /// Checks one `Host` value (port ignored) with Django's rules, without
    /// allocating when it is allowed.
    pub fn check(&self, host: &str) -> Result<(), DisallowedHost> {
        let Some(domain) = domain_of(host) else {
            return Err(DisallowedHost::Malformed { host: host.to_string() });
        };
        if self.patterns.iter().any(|pattern| pattern == "*" || is_same_domain(domain, pattern)) {
            Ok(())
        } else {
            Err(DisallowedHost::NotAllowed { host: host.to_string(), domain: domain.to_ascii_lowercase() })
        }
    }
}

/// Refuses a pattern that can never match a host: empty, or holding
/// whitespace, a scheme or a path.
///
/// ```
/// use tandem::http::hosts::check_pattern;
/// assert!(check_pattern(".example.com").is_ok() && check_pattern("*").is_ok());
/// assert!(check_pattern("https://example.com").is_err());
/// ```
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    if pattern.is_empty() {
        return Err("an empty host matches nothing; give a name such as `shop.example.com`".into());
    }
    if pattern.chars().any(|c| c.is_whitespace() || c == '/') {
        return Err(format!("`{pattern}` is not a host name (no scheme, path or spaces: `shop.example.com`)"));
    }
    Ok(())
}

/// Django's `split_domain_port`, keeping the domain: no port, no trailing
/// dot (case kept; every comparison ignores it); `None` when `host` is
/// neither `name[:port]` nor `[ipv6][:port]`.
fn domain_of(host: &str) -> Option<&str> {
    let split = if host.starts_with('[') { host.find(']').map(|i| i + 1) } else { host.find(':') };
    let (domain, port) = host.split_at(split.unwrap_or(host.len()));
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let port_ok = port.is_empty() || port.strip_prefix(':').is_some_and(digits);
    let domain_ok = match domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        Some(address) => is_ipv6_like(address),
        None => domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'),
    };
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    (port_ok && domain_ok && !domain.is_empty()).then_some(domain)
}

/// Django's `[a-f0-9]*:[a-f0-9.:]+` for the inside of `[…]`.
fn is_ipv6_like(address: &str) -> bool {
    match address.split_once(':') {
        Some((head, tail)) => {
            head.bytes().all(|b| b.is_ascii_hexdigit())
                && !tail.is_empty()
                && tail.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':')
        }
        None => false,
    }
}

/// Django's `is_same_domain` (`pattern` is lowercase, `host` ASCII): `pattern`
/// is `host`, or `.domain` and `host` is that domain or under it.
fn is_same_domain(host: &str, pattern: &str) -> bool {
    match pattern.strip_prefix('.') {
        Some(domain) => {
            host.eq_ignore_ascii_case(domain)
                || host
                    .len()
                    .checked_sub(pattern.len())
                    .is_some_and(|start| host[start..].eq_ignore_ascii_case(pattern))
        }
        None => host.eq_ignore_ascii_case(pattern),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_django() {
        assert_eq!(domain_of("Example.COM:8000"), Some("Example.COM"));
        assert_eq!(domain_of("example.com."), Some("example.com"));
        assert_eq!(domain_of("[::1]:3000"), Some("[::1]"));
        assert_eq!(domain_of("[2001:DB8::1]"), Some("[2001:DB8::1]"));
        for bad in
            ["", ":80", "a b", "example.com:", "example.com:x", "a:b:c", "[::1", "[zz]", "[::1]x", "é.example", "."]
        {
            assert_eq!(domain_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn matches_like_django() {
        let hosts = AllowedHosts::new(vec![".Example.com".into(), "exact.test".into()]);
        assert!(hosts.check("a.b.example.com").is_ok());
        assert!(hosts.check("EXAMPLE.com:1").is_ok());
        assert!(hosts.check("A.B.EXAMPLE.COM").is_ok());
        assert!(hosts.check("Exact.Test.").is_ok());
        assert!(hosts.check("badexample.com").is_err());
        assert!(hosts.check("exact.test").is_ok());
        assert!(hosts.check("sub.exact.test").is_err());
        assert!(AllowedHosts::new(vec!["*".into()]).check("anything.example:9").is_ok());
        assert!(matches!(AllowedHosts::new(vec!["*".into()]).check("a b"), Err(DisallowedHost::Malformed { .. })));
        assert!(AllowedHosts::new(Vec::new()).check("localhost").is_err());
    }

    #[test]
    fn exactly_one_host_header() {
        let hosts = AllowedHosts::new(vec!["a.test".into()]);
        let mut headers = HeaderMap::new();
        assert!(hosts.check_headers(&headers).is_err());
        headers.append(header::HOST, "a.test".parse().unwrap());
        assert!(hosts.check_headers(&headers).is_ok());
        headers.append(header::HOST, "a.test".parse().unwrap());
        assert!(hosts.check_headers(&headers).is_err());
    }
}
