//! `[auth]` in `Tandem.toml`: login throttling and password hashing.
//!
//! ```toml
//! [auth]
//! failures_per_username = 5      # failed logins per username per window; 0 = no limit
//! failures_per_address = 50      # failed logins per client address per window; 0 = no limit
//! failure_window_seconds = 900   # the sliding window (15 minutes)
//! hash_concurrency = 2           # hashing threads, process-wide; the number of cores by default
//! hash_wait_seconds = 5          # how long a login waits for a hashing thread before 429
//! throttle_max_keys = 100000     # clients the in-process throttle store tracks (login and REST)
//! login_url = "/login"           # where guarded pages send anonymous users (Django: LOGIN_URL)
//! password_reset_timeout_seconds = 259200  # how long a password-reset token stays valid (3 days)
//! ```
//!
//! ```
//! let auth: tandem::auth::AuthSettings = toml::from_str("failures_per_username = 3").unwrap();
//! assert_eq!(auth.failures_per_username, 3);
//! assert_eq!(auth.failure_window_seconds.get(), 900);
//! assert!(toml::from_str::<tandem::auth::AuthSettings>("failure_window_seconds = 0").is_err());
//! ```

use std::num::{NonZeroU64, NonZeroUsize};
use std::time::Duration;

use serde::Deserialize;

use super::hashing::{HashSettings, default_concurrency};
use crate::throttle::Rate;

/// Login throttling and password hashing settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// Failed logins allowed per username in the window; further attempts
    /// are refused (429, no password checked) until the oldest failure leaves
    /// the window. A successful login clears the username's failures. `0`
    /// turns the limit off.
    pub failures_per_username: u64,
    /// Failed logins allowed per client address (IPv6: per /64) in the
    /// window, whatever the username. `0` turns the limit off (behind a proxy
    /// that does not pass the client's address, every client has the proxy's).
    pub failures_per_address: u64,
    /// The sliding window failures are counted in, in seconds.
    pub failure_window_seconds: NonZeroU64,
    /// Hashing threads for the whole process; the number of cores by default.
    pub hash_concurrency: Option<NonZeroUsize>,
    /// How long a hash waits for a free hashing thread before the login is
    /// refused (429 with `Retry-After: 1`), in seconds.
    pub hash_wait_seconds: u64,
    /// How many clients (addresses, usernames, users) the in-process
    /// throttle store tracks, for logins and the REST throttles alike; when
    /// full, the least recently seen are forgotten. With Redis, each key
    /// expires with its window instead.
    pub throttle_max_keys: NonZeroUsize,
    /// Where a guarded page sends an anonymous visitor, with `?next=` the
    /// page (Django's `LOGIN_URL`; `/login` by default, where Django has
    /// `/accounts/login/`).
    pub login_url: String,
    /// How long a password-reset token ([`crate::auth::tokens`]) stays
    /// valid, in seconds (Django's `PASSWORD_RESET_TIMEOUT`); 3 days by
    /// default.
    pub password_reset_timeout_seconds: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            failures_per_username: 5,
            failures_per_address: 50,
            failure_window_seconds: NonZeroU64::new(900).unwrap_or(NonZeroU64::MIN),
            hash_concurrency: None,
            hash_wait_seconds: 5,
            throttle_max_keys: NonZeroUsize::new(crate::throttle::DEFAULT_MAX_KEYS).unwrap_or(NonZeroUsize::MIN),
            login_url: "/login".to_string(),
            password_reset_timeout_seconds: super::tokens::DEFAULT_PASSWORD_RESET_TIMEOUT,
        }
    }
}

impl AuthSettings {
    /// The hashing threads and wait these settings ask for.
    ///
    /// ```
    /// let auth = tandem::auth::AuthSettings { hash_wait_seconds: 2, ..Default::default() };
    /// assert_eq!(auth.hashing().wait.as_secs(), 2);
    /// ```
    pub fn hashing(&self) -> HashSettings {
        HashSettings {
            concurrency: self.hash_concurrency.unwrap_or_else(default_concurrency),
            wait: Duration::from_secs(self.hash_wait_seconds),
        }
    }

    /// The failure window.
    ///
    /// ```
    /// assert_eq!(tandem::auth::AuthSettings::default().window().as_secs(), 900);
    /// ```
    pub fn window(&self) -> Duration {
        Duration::from_secs(self.failure_window_seconds.get())
    }

    /// The per-username limit as a rate, `None` when off.
    pub(crate) fn per_username(&self) -> Option<Rate> {
        self.rate(self.failures_per_username)
    }

    /// The per-address limit as a rate, `None` when off.
    pub(crate) fn per_address(&self) -> Option<Rate> {
        self.rate(self.failures_per_address)
    }

    fn rate(&self, failures: u64) -> Option<Rate> {
        (failures > 0).then(|| Rate { requests: failures, period: self.window() })
    }
}
