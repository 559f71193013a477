//! Django's `makemigrations`: the difference between the registered models
//! and what the migration history creates, written as a new migration.
//!
//! The app's whole migrator is applied to a throw-away in-memory SQLite
//! database, the models' tables are created in a second one, and both are
//! read back with the same `PRAGMA`s ([`schema`]) and compared ([`diff`]);
//! [`write`] turns the changes into a sea-orm-migration file.

pub(crate) mod diff;
pub(crate) mod schema;
pub(crate) mod write;

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{DbErr, EntityTrait};

use crate::db::migrations::Migrations;
pub(crate) use diff::Change;
pub(crate) use schema::{ModelTable, ModelTableFn};

/// The models registered with [`App::model`](crate::App::model): label and
/// the function describing its table.
pub(crate) type Registry = Vec<(String, ModelTableFn)>;

/// What the comparison found.
#[derive(Debug)]
pub(crate) struct Detected {
    /// Changes by app label, in the order they are found.
    pub changes: BTreeMap<String, Vec<Change>>,
    /// The models' tables.
    pub models: Vec<ModelTable>,
}

impl Detected {
    /// No model differs from its migrations.
    pub(crate) fn is_empty(&self) -> bool {
        self.changes.values().all(Vec::is_empty)
    }

    /// One line per change, `app: change`.
    pub(crate) fn summary(&self) -> Vec<String> {
        self.changes.iter().flat_map(|(app, changes)| changes.iter().map(move |c| format!("{app}: {c}"))).collect()
    }
}

/// Compares the registered models with what `migrations` create.
pub(crate) async fn detect(migrations: &dyn Migrations, registry: &Registry) -> Result<Detected, DbErr> {
    let history_db = schema::scratch().await?;
    migrations.apply(&history_db).await?;
    let history = schema::introspect(&history_db).await?;
    let _ = history_db.close().await;

    let mut models: Vec<ModelTable> = registry.iter().map(|(label, describe)| describe(label)).collect();
    // An entity registered under two labels has one table.
    let mut seen = BTreeSet::new();
    models.retain(|m| seen.insert(m.table.clone()));
    let models_db = schema::scratch().await?;
    for model in &models {
        model.create(&models_db).await?;
    }
    let mut described = schema::introspect(&models_db).await?;
    // In registration order, which names the migration after the first change.
    described.sort_by_key(|t| models.iter().position(|m| m.table == t.name));
    let _ = models_db.close().await;

    let apps: BTreeSet<String> = models.iter().map(|m| app_of(&m.label).to_string()).collect();
    let keep = own_tables();
    let mut changes: BTreeMap<String, Vec<Change>> = BTreeMap::new();
    for change in diff::diff(&history, &described, &apps, &keep) {
        let app = match models.iter().find(|m| m.table == change.table()) {
            Some(model) => app_of(&model.label).to_string(),
            None => apps.iter().find(|app| change.table().starts_with(&format!("{app}_"))).cloned().unwrap_or_default(),
        };
        changes.entry(app).or_default().push(change);
    }
    Ok(Detected { changes, models })
}

/// `shop` of `shop.product`.
pub(crate) fn app_of(label: &str) -> &str {
    label.split_once('.').map_or(label, |(app, _)| app)
}

/// Tandem's own tables and the migrations' bookkeeping table: never dropped.
fn own_tables() -> BTreeSet<String> {
    use crate::auth::models::{group, group_permission, permission, user, user_group, user_permission};
    fn name<E: EntityTrait>() -> String {
        E::default().table_name().to_string()
    }
    [
        name::<crate::sessions::model::Entity>(),
        name::<user::Entity>(),
        name::<group::Entity>(),
        name::<permission::Entity>(),
        name::<user_group::Entity>(),
        name::<group_permission::Entity>(),
        name::<user_permission::Entity>(),
        name::<crate::ui::store::model::Entity>(),
        name::<crate::rest::token::model::Entity>(),
        "seaql_migrations".to_string(),
    ]
    .into_iter()
    .collect()
}

#[cfg(test)]
mod tests;
