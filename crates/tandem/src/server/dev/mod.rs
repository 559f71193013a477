//! Live reload in development: the served side of `run --reload`.
//!
//! The reloader ([`crate::cli`]'s `run --reload`) starts the application
//! with [`STATUS_VAR`] naming a file in which it keeps a [`BuildStatus`]: how
//! the last build went and how often the static files changed. A process so
//! started (and only in development) reads that file and tells every open
//! page through `GET /_tandem/dev/events`, a stream of server-sent events:
//!
//! - a page whose process is not the one that rendered it reloads (its tab's
//!   state resumes from the store, as after any reload);
//! - a failed build shows the compiler's output over the page, until a build
//!   succeeds;
//! - a changed static file refreshes the page's stylesheets, without a build.
//!
//! The page gets the small script `reload.js` for this, next to the runtime;
//! nothing of it exists in a process the reloader did not start.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// The environment variable naming the status file.
pub const STATUS_VAR: &str = "TANDEM_DEV_STATUS";

/// The page's script: reloads, shows build errors, refreshes stylesheets.
const SCRIPT: &str = include_str!("reload.js");

/// Where the script and the stream are served.
pub(crate) const SCRIPT_PATH: &str = "/_tandem/dev/reload.js";
pub(crate) const EVENTS_PATH: &str = "/_tandem/dev/events";

/// How often the status file is looked at.
const POLL: Duration = Duration::from_millis(100);

/// What the reloader tells the served process.
///
/// ```
/// use tandem::server::dev::{BuildState, BuildStatus};
///
/// let dir = tempfile::tempdir().unwrap();
/// let file = dir.path().join("status.json");
/// let failed = BuildStatus { state: BuildState::Failed, output: "error[E0425]".into(), assets: 2 };
/// failed.write(&file).unwrap();
/// assert_eq!(BuildStatus::read(&file), Some(failed));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildStatus {
    /// How the last build went.
    pub state: BuildState,
    /// The compiler's output when it failed.
    pub output: String,
    /// Bumped at every change of a static file.
    pub assets: u64,
}

/// The state of the project's build.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildState {
    /// The running process is the latest build.
    #[default]
    Ready,
    /// A build is under way; the running process still serves.
    Building,
    /// The last build failed; the running process still serves.
    Failed,
}

impl BuildStatus {
    /// Writes the status to `file` at once (a whole file, then renamed
    /// over the old one), so a reader never sees half of it.
    pub fn write(&self, file: &Path) -> std::io::Result<()> {
        let partial = file.with_extension("partial");
        std::fs::write(&partial, serde_json::to_vec(self).map_err(std::io::Error::other)?)?;
        std::fs::rename(partial, file)
    }

    /// The status in `file`, if it holds one.
    pub fn read(file: &Path) -> Option<Self> {
        serde_json::from_slice(&std::fs::read(file).ok()?).ok()
    }
}

/// This process's side: who it is and the latest status.
struct Reload {
    /// Tells this process from the one before it: pages rendered by another
    /// reload.
    build: String,
    status: watch::Sender<BuildStatus>,
}

static ACTIVE: OnceLock<Reload> = OnceLock::new();

/// Turns live reload on when [`STATUS_VAR`] names a file and the process is
/// in development: follows the file from now on.
pub(crate) fn start(debug: bool) {
    let Some(file) = std::env::var_os(STATUS_VAR).map(PathBuf::from) else { return };
    if !debug {
        tracing::warn!("{STATUS_VAR} is set in production: live reload stays off");
        return;
    }
    let initial = BuildStatus::read(&file).unwrap_or_default();
    let reload = Reload { build: crate::random::hex(8), status: watch::Sender::new(initial) };
    if ACTIVE.set(reload).is_err() {
        return; // already following it (a second app in this process)
    }
    let shown = file.clone();
    tokio::spawn(async move {
        let mut seen = modified(&file);
        loop {
            tokio::time::sleep(POLL).await;
            let now = modified(&file);
            if now != seen {
                seen = now;
                if let (Some(status), Some(reload)) = (BuildStatus::read(&file), ACTIVE.get()) {
                    reload.status.send_if_modified(|old| std::mem::replace(old, status.clone()) != status);
                }
            }
        }
    });
    tracing::info!("live reload: following {}", shown.display());
}

fn modified(file: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(file).and_then(|m| m.modified()).ok()
}

/// Whether this process serves live reload.
pub(crate) fn active() -> bool {
    ACTIVE.get().is_some()
}

/// The `<script>` element every page's head gets, when live reload is on.
pub(crate) fn script_tag() -> Option<String> {
    let reload = ACTIVE.get()?;
    Some(format!("<script src=\"{SCRIPT_PATH}\" data-build=\"{}\" defer></script>", reload.build))
}

/// `GET /_tandem/dev/reload.js`.
pub(crate) async fn script() -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
}

/// `GET /_tandem/dev/events`: the status now, then at every change, until
/// the process shuts down (so a restart is never held up by open pages).
pub(crate) async fn events(
    axum::Extension(ui): axum::Extension<std::sync::Arc<crate::ui::Engine>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = ACTIVE.get().map(|reload| (reload.build.clone(), reload.status.subscribe()));
    let closing = ui.closing();
    let stream = futures_util::stream::unfold((receiver, closing, true), |(receiver, mut closing, first)| async move {
        let (build, mut status) = receiver?;
        if !first {
            tokio::select! {
                changed = status.changed() => changed.ok()?,
                _ = closing.wait_for(|closed| *closed) => return None,
            }
        }
        let current = status.borrow_and_update().clone();
        let data = serde_json::json!({
            "build": build, "state": current.state, "output": current.output, "assets": current.assets,
        });
        let event = Event::default().event("status").retry(Duration::from_millis(250)).data(data.to_string());
        Some((Ok(event), (Some((build, status)), closing, false)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
