//! Password-reset tokens: Django's `django.contrib.auth.tokens` and the
//! `uidb64` of its reset links, byte for byte.
//!
//! A reset link carries the user's id, encoded with [`uid_encode`], and a
//! token from [`PasswordResetTokenGenerator::make_token`]:
//! `/reset/{uidb64}/{token}/`. The token is `{timestamp}-{hash}`: the time it
//! was made (seconds since 2001-01-01, base 36) and half of an HMAC-SHA256
//! (keyed from `SECRET_KEY`) of the user's id, password hash, last login, that
//! time and email address. So a token stops working when the password
//! changes (it is used once), when the user logs in, when the email changes,
//! after `[auth] password_reset_timeout_seconds` (3 days by default) and when
//! `SECRET_KEY` changes. Nothing is stored: the token is checked by making
//! it again.
//!
//! A token made by Django with the same `SECRET_KEY` for the same user row
//! is accepted here, and the other way round (with Django's `TIME_ZONE =
//! "UTC"`: Django counts its timestamp in the server's local time, Tandem in
//! UTC, which only moves the expiry by the offset).
//!
//! ```
//! use tandem::auth::tokens::{PasswordResetTokenGenerator, uid_decode, uid_encode};
//! # let user = tandem::auth::User {
//! #     id: 42, password: "argon2$argon2id$…".into(), last_login: None, is_superuser: false,
//! #     username: "bob".into(), first_name: String::new(), last_name: String::new(),
//! #     email: "bob@example.com".into(), is_staff: false, is_active: true,
//! #     date_joined: chrono::Utc::now(),
//! # };
//! let tokens = PasswordResetTokenGenerator::new("the SECRET_KEY", 259_200);
//! let link = format!("/reset/{}/{}/", uid_encode(user.id), tokens.make_token(&user));
//!
//! // The reset page: find the user by `uid_decode(uidb64)`, then
//! assert_eq!(uid_decode("NDI"), Some(42));
//! let token = link.trim_end_matches('/').rsplit('/').next().unwrap();
//! assert!(tokens.check_token(&user, token));
//! ```

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};

use super::User;
use crate::signing::{equal, salted_hmac};

/// Django's `PASSWORD_RESET_TIMEOUT` default: 3 days, in seconds.
pub const DEFAULT_PASSWORD_RESET_TIMEOUT: u64 = 259_200;

/// Django's `PasswordResetTokenGenerator.key_salt`.
pub const KEY_SALT: &str = "django.contrib.auth.tokens.PasswordResetTokenGenerator";

/// The longest token [`PasswordResetTokenGenerator::check_token`] looks at:
/// 13 base 36 digits (Django's limit), the dash and 32 hex digits.
const MAX_TOKEN_LEN: usize = 13 + 1 + 32;

/// Makes and checks password-reset tokens (Django's
/// `PasswordResetTokenGenerator`, algorithm SHA-256).
///
/// ```
/// use tandem::auth::tokens::PasswordResetTokenGenerator;
/// # let user = tandem::auth::User {
/// #     id: 1, password: "hash".into(), last_login: None, is_superuser: false,
/// #     username: "alice".into(), first_name: String::new(), last_name: String::new(),
/// #     email: String::new(), is_staff: false, is_active: true, date_joined: chrono::Utc::now(),
/// # };
/// let tokens = PasswordResetTokenGenerator::new("secret", 3600);
/// let token = tokens.make_token(&user);
/// assert!(tokens.check_token(&user, &token));
/// assert!(!tokens.check_token(&user, "dj7tc0-00000000000000000000000000000000"));
/// ```
#[derive(Clone)]
pub struct PasswordResetTokenGenerator {
    secret: String,
    fallbacks: Vec<String>,
    timeout_seconds: u64,
}

impl std::fmt::Debug for PasswordResetTokenGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordResetTokenGenerator")
            .field("timeout_seconds", &self.timeout_seconds)
            .finish_non_exhaustive()
    }
}

