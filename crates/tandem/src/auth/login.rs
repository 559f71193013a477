//! Login throttling: failed logins are counted per username and per client
//! address in a sliding window (`[auth]`); past the limit, further attempts
//! are refused without checking the password, until the oldest failure
//! leaves the window. A success clears the username's failures. Counts live
//! in the application's [`ThrottleStore`]: in Redis when the application has
//! one, so that every process counts the same failures, else in the process
//! (bounded).
//!
//! Every login path goes through [`LoginGuard::authenticate`]: the
//! [`Auth`](crate::auth::Auth) extractor of login views, REST Basic
//! authentication, and the UI's login events (`ctx` of an event reaches the
//! guard through the application context).
//!
//! ```no_run
//! use std::sync::Arc;
//! use tandem::auth::{AuthSettings, LoginError, LoginGuard};
//! use tandem::throttle::ThrottleStore;
//!
//! # async fn demo(db: tandem::Db) {
//! // Two failures per username per window; the application builds its own
//! // guard from `[auth]` (`AppContext::login`).
//! let settings = AuthSettings { failures_per_username: 2, ..Default::default() };
//! let guard = LoginGuard::new(&settings, Arc::new(ThrottleStore::default()));
//! let client = Some("203.0.113.7".parse().unwrap());
//! for _ in 0..2 {
//!     let refused = guard.authenticate(&db, "alice", "guess", client).await;
//!     assert!(matches!(refused, Err(LoginError::Invalid)));
//! }
//! // Refused without checking, even with the right password, for a while.
//! let throttled = guard.authenticate(&db, "alice", "wonderland-42", client).await;
//! assert!(matches!(throttled, Err(LoginError::Throttled(_))));
//! # }
//! ```

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::db::Db;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::DbErr;
use sha2::{Digest, Sha256};

use super::settings::AuthSettings;
use super::{User, hashing};
use crate::http::ApiError;
use crate::throttle::{Rate, ThrottleStore};

/// What a refused login tells the user (the shop's, and Django's admin's, wording).
pub const INVALID_LOGIN: &str = "Invalid username or password.";

/// Why a login did not succeed.
///
/// ```
/// use std::time::Duration;
/// use tandem::auth::LoginError;
///
/// assert_eq!(LoginError::Invalid.retry_after(), None);
/// assert_eq!(LoginError::Throttled(Duration::from_secs(3)).retry_after(), Some(Duration::from_secs(3)));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown user, wrong password or inactive user (not told apart).
    #[error("invalid username or password")]
    Invalid,
    /// Too many failed logins for this username or from this address:
    /// retry after the wait; no password was checked.
    #[error("too many failed logins; try again in {}s", crate::throttle::retry_after_seconds(*.0))]
    Throttled(Duration),
    /// Every password-hashing thread stayed busy (`[auth] hash_wait_seconds`):
    /// retry after the wait. Not counted as a failure.
    #[error("password checks are busy; try again in {}s", crate::throttle::retry_after_seconds(*.0))]
    Busy(Duration),
    /// The database failed, or the hashing thread did.
    #[error("login failed: {0}")]
    Database(#[from] DbErr),
}

impl LoginError {
    /// How long the client should wait before trying again, for the refusals
    /// that have one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            LoginError::Throttled(wait) | LoginError::Busy(wait) => Some(*wait),
            LoginError::Invalid | LoginError::Database(_) => None,
        }
    }
}

/// 400 `{"detail": "Invalid username or password."}`; throttled and busy:
/// 429 `{"detail": "Request was throttled. Expected available in N seconds."}`
/// with `Retry-After: N` (DRF's answer); database: 500.
///
/// ```
/// use std::time::Duration;
/// use axum::response::IntoResponse;
/// use tandem::auth::LoginError;
///
/// let response = LoginError::Throttled(Duration::from_secs(60)).into_response();
/// assert_eq!(response.status(), 429);
/// assert_eq!(response.headers()["retry-after"], "60");
/// assert_eq!(LoginError::Invalid.into_response().status(), 400);
/// ```
impl IntoResponse for LoginError {
    fn into_response(self) -> Response {
        match self {
            LoginError::Invalid => ApiError::new(StatusCode::BAD_REQUEST, INVALID_LOGIN).into_response(),
            LoginError::Throttled(wait) | LoginError::Busy(wait) => {
                crate::rest::RestError::Throttled(wait).into_response()
            }
            LoginError::Database(error) => ApiError::internal(error).into_response(),
        }
    }
}

