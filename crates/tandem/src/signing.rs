//! Signed values: Django's `django.core.signing` in Rust.
//!
//! A [`Signer`] appends an HMAC-SHA256 signature to a value
//! (`value:signature`), keyed from the application's secret and a *salt* that
//! names the purpose, so that a value signed for one purpose is refused by
//! every other. A [`TimestampSigner`] also signs when the value was signed
//! and refuses it after a maximum age. The output is byte for byte Django's:
//! a value signed by Django with the same secret and salt unsigns here, and the
//! other way round.
//!
//! The value is not encrypted: anyone can read it; only the server can make
//! a signature that [`Signer::unsign`] accepts.
//!
//! ```
//! use std::time::Duration;
//! use tandem::signing::{BadSignature, Signer, TimestampSigner};
//!
//! let secret = "the application's SECRET_KEY";
//! let signer = Signer::new(secret, "tandem.ui.ticket");
//! let signed = signer.sign("user:42");
//! assert_eq!(signer.unsign(&signed), Ok("user:42"));
//! assert_eq!(signer.unsign("user:43:forged"), Err(BadSignature::Mismatch));
//!
//! let tickets = TimestampSigner::new(secret, "tandem.ui.ticket");
//! let ticket = tickets.sign("user:42");
//! assert_eq!(tickets.unsign(&ticket, Duration::from_secs(60)), Ok("user:42"));
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// What separates a value from its signature (and from its timestamp).
pub const SEP: char = ':';

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

type HmacSha256 = Hmac<Sha256>;

/// Why a signed value was refused (Django's `BadSignature`, of which
/// `SignatureExpired` is one kind).
///
/// ```
/// use tandem::signing::{BadSignature, Signer};
///
/// let signer = Signer::new("secret", "purpose");
/// assert_eq!(signer.unsign("no separator"), Err(BadSignature::NoSeparator));
/// assert_eq!(BadSignature::Mismatch.to_string(), "signature does not match");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadSignature {
    /// The text has no `:`, so no signature.
    #[error("no \"{SEP}\" found in value")]
    NoSeparator,
    /// The signature is not the one the key and salt give (tampered value,
    /// another salt or another secret).
    #[error("signature does not match")]
    Mismatch,
    /// A correctly signed value whose timestamp is not base 62.
    #[error("the signed timestamp is not a base 62 number")]
    Timestamp,
    /// A correctly signed value that is older than allowed.
    #[error(transparent)]
    Expired(#[from] SignatureExpired),
}

/// A timestamped value older than the maximum age (Django's `SignatureExpired`).
///
/// ```
/// use tandem::signing::SignatureExpired;
///
/// let expired = SignatureExpired { age_seconds: 90, max_age_seconds: 60 };
/// assert_eq!(expired.to_string(), "signature age 90 > 60 seconds");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("signature age {age_seconds} > {max_age_seconds} seconds")]
pub struct SignatureExpired {
    /// How old the signature is, in whole seconds.
    pub age_seconds: u64,
    /// The age it was allowed, in whole seconds.
    pub max_age_seconds: u64,
}

/// Signs values with a secret and a salt (Django's `Signer` with its default
/// SHA-256 algorithm and `:` separator).
///
/// ```
/// use tandem::signing::Signer;
///
/// let signer = Signer::new("tandem-test-secret", "tandem.ui.ticket");
/// // The very string Django's Signer(key=…, salt=…).sign("hello") gives.
/// assert_eq!(signer.sign("hello"), "hello:ZsIS0_w0cvP2QH9u6T0eE4QuSm7MKQy01i_g4viVL0s");
/// ```
#[derive(Clone)]
pub struct Signer {
    /// The current key first, then the fallback keys still accepted.
    keys: Vec<HmacSha256>,
    salt: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("salt", &self.salt).field("keys", &self.keys.len()).finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for one purpose, named by `salt` (e.g. `"tandem.ui.ticket"`),
    /// keyed by the application's secret (`settings.secret_key`).
    ///
    /// ```
    /// let signer = tandem::signing::Signer::new("secret", "myapp.unsubscribe");
    /// assert!(signer.sign("alice@example.com").starts_with("alice@example.com:"));
    /// ```
    pub fn new(secret: impl AsRef<[u8]>, salt: &str) -> Self {
        let salt = salt.to_string();
        Self { keys: vec![hmac_for(&salt, secret.as_ref())], salt }
    }

