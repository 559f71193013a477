//! Values signed with the application's `SECRET_KEY`.
//!
//! ```
//! let mac = tandem::signing::mac_hex("secret", "tandem.example", &["a", "b"]);
//! assert_eq!(mac.len(), 64);
//! assert_ne!(mac, tandem::signing::mac_hex("secret", "tandem.other", &["a", "b"]), "salts separate uses");
//! assert_ne!(mac, tandem::signing::mac_hex("secret", "tandem.example", &["ab", ""]), "parts are delimited");
//! ```

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// HMAC-SHA256 of `parts` (each ended by a NUL byte) under a key derived
/// from `salt` and `secret` (as Django's `salted_hmac`), in lower-case hex.
pub fn mac_hex(secret: &str, salt: &str, parts: &[&str]) -> String {
    let key = Sha256::new().chain_update(salt).chain_update(b"signer").chain_update(secret).finalize();
    // A 32-byte key always fits HMAC-SHA256.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else { return String::new() };
    for part in parts {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two byte strings in constant time (for their common length).
///
/// ```
/// assert!(tandem::signing::equal(b"abc", b"abc"));
/// assert!(!tandem::signing::equal(b"abc", b"abd"));
/// assert!(!tandem::signing::equal(b"abc", b"ab"));
/// ```
pub fn equal(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
