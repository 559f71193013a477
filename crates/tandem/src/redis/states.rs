//! [`RedisStates`]: tabs in Redis, so that several processes serve the same
//! tabs. Every operation is one Lua script or one command, so one round trip
//! in the common case:
//!
//! | key | value | lifetime |
//! |---|---|---|
//! | `<prefix>:tab:<token>` | `["<session key>",{"<state>":{…}}]` | idle expiry, refreshed by every event |
//! | `<prefix>:lock:<token>` | the holder's fence | the lease, renewed every third of it while the holder works |
//! | `<prefix>:fence:<token>` | the newest fence given out on the tab | idle expiry plus the lease |
//! | `<prefix>:fences` | the counter fences are drawn from | kept |
//!
//! `acquire` takes the lock when it is free, drawing a new fence, and
//! returns the tab with it; `release` writes only if the tab's newest fence
//! is still the lease's, so a holder that stalled past its lease and was
//! overtaken writes nothing ([`StoreError::LeaseLost`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use tandem::redis::{Redis, RedisStates};
//! use tandem::ui::store::StateManager;
//!
//! let redis = Redis::connect("redis://127.0.0.1:6379", "tandem").await?;
//! let states = RedisStates::new(redis, Duration::from_secs(3600));
//! let (lease, tab) = states.acquire("the-token").await?;
//! let tab = tab.map(|tab| tab.with_state("counter", serde_json::json!({"count": 1})));
//! states.release(lease, tab).await?;
//! # Ok(())
//! # }
//! ```

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ::redis::Script;
use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

use super::{Redis, RedisError};
use crate::ui::store::{Lease, Leased, StateManager, StoreError, Tab};

/// How long a lease lasts unless renewed (renewed every third of it while
/// its holder works): also how long the tabs of a process that died stay
/// locked.
///
/// ```
/// assert_eq!(tandem::redis::states::DEFAULT_LEASE.as_secs(), 10);
/// ```
pub const DEFAULT_LEASE: Duration = Duration::from_secs(10);

/// The first pause before asking again for a lease someone holds.
const FIRST_PAUSE: Duration = Duration::from_millis(2);
/// The longest pause between two asks.
const LONGEST_PAUSE: Duration = Duration::from_millis(50);

/// KEYS: lock, fence, tab, fence counter. ARGV: lease (ms), fence lifetime (s).
/// Returns `{fence, tab or nil, 0}`, or `{0, nil, ms the lock has left}`.
static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local left = redis.call('PTTL', KEYS[1])
if left ~= -2 then return {0, false, left} end
local fence = redis.call('INCR', KEYS[4])
redis.call('SET', KEYS[1], fence, 'PX', ARGV[1])
redis.call('SET', KEYS[2], fence, 'EX', ARGV[2])
return {fence, redis.call('GET', KEYS[3]), 0}
",
    )
});

/// KEYS: lock, fence. ARGV: fence, lease (ms), fence lifetime (s).
/// Extends the lock only while it still holds this fence: 1, else 0.
static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
",
    )
});

/// KEYS: lock, fence, tab. ARGV: fence, idle (s), fence lifetime (s), and
/// the tab to write if any. Nothing happens unless the tab's newest fence is
/// this one (0); else writes or touches the tab, frees the lock (1).
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if ARGV[4] then
  redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[2])
else
  redis.call('EXPIRE', KEYS[3], ARGV[2])
end
redis.call('EXPIRE', KEYS[2], ARGV[3])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
",
    )
});

/// The Redis state manager: tabs shared by every process using the same
/// Redis and prefix, each tab's work ordered across them by a renewed,
/// fenced lease.
///
/// ```no_run
/// # async fn demo(redis: tandem::redis::Redis) {
/// use std::sync::Arc;
/// use std::time::Duration;
/// use tandem::ui::store::StateManager;
///
/// let states: Arc<dyn StateManager> =
///     Arc::new(tandem::redis::RedisStates::new(redis, Duration::from_secs(3600)).with_lease(Duration::from_secs(5)));
/// # let _ = states;
/// # }
/// ```
pub struct RedisStates {
    redis: Redis,
    idle: Duration,
    lease: Duration,
}