    /// Also accepts signatures made with older secrets (Django's
    /// `SECRET_KEY_FALLBACKS`), so that rotating the secret does not
    /// invalidate what is in flight; new signatures use the current one.
    ///
    /// ```
    /// use tandem::signing::Signer;
    ///
    /// let old = Signer::new("old secret", "purpose").sign("v");
    /// let rotated = Signer::new("new secret", "purpose").with_fallback_keys(["old secret"]);
    /// assert_eq!(rotated.unsign(&old), Ok("v"));
    /// assert_ne!(rotated.sign("v"), old);
    /// ```
    pub fn with_fallback_keys<K: AsRef<[u8]>>(mut self, keys: impl IntoIterator<Item = K>) -> Self {
        let salt = self.salt.clone();
        self.keys.extend(keys.into_iter().map(|key| hmac_for(&salt, key.as_ref())));
        self
    }

    /// The signature of `value`: URL-safe base 64 without padding, 43 characters.
    ///
    /// ```
    /// let signer = tandem::signing::Signer::new("secret", "purpose");
    /// assert_eq!(signer.signature("v").len(), 43);
    /// ```
    pub fn signature(&self, value: &str) -> String {
        let mut mac = self.keys[0].clone();
        mac.update(value.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// `value:signature`.
    ///
    /// ```
    /// let signer = tandem::signing::Signer::new("secret", "purpose");
    /// let signed = signer.sign("a:b");
    /// assert_eq!(signer.unsign(&signed), Ok("a:b"));
    /// ```
    pub fn sign(&self, value: &str) -> String {
        format!("{value}{SEP}{}", self.signature(value))
    }

    /// The value of `signed` if its signature (after the last `:`) is this
    /// signer's, compared in constant time.
    ///
    /// ```
    /// use tandem::signing::{BadSignature, Signer};
    ///
    /// let signer = Signer::new("secret", "purpose");
    /// let signed = signer.sign("42");
    /// assert_eq!(signer.unsign(&signed), Ok("42"));
    /// assert_eq!(signer.unsign(&signed.replacen("42", "43", 1)), Err(BadSignature::Mismatch));
    /// assert_eq!(Signer::new("secret", "other").unsign(&signed), Err(BadSignature::Mismatch));
    /// ```
    pub fn unsign<'a>(&self, signed: &'a str) -> Result<&'a str, BadSignature> {
        let (value, signature) = signed.rsplit_once(SEP).ok_or(BadSignature::NoSeparator)?;
        // Strict decoding (no padding, no stray bits): one text per signature,
        // as Django's comparison of the encoded strings.
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| BadSignature::Mismatch)?;
        let matches = self.keys.iter().any(|key| {
            let mut mac = key.clone();
            mac.update(value.as_bytes());
            mac.verify_slice(&signature).is_ok()
        });
        if matches { Ok(value) } else { Err(BadSignature::Mismatch) }
    }
}

/// Django's `salted_hmac(salt + "signer", value, secret)` key: SHA-256 of the
/// salt and the secret.
fn hmac_for(salt: &str, secret: &[u8]) -> HmacSha256 {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(b"signer");
    hasher.update(secret);
    // HMAC pads a key shorter than its 64-byte block with zeros: padding the
    // 32-byte digest here is the same key, given without a fallible call.
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(&hasher.finalize());
    HmacSha256::new(&block.into())
}

