//! Uploads: files from an `<input type=file>` to an event handler.
//!
//! The runtime posts the chosen files to `POST /_upload` (multipart, with the
//! CSRF token, the session cookie and the tab's token), showing progress in
//! any `<progress data-upload-for="<input id>">`. The server checks that the
//! tab belongs to the session, stores each file under the media root
//! (`[ui] media_root`, served back under `[ui] media_url`), in a folder of
//! the upload's own, with a [safe](safe_file_name) name unique within it,
//! then runs the event in order with the tab's other events; its handler
//! finds the files in [`EventContext::uploads`](super::EventContext::uploads).
//! A browser cannot make up an upload: the list comes from the server, never
//! from the event's arguments.
//!
//! The files are kept only when the event succeeds: an event that fails or
//! is refused, a body over `[ui] upload_max_bytes` (counted as it streams)
//! or with more than `[ui] upload_max_files` parts, a malformed body and a
//! client that goes away halfway all leave nothing on disk.
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
    /// The file's name as the browser gave it, reduced to safe characters
    /// (see [`safe_file_name`]) and made unique within its upload.
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

/// The longest stored file name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// The longest extension kept whole when a name is shortened (`.tar.gz`
/// counts as `.gz`).
const MAX_EXTENSION_CHARS: usize = 16;

/// `name` without folders and with only letters, digits, `.`, `-`, `_`
/// (others, control characters and NUL included, become `_`), never empty,
/// never hidden, at most [`MAX_NAME_CHARS`] characters: a longer name loses
/// the end of its stem and keeps its extension.
///
/// ```
/// use tandem::ui::upload::safe_file_name;
/// assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
/// assert_eq!(safe_file_name("my photo (1).JPG"), "my_photo__1_.JPG");
/// assert_eq!(safe_file_name(".htaccess"), "_htaccess");
/// assert_eq!(safe_file_name(".."), "file");
/// assert_eq!(safe_file_name("a\0b\u{1b}.txt"), "a_b_.txt");
/// assert_eq!(safe_file_name(""), "file");
/// let long = safe_file_name(&format!("{}.png", "x".repeat(500)));
/// assert_eq!((long.len(), &long[95..]), (100, "x.png"));
/// ```
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut safe: String =
        base.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    if safe.starts_with('.') {
        safe.replace_range(0..1, "_");
    }
    if safe.chars().all(|c| matches!(c, '_' | '.')) {
        return "file".into();
    }
    fit(&safe, "")
}

/// `name` with `suffix` before its extension (`a.txt`, `_x1` → `a_x1.txt`),
/// its stem shortened so that the whole stays within [`MAX_NAME_CHARS`].
/// `name` is ASCII (from [`safe_file_name`]).
fn fit(name: &str, suffix: &str) -> String {
    let (stem, extension) = match name.rfind('.') {
        Some(dot) if dot > 0 && name.len() - dot <= MAX_EXTENSION_CHARS => name.split_at(dot),
        _ => (name, ""),
    };
    let room = MAX_NAME_CHARS.saturating_sub(extension.len() + suffix.len()).max(1);
    let stem = &stem[..stem.len().min(room)];
    format!("{stem}{suffix}{extension}")
}

/// `name` if no file of `taken` has it, else `name` with a random suffix
/// before its extension (`a.txt` → `a_3f9c01ab.txt`) that no file of
/// `taken` has: files of one upload never replace each other.
pub(crate) fn unique_name(name: &str, taken: &std::collections::HashSet<String>) -> String {
    let mut candidate = name.to_string();
    while taken.contains(&candidate) {
        candidate = fit(name, &format!("_{}", crate::random::hex(4)));
    }
    candidate
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn duplicate_names_get_a_suffix_before_their_extension() {
        let mut taken = HashSet::new();
        for name in ["a.txt", "2-a.txt", "a.txt", "a.txt"] {
            let unique = unique_name(name, &taken);
            assert!(unique.ends_with(".txt") && unique.len() <= MAX_NAME_CHARS, "{unique}");
            assert!(taken.insert(unique), "every name is new");
        }
        assert!(taken.contains("a.txt") && taken.contains("2-a.txt"), "the first of each keeps its name");
        let long = safe_file_name(&"y".repeat(300));
        let again = unique_name(&long, &[long.clone()].into());
        assert_eq!(again.len(), MAX_NAME_CHARS, "a long name stays within the limit with its suffix: {again}");
        assert_ne!(again, long);
    }
}