/// The keys of one tab.
struct Keys {
    tab: String,
    lock: String,
    fence: String,
}

/// Renews a lease until dropped (kept in [`Lease::hold`]).
struct Renewal(tokio::task::JoinHandle<()>);

impl Drop for Renewal {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl RedisStates {
    /// Tabs in `redis`, forgotten after `idle` without events, with leases
    /// of [`DEFAULT_LEASE`].
    ///
    /// ```no_run
    /// # async fn demo(redis: tandem::redis::Redis) {
    /// let states = tandem::redis::RedisStates::new(redis, std::time::Duration::from_secs(600));
    /// # let _ = states;
    /// # }
    /// ```
    pub fn new(redis: Redis, idle: Duration) -> Self {
        Self { redis, idle, lease: DEFAULT_LEASE }
    }

    /// Leases of `lease` (at least 30 ms), renewed every third of it while
    /// their holder works.
    ///
    /// ```no_run
    /// # async fn demo(redis: tandem::redis::Redis) {
    /// use std::time::Duration;
    /// let states = tandem::redis::RedisStates::new(redis, Duration::from_secs(600)).with_lease(Duration::from_secs(3));
    /// # let _ = states;
    /// # }
    /// ```
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(30));
        self
    }

    /// The connection (for readiness checks, or the throttles).
    ///
    /// ```no_run
    /// # async fn demo(states: tandem::redis::RedisStates) {
    /// let ready = states.redis().ping().await.is_ok();
    /// # let _ = ready;
    /// # }
    /// ```
    pub fn redis(&self) -> &Redis {
        &self.redis
    }

    /// Whether Redis answers (a readiness check).
    ///
    /// ```no_run
    /// # async fn demo(states: tandem::redis::RedisStates) {
    /// if let Err(error) = states.ping().await {
    ///     eprintln!("not ready: {error}");
    /// }
    /// # }
    /// ```
    pub async fn ping(&self) -> Result<(), RedisError> {
        self.redis.ping().await
    }

    fn keys(&self, token: &str) -> Keys {
        Keys {
            tab: self.redis.key(&format!("tab:{token}")),
            lock: self.redis.key(&format!("lock:{token}")),
            fence: self.redis.key(&format!("fence:{token}")),
        }
    }

    fn idle_seconds(&self) -> u64 {
        self.idle.as_secs().max(1)
    }

    /// The fence outlives the tab by a lease, so that a holder stalled
    /// until its tab expired still finds a newer fence, not none.
    fn fence_seconds(&self) -> u64 {
        self.idle_seconds() + self.lease.as_secs() + 1
    }

    fn lease_millis(&self) -> u64 {
        u64::try_from(self.lease.as_millis()).unwrap_or(u64::MAX)
    }

    /// Starts renewing the lease `fence` on `keys.lock`.
    fn renewal(&self, keys: &Keys, fence: u64) -> Renewal {
        let mut connection = self.redis.connection();
        let (lock, fence_key) = (keys.lock.clone(), keys.fence.clone());
        let (every, lease, fence_seconds) = (self.lease / 3, self.lease_millis(), self.fence_seconds());
        Renewal(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let renewed: Result<i64, _> = RENEW
                    .key(&lock)
                    .key(&fence_key)
                    .arg(fence)
                    .arg(lease)
                    .arg(fence_seconds)
                    .invoke_async(&mut connection)
                    .await;
                match renewed {
                    Ok(1) => {}
                    Ok(_) => {
                        tracing::warn!(target: "tandem::ui", %lock, "a tab's lease ran out before its holder finished");
                        break;
                    }
                    Err(error) => tracing::warn!(target: "tandem::ui", %lock, %error, "cannot renew a tab's lease"),
                }
            }
        }))
    }
}

