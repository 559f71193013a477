//! An application's theme: values for the default stylesheet's CSS
//! variables (`--t-accent`, `--t-radius`, …), written into every page's
//! `<head>` as a `:root` rule after the stylesheet, so they win.
//!
//! ```
//! use tandem::ui::Theme;
//!
//! let theme = Theme::new().set("accent", "#0f766e").set("radius", "10px").set_dark("accent", "#5eead4");
//! assert_eq!(
//!     theme.css(),
//!     ":root{--t-accent:#0f766e;--t-radius:10px}@media (prefers-color-scheme: dark){:root{--t-accent:#5eead4}}"
//! );
//! ```
//!
//! The variables: `font`, `mono`, `text`, `muted`, `bg`, `surface`,
//! `border`, `accent`, `accent-text`, `info`, `success`, `warning`,
//! `danger`, `radius`, `space`, `shadow` (see `tandem.css`).

/// Values for the stylesheet's variables, for light and dark colour schemes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Theme {
    light: Vec<(String, String)>,
    dark: Vec<(String, String)>,
    stylesheets: Vec<String>,
    without_default: bool,
}

impl Theme {
    /// No overrides: the stylesheet's own values.
    ///
    /// ```
    /// assert_eq!(tandem::ui::Theme::new().css(), "");
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets variable `--t-<name>` (`accent`, `radius`, …) to `value` in both
    /// colour schemes, unless [`set_dark`](Self::set_dark) sets it for dark.
    ///
    /// ```
    /// let theme = tandem::ui::Theme::new().set("space", "1rem");
    /// assert_eq!(theme.css(), ":root{--t-space:1rem}");
    /// ```
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self.light.push((name.to_string(), value.to_string()));
        self
    }

    /// Links the application's own stylesheet after Tandem's (and after the
    /// variables), so its rules extend or override the default look:
    /// usually `tandem::static_url!("css/app.css")`. A URL is a path of
    /// plain characters (`/static/…`); [`check`](Self::check) refuses others.
    ///
    /// ```
    /// let theme = tandem::ui::Theme::new().stylesheet("/static/css/app.css");
    /// assert!(theme.head_html().ends_with("<link rel=\"stylesheet\" href=\"/static/css/app.css\">"));
    /// ```
    pub fn stylesheet(mut self, url: &str) -> Self {
        self.stylesheets.push(url.to_string());
        self
    }

    /// Leaves Tandem's stylesheet out of every page: the app's own
    /// ([`stylesheet`](Self::stylesheet)) replaces it, and styles the
    /// components' `t-` classes itself.
    ///
    /// ```
    /// let theme = tandem::ui::Theme::new().without_default_stylesheet().stylesheet("/static/site.css");
    /// assert_eq!(theme.head_html(), "<link rel=\"stylesheet\" href=\"/static/site.css\">");
    /// ```
    pub fn without_default_stylesheet(mut self) -> Self {
        self.without_default = true;
        self
    }

    /// The stylesheets of every page's `<head>`: Tandem's (unless
    /// [replaced](Self::without_default_stylesheet)), the variables in a
    /// `<style>`, then the app's linked stylesheets (those that
    /// [`check`](Self::check) accepts).
    ///
    /// ```
    /// let head = tandem::ui::Theme::new().set("accent", "teal").head_html();
    /// assert!(head.starts_with("<link rel=\"stylesheet\" href=\"/_tandem/tandem."));
    /// assert!(head.ends_with("<style>:root{--t-accent:teal}</style>"));
    /// ```
    pub fn head_html(&self) -> String {
        let mut html = String::new();
        if !self.without_default {
            html.push_str(&format!(
                "<link rel=\"stylesheet\" href=\"/_tandem/{}\">",
                super::document::stylesheet_file()
            ));
        }
        let css = self.css();
        if !css.is_empty() {
            html.push_str(&format!("<style>{}</style>", css.replace('<', "")));
        }
        for url in self.stylesheets.iter().filter(|url| stylesheet_url_is_safe(url)) {
            html.push_str(&format!("<link rel=\"stylesheet\" href=\"{url}\">"));
        }
        html
    }

    /// Sets variable `--t-<name>` for visitors who prefer a dark colour scheme.
    ///
    /// ```
    /// let theme = tandem::ui::Theme::new().set_dark("bg", "#000");
    /// assert_eq!(theme.css(), "@media (prefers-color-scheme: dark){:root{--t-bg:#000}}");
    /// ```
    pub fn set_dark(mut self, name: &str, value: &str) -> Self {
        self.dark.push((name.to_string(), value.to_string()));
        self
    }

    /// The first problem with a variable, if any: a name that is not a
    /// lowercase letter followed by letters, digits and `-`, or a value that
    /// could end the rule or the `<style>` element.
    /// [`App::prepare`](crate::App::prepare) refuses to start with one.
    ///
    /// ```
    /// use tandem::ui::Theme;
    ///
    /// assert_eq!(Theme::new().set("accent", "rgb(0 0 0 / .5)").check(), Ok(()));
    /// assert!(Theme::new().set("accent", "red}body{display:none").check().is_err());
    /// assert!(Theme::new().set("Accent!", "red").check().is_err());
    /// ```
    pub fn check(&self) -> Result<(), String> {
        if let Some(url) = self.stylesheets.iter().find(|url| !stylesheet_url_is_safe(url)) {
            return Err(format!(
                "theme stylesheet {url:?}: use a path of letters, digits and `/._-~` starting with `/`"
            ));
        }
        match self.light.iter().chain(&self.dark).find_map(|(name, value)| problem(name, value)) {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// The CSS for the page's `<style>`: empty without overrides. Variables
    /// that fail [`check`](Self::check) are left out.
    ///
    /// ```
    /// let theme = tandem::ui::Theme::new().set("accent", "teal").set("radius", "0;}");
    /// assert_eq!(theme.css(), ":root{--t-accent:teal}");
    /// ```
    pub fn css(&self) -> String {
        let mut css = rule(&self.light);
        let dark = rule(&self.dark);
        if !dark.is_empty() {
            css.push_str(&format!("@media (prefers-color-scheme: dark){{{dark}}}"));
        }
        css
    }
}

/// A stylesheet URL that needs no escaping in an attribute: a same-origin path.
fn stylesheet_url_is_safe(url: &str) -> bool {
    url.starts_with('/')
        && !url.starts_with("//")
        && url.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-~".contains(&b))
}

/// `:root{--t-a:1;--t-b:2}` of the valid variables, or nothing.
fn rule(vars: &[(String, String)]) -> String {
    let declarations: Vec<String> = vars
        .iter()
        .filter(|(name, value)| problem(name, value).is_none())
        .map(|(name, value)| format!("--t-{name}:{value}"))
        .collect();
    if declarations.is_empty() { String::new() } else { format!(":root{{{}}}", declarations.join(";")) }
}

/// Why `--t-<name>: <value>` cannot be written, if it cannot.
fn problem(name: &str, value: &str) -> Option<String> {
    let starts_with_letter = name.starts_with(|c: char| c.is_ascii_lowercase());
    if !starts_with_letter || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Some(format!("theme variable `{name}`: a lowercase letter, then letters, digits and `-` (`accent`)"));
    }
    if !css_value_is_safe(value) {
        return Some(format!(
            "theme variable `{name}`: the value `{value}` may not be empty or contain ; {{ }} < > \\ /* or an unclosed quote"
        ));
    }
    None
}

