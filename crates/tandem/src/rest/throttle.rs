//! Rate throttling, DRF's `AnonRateThrottle` and `UserRateThrottle`: a
//! sliding window of request times per client (IP address for anonymous
//! requests, user id otherwise). Over the rate: 429
//! `{"detail": "Request was throttled. Expected available in N seconds."}`
//! with `Retry-After: N`. The windows are kept in the process, or in Redis
//! when the application has one (`[ui] redis_url`), so that every process
//! counts the same requests.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use tandem::rest::{Rate, throttle::ThrottleStore};
//!
//! let store = ThrottleStore::default();
//! let rate: Rate = "2/min".parse().unwrap();
//! let now = Instant::now();
//! assert_eq!(store.hit("anon:1.2.3.4", rate, now), None);
//! assert_eq!(store.hit("anon:1.2.3.4", rate, now), None);
//! let wait = store.hit("anon:1.2.3.4", rate, now + Duration::from_secs(30)).unwrap();
//! assert_eq!(wait.as_secs(), 30);
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use super::settings::Rate;
use crate::http::ApiError;

/// Request times per throttle key, shared by the application's viewsets:
/// in this process ([`ThrottleStore::default`]) or in Redis
/// ([`ThrottleStore::shared`]).
#[derive(Debug, Default)]
pub struct ThrottleStore {
    history: Mutex<HashMap<String, VecDeque<Instant>>>,
    shared: Option<crate::redis::Redis>,
}

impl ThrottleStore {
    /// Windows kept in `redis`, counted by every process that uses it (with
    /// the same key prefix).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), tandem::redis::RedisError> {
    /// let redis = tandem::redis::Redis::connect("redis://127.0.0.1:6379", "tandem").await?;
    /// let store = tandem::rest::throttle::ThrottleStore::shared(redis);
    /// let wait = store.request("anon:1.2.3.4", "100/day".parse().unwrap()).await;
    /// assert_eq!(wait, None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn shared(redis: crate::redis::Redis) -> Self {
        Self { history: Mutex::default(), shared: Some(redis) }
    }

    /// Records a request for `key` now if `rate` allows it (`None`);
    /// otherwise records nothing and returns how long to wait. In Redis when
    /// the store is [shared](Self::shared) (one round trip; should Redis fail,
    /// this process counts alone meanwhile), else as [`hit`](Self::hit).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use tandem::rest::throttle::ThrottleStore;
    ///
    /// let store = ThrottleStore::default();
    /// let rate = "1/min".parse().unwrap();
    /// assert_eq!(store.request("user:7", rate).await, None);
    /// assert!(store.request("user:7", rate).await.is_some());
    /// # });
    /// ```
    pub async fn request(&self, key: &str, rate: Rate) -> Option<Duration> {
        if let Some(redis) = &self.shared {
            match crate::redis::throttle::hit(redis, key, rate).await {
                Ok(wait) => return wait,
                Err(error) => tracing::warn!(%error, "cannot count a throttled request in Redis; counting in-process"),
            }
        }
        self.hit(key, rate, Instant::now())
    }

    /// Records a request for `key` at `now` in this process if `rate` allows
    /// it (`None`); otherwise records nothing and returns how long to wait.
    ///
    /// ```
    /// use std::time::Instant;
    /// let store = tandem::rest::throttle::ThrottleStore::default();
    /// let rate = "1/s".parse().unwrap();
    /// let now = Instant::now();
    /// assert_eq!(store.hit("user:7", rate, now), None);
    /// assert!(store.hit("user:7", rate, now).is_some());
    /// ```
    pub fn hit(&self, key: &str, rate: Rate, now: Instant) -> Option<Duration> {
        let mut all = self.history.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if all.len() > 100_000 {
            all.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < rate.period));
        }
        let times = all.entry(key.to_string()).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= rate.period) {
            times.pop_front();
        }
        if (times.len() as u64) < rate.requests {
            times.push_back(now);
            return None;
        }
        // DRF's estimate: the time until the oldest request leaves the window,
        // shared among the requests that will then be available.
        let oldest = times.front().copied().unwrap_or(now);
        let remaining = rate.period.saturating_sub(now.duration_since(oldest));
        let available = rate.requests.saturating_add(1).saturating_sub(times.len() as u64).max(1);
        Some(remaining / u32::try_from(available).unwrap_or(u32::MAX))
    }
}

/// The 429 for a wait of `wait`, with DRF's message; the viewset adds
/// `Retry-After` from [`retry_after_seconds`].
pub fn throttled(wait: Duration) -> ApiError {
    let seconds = retry_after_seconds(wait);
    let unit = if seconds == 1 { "second" } else { "seconds" };
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("Request was throttled. Expected available in {seconds} {unit}."),
    )
}

/// Whole seconds to wait, rounded up as DRF does.
pub fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides() {
        let store = ThrottleStore::default();
        let rate: Rate = "3/s".parse().unwrap();
        let start = Instant::now();
        for i in 0..3 {
            assert_eq!(store.hit("k", rate, start + Duration::from_millis(i * 100)), None);
        }
        assert!(store.hit("k", rate, start + Duration::from_millis(500)).is_some());
        assert!(store.hit("other", rate, start).is_none(), "keys are separate");
        assert_eq!(store.hit("k", rate, start + Duration::from_millis(1000)), None, "the oldest left the window");
    }

    #[tokio::test]
    async fn processes_sharing_redis_count_the_same_requests() {
        let Some(redis) = crate::redis::tests::redis("throttle").await else { return };
        let url = std::env::var("REDIS_URL").unwrap();
        let first = ThrottleStore::shared(redis.clone());
        let second = ThrottleStore::shared(crate::redis::Redis::connect(&url, redis.prefix()).await.unwrap());
        let alone = ThrottleStore::default();
        let rate: Rate = "3/min".parse().unwrap();
        assert_eq!(first.request("anon:1.2.3.4", rate).await, None);
        assert_eq!(second.request("anon:1.2.3.4", rate).await, None);
        assert_eq!(first.request("anon:1.2.3.4", rate).await, None);
        let wait = second.request("anon:1.2.3.4", rate).await.expect("the fourth request in a minute is refused");
        // DRF's estimate: the oldest leaves in just under 60 s, one request is then available.
        assert!(wait > Duration::from_secs(55) && wait <= Duration::from_secs(60), "{wait:?}");
        assert!(first.request("anon:1.2.3.4", rate).await.is_some(), "a refused request is not recorded, still full");
        assert_eq!(first.request("user:1", rate).await, None, "keys are separate");
        assert_eq!(alone.request("anon:1.2.3.4", rate).await, None, "an in-process store counts alone");

        let second_rate: Rate = "2/s".parse().unwrap();
        assert_eq!(first.request("k", second_rate).await, None);
        assert_eq!(second.request("k", second_rate).await, None);
        let wait = first.request("k", second_rate).await.unwrap();
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        tokio::time::sleep(Duration::from_millis(1050)).await;
        assert_eq!(second.request("k", second_rate).await, None, "the window slides");
        crate::redis::tests::clean(&redis).await;
    }

    #[test]
    fn messages_round_up() {
        assert_eq!(
            throttled(Duration::from_millis(1)).detail,
            "Request was throttled. Expected available in 1 second."
        );
        assert_eq!(
            throttled(Duration::from_millis(59_001)).detail,
            "Request was throttled. Expected available in 60 seconds."
        );
        assert_eq!(throttled(Duration::from_millis(1)).status, StatusCode::TOO_MANY_REQUESTS);
    }
}