/// Django's `salted_hmac(key_salt, value, secret, algorithm="sha256")`: the
/// HMAC-SHA256 of `value` under the key SHA-256(`key_salt` + `secret`), as
/// raw bytes (Django's `.digest()`; hex-encode for `.hexdigest()`). For
/// values Django itself makes this way, such as password-reset tokens
/// ([`crate::auth::tokens`]); a [`Signer`] with salt `s` uses key salt
/// `s + "signer"`.
///
/// ```
/// // Python: salted_hmac("salt", "value", secret="secret", algorithm="sha256").hexdigest()
/// let mac = tandem::signing::salted_hmac("salt", b"value", b"secret");
/// let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
/// assert_eq!(hex, "debaddcd9ecbaab181289870baf8af49b0af0a7050d620d1a63f1e69bd87ceb8");
/// ```
pub fn salted_hmac(key_salt: &str, value: &[u8], secret: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(key_salt.as_bytes());
    hasher.update(secret);
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(&hasher.finalize());
    let mut mac = HmacSha256::new(&block.into());
    mac.update(value);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 of `parts` (each ended by a NUL byte) under a key derived
/// from `salt` and `secret` (as Django's `salted_hmac`, the key a [`Signer`]
/// with the same salt uses), in lower-case hex. For tokens that carry their
/// own layout (tab tokens, session keys, login tickets).
///
/// ```
/// let mac = tandem::signing::mac_hex("secret", "tandem.example", &["a", "b"]);
/// assert_eq!(mac.len(), 64);
/// assert_ne!(mac, tandem::signing::mac_hex("secret", "tandem.other", &["a", "b"]), "salts separate uses");
/// assert_ne!(mac, tandem::signing::mac_hex("secret", "tandem.example", &["ab", ""]), "parts are delimited");
/// ```
pub fn mac_hex(secret: &str, salt: &str, parts: &[&str]) -> String {
    let mut mac = hmac_for(salt, secret.as_bytes());
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

/// Signs values with the time they were signed, and refuses them after a
/// maximum age (Django's `TimestampSigner`: `value:timestamp:signature`, the
/// timestamp in base 62 seconds).
///
/// ```
/// use std::time::Duration;
/// use tandem::signing::{BadSignature, TimestampSigner};
///
/// let signer = TimestampSigner::new("tandem-test-secret", "tandem.ui.ticket");
/// // Django's TimestampSigner(…).sign("hello") at 2023-11-14 22:13:20 UTC.
/// let signed = "hello:1r31eq:17LppgFoBYqanvv8NETiVbxDPJM5cD31JZbvgVPzy5A";
/// assert_eq!(signer.sign_at("hello", 1_700_000_000), signed);
/// assert!(matches!(signer.unsign(signed, Duration::from_secs(3600)), Err(BadSignature::Expired(_))));
/// ```
#[derive(Debug, Clone)]
pub struct TimestampSigner {
    signer: Signer,
}

impl TimestampSigner {
    /// A timestamping signer for one purpose (see [`Signer::new`]).
    ///
    /// ```
    /// let tokens = tandem::signing::TimestampSigner::new("secret", "tandem.ui.tab");
    /// assert_eq!(tokens.sign("t").matches(':').count(), 2);
    /// ```
    pub fn new(secret: impl AsRef<[u8]>, salt: &str) -> Self {
        Self { signer: Signer::new(secret, salt) }
    }

    /// Also accepts signatures made with older secrets (see
    /// [`Signer::with_fallback_keys`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use tandem::signing::TimestampSigner;
    ///
    /// let old = TimestampSigner::new("old", "p").sign("v");
    /// let rotated = TimestampSigner::new("new", "p").with_fallback_keys(["old"]);
    /// assert_eq!(rotated.unsign(&old, Duration::from_secs(5)), Ok("v"));
    /// ```
    pub fn with_fallback_keys<K: AsRef<[u8]>>(self, keys: impl IntoIterator<Item = K>) -> Self {
        Self { signer: self.signer.with_fallback_keys(keys) }
    }

    /// `value:timestamp:signature`, signed now.
    ///
    /// ```
    /// let signer = tandem::signing::TimestampSigner::new("secret", "purpose");
    /// assert!(signer.sign("v").starts_with("v:"));
    /// ```
    pub fn sign(&self, value: &str) -> String {
        self.sign_at(value, unix_now().as_secs() as i64)
    }

    /// `value:timestamp:signature`, as signed at `unix_seconds`.
    ///
    /// ```
    /// let signer = tandem::signing::TimestampSigner::new("secret", "purpose");
    /// assert!(signer.sign_at("v", 0).starts_with("v:0:"));
    /// ```
    pub fn sign_at(&self, value: &str, unix_seconds: i64) -> String {
        self.signer.sign(&format!("{value}{SEP}{}", b62_encode(unix_seconds)))
    }

    /// The value of `signed` if its signature is this signer's and it was
    /// signed at most `max_age` ago; an older one is
    /// [`BadSignature::Expired`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use tandem::signing::TimestampSigner;
    ///
    /// let signer = TimestampSigner::new("secret", "purpose");
    /// let signed = signer.sign("v");
    /// assert_eq!(signer.unsign(&signed, Duration::from_secs(60)), Ok("v"));
    /// ```
    pub fn unsign<'a>(&self, signed: &'a str, max_age: Duration) -> Result<&'a str, BadSignature> {
        let (value, signed_at) = self.unsign_timestamp(signed)?;
        let age = unix_now().saturating_sub(Duration::from_secs(signed_at.max(0) as u64));
        if age > max_age {
            return Err(SignatureExpired { age_seconds: age.as_secs(), max_age_seconds: max_age.as_secs() }.into());
        }
        Ok(value)
    }

    /// The value of `signed` and when it was signed (Unix seconds), whatever
    /// its age, if its signature is this signer's.
    ///
    /// ```
    /// let signer = tandem::signing::TimestampSigner::new("secret", "purpose");
    /// let signed = signer.sign_at("v", 1_700_000_000);
    /// assert_eq!(signer.unsign_timestamp(&signed), Ok(("v", 1_700_000_000)));
    /// ```
    pub fn unsign_timestamp<'a>(&self, signed: &'a str) -> Result<(&'a str, i64), BadSignature> {
        let value = self.signer.unsign(signed)?;
        let (value, timestamp) = value.rsplit_once(SEP).ok_or(BadSignature::NoSeparator)?;
        Ok((value, b62_decode(timestamp).ok_or(BadSignature::Timestamp)?))
    }
}

