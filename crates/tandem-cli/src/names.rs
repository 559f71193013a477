//! What a project or app may be called.

/// Rust's keywords, which no module may be named.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Module names a project already uses, and crates an app's code names.
const TAKEN: &[&str] = &["backend", "pages", "tests", "tandem", "serde", "std", "core", "alloc", "test"];

/// A package name: ASCII letters, digits, `-` and `_`, starting with a
/// letter. Its library is named with `_` for `-`.
pub fn package(name: &str) -> Result<String, String> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(format!(
            "`{name}` is not a package name: use letters, digits, `-` and `_`, starting with a letter"
        ));
    }
    let library = name.replace('-', "_");
    if KEYWORDS.contains(&library.as_str()) || TAKEN.contains(&library.as_str()) {
        return Err(format!("`{name}` is taken by Rust or by Tandem; choose another name"));
    }
    Ok(library)
}

/// An app's name: a lowercase Rust identifier that is neither a keyword
/// nor one of the project's own modules.
pub fn app(name: &str) -> Result<(), String> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(format!(
            "`{name}` is not an app name: use lowercase letters, digits and `_`, starting with a letter"
        ));
    }
    if KEYWORDS.contains(&name) || TAKEN.contains(&name) {
        return Err(format!("`{name}` is taken by Rust or by the project; choose another name"));
    }
    Ok(())
}

/// `blog_posts` → `BlogPosts`, for the migration's table identifier.
pub fn camel(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        assert_eq!(package("my-site").unwrap(), "my_site");
        for bad in ["", "9lives", "my site", "crate", "tandem", "é"] {
            assert!(package(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn app_names() {
        assert!(app("blog").is_ok() && app("blog_2").is_ok());
        for bad in ["Blog", "my-blog", "mod", "pages", "backend", "_x", ""] {
            assert!(app(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn camel_case() {
        assert_eq!(camel("blog_posts"), "BlogPosts");
        assert_eq!(camel("notes"), "Notes");
    }
}
