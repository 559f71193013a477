//! Rate limiting, below the layers that use it: a sliding window of request
//! times per key, kept in the process, or in Redis when the application has
//! one (`[ui] redis_url`), so that every process counts the same requests.
//! The REST layer's throttles (DRF's `AnonRateThrottle` and
//! `UserRateThrottle`: by IP address for anonymous requests, by user id
//! otherwise) and the login guard count in the same store. Over the rate:
//! 429 `{"detail": "Request was throttled. Expected available in N seconds."}`
//! with `Retry-After: N`.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use tandem::throttle::{Rate, ThrottleStore};
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

use serde::Deserialize;

use crate::http::ApiError;

/// A throttle rate in DRF's notation: `<requests>/<period>`, the period being
/// `s`, `m`, `h` or `d` (or any word starting with one: `second`, `day`).
///
/// ```
/// let rate: tandem::throttle::Rate = "3/min".parse().unwrap();
/// assert_eq!((rate.requests, rate.period.as_secs()), (3, 60));
/// assert!("3 per minute".parse::<tandem::throttle::Rate>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Rate {
    /// Requests allowed in one period.
    pub requests: u64,
    /// The period.
    pub period: Duration,
}

impl std::str::FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{text}` is not a rate like `100/day` (periods: s, m, h, d)");
        let (count, period) = text.split_once('/').ok_or_else(bad)?;
        let requests = count.trim().parse::<u64>().map_err(|_| bad())?;
        let seconds = match period.trim().chars().next() {
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3600,
            Some('d') => 86_400,
            _ => return Err(bad()),
        };
        if requests == 0 {
            return Err(bad());
        }
        Ok(Rate { requests, period: Duration::from_secs(seconds) })
    }
}

impl TryFrom<String> for Rate {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// How many clients an in-process store tracks by default.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

/// Request times per throttle key, shared by the application's viewsets and
/// its login throttle: in this process ([`ThrottleStore::default`], at most
/// [`max_keys`](Self::with_max_keys) keys) or in Redis
/// ([`ThrottleStore::shared`], each key expiring with its window).
#[derive(Debug)]
pub struct ThrottleStore {
    history: Mutex<HashMap<String, Window>>,
    shared: Option<crate::redis::Redis>,
    max_keys: usize,
}

/// One key's request times, oldest first, the period they count over, and
/// when the key was last asked about (refused requests included).
#[derive(Debug)]
struct Window {
    times: VecDeque<Instant>,
    period: Duration,
    last_seen: Instant,
}

impl Window {
    fn expire(&mut self, now: Instant) {
        while self.times.front().is_some_and(|t| now.duration_since(*t) >= self.period) {
            self.times.pop_front();
        }
    }

    fn is_live(&self, now: Instant) -> bool {
        self.times.back().is_some_and(|t| now.duration_since(*t) < self.period)
    }
}

impl Default for ThrottleStore {
    fn default() -> Self {
        Self { history: Mutex::default(), shared: None, max_keys: DEFAULT_MAX_KEYS }
    }
}

impl ThrottleStore {
    /// Windows kept in `redis`, counted by every process that uses it (with
    /// the same key prefix).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), tandem::redis::RedisError> {
    /// let redis = tandem::redis::Redis::connect("redis://127.0.0.1:6379", "tandem").await?;
    /// let store = tandem::throttle::ThrottleStore::shared(redis);
    /// let wait = store.request("anon:1.2.3.4", "100/day".parse().unwrap()).await;
    /// assert_eq!(wait, None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn shared(redis: crate::redis::Redis) -> Self {
        Self { shared: Some(redis), ..Self::default() }
    }

    /// Tracks at most `max_keys` clients in this process (the keys are often
    /// chosen by clients: addresses, usernames). When full, windows that
    /// have passed are dropped first, then the least recently seen quarter:
    /// those clients start counting again.
    ///
    /// ```
    /// use std::time::Instant;
    /// use tandem::throttle::ThrottleStore;
    ///
    /// let store = ThrottleStore::default().with_max_keys(4);
    /// let rate = "1/day".parse().unwrap();
    /// let now = Instant::now();
    /// for client in 0..100 {
    ///     assert_eq!(store.hit(&format!("anon:{client}"), rate, now), None);
    /// }
    /// assert!(store.tracked_keys() <= 4);
    /// ```
    pub fn with_max_keys(mut self, max_keys: usize) -> Self {
        self.max_keys = max_keys.max(1);
        self
    }

    /// How many keys this process holds windows for.
    ///
    /// ```
    /// let store = tandem::throttle::ThrottleStore::default();
    /// assert_eq!(store.tracked_keys(), 0);
    /// ```
    pub fn tracked_keys(&self) -> usize {
        self.windows().len()
    }

    /// Records a request for `key` now if `rate` allows it (`None`);
    /// otherwise records nothing and returns how long to wait. In Redis when
    /// the store is [shared](Self::shared) (one round trip; should Redis fail,
    /// this process counts alone meanwhile), else as [`hit`](Self::hit).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use tandem::throttle::ThrottleStore;
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

    /// Forgets the most recent request recorded for `key`: one that, after
    /// all, should not count (a login that succeeded, or was never checked).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = tandem::throttle::ThrottleStore::default();
    /// let rate = "1/min".parse().unwrap();
    /// assert_eq!(store.request("login:addr:10.0.0.1", rate).await, None);
    /// store.forget_one("login:addr:10.0.0.1").await;
    /// assert_eq!(store.request("login:addr:10.0.0.1", rate).await, None);
    /// # });
    /// ```
    pub async fn forget_one(&self, key: &str) {
        if let Some(redis) = &self.shared
            && let Err(error) = crate::redis::throttle::forget_latest(redis, key).await
        {
            tracing::warn!(%error, "cannot forget a throttled request in Redis");
        }
        // Also here: the request may have been counted here while Redis failed.
        if let Some(window) = self.windows().get_mut(key) {
            window.times.pop_back();
        }
    }

    /// Forgets every request recorded for `key` (a login that succeeded
    /// clears the username's failures).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = tandem::throttle::ThrottleStore::default();
    /// let rate = "2/min".parse().unwrap();
    /// for _ in 0..2 {
    ///     assert_eq!(store.request("login:user:alice", rate).await, None);
    /// }
    /// store.forget("login:user:alice").await;
    /// assert_eq!(store.request("login:user:alice", rate).await, None);
    /// # });
    /// ```
    pub async fn forget(&self, key: &str) {
        if let Some(redis) = &self.shared
            && let Err(error) = crate::redis::throttle::clear(redis, key).await
        {
            tracing::warn!(%error, "cannot clear a throttle window in Redis");
        }
        self.windows().remove(key);
    }

    /// Records a request for `key` at `now` in this process if `rate` allows
    /// it (`None`); otherwise records nothing and returns how long to wait.
    ///
    /// ```
    /// use std::time::Instant;
    /// let store = tandem::throttle::ThrottleStore::default();
    /// let rate = "1/s".parse().unwrap();
    /// let now = Instant::now();
    /// assert_eq!(store.hit("user:7", rate, now), None);
    /// assert!(store.hit("user:7", rate, now).is_some());
    /// ```
    pub fn hit(&self, key: &str, rate: Rate, now: Instant) -> Option<Duration> {
        let mut all = self.windows();
        if !all.contains_key(key) && all.len() >= self.max_keys {
            make_room(&mut all, now, self.max_keys);
        }
        let window = all.entry(key.to_string()).or_insert_with(|| Window {
            times: VecDeque::new(),
            period: rate.period,
            last_seen: now,
        });
        window.period = rate.period;
        window.last_seen = window.last_seen.max(now);
        window.expire(now);
        if (window.times.len() as u64) < rate.requests {
            window.times.push_back(now);
            return None;
        }
        // DRF's estimate: the time until the oldest request leaves the window,
        // shared among the requests that will then be available.
        let oldest = window.times.front().copied().unwrap_or(now);
        let remaining = rate.period.saturating_sub(now.duration_since(oldest));
        let available = rate.requests.saturating_add(1).saturating_sub(window.times.len() as u64).max(1);
        Some(remaining / u32::try_from(available).unwrap_or(u32::MAX))
    }

    fn windows(&self) -> std::sync::MutexGuard<'_, HashMap<String, Window>> {
        self.history.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Brings a full map down to three quarters of `max_keys`: windows that have