impl PasswordResetTokenGenerator {
    /// A generator keyed by `secret` (the application's `SECRET_KEY`) whose
    /// tokens expire after `timeout_seconds`.
    ///
    /// ```
    /// let tokens = tandem::auth::tokens::PasswordResetTokenGenerator::new("secret", 259_200);
    /// assert_eq!(tokens.timeout_seconds(), 259_200);
    /// ```
    pub fn new(secret: impl Into<String>, timeout_seconds: u64) -> Self {
        Self { secret: secret.into(), fallbacks: Vec::new(), timeout_seconds }
    }

    /// The generator of an application: `SECRET_KEY` and `[auth]
    /// password_reset_timeout_seconds`.
    ///
    /// ```
    /// let settings = tandem::config::Settings::from_toml_str(
    ///     "[app]\nname = \"x\"\n[auth]\npassword_reset_timeout_seconds = 600\n",
    ///     std::path::Path::new("Tandem.toml"),
    /// )
    /// .unwrap();
    /// let tokens = tandem::auth::tokens::PasswordResetTokenGenerator::from_settings(&settings);
    /// assert_eq!(tokens.timeout_seconds(), 600);
    /// ```
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        Self::new(settings.secret_key.clone(), settings.auth.password_reset_timeout_seconds)
    }

    /// Also accepts tokens made with these older secrets (Django's
    /// `SECRET_KEY_FALLBACKS`); new tokens use the main secret.
    ///
    /// ```
    /// use tandem::auth::tokens::PasswordResetTokenGenerator;
    /// # let user = tandem::auth::User {
    /// #     id: 1, password: "hash".into(), last_login: None, is_superuser: false,
    /// #     username: "alice".into(), first_name: String::new(), last_name: String::new(),
    /// #     email: String::new(), is_staff: false, is_active: true, date_joined: chrono::Utc::now(),
    /// # };
    /// let old = PasswordResetTokenGenerator::new("old secret", 3600).make_token(&user);
    /// let rotated = PasswordResetTokenGenerator::new("new secret", 3600).with_fallback_keys(["old secret"]);
    /// assert!(rotated.check_token(&user, &old));
    /// ```
    pub fn with_fallback_keys<K: Into<String>>(mut self, keys: impl IntoIterator<Item = K>) -> Self {
        self.fallbacks.extend(keys.into_iter().map(Into::into));
        self
    }

    /// How long a token stays valid, in seconds.
    ///
    /// ```
    /// let tokens = tandem::auth::tokens::PasswordResetTokenGenerator::new("s", 60);
    /// assert_eq!(tokens.timeout_seconds(), 60);
    /// ```
    pub fn timeout_seconds(&self) -> u64 {
        self.timeout_seconds
    }

    /// A token for `user`, made now.
    ///
    /// ```
    /// # let user = tandem::auth::User {
    /// #     id: 1, password: "hash".into(), last_login: None, is_superuser: false,
    /// #     username: "alice".into(), first_name: String::new(), last_name: String::new(),
    /// #     email: String::new(), is_staff: false, is_active: true, date_joined: chrono::Utc::now(),
    /// # };
    /// let token = tandem::auth::tokens::PasswordResetTokenGenerator::new("s", 60).make_token(&user);
    /// let (timestamp, hash) = token.split_once('-').unwrap();
    /// assert!(timestamp.len() >= 6 && hash.len() == 32);
    /// ```
    pub fn make_token(&self, user: &User) -> String {
        self.make_token_at(user, Utc::now())
    }

    /// A token for `user` as made at `now` (a fixed clock, for tests and
    /// fixtures; Django's `_now()`).
    ///
    /// ```
    /// use chrono::TimeZone;
    /// use tandem::auth::tokens::PasswordResetTokenGenerator;
    /// # let user = tandem::auth::User {
    /// #     id: 1, password: "hash".into(), last_login: None, is_superuser: false,
    /// #     username: "alice".into(), first_name: String::new(), last_name: String::new(),
    /// #     email: String::new(), is_staff: false, is_active: true, date_joined: chrono::Utc::now(),
    /// # };
    /// let at = chrono::Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
    /// let token = PasswordResetTokenGenerator::new("s", 60).make_token_at(&user, at);
    /// assert!(token.starts_with("dj7tc0-"), "818337600 seconds after 2001-01-01, in base 36");
    /// ```
    pub fn make_token_at(&self, user: &User, now: DateTime<Utc>) -> String {
        make_token_with_timestamp(user, seconds_since_2001(now), &self.secret)
    }

    /// Whether `token` is a valid token for `user` now: made by this
    /// application (or with a fallback secret), for this user, since their
    /// password, last login and email last changed, and no older than the
    /// timeout. The hash is compared in constant time.
    ///
    /// ```
    /// # let user = tandem::auth::User {
    /// #     id: 1, password: "hash".into(), last_login: None, is_superuser: false,
    /// #     username: "alice".into(), first_name: String::new(), last_name: String::new(),
    /// #     email: String::new(), is_staff: false, is_active: true, date_joined: chrono::Utc::now(),
    /// # };
    /// let tokens = tandem::auth::tokens::PasswordResetTokenGenerator::new("s", 60);
    /// assert!(!tokens.check_token(&user, "not a token"));
    /// ```
    pub fn check_token(&self, user: &User, token: &str) -> bool {
        self.check_token_at(user, token, Utc::now())
    }

    /// [`check_token`](Self::check_token) with the clock at `now`.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone};
    /// use tandem::auth::tokens::PasswordResetTokenGenerator;
    /// # let user = tandem::auth::User {
    /// #     id: 1, password: "hash".into(), last_login: None, is_superuser: false,
    /// #     username: "alice".into(), first_name: String::new(), last_name: String::new(),
    /// #     email: String::new(), is_staff: false, is_active: true, date_joined: chrono::Utc::now(),
    /// # };
    /// let tokens = PasswordResetTokenGenerator::new("s", 60);
    /// let made = chrono::Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
    /// let token = tokens.make_token_at(&user, made);
    /// assert!(tokens.check_token_at(&user, &token, made + Duration::seconds(60)));
    /// assert!(!tokens.check_token_at(&user, &token, made + Duration::seconds(61)));
    /// ```
    pub fn check_token_at(&self, user: &User, token: &str, now: DateTime<Utc>) -> bool {
        if token.len() > MAX_TOKEN_LEN {
            return false;
        }
        let Some((ts_b36, _)) = token.split_once('-') else { return false };
        let Some(timestamp) = base36_decode(ts_b36) else { return false };
        let secrets = std::iter::once(&self.secret).chain(&self.fallbacks);
        let mut matched = false;
        for secret in secrets {
            // Every secret is tried, so the time taken does not tell which matched.
            matched |= equal(make_token_with_timestamp(user, timestamp, secret).as_bytes(), token.as_bytes());
        }
        matched && seconds_since_2001(now).saturating_sub(timestamp) <= self.timeout_seconds
    }
}

