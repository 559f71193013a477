//! Django's CSRF secrets and tokens (`django/middleware/csrf.py`).
//!
//! A secret is 32 characters of `[a-zA-Z0-9]`. A token sent by a client is
//! either the secret itself or a 64-character masked copy: a fresh random
//! 32-character mask followed by the secret "added" to the mask character by
//! character, modulo 62. Masking makes every handed-out token different (no
//! BREACH-style compression oracle) while all of them verify.
//!
//! ```
//! use tandem::csrf::token::{check_token, mask_secret, new_secret, Source};
//!
//! let secret = new_secret();
//! let a = mask_secret(&secret);
//! let b = mask_secret(&secret);
//! assert_ne!(a, b);
//! assert!(check_token(&a, &secret, Source::Header).is_ok());
//! assert!(check_token(&b, &secret, Source::Form).is_ok());
//! assert!(check_token(&secret, &secret, Source::Header).is_ok());
//! ```

use rand::Rng;
use subtle::ConstantTimeEq;

/// Django's `CSRF_ALLOWED_CHARS`, in its order (the order is part of the
/// masking arithmetic).
pub const ALLOWED_CHARS: &[u8; 62] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// Length of a secret.
pub const SECRET_LENGTH: usize = 32;
/// Length of a masked token.
pub const TOKEN_LENGTH: usize = 64;

/// Where the request's token came from; it is named in failure reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The `X-CSRFToken` header.
    Header,
    /// The `csrfmiddlewaretoken` field of a POSTed form.
    Form,
}

impl Source {
    fn describe(self) -> &'static str {
        match self {
            Source::Header => "the 'X-Csrftoken' HTTP header",
            Source::Form => "POST",
        }
    }
}

/// What is wrong with a token or cookie value (Django's `InvalidTokenFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatProblem {
    /// Neither 32 nor 64 characters.
    IncorrectLength,
    /// A character outside `[a-zA-Z0-9]`.
    InvalidCharacters,
}

impl FormatProblem {
    fn text(self) -> &'static str {
        match self {
            FormatProblem::IncorrectLength => "has incorrect length",
            FormatProblem::InvalidCharacters => "has invalid characters",
        }
    }
}

/// Why a request was refused; [`Reject::reason`] is Django's exact text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reject {
    /// `Origin` names another site.
    BadOrigin(String),
    /// HTTPS request without `Origin` or `Referer`.
    NoReferer,
    /// `Referer` is not an absolute URL.
    MalformedReferer,
    /// `Referer` is plain HTTP while the request is HTTPS.
    InsecureReferer,
    /// `Referer` names another site.
    BadReferer(String),
    /// No `csrftoken` cookie.
    NoCookie,
    /// The cookie is malformed.
    BadCookie(FormatProblem),
    /// No token in the form field or header.
    NoToken,
    /// The token is malformed.
    BadToken(Source, FormatProblem),
    /// The token does not match the cookie.
    IncorrectToken(Source),
}

impl Reject {
    /// Django's reason text, e.g. `CSRF token from POST incorrect.`
    ///
    /// ```
    /// use tandem::csrf::token::{Reject, Source};
    /// assert_eq!(
    ///     Reject::IncorrectToken(Source::Header).reason(),
    ///     "CSRF token from the 'X-Csrftoken' HTTP header incorrect."
    /// );
    /// ```
    pub fn reason(&self) -> String {
        match self {
            Reject::BadOrigin(origin) => {
                format!("Origin checking failed - {origin} does not match any trusted origins.")
            }
            Reject::NoReferer => "Referer checking failed - no Referer.".into(),
            Reject::MalformedReferer => "Referer checking failed - Referer is malformed.".into(),
            Reject::InsecureReferer => "Referer checking failed - Referer is insecure while host is secure.".into(),
            Reject::BadReferer(referer) => {
                format!("Referer checking failed - {referer} does not match any trusted origins.")
            }
            Reject::NoCookie => "CSRF cookie not set.".into(),
            Reject::BadCookie(problem) => format!("CSRF cookie {}.", problem.text()),
            Reject::NoToken => "CSRF token missing.".into(),
            Reject::BadToken(source, problem) => format!("CSRF token from {} {}.", source.describe(), problem.text()),
            Reject::IncorrectToken(source) => format!("CSRF token from {} incorrect.", source.describe()),
        }
    }
}

fn index(c: u8) -> Option<usize> {
    ALLOWED_CHARS.iter().position(|&a| a == c)
}

fn random_string() -> String {
    let mut rng = rand::rng();
    (0..SECRET_LENGTH).map(|_| ALLOWED_CHARS[rng.random_range(0..ALLOWED_CHARS.len())] as char).collect()
}

/// A new random secret (Django's `_get_new_csrf_string`).
pub fn new_secret() -> String {
    random_string()
}

/// `secret` under a fresh random mask: 64 characters.
pub fn mask_secret(secret: &str) -> String {
    mask_with(secret, &random_string())
}

fn mask_with(secret: &str, mask: &str) -> String {
    let cipher: String = secret
        .bytes()
        .zip(mask.bytes())
        .map(|(s, m)| ALLOWED_CHARS[(index(s).unwrap_or(0) + index(m).unwrap_or(0)) % 62] as char)
        .collect();
    format!("{mask}{cipher}")
}

