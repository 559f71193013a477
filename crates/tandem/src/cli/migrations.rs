//! `makemigrations`, `showmigrations` and `migrate --plan`.

use crate::app::{App, Error};
use crate::config::Settings;
use crate::db::makemigrations::write;

/// What `makemigrations` was asked for.
pub(crate) struct MakeOptions {
    /// `--check`: write nothing, fail when a migration is missing.
    pub check: bool,
    /// `--dry-run`: print the files instead of writing them.
    pub dry_run: bool,
    /// `--name`: the migration's name instead of the automatic one.
    pub name: Option<String>,
}

/// Writes a migration per app whose models differ from its migrations.
pub(crate) async fn makemigrations(app: &App, options: MakeOptions) -> Result<(), Error> {
    let found = app.detect_changes().await?;
    if found.is_empty() {
        println!("No changes detected");
        return Ok(());
    }
    let mut refused = Vec::new();
    for (label, changes) in &found.changes {
        if changes.is_empty() {
            continue;
        }
        let name = match &options.name {
            Some(name) => write::sanitize(name),
            None => write::name(changes, &found.models),
        };
        let folder = write::Folder::open(app.root(), label);
        if options.check {
            // The changes only; a missing migrations folder is no reason to fail differently.
            let shown = folder.map(|f| format!("\n  {}", shown(app, &f, &f.module(&name)))).unwrap_or_default();
            println!("Migrations for '{label}':{shown}");
            print_changes(changes);
            continue;
        }
        let folder = folder.map_err(Error::Command)?;
        let module = folder.module(&name);
        let source = match write::render(&module, changes, &found.models) {
            Ok(source) => source,
            Err(reasons) => {
                println!("Changes in '{label}' that cannot be written:");
                print_changes(changes);
                refused.extend(reasons);
                continue;
            }
        };
        println!("Migrations for '{label}':\n  {}", shown(app, &folder, &module));
        print_changes(changes);
        if options.dry_run {
            println!("{source}");
        } else {
            folder.write(&write::Migration { module, source }).map_err(Error::Command)?;
        }
    }
    if options.check {
        return Err(Error::Command(format!(
            "{} model change(s) have no migration; run the `makemigrations` command",
            found.summary().len()
        )));
    }
    if !refused.is_empty() {
        return Err(Error::Command(format!("no migration written for these changes:\n  {}", refused.join("\n  "))));
    }
    Ok(())
}

/// The migration's file, relative to the app root.
fn shown(app: &App, folder: &write::Folder, module: &str) -> String {
    let file = folder.dir.join(format!("{module}.rs"));
    file.strip_prefix(app.root()).unwrap_or(&file).display().to_string()
}

fn print_changes(changes: &[crate::db::makemigrations::Change]) {
    for change in changes {
        println!("    - {change}");
    }
}

/// `[X]` applied / `[ ]` pending, every migration in order.
pub(crate) async fn showmigrations(app: &App, settings: &Settings) -> Result<(), Error> {
    let db = crate::db::connect(&settings.database.url).await?;
    for (name, applied) in app.migrations().status(db.sea_orm()).await? {
        println!(" [{}] {name}", if applied { "X" } else { " " });
    }
    Ok(())
}

/// The migrations `migrate` would apply, without applying them.
pub(crate) async fn plan(app: &App, settings: &Settings) -> Result<(), Error> {
    let db = crate::db::connect(&settings.database.url).await?;
    let pending: Vec<String> =
        app.migrations().status(db.sea_orm()).await?.into_iter().filter(|(_, done)| !done).map(|(n, _)| n).collect();
    println!("Planned operations:");
    if pending.is_empty() {
        println!("  No planned migration operations.");
    }
    for name in pending {
        println!("  {name}");
    }
    Ok(())
}
