//! Both sides of the comparison: what a registered entity describes
//! ([`ModelTable`], built from its columns, indexes and relations), and what
//! a SQLite database holds ([`Table`], read back through `PRAGMA`s).
//!
//! The entities are created in a scratch SQLite database and read back the
//! same way as the migrated one, so the comparison sees the same spelling of
//! types and defaults on both sides.

use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, ForeignKey, ForeignKeyAction, Index, IndexCreateStatement, Table as Tables,
    TableCreateStatement, TableRef,
};
use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, IdenStatic, Iterable,
    PrimaryKeyToColumn, PrimaryKeyTrait, RelationTrait, Schema, Statement,
};

/// One entity's table as its model describes it.
#[derive(Clone, Debug)]
pub(crate) struct ModelTable {
    /// The model label, `app.model`.
    pub label: String,
    /// The table name.
    pub table: String,
    /// The columns in the entity's order.
    pub columns: Vec<ColumnSpec>,
    /// The primary key when it spans several columns (a single-column one is
    /// marked on its column).
    pub composite_key: Vec<String>,
    /// Indexes: `#[sea_orm(indexed)]`, `unique_key` groups, and one per
    /// foreign key (Django indexes every `ForeignKey`).
    pub indexes: Vec<IndexSpec>,
    /// Foreign keys from the entity's `belongs_to` relations.
    pub foreign_keys: Vec<ForeignKeySpec>,
}

/// A column as the entity declares it.
#[derive(Clone, Debug)]
pub(crate) struct ColumnSpec {
    /// Column name.
    pub name: String,
    /// SeaORM's type (decimals go through [`crate::db::decimal_column`]).
    pub col_type: ColumnType,
    /// `Option<_>` field or `nullable`.
    pub null: bool,
    /// `#[sea_orm(unique)]`.
    pub unique: bool,
    /// `default_value` / `default_expr`.
    pub default: Option<Expr>,
    /// The single-column primary key.
    pub primary_key: bool,
    /// Its values are generated.
    pub auto_increment: bool,
}

/// An index an entity asks for.
#[derive(Clone, Debug)]
pub(crate) struct IndexSpec {
    /// Its name in generated migrations.
    pub name: String,
    /// Its columns in order.
    pub columns: Vec<String>,
    /// A unique index.
    pub unique: bool,
}

/// A foreign key from a `belongs_to` relation.
#[derive(Clone, Debug)]
pub(crate) struct ForeignKeySpec {
    /// Columns of this table.
    pub columns: Vec<String>,
    /// The referenced table.
    pub to_table: String,
    /// Its columns.
    pub to_columns: Vec<String>,
    /// `on_delete`.
    pub on_delete: Option<ForeignKeyAction>,
    /// `on_update`.
    pub on_update: Option<ForeignKeyAction>,
}

/// Builds a [`ModelTable`] for a type-erased entity; stored per model by
/// [`App::model`](crate::App::model).
pub(crate) type ModelTableFn = fn(&str) -> ModelTable;

/// `E`'s table as its model describes it, registered as `label`.
pub(crate) fn model_table<E: EntityTrait>(label: &str) -> ModelTable {
    let entity = E::default();
    let table = entity.table_name().to_string();
    let keys: Vec<String> = E::PrimaryKey::iter().map(|k| k.into_column().as_str().to_string()).collect();
    let single_key = keys.len() == 1;
    let auto_increment = E::PrimaryKey::auto_increment();
    let columns: Vec<ColumnSpec> = E::Column::iter()
        .map(|column| {
            let def = column.def();
            let name = column.as_str().to_string();
            let is_key = keys.contains(&name);
            ColumnSpec {
                col_type: def.get_column_type().clone(),
                null: def.is_null(),
                unique: def.is_unique(),
                default: def.get_column_default().cloned(),
                primary_key: single_key && is_key,
                auto_increment: is_key && auto_increment,
                name,
            }
        })
        .collect();
    let mut indexes: Vec<IndexSpec> = Schema::new(DbBackend::Sqlite)
        .create_index_from_entity(entity)
        .iter()
        .map(|index| {
            let spec = index.get_index_spec();
            IndexSpec {
                name: spec.get_name().unwrap_or_default().to_string(),
                columns: spec.get_column_names(),
                unique: index.is_unique_key(),
            }
        })
        .collect();
    let mut foreign_keys = Vec::new();
    for relation in E::Relation::iter() {
        let def = relation.def();
        if def.is_owner || def.skip_fk {
            continue;
        }
        let Some(to_table) = table_name(&def.to_tbl) else { continue };
        foreign_keys.push(ForeignKeySpec {
            columns: def.from_col.iter().map(|c| c.to_string()).collect(),
            to_table,
            to_columns: def.to_col.iter().map(|c| c.to_string()).collect(),
            on_delete: def.on_delete,
            on_update: def.on_update,
        });
    }
    for key in &foreign_keys {
        let covered = (keys == key.columns)
            || indexes.iter().any(|i| i.columns.starts_with(&key.columns))
            || (key.columns.len() == 1 && columns.iter().any(|c| c.unique && c.name == key.columns[0]));
        if !covered {
            indexes.push(IndexSpec {
                name: format!("{table}_{}", key.columns.join("_")),
                columns: key.columns.clone(),
                unique: false,
            });
        }
    }
    ModelTable {
        label: label.to_string(),
        table,
        columns,
        composite_key: if single_key { Vec::new() } else { keys },
        indexes,
        foreign_keys,
    }
}

