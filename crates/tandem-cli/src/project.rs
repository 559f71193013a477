//! Writing a new project's files, or a new app's into a project.

use std::fs;
use std::path::{Path, PathBuf};

use crate::names;
use crate::templates::{self, APP, EXAMPLE_APP, PROJECT, Template};

/// Where the new project gets Tandem from.
pub enum Source {
    /// A local checkout's `crates/tandem` folder.
    Path(PathBuf),
    /// A git repository, at a branch, tag or commit (`rev`) if given.
    Git {
        /// The repository's URL.
        url: String,
        /// The branch, tag or commit.
        rev: Option<String>,
    },
}

/// The `crates/tandem` folder of the checkout this command was built from.
pub fn built_from() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tandem")
}

impl Source {
    /// The dependency's keys inside `tandem = { … }`.
    fn dependency(&self) -> Result<String, String> {
        match self {
            Source::Path(path) => {
                let path = path.canonicalize().map_err(|e| {
                    format!("Tandem is not at {} ({e}); name it with --tandem-path or --tandem-git", path.display())
                })?;
                if !path.join("Cargo.toml").is_file() {
                    return Err(format!("{} holds no Cargo.toml: not Tandem's crate folder", path.display()));
                }
                Ok(format!("path = {}", toml_string(&path.to_string_lossy())))
            }
            Source::Git { url, rev: None } => Ok(format!("git = {}", toml_string(url))),
            Source::Git { url, rev: Some(rev) } => {
                Ok(format!("git = {}, rev = {}", toml_string(url), toml_string(rev)))
            }
        }
    }

    /// The checkout's `Cargo.lock`, when Tandem is a local checkout that has
    /// one: the new project starts from the versions Tandem is tested with.
    fn lock_file(&self) -> Option<PathBuf> {
        let Source::Path(path) = self else { return None };
        let lock = path.join("../../Cargo.lock");
        lock.is_file().then_some(lock)
    }
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let escaped: String = text
        .chars()
        .map(|c| match c {
            '"' => "\\\"".to_string(),
            '\\' => "\\\\".to_string(),
            c if c.is_control() => format!("\\u{:04X}", c as u32),
            c => c.to_string(),
        })
        .collect();
    format!("\"{escaped}\"")
}

/// Creates the project at `path` with its first app `app`, depending on
/// Tandem from `source`; answers what to run next.
pub fn new(path: &Path, app: &str, source: &Source) -> Result<String, String> {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| format!("{} does not end in a folder name", path.display()))?;
    let library = names::package(name)?;
    names::app(app)?;
    if path.exists() && fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?.next().is_some() {
        return Err(format!("{} exists and is not empty", path.display()));
    }
    let dependency = source.dependency()?;
    let camel = names::camel(app);
    let values = [("project", name), ("crate", &library), ("app", app), ("App", &camel), ("tandem", &dependency)];
    for (file, text) in PROJECT {
        // `.gitignore` is kept as `gitignore` in the templates, which cargo
        // would otherwise leave out of the package.
        let file = if *file == "gitignore" { ".gitignore" } else { file };
        write(&path.join(file), &templates::render(text, &values))?;
    }
    write_app(&path.join("src").join(app), APP.iter().chain(EXAMPLE_APP), &values)?;
    if let Some(lock) = source.lock_file() {
        fs::copy(&lock, path.join("Cargo.lock")).map_err(|e| format!("cannot copy {}: {e}", lock.display()))?;
    }
    Ok(format!(
        "Created the project `{name}` in {folder}, with the app `{app}`.\n\n    \
         cd {folder}\n    \
         cargo run -- run --reload   # http://127.0.0.1:8000, rebuilt as you edit\n    \
         cargo test",
        folder = path.display()
    ))
}

