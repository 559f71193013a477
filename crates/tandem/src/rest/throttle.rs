//! Rate throttling, DRF's `AnonRateThrottle` and `UserRateThrottle`: a
//! sliding window of request times per client (IP address for anonymous
//! requests, user id otherwise). Over the rate: 429
//! `{"detail": "Request was throttled. Expected available in N seconds."}`
//! with `Retry-After: N`.
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

/// Request times per throttle key, shared by the application's viewsets.
#[derive(Debug, Default)]
pub struct ThrottleStore {
    history: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl ThrottleStore {
    /// Records a request for `key` at `now` if `rate` allows it (`None`);
    /// otherwise records nothing and returns how long to wait.
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
        let available = (rate.requests + 1).saturating_sub(times.len() as u64).max(1);
        Some(remaining / available as u32)
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