/// Django's `_make_token_with_timestamp`.
fn make_token_with_timestamp(user: &User, timestamp: u64, secret: &str) -> String {
    let value = hash_value(user, timestamp);
    let mac = salted_hmac(KEY_SALT, value.as_bytes(), secret.as_bytes());
    // Django keeps every other hex digit of the 64 (`hexdigest()[::2]`):
    // the high nibble of each byte.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let hash: String = mac.iter().map(|b| char::from(HEX[usize::from(b >> 4)])).collect();
    format!("{}-{hash}", base36_encode(timestamp))
}

/// Django's `_make_hash_value`: `f"{user.pk}{user.password}{login_timestamp}{timestamp}{email}"`,
/// the last login without microseconds or time zone, as Python prints a
/// naive `datetime`.
fn hash_value(user: &User, timestamp: u64) -> String {
    let login = match user.last_login {
        Some(at) => at.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string(),
        None => String::new(),
    };
    format!("{}{}{login}{timestamp}{}", user.id, user.password, user.email)
}

/// Django's `_num_seconds`: whole seconds since 2001-01-01 00:00 (0 before).
fn seconds_since_2001(now: DateTime<Utc>) -> u64 {
    let epoch = NaiveDate::from_ymd_opt(2001, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d.and_utc());
    let seconds = epoch.map(|epoch| (now - epoch).num_seconds()).unwrap_or(0);
    u64::try_from(seconds).unwrap_or(0)
}

