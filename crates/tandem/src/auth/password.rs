//! Password hashing with Argon2id, stored in Django's format
//! (`argon2$argon2id$v=19$m=…,t=…,p=…$salt$hash`), so a hash written by
//! Django's `Argon2PasswordHasher` verifies here and the other way round.
//!
//! Hashes written by Django's other usual hashers verify too, so the users
//! of an existing Django database log in: `pbkdf2_sha256$…` (Django's
//! default) and `bcrypt_sha256$…`. Such a hash is replaced by Tandem's own
//! at the user's next successful login ([`must_update`]), as Django
//! upgrades a hash whose hasher is no longer the first of
//! `PASSWORD_HASHERS`.
//!
//! Hashing is deliberately slow (and takes ~19 MiB); call these through
//! [`hashing::run`](crate::auth::hashing::run), on the process's few hashing
//! threads, as [`authenticate`](crate::auth::authenticate) does.
//!
//! ```
//! use tandem::auth::password::{check_password, make_password};
//!
//! let encoded = make_password("correct horse");
//! assert!(encoded.starts_with("argon2$argon2id$"));
//! assert!(check_password("correct horse", &encoded));
//! assert!(!check_password("wrong", &encoded));
//! ```

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

const PREFIX: &str = "argon2";
const UNUSABLE_PREFIX: char = '!';

/// Hashes `raw` with a fresh salt.
pub fn make_password(raw: &str) -> String {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let Ok(salt) = SaltString::encode_b64(&salt_bytes) else { return make_unusable_password() };
    match Argon2::default().hash_password(raw.as_bytes(), &salt) {
        Ok(hash) => format!("{PREFIX}{hash}"),
        // Argon2 with default parameters only fails on absurd inputs
        // (> 4 GiB); such a password can never be used.
        Err(_) => make_unusable_password(),
    }
}

/// A value no password matches (Django's `set_unusable_password`).
pub fn make_unusable_password() -> String {
    format!("{UNUSABLE_PREFIX}{}", crate::sessions::store::new_key())
}

/// Whether `raw` matches `encoded`, written by Tandem or by Django's
/// Argon2, PBKDF2-SHA256 or bcrypt-SHA256 hasher. Unusable, malformed and
/// unknown hashes never match.
///
/// ```
/// use tandem::auth::password::{check_password, must_update};
///
/// // Written by Django 5.2's PBKDF2 hasher (1,000 iterations) for "wonderland-42".
/// let django = "pbkdf2_sha256$1000$YBvPyjSniDG65e1WxJGfHU$7WaOJShl455Uw2HBKzQxQz29ixjIs7EOQ6aASO/JZfo=";
/// assert!(check_password("wonderland-42", django));
/// assert!(!check_password("wonderland-43", django));
/// assert!(must_update(django), "replaced by Tandem's hasher at the next login");
/// ```
pub fn check_password(raw: &str, encoded: &str) -> bool {
    match encoded.split_once('$') {
        Some((PREFIX, _)) => check_argon2(raw, &encoded[PREFIX.len()..]),
        Some(("pbkdf2_sha256", rest)) => check_pbkdf2_sha256(raw, rest),
        Some(("bcrypt_sha256", bcrypt)) => check_bcrypt_sha256(raw, bcrypt),
        _ => false,
    }
}

/// Whether a hash that matched should be written again with Tandem's
/// hasher: it was written by another of Django's.
pub fn must_update(encoded: &str) -> bool {
    !encoded.starts_with(UNUSABLE_PREFIX) && encoded.split_once('$').is_some_and(|(algorithm, _)| algorithm != PREFIX)
}

/// Argon2: `phc` is the PHC string (`$argon2id$v=19$…`).
fn check_argon2(raw: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => Argon2::default().verify_password(raw.as_bytes(), &hash).is_ok(),
        Err(_) => false,
    }
}