/// The secret inside a well-formed 64-character token.
pub fn unmask_token(token: &str) -> String {
    let (mask, cipher) = token.split_at(token.len().min(SECRET_LENGTH));
    cipher
        .bytes()
        .zip(mask.bytes())
        .map(|(c, m)| ALLOWED_CHARS[(index(c).unwrap_or(0) + 62 - index(m).unwrap_or(0)) % 62] as char)
        .collect()
}

/// Django's `_check_token_format`: 32 or 64 characters of `[a-zA-Z0-9]`.
pub fn check_format(value: &str) -> Result<(), FormatProblem> {
    if value.len() != SECRET_LENGTH && value.len() != TOKEN_LENGTH {
        return Err(FormatProblem::IncorrectLength);
    }
    if !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(FormatProblem::InvalidCharacters);
    }
    Ok(())
}

/// The secret of a `csrftoken` cookie value (an older masked cookie is
/// unmasked, as Django does), or why it is malformed.
pub fn cookie_secret(cookie: &str) -> Result<String, Reject> {
    check_format(cookie).map_err(Reject::BadCookie)?;
    Ok(if cookie.len() == TOKEN_LENGTH { unmask_token(cookie) } else { cookie.to_string() })
}

/// Checks a request's token against the cookie's secret, in constant time.
pub fn check_token(token: &str, secret: &str, source: Source) -> Result<(), Reject> {
    check_format(token).map_err(|problem| Reject::BadToken(source, problem))?;
    let candidate = if token.len() == TOKEN_LENGTH { unmask_token(token) } else { token.to_string() };
    if bool::from(candidate.as_bytes().ct_eq(secret.as_bytes())) { Ok(()) } else { Err(Reject::IncorrectToken(source)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_every_mask_verifies() {
        for _ in 0..200 {
            let secret = new_secret();
            assert_eq!(secret.len(), 32);
            let token = mask_secret(&secret);
            assert_eq!(token.len(), 64);
            assert_eq!(unmask_token(&token), secret);
            assert!(check_token(&token, &secret, Source::Header).is_ok());
        }
    }

    #[test]
    fn matches_djangos_arithmetic() {
        // Django: _mask_cipher_secret with mask "b"*32 shifts every character by one.
        let secret = "a".repeat(31) + "9";
        let token = mask_with(&secret, &"b".repeat(32));
        assert_eq!(&token[32..], "b".repeat(31) + "a");
        // A vector computed in python3 with the expression of Django's
        // `_mask_cipher_secret`.
        let secret = "abcdefghijklmnopqrstuvwxyzABCDEF";
        let mask = "0123456789abcdefghijklmnopqrstuv";
        let token = mask_with(secret, mask);
        assert_eq!(&token[32..], "02468acegikmoqsuwyACEGIKMOQSUWY0");
        assert_eq!(unmask_token(&token), secret);
    }

    #[test]
    fn another_secret_is_incorrect() {
        let token = mask_secret(&new_secret());
        assert_eq!(check_token(&token, &new_secret(), Source::Form), Err(Reject::IncorrectToken(Source::Form)));
    }

    #[test]
    fn malformed_tokens_and_cookies() {
        let secret = new_secret();
        for len in [0, 31, 33, 63, 65] {
            let token = "a".repeat(len);
            assert_eq!(
                check_token(&token, &secret, Source::Header),
                Err(Reject::BadToken(Source::Header, FormatProblem::IncorrectLength))
            );
        }
        for bad in ["-", "_", "é"] {
            let token = format!("{}{bad}", "a".repeat(32 - bad.len()));
            assert_eq!(
                check_token(&token, &secret, Source::Form),
                Err(Reject::BadToken(Source::Form, FormatProblem::InvalidCharacters))
            );
        }
        assert_eq!(cookie_secret("short"), Err(Reject::BadCookie(FormatProblem::IncorrectLength)));
        let masked = mask_secret(&secret);
        assert_eq!(cookie_secret(&masked), Ok(secret));
    }

    #[test]
    fn reasons_are_djangos() {
        use FormatProblem::*;
        let cases = [
            (Reject::NoCookie, "CSRF cookie not set."),
            (Reject::NoToken, "CSRF token missing."),
            (Reject::BadCookie(IncorrectLength), "CSRF cookie has incorrect length."),
            (
                Reject::BadToken(Source::Header, InvalidCharacters),
                "CSRF token from the 'X-Csrftoken' HTTP header has invalid characters.",
            ),
            (Reject::BadToken(Source::Form, IncorrectLength), "CSRF token from POST has incorrect length."),
            (Reject::IncorrectToken(Source::Form), "CSRF token from POST incorrect."),
            (Reject::NoReferer, "Referer checking failed - no Referer."),
            (
                Reject::BadOrigin("https://evil.example".into()),
                "Origin checking failed - https://evil.example does not match any trusted origins.",
            ),
        ];
        for (reject, text) in cases {
            assert_eq!(reject.reason(), text);
        }
    }
}