/// Django's `int_to_base36`.
fn base36_encode(mut number: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(number % 36) as usize]);
        number /= 36;
        if number == 0 {
            break;
        }
    }
    out.iter().rev().map(|&b| char::from(b)).collect()
}

/// Django's `base36_to_int`, for the digits [`base36_encode`] writes: at most
/// 13 of them, lower case; anything else is `None`.
fn base36_decode(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 13 {
        return None;
    }
    text.bytes().try_fold(0u64, |acc, b| {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'z' => b - b'a' + 10,
            _ => return None,
        };
        acc.checked_mul(36)?.checked_add(u64::from(digit))
    })
}

/// Django's `urlsafe_base64_encode`: URL-safe base 64 without padding.
///
/// ```
/// assert_eq!(tandem::auth::tokens::urlsafe_base64_encode(b"42"), "NDI");
/// ```
pub fn urlsafe_base64_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Django's `urlsafe_base64_decode`: URL-safe base 64, padding optional;
/// `None` for anything else.
///
/// ```
/// use tandem::auth::tokens::urlsafe_base64_decode;
/// assert_eq!(urlsafe_base64_decode("NDI").as_deref(), Some(&b"42"[..]));
/// assert_eq!(urlsafe_base64_decode("N!I"), None);
/// ```
pub fn urlsafe_base64_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

/// The `uidb64` of a reset link: Django's `urlsafe_base64_encode(force_bytes(user.pk))`.
///
/// ```
/// assert_eq!(tandem::auth::tokens::uid_encode(42), "NDI");
/// ```
pub fn uid_encode(id: i64) -> String {
    urlsafe_base64_encode(id.to_string().as_bytes())
}