/// Django's `PBKDF2PasswordHasher`: `iterations$salt$base64(PBKDF2-HMAC-SHA256, 32 bytes)`.
fn check_pbkdf2_sha256(raw: &str, stored: &str) -> bool {
    use base64::Engine;
    use subtle::ConstantTimeEq;
    let mut parts = stored.splitn(3, '$');
    let (Some(iterations), Some(salt), Some(expected)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(iterations) = iterations.parse::<u32>() else { return false };
    if iterations == 0 {
        return false;
    }
    let mut derived = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(raw.as_bytes(), salt.as_bytes(), iterations, &mut derived);
    let derived = base64::engine::general_purpose::STANDARD.encode(derived);
    derived.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// Django's `BCryptSHA256PasswordHasher`: bcrypt of the password's SHA-256
/// as hex (which keeps passwords past bcrypt's 72 bytes whole).
fn check_bcrypt_sha256(raw: &str, bcrypt_hash: &str) -> bool {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(raw.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    bcrypt::verify(hex, bcrypt_hash).unwrap_or(false)
}

/// Runs a full verification against a fixed hash, so that a login for an
/// unknown user costs what a wrong password costs (Django does the same).
pub fn burn_equal_time(raw: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| make_password("tandem-dummy-password"));
    let _ = check_password(raw, dummy);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salts_differ_and_unusable_never_matches() {
        let a = make_password("x");
        let b = make_password("x");
        assert_ne!(a, b);
        assert!(check_password("x", &a) && check_password("x", &b));
        let unusable = make_unusable_password();
        assert!(!check_password("", &unusable));
        assert!(!check_password("x", "argon2$garbage"));
        assert!(!check_password("x", ""));
    }

    #[test]
    fn verifies_a_hash_in_djangos_format() {
        // Made by argon2-cffi with Django's Argon2PasswordHasher parameters.
        let encoded =
            "argon2$argon2id$v=19$m=102400,t=2,p=8$m9NwhB4IDI5abELMgDl0qQ$+SLkJ3fIWK7EGga7hkCw7l/B6adsN4tnwtmm1TCOFNk";
        assert!(check_password("wonderland-42", encoded));
        assert!(!check_password("wonderland-43", encoded));
    }
}

#[cfg(test)]
mod django_hashes {
    use super::*;

    // Written by Django 5.2.20's hashers for "wonderland-42" (bcrypt at 4
    // rounds, PBKDF2 at 1,000 iterations, to keep the tests fast).
    const PBKDF2: &str = "pbkdf2_sha256$1000$YBvPyjSniDG65e1WxJGfHU$7WaOJShl455Uw2HBKzQxQz29ixjIs7EOQ6aASO/JZfo=";
    const BCRYPT: &str = "bcrypt_sha256$$2b$04$VUazz7/JWgJqHQdJKohpqOc7rnXu3wPqNTsXq2c/044MqOnBOolpy";
    const ARGON2: &str = "argon2$argon2id$v=19$m=102400,t=2,p=8$VlowQkNraW96UDl2TkpwYkNLTVBKMQ$\
                          GSn399nHdw62aT/IcttbLXisfZG5Oi2skP3fDLVQ3xE";
    // 100 × "x" and "é": past bcrypt's 72 bytes, and not ASCII.
    const LONG_PBKDF2: &str = "pbkdf2_sha256$1000$gKGfVJ6pDbJ6YT5VBrCP1H$i9ZbiIat4HSqiYS77HjiLhTkBlQHVZvBved1OFhxgd4=";

    #[test]
    fn hashes_written_by_django_verify() {
        for encoded in [PBKDF2, BCRYPT, ARGON2] {
            assert!(check_password("wonderland-42", encoded), "{encoded}");
            assert!(!check_password("wonderland-4", encoded), "{encoded}");
            assert!(!check_password("", encoded), "{encoded}");
        }
        let long = format!("{}é", "x".repeat(100));
        assert!(check_password(&long, LONG_PBKDF2));
        assert!(!check_password(&long[..long.len() - 2], LONG_PBKDF2));
        assert!(must_update(PBKDF2) && must_update(BCRYPT));
        assert!(!must_update(ARGON2) && !must_update(&make_password("new")));
    }

    #[test]
    fn tampered_and_unknown_hashes_never_match() {
        for encoded in [
            "pbkdf2_sha256$1000$YBvPyjSniDG65e1WxJGfHU$7WaOJShl455Uw2HBKzQxQz29ixjIs7EOQ6aASO/JZfp=",
            "pbkdf2_sha256$1001$YBvPyjSniDG65e1WxJGfHU$7WaOJShl455Uw2HBKzQxQz29ixjIs7EOQ6aASO/JZfo=",
            "pbkdf2_sha256$0$YBvPyjSniDG65e1WxJGfHU$",
            "pbkdf2_sha256$many$salt$hash",
            "pbkdf2_sha256$1000",
            "bcrypt_sha256$$2b$04$VUazz7/JWgJqHQdJKohpqOc7rnXu3wPqNTsXq2c/044MqOnBOolpz",
            "bcrypt_sha256$not bcrypt",
            "md5$salt$9a1b8e0f2c3d4e5f60718293a4b5c6d7",
            "sha1$x$y",
            "wonderland-42",
            "",
        ] {
            assert!(!check_password("wonderland-42", encoded), "{encoded}");
        }
        assert!(!must_update(&make_unusable_password()));
    }
}
