//! An application's static files: its `static/` folder served under
//! `/static/`, Django's `STATIC_URL` with `ManifestStaticFilesStorage`.
//!
//! `tandem::static_files!()` embeds every file of the folder next to the
//! app's `Cargo.toml` in the binary, each with a content hash, and
//! `tandem::static_url!("css/app.css")` is that file's URL with the hash in
//! its name (`/static/css/app.0123456789abcdef.css`), checked when the app
//! compiles: a misspelt file is a compile error naming the closest one.
//! Hashed URLs are cached for ever (`immutable`); the plain ones
//! (`/static/css/app.css`) are revalidated.
//!
//! In a debug build the files are read from the folder at each request
//! instead, so an edited stylesheet or image shows on the next reload,
//! without a rebuild; a release build serves what it embedded. A file added
//! to the folder is embedded at the next build of the crate (touch a source
//! file, or edit an embedded one).
//!
//! ```ignore
//! App::new(env!("CARGO_MANIFEST_DIR"))
//!     .static_files(tandem::static_files!())
//!     .theme(Theme::new().stylesheet(tandem::static_url!("css/shop.css")))
//! // and in a view:
//! img().attr("src", tandem::static_url!("img/logo.svg")).attr("alt", "Shop")
//! ```

//! A file that is not in the folder does not compile:
//!
//! ```compile_fail
//! let url: &str = tandem::static_url!("css/missing.css");
//! ```

use std::borrow::Cow;
use std::path::{Component, Path};

/// One embedded file.
#[derive(Debug)]
pub struct Embedded {
    /// Its path under the folder, with `/`: `css/app.css`.
    pub path: &'static str,
    /// Its content hash (16 hex digits), as in its URL.
    pub hash: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
}

/// The application's static files.
#[derive(Debug, Clone)]
pub struct StaticFiles {
    folder: &'static str,
    files: &'static [Embedded],
    from_disk: bool,
}

/// A file found for a request.
pub(crate) struct Found {
    pub bytes: Cow<'static, [u8]>,
    pub content_type: &'static str,
    /// Asked for by its hashed name, which never changes content.
    pub immutable: bool,
}

impl StaticFiles {
    /// `files` embedded from `folder` (what `static_files!()` writes); read
    /// from `folder` at each request in a debug build.
    pub const fn new(folder: &'static str, files: &'static [Embedded]) -> Self {
        StaticFiles { folder, files, from_disk: cfg!(debug_assertions) }
    }

    /// Serves the embedded files even in a debug build (what a release
    /// build does).
    pub const fn embedded(mut self) -> Self {
        self.from_disk = false;
        self
    }

    /// The embedded files.
    pub fn files(&self) -> &'static [Embedded] {
        self.files
    }

    /// The file `requested` (the URL's path after `/static/`, hashed or not).
    pub(crate) fn find(&self, requested: &str) -> Option<Found> {
        let (path, hash) = match unhashed(requested) {
            Some((path, hash)) if self.knows(&path) => (path, Some(hash)),
            _ => (requested.to_string(), None),
        };
        let content_type = mime_guess::from_path(&path).first_raw().unwrap_or("application/octet-stream");
        if self.from_disk {
            let bytes = std::fs::read(Path::new(self.folder).join(safe(&path)?)).ok()?;
            // Read fresh each time: never cached for ever, whatever the name.
            return Some(Found { bytes: bytes.into(), content_type, immutable: false });
        }
        let file = self.files.iter().find(|file| file.path == path)?;
        match hash {
            Some(hash) if hash != file.hash => None,
            hash => Some(Found { bytes: file.bytes.into(), content_type, immutable: hash.is_some() }),
        }
    }

    fn knows(&self, path: &str) -> bool {
        if self.from_disk {
            safe(path).is_some_and(|p| Path::new(self.folder).join(p).is_file())
        } else {
            self.files.iter().any(|f| f.path == path)
        }
    }
}

/// `css/app.0123456789abcdef.css` → (`css/app.css`, the hash).
fn unhashed(requested: &str) -> Option<(String, &str)> {
    let (folder, file) = requested.rsplit_once('/').map_or(("", requested), |(folder, file)| (folder, file));
    let mut parts: Vec<&str> = file.split('.').collect();
    let at = parts.iter().rposition(|part| part.len() == 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))?;
    if at == 0 {
        return None;
    }
    let hash = parts.remove(at);
    let file = parts.join(".");
    Some((if folder.is_empty() { file } else { format!("{folder}/{file}") }, hash))
}

/// `path` as a relative path with plain names only: no `..`, no root, no
/// hidden files.
fn safe(path: &str) -> Option<&Path> {
    let path = Path::new(path);
    let plain = path.components().all(|part| match part {
        Component::Normal(name) => !name.to_string_lossy().starts_with('.'),
        _ => false,
    });
    (plain && !path.as_os_str().is_empty() && !path.to_string_lossy().contains('\\')).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES: &[Embedded] = &[
        Embedded { path: "css/app.css", hash: "0123456789abcdef", bytes: b"body{}" },
        Embedded { path: "logo.svg", hash: "fedcba9876543210", bytes: b"<svg/>" },
    ];

    #[test]
    fn hashed_names_are_immutable_and_must_match() {
        let files = StaticFiles::new("/nowhere", FILES).embedded();
        let found = files.find("css/app.0123456789abcdef.css").unwrap();
        assert_eq!((&*found.bytes, found.content_type, found.immutable), (&b"body{}"[..], "text/css", true));
        let plain = files.find("css/app.css").unwrap();
        assert!(!plain.immutable);
        assert!(files.find("css/app.1111111111111111.css").is_none(), "another content's hash");
        assert_eq!(files.find("logo.fedcba9876543210.svg").unwrap().content_type, "image/svg+xml");
        assert!(files.find("missing.css").is_none());
        assert!(files.find("../Cargo.toml").is_none());
    }

    #[test]
    fn files_on_disk_stay_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("css")).unwrap();
        std::fs::write(dir.path().join("css/app.css"), "a{}").unwrap();
        std::fs::write(dir.path().join(".env"), "SECRET_KEY=x").unwrap();
        let folder: &'static str = Box::leak(dir.path().to_string_lossy().to_string().into_boxed_str());
        let files = StaticFiles { folder, files: &[], from_disk: true };
        assert_eq!(&*files.find("css/app.css").unwrap().bytes, b"a{}");
        // Any hash: a debug build reads what is there now.
        assert_eq!(&*files.find("css/app.0000000000000000.css").unwrap().bytes, b"a{}");
        for hostile in ["../etc/passwd", "css/../../x", "/etc/passwd", ".env", "css/.", "", "css\\app.css"] {
            assert!(files.find(hostile).is_none(), "{hostile}");
        }
    }

    #[test]
    fn the_hash_is_found_in_the_name() {
        assert_eq!(unhashed("a/b.0123456789abcdef.css"), Some(("a/b.css".into(), "0123456789abcdef")));
        assert_eq!(unhashed("c.min.0123456789abcdef.js"), Some(("c.min.js".into(), "0123456789abcdef")));
        assert_eq!(unhashed("plain.css"), None);
        assert_eq!(unhashed("0123456789abcdef.css"), None);
    }
}
