//! Django route syntax (`products/<int:pk>/`) compiled to anchored regular
//! expressions, the way Django's `path()` does it. UI page routes may also
//! hold optional groups in square brackets (`blog[/<int:page>]`).

use regex::Regex;

/// A path converter, as in Django: `<int:pk>`, `<slug:name>`, `<str:x>`,
/// `<uuid:id>`, `<path:rest>`. A bare `<name>` is `str`. The REST routers
/// add `<lookup:pk>` and `<format:format>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Converter {
    /// `[0-9]+`, and only values an `i64` holds: a larger one names no row
    /// a model can hold, so the route does not match (a 404, as Django's
    /// lookup of such a value finds nothing), and a handler's
    /// `kwargs.get::<i64>()` always succeeds.
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

    /// Whether a value its regex matched is one it converts: an `int` must
    /// fit an `i64`; every other converter takes what its regex matched.
    fn accepts(self, value: &str) -> bool {
        match self {
            Self::Int => value.parse::<i64>().is_ok(),
            _ => true,
        }
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

/// Why a route cannot be written out with the parameters given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reverse of `{route}`: {problem}")]
pub struct ReverseError {
    route: String,
    problem: String,
}

impl ReverseError {
    pub(crate) fn new(route: &str, problem: String) -> Self {
        ReverseError { route: route.to_string(), problem }
    }
}

/// A parameter's text as a path segment: percent-encoded, slashes kept in
/// a `path` parameter.
fn encode(text: &str, keep_slashes: bool) -> String {
    const SEGMENT: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    if keep_slashes {
        text.split('/')
            .map(|part| percent_encoding::utf8_percent_encode(part, SEGMENT).to_string())
            .collect::<Vec<_>>()
            .join("/")
    } else {
        percent_encoding::utf8_percent_encode(text, SEGMENT).to_string()
    }
}

/// One compiled route: its source text, its regex and its parameters.
#[derive(Debug, Clone)]
pub struct Pattern {
    route: String,
    regex: Regex,
    params: Vec<(String, Converter)>,
    /// The text every match starts with: the route up to its first
    /// parameter or group. Most routes a path is tried against fail here,
    /// without running the regex; when it is the whole route (no
    /// parameters, no groups), the path must equal it.
    prefix: String,
    /// `[` `]` mark optional groups (a page route), not literal text.
    optional_groups: bool,
}

impl Pattern {
    /// Compiles a full route (no leading `/`), e.g. `api/shop/products/<int:pk>/`.
    /// Square brackets are literal text here, as in Django.
    ///
    /// ```
    /// use tandem::urls::Pattern;
    /// let pattern = Pattern::compile("products/<int:pk>/").unwrap();
    /// assert_eq!(pattern.matches("products/7/"), Some(vec![("pk".into(), "7".into())]));
    /// assert_eq!(pattern.matches("products/x/"), None);
    /// ```
    pub fn compile(route: &str) -> Result<Self, PatternError> {
        Self::build(route, false)
    }

    /// Compiles a UI page route: Django's syntax plus optional groups. Text in
    /// `[` `]` may be absent as a whole (groups may nest); a parameter in a
    /// missing group is absent from the captures. `<path:rest>` captures the
    /// rest of the path, slashes included.
    ///
    /// ```
    /// use tandem::urls::Pattern;
    /// let blog = Pattern::compile_page("blog[/<int:page>]").unwrap();
    /// assert_eq!(blog.matches("blog"), Some(vec![]));
    /// assert_eq!(blog.matches("blog/2"), Some(vec![("page".into(), "2".into())]));
    /// assert_eq!(blog.matches("blog/two"), None);
    ///
    /// let docs = Pattern::compile_page("docs[/<path:rest>]").unwrap();
    /// assert_eq!(docs.matches("docs/a/b.html"), Some(vec![("rest".into(), "a/b.html".into())]));
    /// ```
    pub fn compile_page(route: &str) -> Result<Self, PatternError> {
        Self::build(route, true)
    }

    fn build(route: &str, optional_groups: bool) -> Result<Self, PatternError> {
        let fail = |problem: String| PatternError { route: route.to_string(), problem };
        let specials: &[char] = if optional_groups { &['<', '[', ']'] } else { &['<'] };
        let mut regex = String::from("^");
        let mut params: Vec<(String, Converter)> = Vec::new();
        // For each open group, the regex's length just after its `(?:`.
        let mut groups: Vec<usize> = Vec::new();
        let mut rest = route;
        while let Some(at) = rest.find(specials) {
            regex.push_str(&regex::escape(&rest[..at]));
            match rest.as_bytes()[at] {
                b'<' => {
                    let close = rest[at..].find('>').ok_or_else(|| fail("`<` without `>`".into()))? + at;
                    let inner = &rest[at + 1..close];
                    let (conv, name) = match inner.split_once(':') {
                        Some((conv, name)) => (
                            Converter::from_name(conv).ok_or_else(|| fail(format!("unknown converter `{conv}`")))?,
                            name,
                        ),
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
                    continue;
                }
                b'[' => {
                    regex.push_str("(?:");
                    groups.push(regex.len());
                }
                _ => {
                    let start = groups.pop().ok_or_else(|| fail("`]` without `[`".into()))?;
                    if regex.len() == start {
                        return Err(fail("an optional group `[]` must hold something".into()));
                    }
                    regex.push_str(")?");
                }
            }
            rest = &rest[at + 1..];
        }
        if !groups.is_empty() {
            return Err(fail("`[` without `]`".into()));
        }
        regex.push_str(&regex::escape(rest));
        regex.push('$');
        let regex = Regex::new(&regex).map_err(|e| fail(e.to_string()))?;
        let prefix = route.find(specials).map_or(route, |at| &route[..at]).to_string();
        Ok(Self { route: route.to_string(), regex, params, prefix, optional_groups })
    }

    /// The path (with its leading `/`) this pattern matches with `params`
    /// (Django's `reverse`): each parameter written out, checked against its
    /// converter and percent-encoded (a `path` parameter keeps its
    /// slashes); an optional group whose parameters are not all given is
    /// left out. A parameter the route does not have, or a required one
    /// missing, is an error.
    ///
    /// ```
    /// use tandem::urls::Pattern;
    /// let reviews = Pattern::compile_page("products/<int:id>/reviews[/<int:page>]").unwrap();
    /// assert_eq!(reviews.reverse(&[("id", "3".into())]).unwrap(), "/products/3/reviews");
    /// assert_eq!(reviews.reverse(&[("id", "3".into()), ("page", "2".into())]).unwrap(), "/products/3/reviews/2");
    /// assert!(reviews.reverse(&[("id", "three".into())]).is_err());
    /// assert!(reviews.reverse(&[("page", "2".into())]).is_err());
    /// ```
    pub fn reverse(&self, params: &[(&str, String)]) -> Result<String, ReverseError> {
        let fail = |problem: String| ReverseError { route: self.route.clone(), problem };
        if let Some((unknown, _)) = params.iter().find(|(name, _)| !self.params.iter().any(|(p, _)| p == name)) {
            return Err(fail(format!("it has no parameter `{unknown}`")));
        }
        let value = |name: &str| params.iter().find(|(given, _)| *given == name).map(|(_, value)| value);
        let mut out = String::from("/");
        // Each open group: where its text starts in `out`, and whether all its parameters were given.
        let mut groups: Vec<(usize, bool)> = Vec::new();
        let mut rest = self.route.as_str();
        let specials: &[char] = if self.optional_groups { &['<', '[', ']'] } else { &['<'] };
        while let Some(at) = rest.find(specials) {
            out.push_str(&rest[..at]);
            match rest.as_bytes()[at] {
                b'<' => {
                    let close = rest[at..].find('>').map_or(rest.len(), |c| c + at);
                    let inner = &rest[at + 1..close];
                    let name = inner.split_once(':').map_or(inner, |(_, name)| name);
                    let converter = self.params.iter().find(|(p, _)| p == name).map(|(_, c)| *c);
                    match (value(name), converter) {
                        (Some(text), Some(converter)) => {
                            let whole =
                                Regex::new(&format!("^(?:{})$", converter.regex())).map_err(|e| fail(e.to_string()))?;
                            if !whole.is_match(text) {
                                return Err(fail(format!("`{name}` = {text:?} does not fit its converter")));
                            }
                            out.push_str(&encode(text, converter == Converter::Path));
                        }
                        _ => match groups.last_mut() {
                            Some((_, complete)) => *complete = false,
                            None => return Err(fail(format!("`{name}` is required"))),
                        },
                    }
                    rest = &rest[close + 1..];
                    continue;
                }
                b'[' => groups.push((out.len(), true)),
                _ => {
                    if let Some((start, false)) = groups.pop() {
                        out.truncate(start);
                    }
                }
            }
            rest = &rest[at + 1..];
        }
        out.push_str(rest);
        match self.matches(&percent_encoding::percent_decode_str(&out[1..]).decode_utf8_lossy()) {
            Some(_) => Ok(out),
            None => Err(fail(format!("`{out}` would not match it"))),
        }
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
    /// parameters in order (those of a missing optional group left out).
    ///
    /// ```
    /// use tandem::urls::Pattern;
    /// let pattern = Pattern::compile_page("files[/<path:rest>]").unwrap();
    /// assert_eq!(pattern.matches("files"), Some(vec![]));
    /// assert_eq!(pattern.matches("files/a/b"), Some(vec![("rest".into(), "a/b".into())]));
    /// ```
    pub fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        if self.prefix.len() == self.route.len() {
            return (path == self.prefix).then(Vec::new);
        }
        if !path.starts_with(&self.prefix) {
            return None;
        }
        let caps = self.regex.captures(path)?;
        let mut kwargs = Vec::with_capacity(self.params.len());
        for (name, converter) in &self.params {
            let Some(value) = caps.name(name).map(|m| m.as_str()) else { continue };
            if !converter.accepts(value) {
                return None;
            }
            kwargs.push((name.clone(), value.to_string()));
        }
        Some(kwargs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(route: &str, path: &str) -> Option<Vec<(String, String)>> {
        Pattern::compile(route).unwrap().matches(path)
    }

    #[test]
    fn literal_routes_and_prefixes_match_exactly() {
        assert_eq!(m("api/shop/active/", "api/shop/active/"), Some(vec![]));
        assert!(m("api/shop/active/", "api/shop/active").is_none());
        assert!(m("api/shop/active/", "api/shop/active/x").is_none());
        assert!(m("", "").is_some());
        assert!(m("", "x").is_none());
        // Brackets are literal text in a backend route.
        assert!(m("a[1]/", "a[1]/").is_some());
        assert!(m("p/<int:pk>/", "q/1/").is_none());
        let page = |route: &str, path: &str| Pattern::compile_page(route).unwrap().matches(path);
        assert!(page("blog[/<int:page>]", "blog").is_some());
        assert!(page("blog[/<int:page>]", "blo").is_none());
        assert!(page("[<slug:lang>/]about", "about").is_some());
        assert!(page("[<slug:lang>/]about", "en/about").is_some());
    }

    #[test]
    fn converters_match_like_django() {
        assert_eq!(m("p/<int:pk>/", "p/42/").unwrap()[0].1, "42");
        assert!(m("p/<int:pk>/", "p/-4/").is_none());
        assert_eq!(m("p/<int:pk>/", "p/9223372036854775807/").unwrap()[0].1, "9223372036854775807");
        assert!(m("p/<int:pk>/", "p/9223372036854775808/").is_none(), "beyond i64: no match");
        assert!(m("p/<int:pk>/", "p/18446744073709551615/").is_none());
        assert!(m("p/<int:pk>/", "p/000000000000000000000000000042/").is_some(), "leading zeros are fine");
        let page = Pattern::compile_page("r[/<int:page>]").unwrap();
        assert!(page.matches("r/99999999999999999999").is_none());
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

    fn page(route: &str, path: &str) -> Option<Vec<(String, String)>> {
        Pattern::compile_page(route).unwrap().matches(path)
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn optional_groups_may_be_absent_and_then_capture_nothing() {
        let route = "products/<int:id>/reviews[/<int:page>]";
        assert_eq!(page(route, "products/3/reviews"), Some(pairs(&[("id", "3")])));
        assert_eq!(page(route, "products/3/reviews/2"), Some(pairs(&[("id", "3"), ("page", "2")])));
        // The converter still decides: no partial or foreign matches.
        assert_eq!(page(route, "products/3/reviews/two"), None);
        assert_eq!(page(route, "products/3/reviews/"), None);
        assert_eq!(page(route, "products/3/reviews/2/3"), None);
        assert_eq!(page(route, "products/x/reviews"), None);
        // The group is all or nothing: its literal text does not match alone.
        assert_eq!(page("a[/b/<int:n>]", "a/b"), None);
        assert_eq!(page("a[/b/<int:n>]", "a/b/4"), Some(pairs(&[("n", "4")])));
    }

    #[test]
    fn optional_groups_nest() {
        let route = "docs[/<slug:section>[/<slug:entry>]]";
        assert_eq!(page(route, "docs"), Some(vec![]));
        assert_eq!(page(route, "docs/ui"), Some(pairs(&[("section", "ui")])));
        assert_eq!(page(route, "docs/ui/routing"), Some(pairs(&[("section", "ui"), ("entry", "routing")])));
        assert_eq!(page(route, "docs/ui/routing/more"), None);
        assert_eq!(page(route, "docs/a.b"), None, "slug rejects dots");
    }

    #[test]
    fn catch_all_takes_the_rest_with_its_slashes() {
        assert_eq!(page("help/<path:topic>", "help/shipping/returns"), Some(pairs(&[("topic", "shipping/returns")])));
        assert_eq!(page("help/<path:topic>", "help"), None);
        assert_eq!(page("help/<path:topic>", "help/"), None);
        assert_eq!(page("help[/<path:topic>]", "help"), Some(vec![]));
        assert_eq!(page("help[/<path:topic>]", "help/a/b/"), Some(pairs(&[("topic", "a/b/")])));
        assert_eq!(page("<path:all>", "any/thing"), Some(pairs(&[("all", "any/thing")])));
    }

    #[test]
    fn brackets_are_literal_in_backend_routes_and_checked_in_page_routes() {
        assert!(m("a[b]/", "a[b]/").is_some());
        assert!(m("a[b]/", "a/").is_none());
        for bad in ["a[b", "a]b", "a[]", "a[[b]", "a[<int:x>]]"] {
            assert!(Pattern::compile_page(bad).is_err(), "{bad}");
        }
        assert!(Pattern::compile_page("a[/<int:x>][/<int:x>]").is_err(), "a name is still unique");
    }
}
