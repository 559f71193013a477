//! Feedback in the page: inline notices (a toned box that stays, unlike the
//! toasts of `ctx.notify`) and themed progress bars.
//!
//! ```
//! use tandem::ui::components::Tone;
//! use tandem::ui::feedback::*;
//! use tandem::ui::node::*;
//!
//! let status = vstack([
//!     notice(Tone::Info, [text("Orders placed before noon leave today.")]),
//!     progress_bar("progress", 100, "Import progress"),
//! ]);
//! # let _ = status;
//! ```

use super::components::Tone;
use super::node::*;

/// A notice box coloured by `tone`: `role="alert"` for
/// [`Tone::Danger`] and [`Tone::Warning`] (read out at once), else
/// `role="status"`. Show one only while a field is set with
/// `cond("error", notice(…), nothing())`.
///
/// ```
/// use tandem::ui::components::Tone;
/// use tandem::ui::feedback::notice;
/// use tandem::ui::node::*;
///
/// let html = tandem::ui::render::render(&notice(Tone::Danger, [bind("error")]), &serde_json::json!({"error": "<No>"}));
/// assert_eq!(html, r#"<div class="t-callout" data-tone="danger" role="alert">&lt;No&gt;</div>"#);
/// ```
pub fn notice(tone: Tone, content: impl IntoIterator<Item = Node>) -> Node {
    let role = if matches!(tone, Tone::Danger | Tone::Warning) { "alert" } else { "status" };
    div().class("t-callout").attr("data-tone", tone.name()).attr("role", role).children(content)
}

/// A `<progress>` bar in the accent colour, its value bound to the state
/// field `path` (0 to `max`), named `label` for screen readers.
///
/// ```
/// use tandem::ui::feedback::progress_bar;
///
/// let html = tandem::ui::render::render(&progress_bar("done", 10, "Steps done"), &serde_json::json!({"done": 3}));
/// assert_eq!(html, r#"<progress class="t-progress" max="10" aria-label="Steps done" value="3"></progress>"#);
/// ```
pub fn progress_bar(path: impl crate::ui::view::ScalarPath, max: u32, label: &str) -> Node {
    let path = path.path_string();
    progress().class("t-progress").attr("max", max.to_string()).attr("aria-label", label).bind_attr("value", path)
}