/// The stored form: `["<session key>",{states}]`, JSON without whitespace.
fn encode(tab: &Tab) -> Result<String, StoreError> {
    serde_json::to_string(&(&tab.session_key, tab.stored_states())).map_err(|e| StoreError::Backend(e.to_string()))
}

fn decode(token: &str, text: &str) -> Result<Arc<Tab>, StoreError> {
    let (session_key, states): (String, Map<String, Value>) = serde_json::from_str(text)
        .map_err(|e| StoreError::Backend(format!("the stored tab {token} is not a tab: {e}")))?;
    Ok(Arc::new(Tab::from_stored(session_key, states)))
}

impl StateManager for RedisStates {
    /// One `GET`.
    fn load<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<Arc<Tab>>, StoreError>> {
        Box::pin(async move {
            let found: Option<String> = ::redis::cmd("GET")
                .arg(self.keys(token).tab)
                .query_async(&mut self.redis.connection())
                .await
                .map_err(|e| self.redis.error(e))?;
            found.map(|text| decode(token, &text)).transpose()
        })
    }

    /// One `SET … EX <idle>`.
    fn save<'a>(&'a self, token: &'a str, tab: &'a Tab) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let () = ::redis::cmd("SET")
                .arg(self.keys(token).tab)
                .arg(encode(tab)?)
                .arg("EX")
                .arg(self.idle_seconds())
                .query_async(&mut self.redis.connection())
                .await
                .map_err(|e| self.redis.error(e))?;
            Ok(())
        })
    }

    /// One script when the tab is free; otherwise asks again after a short,
    /// growing pause (never longer than the lock has left) until it is.
    fn acquire<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Leased, StoreError>> {
        Box::pin(async move {
            let keys = self.keys(token);
            let counter = self.redis.key("fences");
            let mut connection = self.redis.connection();
            let mut pause = FIRST_PAUSE;
            loop {
                let (fence, found, left): (u64, Option<String>, i64) = ACQUIRE
                    .key(&keys.lock)
                    .key(&keys.fence)
                    .key(&keys.tab)
                    .key(&counter)
                    .arg(self.lease_millis())
                    .arg(self.fence_seconds())
                    .invoke_async(&mut connection)
                    .await
                    .map_err(|e| self.redis.error(e))?;
                if fence > 0 {
                    let tab = found.map(|text| decode(token, &text)).transpose()?;
                    let hold = self.renewal(&keys, fence);
                    return Ok((Lease { token: token.to_string(), fence, hold: Some(Box::new(hold)) }, tab));
                }
                let left = u64::try_from(left).map_or(pause, |ms| Duration::from_millis(ms + 1));
                let jitter = Duration::from_micros(rand::random_range(0..=pause.as_micros() as u64 / 2));
                tokio::time::sleep(pause.min(left) + jitter).await;
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
        })
    }

    /// One script: stops the renewal, then writes `tab` (or refreshes the
    /// tab's expiry) and frees the lock, unless a newer lease was given out.
    fn release(&self, lease: Lease, tab: Option<Tab>) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let Lease { token, fence, hold } = lease;
            drop(hold);
            let keys = self.keys(&token);
            let mut script = RELEASE.key(&keys.lock);
            script.key(&keys.fence).key(&keys.tab).arg(fence).arg(self.idle_seconds()).arg(self.fence_seconds());
            if let Some(tab) = &tab {
                script.arg(encode(tab)?);
            }
            let kept: i64 = script.invoke_async(&mut self.redis.connection()).await.map_err(|e| self.redis.error(e))?;
            if kept == 1 { Ok(()) } else { Err(StoreError::LeaseLost) }
        })
    }

    /// Nothing to do: every write already went to Redis (how durable Redis
    /// keeps it is Redis's own configuration).
    fn flush(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async { Ok(()) })
    }

    /// Nothing to do: Redis forgets idle tabs by itself (their keys expire).
    fn expire(&self) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async { Ok(0) })
    }

    /// One `DEL` of the tab (its lock and fence expire by themselves).
    fn forget<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let _: i64 = ::redis::cmd("DEL")
                .arg(self.keys(token).tab)
                .query_async(&mut self.redis.connection())
                .await
                .map_err(|e| self.redis.error(e))?;
            Ok(())
        })
    }

    /// One `PING`.
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move { Ok(self.redis.ping().await?) })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use serde_json::json;

    use super::*;
    use crate::redis::tests::{clean, redis};

    fn tab(count: i64) -> Tab {
        Tab::new("session").with_state("counter", json!({"count": count}))
    }

    fn count(tab: &Option<Arc<Tab>>) -> i64 {
        tab.as_ref().map_or(0, |tab| tab.states["counter"]["count"].as_i64().unwrap())
    }

    const HOUR: Duration = Duration::from_secs(3600);

    #[tokio::test]
    async fn tabs_round_trip_compactly() {
        let Some(redis) = redis("round_trip").await else { return };
        let states = RedisStates::new(redis.clone(), HOUR);
        assert_eq!(states.load("t1").await.unwrap(), None);
        states.save("t1", &tab(1)).await.unwrap();
        assert_eq!(states.load("t1").await.unwrap().as_deref(), Some(&tab(1)));
        let stored: String =
            ::redis::cmd("GET").arg(redis.key("tab:t1")).query_async(&mut redis.connection()).await.unwrap();
        assert_eq!(stored, r#"["session",{"counter":{"count":1}}]"#);

        let (lease, found) = states.acquire("t1").await.unwrap();
        assert_eq!((lease.token.as_str(), found.as_deref()), ("t1", Some(&tab(1))));
        let first = lease.fence;
        states.release(lease, Some(tab(2))).await.unwrap();
        assert_eq!(states.load("t1").await.unwrap().as_deref(), Some(&tab(2)));

        let (lease, found) = states.acquire("t1").await.unwrap();
        assert!(lease.fence > first, "every lease draws a newer fence");
        assert_eq!(found.as_deref(), Some(&tab(2)));
        states.release(lease, None).await.unwrap();
        assert_eq!(
            states.load("t1").await.unwrap().as_deref(),
            Some(&tab(2)),
            "a release without a tab writes nothing"
        );

        let (lease, found) = states.acquire("unknown").await.unwrap();
        assert_eq!(found, None);
        states.release(lease, None).await.unwrap();
        assert_eq!(states.load("unknown").await.unwrap(), None);
        let locks: Vec<String> =
            ::redis::cmd("KEYS").arg(redis.key("lock:*")).query_async(&mut redis.connection()).await.unwrap();
        assert!(locks.is_empty(), "released leases free their locks: {locks:?}");
        states.flush().await.unwrap();
        assert_eq!(states.expire().await.unwrap(), 0);
        clean(&redis).await;
    }

    #[tokio::test]
    async fn idle_tabs_expire_and_events_keep_them() {
        let Some(redis) = redis("expiry").await else { return };
        let states = RedisStates::new(redis.clone(), Duration::from_secs(2));
        states.save("gone", &tab(1)).await.unwrap();
        states.save("kept", &tab(1)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let (lease, _) = states.acquire("kept").await.unwrap();
        states.release(lease, None).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(states.load("gone").await.unwrap(), None, "idle for longer than its expiry");
        assert_eq!(states.load("kept").await.unwrap().as_deref(), Some(&tab(1)), "an event refreshed it");
        tokio::time::sleep(Duration::from_millis(1300)).await;
        assert_eq!(states.load("kept").await.unwrap(), None);
        clean(&redis).await;
    }

    #[tokio::test]
    async fn leases_exclude_each_other_across_managers() {
        let Some(redis) = redis("exclusion").await else { return };
        let url = std::env::var("REDIS_URL").unwrap();
        let inside = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for _ in 0..2 {
            // Separate connections, as two processes would have.
            let own = Redis::connect(&url, redis.prefix()).await.unwrap();
            let states = RedisStates::new(own, HOUR);
            let inside = inside.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..500 {
                    let (lease, found) = states.acquire("shared").await.unwrap();
                    assert!(!inside.swap(true, Ordering::SeqCst), "two holders at once");
                    let next = tab(count(&found) + 1);
                    tokio::task::yield_now().await;
                    inside.store(false, Ordering::SeqCst);
                    states.release(lease, Some(next)).await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let states = RedisStates::new(redis.clone(), HOUR);
        assert_eq!(count(&states.load("shared").await.unwrap()), 1000, "no increment was lost");
        clean(&redis).await;
    }

    #[tokio::test]
    async fn a_holder_outliving_its_lease_keeps_it_by_renewal() {
        let Some(redis) = redis("renewal").await else { return };
        let lease = Duration::from_millis(300);
        let holder = RedisStates::new(redis.clone(), HOUR).with_lease(lease);
        let other = RedisStates::new(redis.clone(), HOUR).with_lease(lease);
        holder.save("slow", &tab(0)).await.unwrap();
        let (held, _) = holder.acquire("slow").await.unwrap();
        // Four leases long: without renewal the other would get in.
        let waited = tokio::time::timeout(Duration::from_millis(1200), other.acquire("slow")).await;
        assert!(waited.is_err(), "the other acquired while the holder was still working");
        holder.release(held, Some(tab(1))).await.expect("the renewed lease was kept");
        let (lease, found) = other.acquire("slow").await.unwrap();
        assert_eq!(count(&found), 1);
        other.release(lease, None).await.unwrap();
        clean(&redis).await;
    }

    #[tokio::test]
    async fn a_stalled_holder_is_fenced_off() {
        let Some(redis) = redis("fencing").await else { return };
        let lease = Duration::from_millis(100);
        let stalled = RedisStates::new(redis.clone(), HOUR).with_lease(lease);
        let newer = RedisStates::new(redis.clone(), HOUR).with_lease(lease);
        stalled.save("t", &tab(0)).await.unwrap();

        // The holder stalls (its renewal stops) past its lease; another takes over.
        let (mut old, _) = stalled.acquire("t").await.unwrap();
        old.hold = None;
        let (new, found) = tokio::time::timeout(Duration::from_secs(2), newer.acquire("t")).await.unwrap().unwrap();
        assert!(new.fence > old.fence);
        assert_eq!(count(&found), 0);
        // The stale holder wakes up while the newer one holds: nothing written.
        assert!(matches!(stalled.release(old, Some(tab(100))).await, Err(StoreError::LeaseLost)));
        assert_eq!(count(&stalled.load("t").await.unwrap()), 0);
        newer.release(new, Some(tab(1))).await.unwrap();

        // And after the newer one released: still nothing written, with or without a tab.
        for stale in [Some(tab(100)), None] {
            let (mut old, _) = stalled.acquire("t").await.unwrap();
            old.hold = None;
            let (new, _) = newer.acquire("t").await.unwrap();
            newer.release(new, Some(tab(2))).await.unwrap();
            assert!(matches!(stalled.release(old, stale).await, Err(StoreError::LeaseLost)));
        }
        assert_eq!(count(&newer.load("t").await.unwrap()), 2, "the newer state stands");

        // A lapsed lease nobody took over is still the newest: its write is safe.
        let (mut old, _) = stalled.acquire("t").await.unwrap();
        old.hold = None;
        tokio::time::sleep(lease * 2).await;
        stalled.release(old, Some(tab(3))).await.unwrap();
        assert_eq!(count(&newer.load("t").await.unwrap()), 3);
        clean(&redis).await;
    }
}
