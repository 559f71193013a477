//! `[ui]` in `Tandem.toml`: how long idle tabs are kept, what one
//! connection may send, where uploads go, and the Redis that several
//! processes share tabs (and REST throttle counts) through.
//!
//! ```
//! let ui: tandem::ui::UiSettings = toml::from_str("idle_seconds = 600").unwrap();
//! assert_eq!(ui.idle().as_secs(), 600);
//! assert_eq!(ui.limits().max_frame_bytes, 1 << 20);
//! assert_eq!((ui.redis_url, ui.redis_prefix.as_str()), (None, "tandem"));
//! ```

use std::time::Duration;

use serde::Deserialize;

use super::engine::Limits;

/// The reactive UI's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiSettings {
    /// A tab's state is forgotten after this many seconds without events (default one hour).
    pub idle_seconds: u64,
    /// Largest WebSocket frame accepted (default 1 MiB).
    pub max_frame_bytes: usize,
    /// Events per second one connection may send on average (default 200).
    pub events_per_second: u32,
    /// Events one connection may send in a burst (default 400).
    pub burst: u32,
    /// Largest upload to `/_upload`, all files together (default 10 MiB).
    pub upload_max_bytes: u64,
    /// Most parts (files) one upload to `/_upload` may hold (default 100,
    /// Django's `DATA_UPLOAD_MAX_NUMBER_FILES`); more are refused with 413
    /// and nothing is kept.
    ///
    /// ```
    /// let ui: tandem::ui::UiSettings = toml::from_str("upload_max_files = 5").unwrap();
    /// assert_eq!((ui.upload_max_files, tandem::ui::UiSettings::default().upload_max_files), (5, 100));
    /// ```
    pub upload_max_files: usize,
    /// Where uploads are stored, relative to `Tandem.toml` (default `media`).
    pub media_root: std::path::PathBuf,
    /// The URL prefix stored uploads are served under (default `/media`).
    pub media_url: String,
    /// Keep tabs (and REST throttle counts) in this Redis, shared by every
    /// process of the application, instead of the embedded store; `REDIS_URL`
    /// overrides it. `redis://[:password@]host[:port][/db]` or `unix:///path`.
    ///
    /// ```
    /// let ui: tandem::ui::UiSettings = toml::from_str("redis_url = \"redis://127.0.0.1:6379/0\"").unwrap();
    /// assert_eq!(ui.redis_url.as_deref(), Some("redis://127.0.0.1:6379/0"));
    /// ```
    pub redis_url: Option<String>,
    /// What every Redis key starts with (default `tandem`), so that several
    /// applications can share one Redis: `tandem:tab:<token>`.
    ///
    /// ```
    /// let ui: tandem::ui::UiSettings = toml::from_str("redis_prefix = \"shop\"").unwrap();
    /// assert_eq!(ui.redis_prefix, "shop");
    /// ```
    pub redis_prefix: String,
    /// How long a process holds a tab's lease in Redis without renewing it
    /// (default 10,000 ms): a process that stalls or dies holds its tabs at
    /// most this long; renewed every third of it while a handler runs.
    ///
    /// ```
    /// let ui: tandem::ui::UiSettings = toml::from_str("redis_lease_ms = 2000").unwrap();
    /// assert_eq!(ui.redis_lease().as_millis(), 2000);
    /// ```
    pub redis_lease_ms: u64,
    /// How often idle tabs are swept from memory and the database (default 300 s).
    pub sweep_seconds: u64,
    /// Answer an event only once its tab's new state is in the database
    /// (default `true`): the embedded store then commits the changed tabs
    /// of many events together as soon as they arrive (group commit), so a
    /// crash loses no answered event. `false` writes behind every 100 ms
    /// instead: cheaper, but a crash can lose the last 100 ms of answers.
    pub durable_events: bool,
    /// How often (at most) a logged-in user's connection checks, before an
    /// event, that its session still exists and its user is still active
    /// with the same password (default 1 s; `0` checks before every event).
    /// A logout through this process (or any, with Redis) closes the
    /// session's sockets at once; this check catches the rest (a password
    /// changed by `changepassword`, a session deleted by hand).
    pub session_recheck_seconds: u64,
    /// A WebSocket ping goes to an idle connection this often (default 30 s);
    /// one that has sent nothing, pong included, for two intervals is dropped.
    pub ping_seconds: u64,
    /// Live updates for one topic (`Page::live`) arriving within this many
    /// milliseconds are merged into one refresh per tab (default 100 ms).
    pub live_debounce_ms: u64,
}

impl Default for UiSettings {
    fn default() -> Self {
        let limits = Limits::default();
        Self {
            idle_seconds: 3600,
            max_frame_bytes: limits.max_frame_bytes,
            events_per_second: limits.events_per_second,
            burst: limits.burst,
            upload_max_bytes: 10 << 20,
            upload_max_files: 100,
            media_root: "media".into(),
            media_url: "/media".into(),
            redis_url: None,
            redis_prefix: "tandem".into(),
            redis_lease_ms: 10_000,
            sweep_seconds: 300,
            durable_events: true,
            session_recheck_seconds: 1,
            ping_seconds: 30,
            live_debounce_ms: 100,
        }
    }
}

impl UiSettings {
    /// The lease on a tab in Redis.
    pub fn redis_lease(&self) -> Duration {
        Duration::from_millis(self.redis_lease_ms)
    }

    /// The idle expiry.
    pub fn idle(&self) -> Duration {
        Duration::from_secs(self.idle_seconds.max(1))
    }

    /// The connection limits.
    pub fn limits(&self) -> Limits {
        Limits {
            max_frame_bytes: self.max_frame_bytes,
            events_per_second: self.events_per_second,
            burst: self.burst,
            session_recheck: Duration::from_secs(self.session_recheck_seconds),
            ping: Duration::from_secs(self.ping_seconds.max(1)),
        }
    }

    /// How often idle tabs are swept.
    pub fn sweep(&self) -> Duration {
        Duration::from_secs(self.sweep_seconds.max(1))
    }

    /// The window in which live updates of one topic are merged.
    pub fn live_debounce(&self) -> Duration {
        Duration::from_millis(self.live_debounce_ms)
    }
}