/// Adds the app `name` to the project in `project`: its files, and its
/// module in `src/lib.rs`; answers the two lines that wire it in.
pub fn startapp(project: &Path, name: &str) -> Result<String, String> {
    names::app(name)?;
    let lib = project.join("src/lib.rs");
    let source = fs::read_to_string(&lib)
        .map_err(|e| format!("{} is not a Tandem project's folder: no src/lib.rs ({e})", project.display()))?;
    let folder = project.join("src").join(name);
    if folder.exists() {
        return Err(format!("{} exists already", folder.display()));
    }
    let camel = names::camel(name);
    let values = [("app", name), ("App", camel.as_str())];
    write_app(&folder, APP.iter(), &values)?;
    write(&lib, &with_module(&source, name))?;
    Ok(format!(
        "Created the app `{name}` in {folder} and declared it in src/lib.rs. Wire it in:\n\n  \
         src/backend/urls.rs:        path(\"api/{name}/\", include(crate::{name}::urls::urlpatterns())),\n  \
         src/backend/migrations.rs:  all.extend(crate::{name}::migrations::migrations());\n\n\
         then register its models with App::model and run `cargo run -- makemigrations`.",
        folder = folder.display()
    ))
}

/// `source` with `pub mod name;` after its last `pub mod` line (or at the
/// end when it has none).
fn with_module(source: &str, name: &str) -> String {
    let line = format!("pub mod {name};");
    let mut lines: Vec<&str> = source.lines().collect();
    let at = lines.iter().rposition(|l| l.starts_with("pub mod ")).map_or(lines.len(), |i| i + 1);
    lines.insert(at, &line);
    lines.join("\n") + "\n"
}

fn write_app<'a>(
    folder: &Path,
    files: impl Iterator<Item = &'a Template>,
    values: &[(&str, &str)],
) -> Result<(), String> {
    for (file, text) in files {
        write(&folder.join(file), &templates::render(text, values))?;
    }
    Ok(())
}

fn write(file: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = file.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    fs::write(file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_project_has_every_file_and_no_placeholder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("my-site");
        new(&path, "notes", &Source::Path(built_from())).unwrap();
        for file in
            ["Cargo.toml", "Cargo.lock", ".gitignore", "src/notes/migrations/m0001_create_note.rs", "tests/site.rs"]
        {
            assert!(path.join(file).is_file(), "{file}");
        }
        let manifest = fs::read_to_string(path.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("name = \"my-site\"") && manifest.contains("tandem = { path = \""), "{manifest}");
        let main = fs::read_to_string(path.join("src/main.rs")).unwrap();
        assert!(main.contains("my_site::app().main()"), "{main}");
        let lib = fs::read_to_string(path.join("src/lib.rs")).unwrap();
        assert!(!lib.contains("{{") && lib.contains("pub mod notes;"), "{lib}");
    }

    #[test]
    fn new_refuses_a_folder_in_use_and_bad_names() {
        let dir = tempfile::tempdir().unwrap();
        let used = dir.path().join("used");
        fs::create_dir(&used).unwrap();
        fs::write(used.join("x"), "").unwrap();
        assert!(new(&used, "notes", &Source::Path(built_from())).unwrap_err().contains("not empty"));
        let fresh = dir.path().join("site");
        assert!(new(&fresh, "mod", &Source::Path(built_from())).unwrap_err().contains("taken"));
        assert!(new(&fresh, "notes", &Source::Path(dir.path().join("nowhere"))).unwrap_err().contains("--tandem-path"));
        assert!(!fresh.exists(), "nothing written for a refused project");
    }

    #[test]
    fn startapp_adds_the_app_and_its_module() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site");
        new(&path, "notes", &Source::Path(built_from())).unwrap();
        let report = startapp(&path, "blog").unwrap();
        assert!(report.contains("crate::blog::migrations::migrations()"), "{report}");
        let lib = fs::read_to_string(path.join("src/lib.rs")).unwrap();
        assert!(lib.contains("pub mod notes;\npub mod blog;"), "{lib}");
        assert!(path.join("src/blog/migrations/mod.rs").is_file());
        assert!(startapp(&path, "blog").unwrap_err().contains("exists already"));
        assert!(startapp(dir.path(), "shop").unwrap_err().contains("no src/lib.rs"));
    }

    #[test]
    fn git_sources_are_quoted() {
        let source = Source::Git { url: "https://example.com/t\"x.git".into(), rev: Some("v1".into()) };
        assert_eq!(source.dependency().unwrap(), r#"git = "https://example.com/t\"x.git", rev = "v1""#);
    }
}
