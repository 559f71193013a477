//! Server-side rendering: a component tree and a state's public JSON to HTML,
//! every value escaped.
//!
//! ```
//! use serde_json::json;
//! use tandem::ui::node::*;
//! use tandem::ui::render::render;
//!
//! let page = ul().child(foreach("rows", "id", li().child(bind("item.name"))));
//! let html = render(&page, &json!({"rows": [{"id": 1, "name": "<b>Mug</b>"}]}));
//! assert_eq!(html, "<ul><li>&lt;b&gt;Mug&lt;/b&gt;</li></ul>");
//! ```
//!
//! URLs that would run script are never written: see [`safe_attr_value`].

use serde_json::Value;

use super::node::{Node, VOID};
use crate::http::html_escape;

/// Renders `node` with `data` (the state's public JSON).
pub fn render(node: &Node, data: &Value) -> String {
    let mut out = String::new();
    let mut scope = Vec::new();
    write(node, data, &mut scope, &mut out);
    out
}

/// Looks `path` up: `item.name` in the innermost list row named `item`,
/// anything else in the state.
pub fn lookup<'v>(data: &'v Value, scope: &[(&str, &'v Value)], path: &str) -> Option<&'v Value> {
    let mut steps = path.split('.');
    let first = steps.next()?;
    let mut current = match scope.iter().rev().find(|(name, _)| *name == first) {
        Some((_, row)) => *row,
        None => data.get(first)?,
    };
    for step in steps {
        current = match current {
            Value::Array(items) => items.get(step.parse::<usize>().ok()?)?,
            other => other.get(step)?,
        };
    }
    Some(current)
}

/// The text a value shows as: strings as they are, `null` as nothing.
pub fn display(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// JavaScript-like truthiness, for `cond`.
pub fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(_)) => true,
    }
}

fn write<'n, 'v>(node: &'n Node, data: &'v Value, scope: &mut Vec<(&'n str, &'v Value)>, out: &mut String) {
    match node {
        Node::Text { text } => out.push_str(&html_escape(text)),
        Node::Bind { path } => out.push_str(&html_escape(&display(lookup(data, scope, path)))),
        Node::Cond { path, then, otherwise } => {
            let branch = if truthy(lookup(data, scope, path)) { then } else { otherwise };
            write(branch, data, scope, out);
        }
        Node::Each { path, name, template, .. } => {
            let rows = match lookup(data, scope, path) {
                Some(Value::Array(rows)) => rows.as_slice(),
                _ => &[],
            };
            for row in rows {
                scope.push((name.as_str(), row));
                write(template, data, scope, out);
                scope.pop();
            }
        }
        Node::El(element) => {
            out.push('<');
            out.push_str(element.tag);
            for (name, value) in &element.attrs {
                push_attr(out, element.tag, name, value);
            }
            for (name, path) in &element.bound {
                let value = lookup(data, scope, path);
                match (name.as_str(), value) {
                    ("disabled" | "checked" | "selected" | "hidden" | "readonly", v) => {
                        if truthy(v) {
                            push_attr(out, element.tag, name, "");
                        }
                    }
                    _ => push_attr(out, element.tag, name, &display(value)),
                }
            }
            for (name, path, choice) in &element.chosen {
                if let Some(value) = choice.pick(lookup(data, scope, path)) {
                    push_attr(out, element.tag, name, value);
                }
            }
            out.push('>');
            if VOID.contains(&element.tag) {
                return;
            }
            for child in &element.children {
                write(child, data, scope, out);
            }
            out.push_str("</");
            out.push_str(element.tag);
            out.push('>');
        }
    }
}

fn push_attr(out: &mut String, tag: &str, name: &str, value: &str) {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return;
    }
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    out.push_str(&html_escape(safe_attr_value(tag, name, value)));
    out.push('"');
}

/// The attributes whose value is a URL the browser follows, loads or
/// submits to, checked by [`safe_attr_value`] (here and in the runtime).
pub const URL_ATTRIBUTES: &[&str] = &["href", "src", "action", "formaction", "xlink:href", "poster", "cite", "data"];

/// What an unsafe URL is replaced with: an empty page that runs nothing.
pub const BLOCKED_URL: &str = "about:blank#blocked";

