//! `[ui]` in `Tandem.toml`: how long idle tabs are kept and what one
//! connection may send.
//!
//! ```
//! let ui: tandem::ui::UiSettings = toml::from_str("idle_seconds = 600").unwrap();
//! assert_eq!(ui.idle().as_secs(), 600);
//! assert_eq!(ui.limits().max_frame_bytes, 1 << 20);
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
}

impl Default for UiSettings {
    fn default() -> Self {
        let limits = Limits::default();
        Self {
            idle_seconds: 3600,
            max_frame_bytes: limits.max_frame_bytes,
            events_per_second: limits.events_per_second,
            burst: limits.burst,
        }
    }
}

impl UiSettings {
    /// The idle expiry.
    pub fn idle(&self) -> Duration {
        Duration::from_secs(self.idle_seconds.max(1))
    }

    /// The connection limits.
    pub fn limits(&self) -> Limits {
        Limits { max_frame_bytes: self.max_frame_bytes, events_per_second: self.events_per_second, burst: self.burst }
    }
}
