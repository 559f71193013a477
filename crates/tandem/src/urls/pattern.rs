//! Django route syntax (`products/<int:pk>/`) compiled to anchored regular
//! expressions, the way Django's `path()` does it.

use regex::Regex;

/// A path converter, as in Django: `<int:pk>`, `<slug:name>`, `<str:x>`,
/// `<uuid:id>`, `<path:rest>`. A bare `<name>` is `str`. The REST routers
/// add `<lookup:pk>` and `<format:format>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Converter {
    /// `[0-9]+`
    Int,
    /// `[-a-zA-Z0-9_]+`
    Slug,
    /// `[^/]+`
    Str,
    /// A lower-case dashed UUID.
    Uuid,
    /// `.+`, slashes included.
    Path,
    /// `[^/.]+`: a REST router's lookup value (DRF's `lookup_value_regex`),
    /// anything but a slash or the dot that starts a format suffix.
    Lookup,
    /// `[a-z0-9]+`: a REST format suffix (`products.json`).
    Format,
}

impl Converter {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "int" => Self::Int,
            "slug" => Self::Slug,
            "str" => Self::Str,
            "uuid" => Self::Uuid,
            "path" => Self::Path,
            "lookup" => Self::Lookup,
            "format" => Self::Format,
            _ => return None,
        })
    }

    fn regex(self) -> &'static str {
        match self {
            Self::Int => "[0-9]+",
            Self::Slug => "[-a-zA-Z0-9_]+",
            Self::Str => "[^/]+",
            Self::Uuid => "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            Self::Path => ".+",
            Self::Lookup => "[^/.]+",
            Self::Format => "[a-z0-9]+",
        }
    }
}

/// A malformed route string.
#[derive(Debug, thiserror::Error)]
#[error("route `{route}`: {problem}")]
pub struct PatternError {
    route: String,
    problem: String,
}

/// One compiled route: its source text, its regex and its parameters.
#[derive(Debug, Clone)]
pub struct Pattern {
    route: String,
    regex: Regex,
    params: Vec<(String, Converter)>,
}

impl Pattern {
    /// Compiles a full route (no leading `/`), e.g. `api/shop/products/<int:pk>/`.
    pub fn compile(route: &str) -> Result<Self, PatternError> {
        let fail = |problem: String| PatternError { route: route.to_string(), problem };
        let mut regex = String::from("^");
        let mut params: Vec<(String, Converter)> = Vec::new();
        let mut rest = route;
        while let Some(open) = rest.find('<') {
            regex.push_str(&regex::escape(&rest[..open]));
            let close = rest[open..].find('>').ok_or_else(|| fail("`<` without `>`".into()))? + open;
            let inner = &rest[open + 1..close];
            let (conv, name) = match inner.split_once(':') {
                Some((conv, name)) => {
                    (Converter::from_name(conv).ok_or_else(|| fail(format!("unknown converter `{conv}`")))?, name)
                }
                None => (Converter::Str, inner),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(fail(format!("`{name}` is not a valid parameter name")));
            }
            if params.iter().any(|(n, _)| n == name) {
                return Err(fail(format!("parameter `{name}` appears twice")));
            }
            regex.push_str(&format!("(?P<{name}>{})", conv.regex()));
            params.push((name.to_string(), conv));
            rest = &rest[close + 1..];
        }
        regex.push_str(&regex::escape(rest));
        regex.push('$');
        let regex = Regex::new(&regex).map_err(|e| fail(e.to_string()))?;
        Ok(Self { route: route.to_string(), regex, params })
    }

    /// The route text this pattern was compiled from.
    pub fn route(&self) -> &str {
        &self.route
    }

    /// The named parameters and their converters, in order.
    pub fn params(&self) -> &[(String, Converter)] {
        &self.params
    }

    /// Matches a decoded path without its leading `/`, returning the captured
    /// parameters.
    pub fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let caps = self.regex.captures(path)?;
        Some(
            self.params
                .iter()
                .map(|(name, _)| (name.clone(), caps.name(name).map_or("", |m| m.as_str()).to_string()))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(route: &str, path: &str) -> Option<Vec<(String, String)>> {
        Pattern::compile(route).unwrap().matches(path)
    }

    #[test]
    fn converters_match_like_django() {
        assert_eq!(m("p/<int:pk>/", "p/42/").unwrap()[0].1, "42");
        assert!(m("p/<int:pk>/", "p/-4/").is_none());
        assert!(m("p/<int:pk>/", "p/abc/").is_none());
        assert!(m("p/<slug:s>/", "p/a-b_c9/").is_some());
        assert!(m("p/<slug:s>/", "p/a.b/").is_none());
        assert!(m("p/<x>/", "p/a.b/").is_some());
        assert!(m("p/<str:x>/", "p/a/b/").is_none());
        assert!(m("p/<path:x>", "p/a/b/c").is_some());
        assert!(m("p/<uuid:u>/", "p/123e4567-e89b-12d3-a456-426614174000/").is_some());
        assert!(m("p/<uuid:u>/", "p/123E4567-E89B-12D3-A456-426614174000/").is_none());
    }

    #[test]
    fn literals_are_escaped_and_anchored() {
        assert!(m("a.b/", "a.b/").is_some());
        assert!(m("a.b/", "axb/").is_none());
        assert!(m("a/", "xa/").is_none());
        assert!(m("a/", "a/x").is_none());
    }

    #[test]
    fn bad_routes_are_errors() {
        assert!(Pattern::compile("p/<int:pk/").is_err());
        assert!(Pattern::compile("p/<float:x>/").is_err());
        assert!(Pattern::compile("p/<a>/<a>/").is_err());
    }
}