/// The user id in a reset link's `uidb64`, `None` when it is not one (the
/// reset page answers as for an invalid token).
///
/// ```
/// use tandem::auth::tokens::uid_decode;
/// assert_eq!(uid_decode("NDI"), Some(42));
/// assert_eq!(uid_decode("bm90IGFuIGlk"), None, "\"not an id\"");
/// ```
pub fn uid_decode(uidb64: &str) -> Option<i64> {
    if uidb64.len() > 32 {
        return None;
    }
    let bytes = urlsafe_base64_decode(uidb64)?;
    let text = std::str::from_utf8(&bytes).ok()?;
    if text.is_empty() || !text.bytes().enumerate().all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-')) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    const SECRET: &str = "tandem-reset-fixture-secret";
    const PASSWORD: &str = "argon2$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

    fn user(id: i64, password: &str, email: &str, last_login: Option<DateTime<Utc>>) -> User {
        User {
            id,
            password: password.into(),
            last_login,
            is_superuser: false,
            username: format!("user{id}"),
            first_name: String::new(),
            last_name: String::new(),
            email: email.into(),
            is_staff: false,
            is_active: true,
            date_joined: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    fn made_at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap()
    }

    /// The users of the fixtures, with the uidb64 and token Django 5.2.20 gave.
    ///
    /// Made with Django's own classes (`settings.configure(SECRET_KEY=SECRET,
    /// USE_TZ=True, TIME_ZONE="UTC", INSTALLED_APPS=[auth, contenttypes])`),
    /// unsaved `User(pk=…, password=…, email=…, last_login=…)` rows, a
    /// `PasswordResetTokenGenerator` subclass whose `_now()` returns
    /// `datetime(2026, 12, 7, 12, 0, 0)`, `make_token(user)` and
    /// `urlsafe_base64_encode(force_bytes(user.pk))`; Django's `check_token`
    /// accepted each.
    fn fixtures() -> Vec<(User, &'static str, &'static str)> {
        let login = Utc.with_ymd_and_hms(2026, 12, 7, 10, 11, 12).unwrap() + Duration::microseconds(345_678);
        vec![
            (user(1, PASSWORD, "alice@example.com", None), "MQ", "dj7tc0-b460e4357a173f5e2b5d52b8090cf0d1"),
            (user(42, PASSWORD, "bob@example.com", Some(login)), "NDI", "dj7tc0-7b41d45c76c7e0fa4551f61abc5da6fa"),
            (
                user(7, "!unusable", "", Some(Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap())),
                "Nw",
                "dj7tc0-6ef3f66aafc71e2ed749ca2fbd035560",
            ),
            (
                user(123_456_789, "pbkdf2_sha256$1000000$salt$hash=", "Zoë@Example.COM", None),
                "MTIzNDU2Nzg5",
                "dj7tc0-f8032f29eec1b5bf24111b69ee871c2b",
            ),
        ]
    }

    #[test]
    fn djangos_tokens_are_made_and_accepted() {
        let tokens = PasswordResetTokenGenerator::new(SECRET, DEFAULT_PASSWORD_RESET_TIMEOUT);
        for (user, uidb64, token) in fixtures() {
            assert_eq!(tokens.make_token_at(&user, made_at()), token, "user {}", user.id);
            assert!(tokens.check_token_at(&user, token, made_at()), "user {}", user.id);
            assert_eq!(uid_encode(user.id), uidb64);
            assert_eq!(uid_decode(uidb64), Some(user.id));
        }
    }

    #[test]
    fn expired_tokens_are_refused() {
        // Django: a checker whose `_now()` is 259200 s later accepts, 259201 s later refuses.
        let tokens = PasswordResetTokenGenerator::new(SECRET, DEFAULT_PASSWORD_RESET_TIMEOUT);
        let (user, _, token) = fixtures().swap_remove(1);
        assert!(tokens.check_token_at(&user, token, made_at() + Duration::seconds(259_200)));
        assert!(!tokens.check_token_at(&user, token, made_at() + Duration::seconds(259_201)));
        let short = PasswordResetTokenGenerator::new(SECRET, 60);
        assert!(short.check_token_at(&user, token, made_at() + Duration::seconds(60)));
        assert!(!short.check_token_at(&user, token, made_at() + Duration::seconds(61)));
        assert!(tokens.check_token(&user, &tokens.make_token(&user)), "the real clock");
    }

    #[test]
    fn tampered_and_foreign_tokens_are_refused() {
        let tokens = PasswordResetTokenGenerator::new(SECRET, DEFAULT_PASSWORD_RESET_TIMEOUT);
        let all = fixtures();
        let (alice, _, alice_token) = &all[0];
        let (bob, _, bob_token) = &all[1];
        assert!(!tokens.check_token_at(bob, alice_token, made_at()), "another user's token");
        assert!(!tokens.check_token_at(alice, bob_token, made_at()), "another user's token");
        let mut flipped = alice_token.to_string();
        let last = if flipped.ends_with('0') { "1" } else { "0" };
        flipped.replace_range(flipped.len() - 1.., last);
        let later_timestamp = alice_token.replacen("dj7tc0", "dj7tc1", 1);
        for bad in [
            flipped.as_str(),
            later_timestamp.as_str(),
            "",
            "-",
            "dj7tc0",
            "dj7tc0-",
            "DJ7TC0-b460e4357a173f5e2b5d52b8090cf0d1",
            "0dj7tc0-b460e4357a173f5e2b5d52b8090cf0d1",
            "dj7tc0-b460e4357a173f5e2b5d52b8090cf0d1-",
            "zzzzzzzzzzzzzz-b460e4357a173f5e2b5d52b8090cf0d1",
            "zzzzzzzzzzzzz-b460e4357a173f5e2b5d52b8090cf0d1",
            "dj7tc0-b460e4357a173f5e2b5d52b8090cf0d1b460e4357a173f5e2b5d52b8090cf0d1",
            "é-é",
        ] {
            assert!(!tokens.check_token_at(alice, bad, made_at()), "{bad:?}");
        }
        let other_secret = PasswordResetTokenGenerator::new("another secret", DEFAULT_PASSWORD_RESET_TIMEOUT);
        assert!(!other_secret.check_token_at(alice, alice_token, made_at()));
        let rotated = other_secret.with_fallback_keys([SECRET]);
        assert!(rotated.check_token_at(alice, alice_token, made_at()), "SECRET_KEY_FALLBACKS");
        assert_ne!(rotated.make_token_at(alice, made_at()), *alice_token, "new tokens use the new secret");
    }

    #[test]
    fn a_password_change_a_login_or_an_email_change_spends_the_token() {
        let tokens = PasswordResetTokenGenerator::new(SECRET, DEFAULT_PASSWORD_RESET_TIMEOUT);
        let (bob, _, token) = fixtures().swap_remove(1);
        let changed = User { password: "argon2$argon2id$new".into(), ..bob.clone() };
        assert!(!tokens.check_token_at(&changed, token, made_at()), "after a password change (Django agrees)");
        let logged_in = User { last_login: Some(made_at() + Duration::seconds(5)), ..bob.clone() };
        assert!(!tokens.check_token_at(&logged_in, token, made_at()), "after a login");
        let email = User { email: "new@example.com".into(), ..bob.clone() };
        assert!(!tokens.check_token_at(&email, token, made_at()), "after an email change");
        let microseconds = User { last_login: bob.last_login.map(|at| at + Duration::microseconds(1)), ..bob.clone() };
        assert!(tokens.check_token_at(&microseconds, token, made_at()), "microseconds do not count");
        let (alice, _, token) = fixtures().swap_remove(0);
        let first_login = User { last_login: Some(made_at()), ..alice };
        assert!(!tokens.check_token_at(&first_login, token, made_at()), "after the first login");
    }

    #[test]
    fn uidb64_round_trips_and_refuses_garbage() {
        // Django's urlsafe_base64_encode(force_bytes(pk)).
        for (id, uidb64) in [(0, "MA"), (99, "OTk"), (1000, "MTAwMA"), (i64::MAX, "OTIyMzM3MjAzNjg1NDc3NTgwNw")] {
            assert_eq!(uid_encode(id), uidb64);
            assert_eq!(uid_decode(uidb64), Some(id));
        }
        for id in [1, -5, 123_456_789_012, i64::MIN] {
            assert_eq!(uid_decode(&uid_encode(id)), Some(id));
        }
        assert_eq!(uid_decode("NDI="), Some(42), "padding is tolerated");
        let garbage = [
            "",
            "!!!",
            "NDI!",
            "N",
            &urlsafe_base64_encode(b"4 2"),
            &urlsafe_base64_encode(b"+42"),
            &urlsafe_base64_encode(b"42\n"),
            &urlsafe_base64_encode(b"99999999999999999999"),
            &urlsafe_base64_encode(&[0xff, 0xfe]),
            &"A".repeat(10_000),
        ];
        for bad in garbage {
            assert_eq!(uid_decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn base36_matches_django() {
        for (n, text) in [(0, "0"), (35, "z"), (36, "10"), (818_337_600, "dj7tc0")] {
            assert_eq!(base36_encode(n), text);
            assert_eq!(base36_decode(text), Some(n));
        }
        assert_eq!(base36_decode("zzzzzzzzzzzz"), Some(4_738_381_338_321_616_895));
        assert_eq!(base36_decode("zzzzzzzzzzzzz"), None, "past u64");
        assert_eq!(base36_decode("A"), None);
    }
}
