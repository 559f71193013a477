//! Tab tokens: 48 lower-case hexadecimal characters, the first 24 random,
//! the last 24 a MAC (HMAC-SHA256 under the application's `SECRET_KEY`) of
//! the random part and the session the tab was made for. A page load hands
//! out a token without storing anything; the tab is made when the page's
//! runtime connects with it, and only for the same session. Anything not of
//! this shape is refused before it reaches a map or a store.
//!
//! ```
//! use tandem::ui::tokens;
//! let token = tokens::mint("secret", "the-session-key");
//! assert!(tokens::is_well_formed(&token));
//! assert!(tokens::minted_for("secret", &token, "the-session-key"));
//! assert!(!tokens::minted_for("secret", &token, "another-session"));
//! assert!(!tokens::minted_for("other secret", &token, "the-session-key"));
//! assert!(!tokens::is_well_formed("x".repeat(100_000).as_str()));
//! ```

/// Characters in a token.
pub const LEN: usize = 48;
const RANDOM: usize = 24;

const SALT: &str = "tandem.ui.token";

/// A new token for a tab of the session `session_key`.
pub fn mint(secret: &str, session_key: &str) -> String {
    let random = crate::random::hex(RANDOM / 2);
    let mac = crate::signing::mac_hex(secret, SALT, &[&random, session_key]);
    format!("{random}{}", &mac[..LEN - RANDOM])
}

/// Whether `token` has a token's shape (the only tokens any map or store sees).
pub fn is_well_formed(token: &str) -> bool {
    token.len() == LEN && token.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `token` was minted by this application for `session_key`.
pub fn minted_for(secret: &str, token: &str, session_key: &str) -> bool {
    if !is_well_formed(token) {
        return false;
    }
    let (random, mac) = token.split_at(RANDOM);
    let expected = crate::signing::mac_hex(secret, SALT, &[random, session_key]);
    crate::signing::equal(mac.as_bytes(), &expected.as_bytes()[..LEN - RANDOM])
}