/// The plain name of a table reference.
fn table_name(table: &TableRef) -> Option<String> {
    match table {
        TableRef::Table(name, _) => Some(name.1.to_string()),
        _ => None,
    }
}

impl ColumnSpec {
    /// The column's definition for `backend`, as a generated migration writes it.
    pub(crate) fn column_def(&self, backend: DbBackend) -> ColumnDef {
        let name = Alias::new(&self.name);
        let mut def = match &self.col_type {
            ColumnType::Decimal(Some((digits, places))) => crate::db::decimal_column(backend, name, *digits, *places),
            other => ColumnDef::new_with_type(name, other.clone()),
        };
        if !self.null {
            def.not_null();
        }
        if self.unique {
            def.unique_key();
        }
        if let Some(default) = &self.default {
            def.default(default.clone());
        }
        if self.auto_increment && self.primary_key {
            def.auto_increment();
        }
        if self.primary_key {
            def.primary_key();
        }
        def
    }
}

impl ModelTable {
    /// Creates the table and its indexes on `db`.
    pub(crate) async fn create(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        let (create, indexes) = self.statements(db.get_database_backend());
        db.execute(&create).await?;
        for index in &indexes {
            db.execute(index).await?;
        }
        Ok(())
    }

    /// The table's definition and its indexes for `backend`.
    pub(crate) fn statements(&self, backend: DbBackend) -> (TableCreateStatement, Vec<IndexCreateStatement>) {
        let mut create = Tables::create();
        create.table(Alias::new(&self.table));
        for column in &self.columns {
            create.col(column.column_def(backend));
        }
        if !self.composite_key.is_empty() {
            let mut key = Index::create();
            for column in &self.composite_key {
                key.col(Alias::new(column));
            }
            create.primary_key(&mut key);
        }
        for fk in &self.foreign_keys {
            let mut key = ForeignKey::create();
            key.from_tbl(Alias::new(&self.table)).to_tbl(Alias::new(&fk.to_table));
            for column in &fk.columns {
                key.from_col(Alias::new(column));
            }
            for column in &fk.to_columns {
                key.to_col(Alias::new(column));
            }
            if let Some(action) = fk.on_delete {
                key.on_delete(action);
            }
            if let Some(action) = fk.on_update {
                key.on_update(action);
            }
            create.foreign_key(&mut key);
        }
        let indexes = self
            .indexes
            .iter()
            .map(|index| {
                let mut stmt = Index::create();
                stmt.name(&index.name).table(Alias::new(&self.table));
                for column in &index.columns {
                    stmt.col(Alias::new(column));
                }
                if index.unique {
                    stmt.unique();
                }
                stmt
            })
            .collect();
        (create, indexes)
    }
}

/// A table read back from SQLite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Table {
    /// Its name.
    pub name: String,
    /// Its columns in order.
    pub columns: Vec<Column>,
    /// Its indexes, unique constraints included, the primary key's excluded.
    pub indexes: Vec<IndexInfo>,
    /// Its foreign keys.
    pub foreign_keys: Vec<ForeignKeyInfo>,
}

/// A column read back from SQLite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Column {
    /// Its name.
    pub name: String,
    /// The declared type, lower case (`varchar(200)`, `decimal_text(10, 2)`).
    pub sql_type: String,
    /// `NOT NULL`.
    pub not_null: bool,
    /// The default as SQL text.
    pub default: Option<String>,
    /// Part of the primary key.
    pub primary_key: bool,
}