/// A CSS value that stays inside its declaration and its `<style>` or
/// `style` attribute: no `;`, braces, angle brackets, backslashes, comments,
/// control characters or unclosed quotes.
pub(crate) fn css_value_is_safe(value: &str) -> bool {
    let quotes_closed = value.matches('"').count().is_multiple_of(2) && value.matches('\'').count().is_multiple_of(2);
    !value.trim().is_empty()
        && quotes_closed
        && !value.contains("/*")
        && !value.chars().any(|c| matches!(c, ';' | '{' | '}' | '<' | '>' | '\\') || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_could_leave_the_rule_are_refused() {
        for bad in ["red;color:blue", "red}", "</style><script>", "a\\3c", "/* x", "\"Inter", "", "red\n"] {
            assert!(!css_value_is_safe(bad), "{bad:?}");
            assert!(Theme::new().set("accent", bad).check().is_err(), "{bad:?}");
            assert_eq!(Theme::new().set("accent", bad).css(), "", "{bad:?}");
        }
        for good in ["#0f766e", "\"Inter\", sans-serif", "calc(1rem + 2px)", "rgb(0 0 0 / 50%)"] {
            assert!(css_value_is_safe(good), "{good:?}");
        }
        assert!(Theme::new().set("--t-accent", "red").check().is_err(), "names come without the prefix");
    }
}
