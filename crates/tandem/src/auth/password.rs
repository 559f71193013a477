//! Password hashing with Argon2id, stored in Django's format
//! (`argon2$argon2id$v=19$m=…,t=…,p=…$salt$hash`), so a hash written by
//! Django's `Argon2PasswordHasher` verifies here and the other way round.
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

/// Whether `raw` matches `encoded`. Unusable and malformed hashes never match.
pub fn check_password(raw: &str, encoded: &str) -> bool {
    let Some(phc) = encoded.strip_prefix(PREFIX) else { return false };
    match PasswordHash::new(phc) {
        Ok(hash) => Argon2::default().verify_password(raw.as_bytes(), &hash).is_ok(),
        Err(_) => false,
    }
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
