//! `static_files!()` and `static_url!("…")`: an application's `static/`
//! folder, embedded at compile time with each file's content hash.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::LitStr;

/// The folder static files live in, next to the crate's `Cargo.toml`.
const FOLDER: &str = "static";

/// Every file under the crate's `static/`, relative paths with `/`, sorted.
fn files(root: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if let Ok(relative) = path.strip_prefix(root) {
                let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                // Hidden files (editor swap files, .DS_Store) are not served.
                if !name.split('/').any(|part| part.starts_with('.')) {
                    found.push((name, path));
                }
            }
        }
    }
    found.sort();
    found
}

fn root() -> PathBuf {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    Path::new(&manifest).join(FOLDER)
}

/// FNV-1a, 64 bits, as 16 hex digits: the cache-busting part of a file's URL
/// (`tandem::assets` computes the same).
pub(crate) fn content_hash(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// `css/app.css` with its hash: `css/app.0123456789abcdef.css`.
pub(crate) fn hashed_name(path: &str, hash: &str) -> String {
    let (folder, file) = path.rsplit_once('/').map_or(("", path), |(folder, file)| (folder, file));
    let named = match file.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => format!("{stem}.{hash}.{extension}"),
        _ => format!("{file}.{hash}"),
    };
    if folder.is_empty() { named } else { format!("{folder}/{named}") }
}

pub(crate) fn static_files() -> TokenStream {
    let root = root();
    let entries = files(&root).into_iter().map(|(name, path)| {
        let bytes = std::fs::read(&path).unwrap_or_default();
        let hash = content_hash(&bytes);
        let absolute = path.to_string_lossy().to_string();
        quote! { ::tandem::assets::Embedded { path: #name, hash: #hash, bytes: include_bytes!(#absolute) } }
    });
    let folder = root.to_string_lossy().to_string();
    quote! { ::tandem::assets::StaticFiles::new(#folder, &[#(#entries),*]) }
}

pub(crate) fn static_url(path: &LitStr) -> syn::Result<TokenStream> {
    let wanted = path.value();
    let root = root();
    let all = files(&root);
    let Some((_, file)) = all.iter().find(|(name, _)| *name == wanted) else {
        let closest = all
            .iter()
            .map(|(name, _)| name)
            .min_by_key(|name| strsim::levenshtein(&wanted, name))
            .map_or_else(|| format!("`{FOLDER}/` has no files"), |name| format!("did you mean `{name}`?"));
        return Err(syn::Error::new(path.span(), format!("no file `{FOLDER}/{wanted}`; {closest}")));
    };
    let bytes = std::fs::read(file).map_err(|e| syn::Error::new(Span::call_site(), e.to_string()))?;
    let url = format!("/static/{}", hashed_name(&wanted, &content_hash(&bytes)));
    Ok(quote! { #url })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_keep_the_folder_and_the_extension() {
        assert_eq!(hashed_name("css/app.css", "ab"), "css/app.ab.css");
        assert_eq!(hashed_name("logo.svg", "ab"), "logo.ab.svg");
        assert_eq!(hashed_name("a/b/c.min.js", "ab"), "a/b/c.min.ab.js");
        assert_eq!(hashed_name("LICENSE", "ab"), "LICENSE.ab");
        assert_eq!(hashed_name(".hidden", "ab"), ".hidden.ab");
    }

    #[test]
    fn the_hash_is_fnv1a() {
        assert_eq!(content_hash(b""), "cbf29ce484222325");
        assert_eq!(content_hash(b"a"), "af63dc4c8601ec8c");
    }
}
