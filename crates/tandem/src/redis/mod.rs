//! Redis, for several processes of one application: the tabs' states
//! ([`RedisStates`]) and the REST layer's throttle counts live there instead
//! of in each process. Chosen by `[ui] redis_url` in `Tandem.toml` or the
//! `REDIS_URL` environment variable; every key starts with `[ui]
//! redis_prefix` (default `tandem`). See `docs/architecture.md`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tandem::redis::RedisError> {
//! use std::time::Duration;
//! use tandem::redis::{Redis, RedisStates};
//!
//! let redis = Redis::connect("redis://127.0.0.1:6379", "tandem").await?;
//! redis.ping().await?;
//! let states = RedisStates::new(redis, Duration::from_secs(3600));
//! # let _ = states;
//! # Ok(())
//! # }
//! ```

pub mod bus;
pub mod states;
pub(crate) mod throttle;

use std::sync::Arc;
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};

pub use bus::RedisBus;
pub use states::RedisStates;

/// How long one connection attempt, or one command, may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Redis failed or could not be reached. The message names the server (its
/// password hidden).
///
/// ```
/// let error = tandem::redis::RedisError { url: "redis://127.0.0.1:1".into(), message: "refused".into() };
/// assert_eq!(error.to_string(), "Redis at redis://127.0.0.1:1: refused");
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("Redis at {url}: {message}")]
pub struct RedisError {
    /// The server's URL, without its password.
    pub url: String,
    /// What went wrong.
    pub message: String,
}

impl From<RedisError> for crate::ui::store::StoreError {
    fn from(error: RedisError) -> Self {
        Self::Backend(error.to_string())
    }
}

/// One application's connection to Redis: multiplexed (every task shares
/// it), reconnecting by itself, cheap to clone, with the key prefix.
///
/// ```no_run
/// # async fn demo() -> Result<(), tandem::redis::RedisError> {
/// let redis = tandem::redis::Redis::connect("redis://127.0.0.1:6379/0", "shop").await?;
/// assert_eq!(redis.prefix(), "shop");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Redis {
    client: ::redis::Client,
    connection: ConnectionManager,
    prefix: Arc<str>,
    url: Arc<str>,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis").field("url", &self.url).field("prefix", &self.prefix).finish()
    }
}

impl Redis {
    /// Connects to `url` and checks the server answers (`PING`), so that a
    /// wrong URL stops start-up rather than the first event; keys will start
    /// with `prefix:`.
    ///
    /// ```no_run
    /// # async fn demo() {
    /// let error = tandem::redis::Redis::connect("redis://127.0.0.1:1", "tandem").await.unwrap_err();
    /// assert!(error.to_string().contains("redis://127.0.0.1:1"));
    /// # }
    /// ```
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, RedisError> {
        let shown = redacted(url);
        let failed = |what: &str, error: ::redis::RedisError| RedisError {
            url: shown.clone(),
            message: format!("{what}: {error}"),
        };
        let client = ::redis::Client::open(url).map_err(|e| failed("not a usable Redis URL", e))?;
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2))
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT));
        let connection = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(|e| failed("cannot connect", e))?;
        let redis = Self { client, connection, prefix: prefix.into(), url: shown.into() };
        redis.ping().await?;
        Ok(redis)
    }

    /// Whether the server answers (a readiness check): one `PING`.
    ///
    /// ```no_run
    /// # async fn demo(redis: tandem::redis::Redis) {
    /// let ready = redis.ping().await.is_ok();
    /// # let _ = ready;
    /// # }
    /// ```
    pub async fn ping(&self) -> Result<(), RedisError> {
        let pong: String = ::redis::cmd("PING").query_async(&mut self.connection()).await.map_err(|e| self.error(e))?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(RedisError { url: self.url.to_string(), message: format!("PING answered `{pong}`") })
        }
    }

    /// What every key of this application starts with (before a `:`).
    ///
    /// ```no_run
    /// # async fn demo(redis: tandem::redis::Redis) {
    /// println!("keys: {}:*", redis.prefix());
    /// # }
    /// ```
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The full key for `suffix`: `<prefix>:<suffix>`.
    pub(crate) fn key(&self, suffix: &str) -> String {
        format!("{}:{suffix}", self.prefix)
    }

    /// A connection of its own subscribed to `channel` (pub/sub needs one).
    pub(crate) async fn subscribe(&self, channel: &str) -> Result<::redis::aio::PubSub, RedisError> {
        let mut pubsub = self.client.get_async_pubsub().await.map_err(|e| self.error(e))?;
        pubsub.subscribe(channel).await.map_err(|e| self.error(e))?;
        Ok(pubsub)
    }

    /// A handle on the shared connection.
    pub(crate) fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// `error`, naming this server.
    pub(crate) fn error(&self, error: ::redis::RedisError) -> RedisError {
        RedisError { url: self.url.to_string(), message: error.to_string() }
    }
}

/// `url` with its password (if any) replaced by `***`, for messages.
pub(crate) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) if rest[..at].contains(':') => {
            let user = rest[..at].split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***{}", &rest[at..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A connection for one test, with a prefix no other test uses, when
    /// `REDIS_URL` is set; `None` (the test skips) otherwise.
    pub(crate) async fn redis(test: &str) -> Option<Redis> {
        let (url, prefix) = crate::testing::redis_or_skip(test)?;
        Some(Redis::connect(&url, &prefix).await.expect("REDIS_URL is set but Redis cannot be reached"))
    }

    /// Deletes every key of `redis`'s prefix.
    pub(crate) async fn clean(redis: &Redis) {
        let keys: Vec<String> =
            ::redis::cmd("KEYS").arg(redis.key("*")).query_async(&mut redis.connection()).await.unwrap();
        if !keys.is_empty() {
            let _: i64 = ::redis::cmd("DEL").arg(keys).query_async(&mut redis.connection()).await.unwrap();
        }
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(redacted("redis://:s3cret@db:6379/0"), "redis://:***@db:6379/0");
        assert_eq!(redacted("redis://user:s3cret@db/1"), "redis://user:***@db/1");
        assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(redacted("redis://user@db/1"), "redis://user@db/1");
        assert_eq!(redacted("unix:///run/redis.sock"), "unix:///run/redis.sock");
    }

    #[tokio::test]
    async fn an_unreachable_server_is_named() {
        let error = Redis::connect("redis://:pw@127.0.0.1:1/0", "t").await.unwrap_err().to_string();
        assert!(error.contains("redis://:***@127.0.0.1:1/0") && error.contains("cannot connect"), "{error}");
        assert!(!error.contains("pw@"), "{error}");
    }

    #[tokio::test]
    async fn ping_answers() {
        let Some(redis) = redis("ping").await else { return };
        redis.ping().await.unwrap();
        assert!(format!("{redis:?}").contains("tandem-test:ping:"));
    }
}