/// An index read back from SQLite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IndexInfo {
    /// Its name (`sqlite_autoindex_…` for a `UNIQUE` column).
    pub name: String,
    /// Its columns in order.
    pub columns: Vec<String>,
    /// A unique index.
    pub unique: bool,
}

/// A foreign key read back from SQLite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ForeignKeyInfo {
    /// Columns of the table.
    pub columns: Vec<String>,
    /// The referenced table.
    pub to_table: String,
    /// Its columns.
    pub to_columns: Vec<String>,
    /// `ON DELETE` action (`NO ACTION` when none).
    pub on_delete: String,
    /// `ON UPDATE` action.
    pub on_update: String,
}

/// Every table of the SQLite database `db`, by name (SQLite's own excluded).
pub(crate) async fn introspect(db: &DatabaseConnection) -> Result<Vec<Table>, DbErr> {
    let names = db
        .query_all_raw(sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        ))
        .await?;
    let mut tables = Vec::new();
    for row in names {
        let name: String = row.try_get("", "name")?;
        tables.push(read_table(db, name).await?);
    }
    Ok(tables)
}

async fn read_table(db: &DatabaseConnection, name: String) -> Result<Table, DbErr> {
    let quoted = quote(&name);
    let mut columns = Vec::new();
    for row in db.query_all_raw(sql(&format!("PRAGMA table_info({quoted})"))).await? {
        columns.push(Column {
            name: row.try_get("", "name")?,
            sql_type: row.try_get::<String>("", "type")?.to_lowercase(),
            not_null: row.try_get::<i64>("", "notnull")? != 0,
            default: row.try_get("", "dflt_value")?,
            primary_key: row.try_get::<i64>("", "pk")? != 0,
        });
    }
    let mut indexes = Vec::new();
    for row in db.query_all_raw(sql(&format!("PRAGMA index_list({quoted})"))).await? {
        let origin: String = row.try_get("", "origin")?;
        if origin == "pk" {
            continue;
        }
        let index: String = row.try_get("", "name")?;
        let mut cols = Vec::new();
        for col in db.query_all_raw(sql(&format!("PRAGMA index_info({})", quote(&index)))).await? {
            cols.push(col.try_get::<Option<String>>("", "name")?.unwrap_or_default());
        }
        indexes.push(IndexInfo { name: index, columns: cols, unique: row.try_get::<i64>("", "unique")? != 0 });
    }
    indexes.sort_by(|a, b| (&a.columns, a.unique).cmp(&(&b.columns, b.unique)));
    let mut foreign_keys: Vec<ForeignKeyInfo> = Vec::new();
    let mut last_id = None;
    for row in db.query_all_raw(sql(&format!("PRAGMA foreign_key_list({quoted})"))).await? {
        let id: i64 = row.try_get("", "id")?;
        let from: String = row.try_get("", "from")?;
        let to: Option<String> = row.try_get("", "to")?;
        match foreign_keys.last_mut() {
            Some(key) if last_id == Some(id) => {
                key.columns.push(from);
                key.to_columns.extend(to);
            }
            _ => foreign_keys.push(ForeignKeyInfo {
                columns: vec![from],
                to_table: row.try_get("", "table")?,
                to_columns: to.into_iter().collect(),
                on_delete: row.try_get::<String>("", "on_delete")?.to_uppercase(),
                on_update: row.try_get::<String>("", "on_update")?.to_uppercase(),
            }),
        }
        last_id = Some(id);
    }
    foreign_keys.sort_by(|a, b| (&a.columns, &a.to_table).cmp(&(&b.columns, &b.to_table)));
    Ok(Table { name, columns, indexes, foreign_keys })
}

fn sql(text: &str) -> Statement {
    Statement::from_string(DbBackend::Sqlite, text)
}

/// `name` as a quoted SQLite identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A throw-away in-memory SQLite database (one connection, kept for the
/// pool's life, so every statement sees the same database).
pub(crate) async fn scratch() -> Result<DatabaseConnection, DbErr> {
    let mut options = sea_orm::ConnectOptions::new("sqlite::memory:");
    options.max_connections(1).min_connections(1).sqlx_logging(false);
    options.idle_timeout(None::<std::time::Duration>).max_lifetime(None::<std::time::Duration>);
    sea_orm::Database::connect(options).await
}
