//! Random identifiers from the operating system's CSPRNG.
//!
//! ```
//! let token = tandem::random::hex(24);
//! assert_eq!(token.len(), 48);
//! assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
//! ```

use rand::RngCore;

/// `bytes` random bytes as lower-case hexadecimal (twice as many characters).
pub fn hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}
