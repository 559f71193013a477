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
                push_attr(out, name, value);
            }
            for (name, path) in &element.bound {
                let value = lookup(data, scope, path);
                match (name.as_str(), value) {
                    ("disabled" | "checked" | "selected" | "hidden" | "readonly", v) => {
                        if truthy(v) {
                            push_attr(out, name, "");
                        }
                    }
                    _ => push_attr(out, name, &display(value)),
                }
            }
            for (name, path, choice) in &element.chosen {
                if let Some(value) = choice.pick(lookup(data, scope, path)) {
                    push_attr(out, name, value);
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

fn push_attr(out: &mut String, name: &str, value: &str) {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return;
    }
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    out.push_str(&html_escape(value));
    out.push('"');
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
}
