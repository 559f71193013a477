//! The REST throttles' sliding windows in Redis, shared by every process:
//! one sorted set per client (`<prefix>:throttle:<key>`, request times in
//! milliseconds of the Redis server's clock), checked and recorded by one
//! script; a request that should not count is forgotten (`ZPOPMAX`), a
//! window cleared (`DEL`).

use std::sync::LazyLock;
use std::time::Duration;

use ::redis::Script;

use super::{Redis, RedisError};
use crate::throttle::Rate;

/// KEYS: the client's window. ARGV: requests allowed, period (ms), a unique
/// member. Drops times that left the window; records this request if the
/// rate allows it (`{1, 0, 0}`), else `{0, ms until the oldest leaves, requests
/// in the window}`. Times are whole milliseconds, which Lua formats exactly.
static HIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local period = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
local count = redis.call('ZCARD', KEYS[1])
if count < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], period)
  return {1, 0, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
local remaining = period
if oldest then remaining = period - (now - tonumber(oldest)) end
return {0, math.max(remaining, 0), count}
",
    )
});

/// Records a request for `key` if `rate` allows it (`None`); otherwise
/// records nothing and returns how long to wait, as
/// [`ThrottleStore::hit`](crate::throttle::ThrottleStore::hit) does.
pub(crate) async fn hit(redis: &Redis, key: &str, rate: Rate) -> Result<Option<Duration>, RedisError> {
    let period = u64::try_from(rate.period.as_millis()).unwrap_or(u64::MAX).max(1);
    let (allowed, remaining, count): (i64, u64, u64) = HIT
        .key(redis.key(&format!("throttle:{key}")))
        .arg(rate.requests)
        .arg(period)
        .arg(crate::random::hex(8))
        .invoke_async(&mut redis.connection())
        .await
        .map_err(|e| redis.error(e))?;
    if allowed == 1 {
        return Ok(None);
    }
    // DRF's estimate, as in-process: the time until the oldest request leaves
    // the window, shared among the requests that will then be available.
    let available = (rate.requests + 1).saturating_sub(count).max(1);
    Ok(Some(Duration::from_millis(remaining) / u32::try_from(available).unwrap_or(u32::MAX)))
}

/// Forgets the most recent request recorded for `key` (`ZPOPMAX`).
pub(crate) async fn forget_latest(redis: &Redis, key: &str) -> Result<(), RedisError> {
    let _: Vec<String> = ::redis::cmd("ZPOPMAX")
        .arg(redis.key(&format!("throttle:{key}")))
        .query_async(&mut redis.connection())
        .await
        .map_err(|e| redis.error(e))?;
    Ok(())
}

/// Forgets every request recorded for `key` (`DEL`).
pub(crate) async fn clear(redis: &Redis, key: &str) -> Result<(), RedisError> {
    let _: i64 = ::redis::cmd("DEL")
        .arg(redis.key(&format!("throttle:{key}")))
        .query_async(&mut redis.connection())
        .await
        .map_err(|e| redis.error(e))?;
    Ok(())
}
