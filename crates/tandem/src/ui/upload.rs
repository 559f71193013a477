//! Uploads: files from an `<input type=file>` to an event handler.
//!
//! The runtime posts the chosen files to `POST /_upload` (multipart, with the
//! CSRF token, the session cookie and the tab's token), showing progress in
//! any `<progress data-upload-for="<input id>">`. The server checks that the
//! tab belongs to the session, stores each file under the media root
//! (`[ui] media_root`, served back under `[ui] media_url`), then runs the
//! event in order with the tab's other events; its handler finds the files
//! in [`EventContext::uploads`](super::EventContext::uploads). A browser
//! cannot make up an upload: the list comes from the server, never from the
//! event's arguments.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tandem::ui::node::*;
//! use tandem::ui::upload::upload_progress;
//! use tandem::ui::{EventContext, State, events};
//!
//! #[derive(Default, Serialize, Deserialize, State)]
//! pub struct Gallery { pub urls: Vec<String> }
//!
//! #[events]
//! impl Gallery {
//!     pub async fn add(&mut self, ctx: &mut EventContext) {
//!         self.urls.extend(ctx.uploads().iter().map(|file| file.url.clone()));
//!     }
//! }
//!
//! fn view() -> Node {
//!     div().children([
//!         input().id("photos").attr("type", "file").attr("multiple", "").on_upload(event("add")),
//!         upload_progress("photos"),
//!     ])
//! }
//! # let _ = view();
//! ```

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::node::{Node, progress};

/// A file stored by `POST /_upload` for the event it came with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadedFile {
    /// The form field's name (the input's `name`, else `file`).
    pub field: String,
    /// The file's name as the browser gave it, reduced to safe characters.
    pub name: String,
    /// The media type the browser claimed (not checked: sniff it yourself
    /// if it matters).
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// Where it is served, e.g. `/media/uploads/3f…/photo.png`.
    pub url: String,
    #[serde(skip)]
    pub(crate) path: PathBuf,
}

impl UploadedFile {
    /// The stored file on disk (under the media root): read it, or move it
    /// somewhere of your own.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A `<progress>` bar the runtime moves while the files of input
/// `input_id` upload (0–100).
///
/// ```
/// let html = tandem::ui::render::render(&tandem::ui::upload::upload_progress("photos"), &serde_json::json!({}));
/// assert_eq!(html, r#"<progress data-upload-for="photos" max="100" value="0"></progress>"#);
/// ```
pub fn upload_progress(input_id: &str) -> Node {
    progress().attr("data-upload-for", input_id).attr("max", "100").attr("value", "0")
}

/// `name` without folders and with only letters, digits, `.`, `-`, `_`
/// (others become `_`), never empty, never hidden, at most 100 characters.
///
/// ```
/// use tandem::ui::upload::safe_file_name;
/// assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
/// assert_eq!(safe_file_name("my photo (1).JPG"), "my_photo__1_.JPG");
/// assert_eq!(safe_file_name(".htaccess"), "_htaccess");
/// assert_eq!(safe_file_name(""), "file");
/// ```
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut safe: String = base
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .take(100)
        .collect();
    if safe.starts_with('.') {
        safe.replace_range(0..1, "_");
    }
    if safe.is_empty() || safe.chars().all(|c| c == '_') { "file".into() } else { safe }
}
