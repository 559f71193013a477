//! `[sessions]` in `Tandem.toml`: how long stored sessions live and how often
//! expired ones are swept.
//!
//! ```
//! let sessions: tandem::sessions::SessionSettings = toml::from_str("anonymous_age_seconds = 3600").unwrap();
//! assert_eq!(sessions.anonymous_age_seconds, 3600);
//! assert_eq!(sessions.age_seconds, 1_209_600);
//! ```

use serde::Deserialize;
use serde_json::{Map, Value};

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionSettings {
    /// A session with a logged-in user lives this long after its last
    /// change (Django's `SESSION_COOKIE_AGE`, two weeks).
    pub age_seconds: i64,
    /// A session without a user (a visitor's cart, a message) lives this
    /// long after its last change (default one day): visitors who never
    /// come back do not keep rows for two weeks.
    pub anonymous_age_seconds: i64,
    /// The running server deletes expired sessions this often (default
    /// 300 s); `clearsessions` does the same by hand.
    pub sweep_seconds: u64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self { age_seconds: super::store::SESSION_AGE_SECONDS, anonymous_age_seconds: 86_400, sweep_seconds: 300 }
    }
}

impl SessionSettings {
    /// How long a session holding `data` lives: [`age_seconds`](Self::age_seconds)
    /// with a user, [`anonymous_age_seconds`](Self::anonymous_age_seconds) without.
    ///
    /// ```
    /// let ages = tandem::sessions::SessionSettings::default();
    /// let mut data = serde_json::Map::new();
    /// assert_eq!(ages.age_of(&data), 86_400);
    /// data.insert("_auth_user_id".into(), "1".into());
    /// assert_eq!(ages.age_of(&data), 1_209_600);
    /// ```
    pub fn age_of(&self, data: &Map<String, Value>) -> i64 {
        if data.contains_key(crate::auth::SESSION_USER_ID) { self.age_seconds } else { self.anonymous_age_seconds }
    }

    /// The sweep interval.
    pub fn sweep(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.sweep_seconds.max(1))
    }
}