/// passed go first (each by its own period), then the least recently seen
/// (a client refused again and again is seen, so it stays refused).
/// Running only when full and freeing a quarter, it costs O(1) per request
/// on average.
fn make_room(all: &mut HashMap<String, Window>, now: Instant, max_keys: usize) {
    all.retain(|_, window| window.is_live(now));
    let target = max_keys - max_keys / 4 - 1;
    if all.len() <= target {
        return;
    }
    let mut last_seen: Vec<Instant> = all.values().map(|w| w.last_seen).collect();
    let evict = all.len() - target;
    let (_, cutoff, _) = last_seen.select_nth_unstable(evict - 1);
    let cutoff = *cutoff;
    let mut evicted = 0;
    all.retain(|_, window| {
        let stale = evicted < evict && window.last_seen <= cutoff;
        evicted += usize::from(stale);
        !stale
    });
    tracing::warn!(evicted, max_keys, "the throttle store is full; forgot the least recently seen clients");
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

    #[test]
    fn the_store_stays_bounded_and_keeps_each_keys_own_period() {
        let store = ThrottleStore::default().with_max_keys(100);
        let long: Rate = "2/d".parse().unwrap();
        let short: Rate = "1/s".parse().unwrap();
        let start = Instant::now();
        assert_eq!(store.hit("login:user:alice", long, start), None);
        assert_eq!(store.hit("login:user:alice", long, start), None);
        // Clients with keys of their choosing, each seen once, a second apart
        // from alice: the store never holds more than its bound, and filling
        // it with short windows does not expire alice's day-long one.
        for i in 0..10_000u64 {
            let now = start + Duration::from_secs(2) + Duration::from_millis(i);
            assert_eq!(store.hit(&format!("anon:{i}"), short, now), None);
            assert!(store.tracked_keys() <= 100, "{} keys after {i}", store.tracked_keys());
            if i % 40 == 0 {
                // alice keeps trying: the most recently seen are kept.
                assert!(store.hit("login:user:alice", long, now).is_some(), "alice's window survived at {i}");
            }
        }
    }

    #[test]
    fn a_full_store_of_live_windows_forgets_the_least_recently_seen() {
        let store = ThrottleStore::default().with_max_keys(8);
        let rate: Rate = "1/d".parse().unwrap();
        let start = Instant::now();
        for i in 0..8u64 {
            assert_eq!(store.hit(&format!("k{i}"), rate, start + Duration::from_secs(i)), None);
        }
        assert_eq!(store.hit("new", rate, start + Duration::from_secs(9)), None);
        assert!(store.tracked_keys() <= 8);
        assert_eq!(store.hit("k0", rate, start + Duration::from_secs(10)), None, "the stalest was forgotten");
        assert!(store.hit("k7", rate, start + Duration::from_secs(10)).is_some(), "the freshest was kept");
    }

    #[tokio::test]
    async fn forgetting_one_or_all_requests() {
        let store = ThrottleStore::default();
        let rate: Rate = "2/min".parse().unwrap();
        assert_eq!(store.request("k", rate).await, None);
        assert_eq!(store.request("k", rate).await, None);
        assert!(store.request("k", rate).await.is_some());
        store.forget_one("k").await;
        assert_eq!(store.request("k", rate).await, None, "one slot came back");
        assert!(store.request("k", rate).await.is_some());
        store.forget("k").await;
        assert_eq!(store.request("k", rate).await, None);
        assert_eq!(store.request("k", rate).await, None);
        store.forget_one("missing").await;
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

        let login: Rate = "2/h".parse().unwrap();
        assert_eq!(first.request("login:user:x", login).await, None);
        assert_eq!(second.request("login:user:x", login).await, None);
        assert!(first.request("login:user:x", login).await.is_some());
        second.forget_one("login:user:x").await;
        assert_eq!(first.request("login:user:x", login).await, None, "forgotten in Redis, for every process");
        assert!(second.request("login:user:x", login).await.is_some());
        first.forget("login:user:x").await;
        assert_eq!(second.request("login:user:x", login).await, None, "cleared in Redis, for every process");
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