fn unix_now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// Django's `b62_encode`: digits, then upper case, then lower case; a leading
/// `-` for negative numbers.
fn b62_encode(number: i64) -> String {
    let mut rest = number.unsigned_abs();
    let mut digits = Vec::new();
    loop {
        digits.push(BASE62[(rest % 62) as usize]);
        rest /= 62;
        if rest == 0 {
            break;
        }
    }
    if number < 0 {
        digits.push(b'-');
    }
    digits.iter().rev().map(|&b| char::from(b)).collect()
}

/// Django's `b62_decode`; `None` for a character outside the alphabet or a
/// number too large.
fn b62_decode(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, text),
    };
    if digits.is_empty() {
        return Some(0);
    }
    let mut number: i64 = 0;
    for byte in digits.bytes() {
        let digit = BASE62.iter().position(|&b| b == byte)? as i64;
        number = number.checked_mul(62)?.checked_add(digit)?;
    }
    Some(if negative { -number } else { number })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "tandem-test-secret";

    /// Made with Django 5.2: `Signer(key="tandem-test-secret", salt=…).sign(…)`.
    #[test]
    fn signs_as_django_does() {
        let signer = Signer::new(SECRET, "tandem.ui.ticket");
        assert_eq!(signer.sign("hello"), "hello:ZsIS0_w0cvP2QH9u6T0eE4QuSm7MKQy01i_g4viVL0s");
        assert_eq!(signer.sign(""), ":fsDZng8VCMnorQxzNmiS8_radO0FrF3BeXBks57WwQM");
        assert_eq!(signer.sign("a:b"), "a:b:NtVk9c9B5WwZG6YS-d6JHPMU3KoyLX1bPoj-mcmZPDY");
        assert_eq!(signer.sign("café ☕"), "café ☕:svaHYzXp4PXdaZbvPpD4I6t4hL8-FncT6C4_8dA_kLY");
        // Django's default salt is the class's dotted path.
        let default = Signer::new(SECRET, "django.core.signing.Signer");
        assert_eq!(default.unsign("hello:A3jRgvza3r3Z-0_vethmSEi8lH-wtUJGRbriYkrBibI"), Ok("hello"));
        let timestamped = TimestampSigner::new(SECRET, "tandem.ui.ticket");
        assert_eq!(
            timestamped.sign_at("hello", 1_700_000_000),
            "hello:1r31eq:17LppgFoBYqanvv8NETiVbxDPJM5cD31JZbvgVPzy5A"
        );
    }

    #[test]
    fn tampering_wrong_salt_and_wrong_key_are_refused() {
        let signer = Signer::new(SECRET, "tandem.ui.ticket");
        let signed = signer.sign("user:42");
        assert_eq!(signer.unsign(&signed), Ok("user:42"));
        assert_eq!(signer.unsign(&signed.replace("42", "43")), Err(BadSignature::Mismatch));
        assert_eq!(Signer::new(SECRET, "tandem.ui.tab").unsign(&signed), Err(BadSignature::Mismatch));
        assert_eq!(Signer::new("another secret", "tandem.ui.ticket").unsign(&signed), Err(BadSignature::Mismatch));
        assert_eq!(signer.unsign("user42"), Err(BadSignature::NoSeparator));
        // A signature cut short, padded, or with stray trailing bits.
        let (value, signature) = signed.rsplit_once(':').unwrap();
        assert_eq!(signer.unsign(&format!("{value}:{}", &signature[..42])), Err(BadSignature::Mismatch));
        assert_eq!(signer.unsign(&format!("{signed}=")), Err(BadSignature::Mismatch));
        let last = signature.chars().last().unwrap();
        for other in ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'].into_iter().filter(|c| *c != last) {
            let mut forged = signature[..42].to_string();
            forged.push(other);
            assert_eq!(signer.unsign(&format!("{value}:{forged}")), Err(BadSignature::Mismatch));
        }
        assert_eq!(signer.unsign(&format!("{value}:")), Err(BadSignature::Mismatch));
    }

    #[test]
    fn timestamps_expire() {
        let signer = TimestampSigner::new(SECRET, "tandem.ui.ticket");
        let now = unix_now().as_secs() as i64;
        let fresh = signer.sign_at("v", now - 10);
        assert_eq!(signer.unsign(&fresh, Duration::from_secs(60)), Ok("v"));
        let stale = signer.sign_at("v", now - 120);
        match signer.unsign(&stale, Duration::from_secs(60)) {
            Err(BadSignature::Expired(expired)) => {
                assert!(expired.age_seconds >= 120 && expired.max_age_seconds == 60, "{expired:?}")
            }
            other => panic!("expected an expired signature, got {other:?}"),
        }
        assert_eq!(signer.unsign(&stale, Duration::from_secs(3600)), Ok("v"));
        // The timestamp is signed too.
        let moved = stale.replacen(&b62_encode(now - 120), &b62_encode(now), 1);
        assert_eq!(signer.unsign(&moved, Duration::from_secs(60)), Err(BadSignature::Mismatch));
        // A plain signature under the same salt is not a timestamped one.
        let plain = Signer::new(SECRET, "tandem.ui.ticket");
        assert_eq!(signer.unsign(&plain.sign("v"), Duration::from_secs(60)), Err(BadSignature::NoSeparator));
        assert_eq!(signer.unsign(&plain.sign("v:!!"), Duration::from_secs(60)), Err(BadSignature::Timestamp));
    }

    #[test]
    fn mac_hex_keeps_its_derivation() {
        // The key main's tokens were made with: SHA-256(salt, "signer", secret).
        let key = Sha256::new().chain_update("tandem.example").chain_update(b"signer").chain_update(SECRET).finalize();
        let mut mac = HmacSha256::new_from_slice(&key).unwrap();
        mac.update(b"a\0b\0");
        let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(mac_hex(SECRET, "tandem.example", &["a", "b"]), expected);
    }

    #[test]
    fn base62_round_trips() {
        assert_eq!(b62_encode(1_700_000_000), "1r31eq");
        assert_eq!(b62_encode(0), "0");
        assert_eq!(b62_encode(-5), "-5");
        for n in [0, 1, 61, 62, -62, i64::MAX, i64::MIN + 1, 1_700_000_000] {
            assert_eq!(b62_decode(&b62_encode(n)), Some(n), "{n}");
        }
        assert_eq!(b62_decode("zzzzzzzzzzzzzzzz"), None, "overflow");
        assert_eq!(b62_decode("a-b"), None);
    }
}
