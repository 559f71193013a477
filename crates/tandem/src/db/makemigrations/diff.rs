//! The structural difference between the tables the migrations create and
//! the tables the models describe.

use std::collections::BTreeSet;
use std::fmt;

use super::schema::{Column, ForeignKeyInfo, IndexInfo, Table};

/// One difference, phrased as what a new migration must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    /// A model has no table yet.
    CreateTable {
        /// The table.
        table: String,
    },
    /// A table of a registered app has no model any more.
    DropTable {
        /// The table.
        table: String,
    },
    /// A field has no column yet.
    AddColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column has no field any more.
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column differs from its field (type, null, default, primary key).
    AlterColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What differs, `was → now` for each part.
        what: Vec<String>,
    },
    /// An index or unique constraint the model asks for.
    AddIndex {
        /// The table.
        table: String,
        /// The index as the model's table has it.
        index: IndexInfo,
    },
    /// An index or unique constraint the model no longer asks for.
    DropIndex {
        /// The table.
        table: String,
        /// The index as the migrations left it.
        index: IndexInfo,
    },
    /// A foreign key the model asks for.
    AddForeignKey {
        /// The table.
        table: String,
        /// The key.
        key: ForeignKeyInfo,
    },
    /// A foreign key the model no longer has.
    DropForeignKey {
        /// The table.
        table: String,
        /// The key.
        key: ForeignKeyInfo,
    },
}

impl Change {
    /// The table the change is about.
    pub(crate) fn table(&self) -> &str {
        match self {
            Change::CreateTable { table }
            | Change::DropTable { table }
            | Change::AddColumn { table, .. }
            | Change::DropColumn { table, .. }
            | Change::AlterColumn { table, .. }
            | Change::AddIndex { table, .. }
            | Change::DropIndex { table, .. }
            | Change::AddForeignKey { table, .. }
            | Change::DropForeignKey { table, .. } => table,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unique = |index: &IndexInfo| if index.unique { "unique constraint" } else { "index" };
        match self {
            Change::CreateTable { table } => write!(f, "Create table {table}"),
            Change::DropTable { table } => write!(f, "Drop table {table}"),
            Change::AddColumn { table, column } => write!(f, "Add column {column} to {table}"),
            Change::DropColumn { table, column } => write!(f, "Remove column {column} from {table}"),
            Change::AlterColumn { table, column, what } => {
                write!(f, "Alter column {column} of {table}: {}", what.join(", "))
            }
            Change::AddIndex { table, index } => {
                write!(f, "Add {} on {table}({})", unique(index), index.columns.join(", "))
            }
            Change::DropIndex { table, index } => {
                write!(f, "Remove {} on {table}({})", unique(index), index.columns.join(", "))
            }
            Change::AddForeignKey { table, key } => write!(
                f,
                "Add foreign key {table}({}) → {}({})",
                key.columns.join(", "),
                key.to_table,
                key.to_columns.join(", ")
            ),
            Change::DropForeignKey { table, key } => write!(
                f,
                "Remove foreign key {table}({}) → {}({})",
                key.columns.join(", "),
                key.to_table,
                key.to_columns.join(", ")
            ),
        }
    }
}

/// What must change so that `history` (the tables the migrations create)
/// matches `models` (the tables the models describe).
///
/// Only the models' tables are compared; a table of `history` that no model
/// has is dropped only when its name starts with one of `apps` followed by
/// `_` and it is not in `keep` (Tandem's own tables, the migrations' table).
pub(crate) fn diff(
    history: &[Table],
    models: &[Table],
    apps: &BTreeSet<String>,
    keep: &BTreeSet<String>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    for model in models {
        let Some(old) = history.iter().find(|t| t.name == model.name) else {
            changes.push(Change::CreateTable { table: model.name.clone() });
            continue;
        };
        diff_table(old, model, &mut changes);
    }
    for old in history {
        let of_an_app = apps.iter().any(|app| old.name.starts_with(&format!("{app}_")));
        if of_an_app && !keep.contains(&old.name) && !models.iter().any(|m| m.name == old.name) {
            changes.push(Change::DropTable { table: old.name.clone() });
        }
    }
    changes
}

fn diff_table(old: &Table, new: &Table, changes: &mut Vec<Change>) {
    let table = new.name.clone();
    for column in &new.columns {
        match old.columns.iter().find(|c| c.name == column.name) {
            None => changes.push(Change::AddColumn { table: table.clone(), column: column.name.clone() }),
            Some(was) => {
                let what = column_differences(was, column);
                if !what.is_empty() {
                    changes.push(Change::AlterColumn { table: table.clone(), column: column.name.clone(), what });
                }
            }
        }
    }
    for was in &old.columns {
        if !new.columns.iter().any(|c| c.name == was.name) {
            changes.push(Change::DropColumn { table: table.clone(), column: was.name.clone() });
        }
    }
    let same_index = |a: &IndexInfo, b: &IndexInfo| a.columns == b.columns && a.unique == b.unique;
    for index in &new.indexes {
        if !old.indexes.iter().any(|i| same_index(i, index)) {
            changes.push(Change::AddIndex { table: table.clone(), index: index.clone() });
        }
    }
    for index in &old.indexes {
        if !new.indexes.iter().any(|i| same_index(i, index)) {
            changes.push(Change::DropIndex { table: table.clone(), index: index.clone() });
        }
    }
    for key in &new.foreign_keys {
        if !old.foreign_keys.contains(key) {
            changes.push(Change::AddForeignKey { table: table.clone(), key: key.clone() });
        }
    }
    for key in &old.foreign_keys {
        if !new.foreign_keys.contains(key) {
            changes.push(Change::DropForeignKey { table: table.clone(), key: key.clone() });
        }
    }
}

fn column_differences(was: &Column, now: &Column) -> Vec<String> {
    let mut what = Vec::new();
    if was.sql_type != now.sql_type {
        what.push(format!("type {} → {}", was.sql_type, now.sql_type));
    }
    if was.not_null != now.not_null {
        let null = |not_null: bool| if not_null { "NOT NULL" } else { "NULL" };
        what.push(format!("{} → {}", null(was.not_null), null(now.not_null)));
    }
    if was.default != now.default {
        let default = |d: &Option<String>| d.clone().unwrap_or_else(|| "no default".into());
        what.push(format!("default {} → {}", default(&was.default), default(&now.default)));
    }
    if was.primary_key != now.primary_key {
        what.push(if now.primary_key { "becomes the primary key".into() } else { "no longer the primary key".into() });
    }
    what
}
