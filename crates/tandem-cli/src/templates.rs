//! The files a new project and a new app start with, embedded in the
//! command, and the one substitution they need.

/// A file to write: its path under the project (or app) folder, its text.
pub type Template = (&'static str, &'static str);

macro_rules! templates {
    ($folder:literal: $($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../templates/", $folder, "/", $path, ".tmpl")))),*]
    };
}

/// A project's own files; its first app is [`APP`] plus [`EXAMPLE_APP`].
pub const PROJECT: &[Template] = templates!("project":
    "Cargo.toml", "Tandem.toml", "README.md", "gitignore",
    "src/main.rs", "src/lib.rs", "src/commands.rs",
    "src/backend/mod.rs", "src/backend/urls.rs", "src/backend/migrations.rs",
    "src/pages/mod.rs", "src/pages/home.rs",
    "static/css/site.css",
    "tests/site.rs",
);

/// Every app's skeleton, what `startapp` writes.
pub const APP: &[Template] = templates!("app":
    "mod.rs", "models.rs", "serializers.rs", "views.rs", "urls.rs", "migrations/mod.rs",
);

/// The first app of a new project: a model, its REST API and migration,
/// written over the skeleton's files of the same name.
pub const EXAMPLE_APP: &[Template] = templates!("project/src/app":
    "models.rs", "serializers.rs", "views.rs", "urls.rs", "migrations/mod.rs", "migrations/m0001_create_note.rs",
);

/// `text` with every `{{name}}` replaced by its value in `values`.
///
/// ```ignore
/// assert_eq!(render("hi {{who}}", &[("who", "there")]), "hi there");
/// ```
pub fn render(text: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(text.to_string(), |text, (name, value)| text.replace(&format!("{{{{{name}}}}}"), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_known() {
        let known = ["project", "crate", "app", "App", "tandem"];
        for (path, text) in PROJECT.iter().chain(APP).chain(EXAMPLE_APP) {
            for piece in text.split("{{").skip(1) {
                let name = piece.split("}}").next().unwrap_or_default();
                assert!(known.contains(&name), "{path}: unknown placeholder {{{{{name}}}}}");
            }
        }
    }

    #[test]
    fn render_replaces_every_occurrence() {
        assert_eq!(render("{{a}}-{{a}} {{b}}", &[("a", "x"), ("b", "y")]), "x-x y");
    }
}