impl From<hashing::HashError> for LoginError {
    fn from(error: hashing::HashError) -> Self {
        match error {
            hashing::HashError::Busy(_) => LoginError::Busy(hashing::BUSY_RETRY_AFTER),
            hashing::HashError::Failed(message) => LoginError::Database(DbErr::Custom(message)),
        }
    }
}

/// Counts failed logins and refuses the attempts past the limits; one per
/// application, in [`AppContext::login`](crate::AppContext::login).
#[derive(Debug, Clone)]
pub struct LoginGuard {
    throttles: Arc<ThrottleStore>,
    per_username: Option<Rate>,
    per_address: Option<Rate>,
    hash_wait: Duration,
}

/// The throttle keys of one attempt.
struct Keys {
    username: Option<(String, Rate)>,
    address: Option<(String, Rate)>,
}

impl LoginGuard {
    /// A guard with `settings`' limits, counting in `throttles` (the
    /// application's store: in Redis when it has one). Also sets the
    /// process's password hashing threads, if nothing set them before.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tandem::auth::{AuthSettings, LoginGuard};
    ///
    /// let guard = LoginGuard::new(&AuthSettings::default(), Arc::default());
    /// # let _ = guard;
    /// ```
    pub fn new(settings: &AuthSettings, throttles: Arc<ThrottleStore>) -> Self {
        hashing::configure(settings.hashing());
        Self {
            throttles,
            per_username: settings.per_username(),
            per_address: settings.per_address(),
            hash_wait: settings.hashing().wait,
        }
    }