/// `value`, unless `name` is one of [`URL_ATTRIBUTES`] and `value` a
/// `javascript:`, `vbscript:` or `data:` URL: then [`BLOCKED_URL`] (logged
/// once per process). The scheme is read as browsers read it: leading
/// spaces and control characters skipped, tabs and line breaks anywhere
/// ignored, any case. `data:image/…` stays allowed in an `<img src>`,
/// where an image cannot run script. Static, bound and chosen attributes
/// all pass through it, so user data formatted into a link is covered too.
///
/// ```
/// use tandem::ui::render::{BLOCKED_URL, safe_attr_value};
/// assert_eq!(safe_attr_value("a", "href", " \u{1}JaVa\tScRiPt:alert(1)"), BLOCKED_URL);
/// assert_eq!(safe_attr_value("a", "href", "/products/3?q=javascript:"), "/products/3?q=javascript:");
/// assert_eq!(safe_attr_value("a", "title", "javascript:alert(1)"), "javascript:alert(1)");
/// assert_eq!(safe_attr_value("img", "src", "data:image/png;base64,iVBO"), "data:image/png;base64,iVBO");
/// assert_eq!(safe_attr_value("a", "href", "data:text/html,<script>alert(1)</script>"), BLOCKED_URL);
/// ```
pub fn safe_attr_value<'a>(tag: &str, name: &str, value: &'a str) -> &'a str {
    if !URL_ATTRIBUTES.iter().any(|url| url.eq_ignore_ascii_case(name)) {
        return value;
    }
    let url = url_start(value);
    let refused = match url.split_once(':').map(|(scheme, _)| scheme) {
        Some("javascript" | "vbscript") => true,
        Some("data") => !(tag == "img" && name.eq_ignore_ascii_case("src") && url.starts_with("data:image/")),
        _ => false,
    };
    if !refused {
        return value;
    }
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        tracing::warn!(target: "tandem::ui", tag, attribute = name, "an unsafe URL was replaced by {BLOCKED_URL}");
    });
    BLOCKED_URL
}

/// The first characters of `value` as a browser's URL parser sees them:
/// without leading spaces and control characters, without tabs and line
/// breaks, in lower case (enough to read the scheme and a data URL's type).
fn url_start(value: &str) -> String {
    value
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .take(16)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::node::*;
    use serde_json::json;

    #[test]
    fn bindings_conditions_and_attributes() {
        let page = div().children([
            cond("user", span().child(bind("user.name")), a().href("/login").text("Log in")),
            input().bind_value("query").bind_attr("disabled", "busy"),
            button().attr("onclick", "x").text("Go"),
        ]);
        let html = render(&page, &json!({"user": null, "query": "a\"b", "busy": true}));
        assert_eq!(
            html,
            "<div><a href=\"/login\">Log in</a><input value=\"a&quot;b\" disabled=\"\"><button onclick=\"x\">Go</button></div>"
        );
        let html = render(&page, &json!({"user": {"name": "Alice"}, "query": "", "busy": false}));
        assert!(html.starts_with("<div><span>Alice</span><input value=\"\">"), "{html}");
    }

    #[test]
    fn chosen_attributes_follow_the_field_and_are_escaped() {
        let tab = button()
            .bind_attr_choice("aria-selected", "tab", choice().when("a", "true").otherwise("x\"><b>"))
            .bind_attr_choice("hidden", "tab", choice().absent_when("a").otherwise(""))
            .bind_attr_choice("on\"x", "tab", choice().otherwise("1"));
        assert_eq!(render(&tab, &json!({"tab": "a"})), "<button aria-selected=\"true\"></button>");
        assert_eq!(
            render(&tab, &json!({"tab": "b"})),
            "<button aria-selected=\"x&quot;&gt;&lt;b&gt;\" hidden=\"\"></button>"
        );
        assert_eq!(render(&tab, &json!({})), render(&tab, &json!({"tab": null})), "missing counts as null");
    }

    #[test]
    fn unsafe_urls_are_replaced_in_static_bound_and_chosen_attributes() {
        let page = div().children([
            a().href("javascript:alert(1)").text("static"),
            a().bind_attr("href", "link").text("bound"),
            img().bind_attr("src", "picture"),
            form().bind_attr("action", "link"),
            button().bind_attr_choice("formaction", "link", choice().otherwise("\n vbscript:msgbox")),
            a().bind_attr("title", "link"),
        ]);
        let hostile = [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "  \u{0}\u{1f}javascript:alert(1)",
            "java\tscr\nipt:alert(1)",
            "java\r\nscript:alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html,<script>alert(1)</script>",
        ];
        for link in hostile {
            let html = render(&page, &json!({"link": link, "picture": link}));
            assert_eq!(html.matches(BLOCKED_URL).count(), 5, "{link:?}: {html}");
            assert!(!html.contains("href=\"javascript") && !html.contains("src=\"java"), "{html}");
            assert!(html.contains("title=\""), "other attributes keep their value: {html}");
        }
        let fine = render(
            &page,
            &json!({"link": "https://example.com/?next=javascript:x", "picture": "data:image/png;base64,AA"}),
        );
        assert!(fine.contains("<a href=\"https://example.com/?next=javascript:x\">bound</a>"), "{fine}");
        assert!(fine.contains("<img src=\"data:image/png;base64,AA\">"), "an image may be a data URL: {fine}");
        let relative = render(&a().bind_attr("href", "link"), &json!({"link": "javascript-guide/intro"}));
        assert_eq!(relative, "<a href=\"javascript-guide/intro\"></a>", "a path is not a scheme");
        let data_link = render(&a().bind_attr("href", "link"), &json!({"link": "data:image/svg+xml,<svg/>"}));
        assert!(data_link.contains(BLOCKED_URL), "data: URLs only as images: {data_link}");
    }
}
