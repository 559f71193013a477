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
//! `danger`, `radius`, `space`, `shadow`, `page` (the shell's background),
//! `content-width` (the shell's main column) (see `tandem.css`).
//!
//! Every page's head also links a favicon: Tandem's own
//! (`/_tandem/favicon.svg`) unless the theme names the app's
//! ([`Theme::favicon`]).

/// Values for the stylesheet's variables, for light and dark colour schemes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Theme {
    light: Vec<(String, String)>,
    dark: Vec<(String, String)>,
    stylesheets: Vec<String>,
    without_default: bool,
    favicon: Option<String>,
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

    /// Links the app's own icon instead of Tandem's default favicon: a
    /// same-origin path, usually `tandem::static_url!("img/icon.svg")`
    /// ([`check`](Self::check) refuses others). The type is taken from the
    /// extension (`.svg`, `.png`, `.ico`).
    ///
    /// ```
    /// let theme = tandem::ui::Theme::new().favicon("/static/img/icon.png");
    /// assert!(theme.head_html().starts_with("<link rel=\"icon\" type=\"image/png\" href=\"/static/img/icon.png\">"));
    /// ```
    pub fn favicon(mut self, url: &str) -> Self {
        self.favicon = Some(url.to_string());
        self
    }

    /// The `<link rel="icon">` of every page: the app's
    /// ([`favicon`](Self::favicon)) or Tandem's default.
    ///
    /// ```
    /// assert_eq!(
    ///     tandem::ui::Theme::new().favicon_html(),
    ///     "<link rel=\"icon\" type=\"image/svg+xml\" href=\"/_tandem/favicon.svg\">"
    /// );
    /// ```
    pub fn favicon_html(&self) -> String {
        let default = format!("/_tandem/{}", super::document::FAVICON_FILE);
        let url = match &self.favicon {
            Some(url) if stylesheet_url_is_safe(url) => url.as_str(),
            _ => default.as_str(),
        };
        let kind = match url.rsplit('.').next() {
            Some("png") => "image/png",
            Some("ico") => "image/x-icon",
            Some("jpg" | "jpeg") => "image/jpeg",
            Some("webp") => "image/webp",
            _ => "image/svg+xml",
        };
        format!("<link rel=\"icon\" type=\"{kind}\" href=\"{url}\">")
    }

    /// Leaves Tandem's stylesheet out of every page: the app's own
    /// ([`stylesheet`](Self::stylesheet)) replaces it, and styles the
    /// components' `t-` classes itself.
    ///
    /// ```
    /// let theme = tandem::ui::Theme::new().without_default_stylesheet().stylesheet("/static/site.css");
    /// assert_eq!(theme.head_html(), format!("{}<link rel=\"stylesheet\" href=\"/static/site.css\">", theme.favicon_html()));
    /// ```
    pub fn without_default_stylesheet(mut self) -> Self {
        self.without_default = true;
        self
    }

    /// What every page's `<head>` gets from the theme: the
    /// [favicon](Self::favicon_html), Tandem's stylesheet (unless
    /// [replaced](Self::without_default_stylesheet)), the variables in a
    /// `<style>`, then the app's linked stylesheets (those that
    /// [`check`](Self::check) accepts).
    ///
    /// ```
    /// let theme = tandem::ui::Theme::new().set("accent", "teal");
    /// let head = theme.head_html();
    /// let stylesheet = head.strip_prefix(&theme.favicon_html()).unwrap();
    /// assert!(stylesheet.starts_with("<link rel=\"stylesheet\" href=\"/_tandem/tandem."));
    /// assert!(head.ends_with("<style>:root{--t-accent:teal}</style>"));
    /// ```
    pub fn head_html(&self) -> String {
        let mut html = self.favicon_html();
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
        if let Some(url) = self.favicon.iter().find(|url| !stylesheet_url_is_safe(url)) {
            return Err(format!("theme favicon {url:?}: use a path of letters, digits and `/._-~` starting with `/`"));
        }
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