    /// Checks `username` and `password` for a client at `client` (its IP
    /// address, when known): the user on success (the username's failures
    /// are cleared); [`LoginError::Invalid`] for wrong credentials (one more
    /// failure for the username and the address); [`LoginError::Throttled`]
    /// without checking anything when either is over its limit.
    ///
    /// ```no_run
    /// # async fn demo(ctx: tandem::AppContext) {
    /// use tandem::auth::LoginError;
    ///
    /// let client = Some("198.51.100.4".parse().unwrap());
    /// match ctx.login.authenticate(&ctx.db, "alice", "wonderland-42", client).await {
    ///     Ok(user) => println!("welcome {}", user.username),
    ///     Err(LoginError::Invalid) => println!("Invalid username or password."),
    ///     Err(refused) => println!("{refused}"),
    /// }
    /// # }
    /// ```
    pub async fn authenticate(
        &self,
        db: &Db,
        username: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<User, LoginError> {
        let keys = self.reserve(username, client).await?;
        match super::check_credentials(db, username, password, self.hash_wait).await {
            Ok(Some(user)) => {
                self.forget(&keys, true).await;
                Ok(user)
            }
            Ok(None) => {
                tracing::info!(target: "tandem::auth", ?client, "failed login");
                Err(LoginError::Invalid)
            }
            Err(error) => {
                // Never checked: not a failure.
                self.forget(&keys, false).await;
                Err(error)
            }
        }
    }

    /// Counts the attempt against the username, then the address; refused
    /// (and counted against neither) when either is full.
    async fn reserve(&self, username: &str, client: Option<IpAddr>) -> Result<Keys, LoginError> {
        let mut keys = Keys {
            username: self.per_username.map(|rate| (username_key(username), rate)),
            address: client.zip(self.per_address).map(|(ip, rate)| (address_key(ip), rate)),
        };
        if let Some((key, rate)) = &keys.username
            && let Some(wait) = self.throttles.request(key, *rate).await
        {
            tracing::warn!(target: "tandem::auth", ?client, "login refused: too many failures for the username");
            return Err(LoginError::Throttled(wait));
        }
        if let Some((key, rate)) = &keys.address
            && let Some(wait) = self.throttles.request(key, *rate).await
        {
            tracing::warn!(target: "tandem::auth", ?client, "login refused: too many failures from the address");
            keys.address = None;
            self.forget(&keys, false).await;
            return Err(LoginError::Throttled(wait));
        }
        Ok(keys)
    }

    /// Takes the attempt back: from the address, and from the username
    /// (`success`: all of the username's failures).
    async fn forget(&self, keys: &Keys, success: bool) {
        if let Some((key, _)) = &keys.username {
            if success {
                self.throttles.forget(key).await;
            } else {
                self.throttles.forget_one(key).await;
            }
        }
        if let Some((key, _)) = &keys.address {
            self.throttles.forget_one(key).await;
        }
    }
}

/// `login:user:<hash>`: usernames are chosen by clients, of any length; the
/// key is a fixed-size digest of the exact name.
fn username_key(username: &str) -> String {
    let digest = Sha256::digest(username.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("login:user:{hex}")
}

/// `login:addr:<address>`: an IPv4 address, or the /64 network of an IPv6
/// one (a single client usually holds a whole /64).
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("login:addr:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("login:addr:{v4}"),
            None => {
                let s = v6.segments();
                format!("login:addr:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{NewUser, create_user};

    #[tokio::test]
    async fn failures_are_counted_per_username_and_address_and_a_success_clears_the_username() {
        let database = crate::testing::TestDatabase::new().await;
        let db = crate::db::connect(&database.url).await.expect("the database opens");
        crate::App::new(".").migrate(&db).await.expect("the framework's tables");
        let new = NewUser { username: "alice", password: Some("right"), ..Default::default() };
        create_user(&db, new).await.unwrap();
        let settings = AuthSettings { failures_per_username: 2, failures_per_address: 5, ..Default::default() };
        let guard = LoginGuard::new(&settings, Arc::new(ThrottleStore::default()));
        let here: Option<IpAddr> = Some("192.0.2.1".parse().unwrap());
        let there: Option<IpAddr> = Some("192.0.2.2".parse().unwrap());

        assert!(matches!(guard.authenticate(&db, "alice", "wrong", here).await, Err(LoginError::Invalid)));
        assert!(guard.authenticate(&db, "alice", "right", here).await.is_ok(), "one failure: still allowed");
        for _ in 0..2 {
            assert!(matches!(guard.authenticate(&db, "alice", "wrong", here).await, Err(LoginError::Invalid)));
        }
        let refused = guard.authenticate(&db, "alice", "right", there).await;
        let wait = refused.unwrap_err().retry_after().expect("throttled");
        assert!(wait > Duration::from_secs(890) && wait <= Duration::from_secs(900), "{wait:?}");

        // The address has three failures (the success took its attempt back):
        // two more unknown usernames fill it; a third is refused unchecked.
        for name in ["bob", "carol"] {
            assert!(matches!(guard.authenticate(&db, name, "x", here).await, Err(LoginError::Invalid)));
        }
        assert!(matches!(guard.authenticate(&db, "dave", "x", here).await, Err(LoginError::Throttled(_))));
        assert!(matches!(guard.authenticate(&db, "dave", "x", there).await, Err(LoginError::Invalid)));
        // dave's refused attempt was not counted against dave.
        assert!(matches!(guard.authenticate(&db, "dave", "x", there).await, Err(LoginError::Invalid)));
        assert!(matches!(guard.authenticate(&db, "dave", "x", there).await, Err(LoginError::Throttled(_))));
        db.close().await.unwrap();
        database.drop_database().await;
    }

    #[test]
    fn keys_are_bounded_and_ipv6_counts_per_network() {
        let long = "x".repeat(100_000);
        assert_eq!(username_key(&long).len(), username_key("alice").len());
        assert_ne!(username_key("alice"), username_key("Alice"));
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        assert_eq!(address_key("::ffff:192.0.2.1".parse().unwrap()), "login:addr:192.0.2.1");
        assert_eq!(address_key("192.0.2.1".parse().unwrap()), "login:addr:192.0.2.1");
    }
}
