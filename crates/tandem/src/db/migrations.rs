//! Applying an application's sea-orm-migration `Migrator`.
//!
//! An app lists its migrations in a type implementing [`MigratorTrait`];
//! Tandem's own tables (sessions, users) come first in that list through
//! [`framework`].

use std::marker::PhantomData;

use futures_util::future::BoxFuture;
use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, ExprTrait, Func, IndexCreateStatement, Query, SqliteQueryBuilder, Table,
    TableCreateStatement, TableRef,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseConnectionType, DatabaseExecutor, DbBackend, DbErr, Statement,
};
use sea_orm_migration::{MigrationStatus, MigrationTrait, MigratorTrait, SchemaManager};

/// A migrator Tandem can drive without knowing its type.
pub trait Migrations: Send + Sync {
    /// Names of the migrations not yet applied.
    fn pending<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, Result<Vec<String>, DbErr>>;
    /// Applies every pending migration, returning their names.
    fn apply<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, Result<Vec<String>, DbErr>>;
    /// Every migration in order with whether it is applied (`showmigrations`);
    /// reads only, a database never migrated has them all pending.
    ///
    /// ```no_run
    /// use tandem::db::migrations::{Migrations, MigratorOf};
    /// # struct Migrator;
    /// # impl sea_orm_migration::MigratorTrait for Migrator {
    /// #     fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> { tandem::db::migrations::framework() }
    /// # }
    /// # async fn demo(db: &sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    /// for (name, applied) in MigratorOf::<Migrator>::default().status(db).await? {
    ///     println!(" [{}] {name}", if applied { "X" } else { " " });
    /// }
    /// # Ok(()) }
    /// ```
    fn status<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, Result<Vec<(String, bool)>, DbErr>>;
}

/// Adapts a [`MigratorTrait`] type to [`Migrations`].
pub struct MigratorOf<M>(PhantomData<fn() -> M>);

impl<M> Default for MigratorOf<M> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<M: MigratorTrait> Migrations for MigratorOf<M> {
    fn pending<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, Result<Vec<String>, DbErr>> {
        Box::pin(async move { Ok(M::get_pending_migrations(db).await?.iter().map(|m| m.name().to_string()).collect()) })
    }

    fn apply<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, Result<Vec<String>, DbErr>> {
        Box::pin(async move {
            let names = self.pending(db).await?;
            if !names.is_empty() {
                M::up(db, None).await?;
            }
            Ok(names)
        })
    }

    fn status<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, Result<Vec<(String, bool)>, DbErr>> {
        Box::pin(async move {
            Ok(M::get_migration_with_status_read_only(db)
                .await?
                .iter()
                .map(|m| (m.name().to_string(), m.status() == MigrationStatus::Applied))
                .collect())
        })
    }
}

/// Tandem's own migrations, to put first in an application's migrator.
///
/// ```
/// use sea_orm_migration::prelude::*;
///
/// pub struct Migrator;
/// impl MigratorTrait for Migrator {
///     fn migrations() -> Vec<Box<dyn MigrationTrait>> {
///         let mut all = tandem::db::migrations::framework();
///         // all.push(Box::new(m0001_create_product::Migration));
///         all
///     }
/// }
/// ```
pub fn framework() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(crate::sessions::migration::Migration),
        Box::new(crate::auth::migration::Migration),
        Box::new(crate::rest::token::migration::Migration),
        Box::new(crate::ui::store::migration::Migration),
        Box::new(crate::admin::log::migration::Migration),
        Box::new(crate::ui::tab_parts::migration::Migration),
    ]
}

/// Gives the table `new_table` names exactly the definition `new_table`
/// (columns, primary key, foreign keys) and the indexes `indexes`, keeping
/// its rows: the values of `columns_kept` are carried over, the other
/// columns of the new definition start at their default.
///
/// This is how a migration changes what SQLite cannot `ALTER` in place — a
/// column's type, `NULL`/`NOT NULL`, default or primary key, a foreign key
/// added or removed, a `UNIQUE` removed — and what `makemigrations` writes
/// for those changes.
///
/// * **SQLite**: the documented table rebuild, in one transaction with the
///   foreign keys checked at its end (`PRAGMA defer_foreign_keys`): the old
///   table is renamed aside (with `legacy_alter_table`, so that the tables
///   referencing it keep naming it), the new one created, the kept columns
///   copied (`INSERT … SELECT`, a `NULL` becoming the column's default when
///   it is now `NOT NULL` with one), the old table dropped (no `ON DELETE`
///   action runs: nothing references the renamed table), the indexes
///   created, and `PRAGMA foreign_key_check` run on it: a row whose
///   reference is missing fails the migration, naming the table.
/// * **PostgreSQL**: `ALTER TABLE` in place: its foreign keys, unique
///   constraints and plain indexes are dropped, the columns no longer kept
///   dropped, the kept ones altered (`TYPE … USING column::type`, `SET`/`DROP
///   DEFAULT`, `NULL`s set to the default, `SET`/`DROP NOT NULL`), the new
///   ones added, the primary key replaced when it changed, then the unique
///   constraints, foreign keys and `indexes` created again.
///
/// ```no_run
/// use sea_orm_migration::prelude::*;
///
/// #[derive(DeriveIden)]
/// enum ShopProduct {
///     Table,
///     Id,
///     Name,
/// }
///
/// # async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
/// // `name` was a `varchar(50)`, it becomes a `varchar(200)` NOT NULL with a default.
/// tandem::db::migrations::rebuild_table(
///     manager,
///     Table::create()
///         .table(ShopProduct::Table)
///         .col(ColumnDef::new(ShopProduct::Id).big_integer().not_null().auto_increment().primary_key())
///         .col(ColumnDef::new(ShopProduct::Name).string_len(200).not_null().default(""))
///         .to_owned(),
///     vec![Index::create().name("idx-shop_product-name").table(ShopProduct::Table).col(ShopProduct::Name).to_owned()],
///     &["id", "name"],
/// )
/// .await?;
/// # Ok(()) }
/// ```
pub async fn rebuild_table(
    manager: &SchemaManager<'_>,
    new_table: TableCreateStatement,
    indexes: Vec<IndexCreateStatement>,
    columns_kept: &[&str],
) -> Result<(), DbErr> {
    let table = match new_table.get_table_name() {
        Some(TableRef::Table(name, _)) => name.1.to_string(),
        _ => return Err(DbErr::Migration("rebuild_table: the new definition names no table".into())),
    };
    match manager.get_database_backend() {
        DbBackend::Sqlite => {
            let steps = sqlite_steps(&table, new_table, indexes, columns_kept)?;
            match manager.get_connection() {
                DatabaseExecutor::Connection(db)
                    if matches!(db.inner, DatabaseConnectionType::SqlxSqlitePoolConnection(_)) =>
                {
                    rebuild_sqlite_alone(db.get_sqlite_connection_pool(), &table, &steps).await
                }
                _ => rebuild_sqlite_in_transaction(manager, &table, &steps).await,
            }
        }
        DbBackend::Postgres => alter_postgres(manager, &table, new_table, indexes, columns_kept).await,
        other => Err(DbErr::Migration(format!("rebuild_table: {other:?} is not supported"))),
    }
}

/// `name` as a quoted identifier (SQLite and PostgreSQL).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The kept columns of `new_table`, each with what to copy into it.
fn kept_columns(new_table: &TableCreateStatement, columns_kept: &[&str]) -> Vec<(String, Option<Expr>)> {
    new_table
        .get_columns()
        .iter()
        .filter(|c| columns_kept.contains(&c.get_column_name().as_str()))
        .map(|c| {
            let spec = c.get_column_spec();
            let fill = if spec.nullable == Some(false) || spec.primary_key { spec.default.clone() } else { None };
            (c.get_column_name(), fill)
        })
        .collect()
}

/// The SQL of SQLite's rebuild of `table`, from creating `<table>__new` to
/// creating the indexes.
fn sqlite_steps(
    table: &str,
    new_table: TableCreateStatement,
    indexes: Vec<IndexCreateStatement>,
    columns_kept: &[&str],
) -> Result<Vec<String>, DbErr> {
    let new = format!("{table}__new");
    let mut create = new_table.clone();
    create.table(Alias::new(&new));
    let mut steps = vec![create.to_string(SqliteQueryBuilder)];
    let kept = kept_columns(&new_table, columns_kept);
    if !kept.is_empty() {
        let mut select = Query::select();
        for (column, fill) in &kept {
            match fill {
                Some(default) => select.expr(Func::coalesce([Expr::col(Alias::new(column)), default.clone()])),
                None => select.column(Alias::new(column)),
            };
        }
        select.from(Alias::new(table));
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(&new))
            .columns(kept.iter().map(|(c, _)| Alias::new(c)))
            .select_from(select)
            .map_err(|e| DbErr::Migration(format!("rebuild_table {table}: {e}")))?;
        steps.push(insert.to_string(SqliteQueryBuilder));
    }
    steps.push(format!("DROP TABLE {}", quote(table)));
    steps.push(format!("ALTER TABLE {} RENAME TO {}", quote(&new), quote(table)));
    steps.extend(indexes.iter().map(|i| i.to_string(SqliteQueryBuilder)));
    Ok(steps)
}

/// The error for rows of `table` whose references are missing (`PRAGMA
/// foreign_key_check` found `count`, the first into `parent`).
fn broken_references(table: &str, count: usize, parent: &str) -> DbErr {
    DbErr::Migration(format!("rebuild_table {table}: {count} row(s) reference missing rows of {parent}"))
}

/// SQLite's documented rebuild on a connection of its own: foreign keys off
/// (outside the transaction, as SQLite requires), then the steps in one
/// transaction, `PRAGMA foreign_key_check`, and foreign keys as they were.
async fn rebuild_sqlite_alone(pool: &sea_orm::sqlx::SqlitePool, table: &str, steps: &[String]) -> Result<(), DbErr> {
    use sea_orm::sqlx::{self, Row};
    let fail = |e: sqlx::Error| DbErr::Migration(format!("rebuild_table {table}: {e}"));
    let mut conn = pool.acquire().await.map_err(fail)?;
    let was_on: i64 =
        sqlx::query("PRAGMA foreign_keys").fetch_one(&mut *conn).await.map_err(fail)?.try_get(0).map_err(fail)?;
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.map_err(fail)?;
    let done: Result<(), DbErr> = async {
        sqlx::query("BEGIN").execute(&mut *conn).await.map_err(fail)?;
        for step in steps {
            sqlx::query(sqlx::AssertSqlSafe(step.as_str())).execute(&mut *conn).await.map_err(fail)?;
        }
        let broken = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA foreign_key_check({})", quote(table))))
            .fetch_all(&mut *conn)
            .await
            .map_err(fail)?;
        if let Some(row) = broken.first() {
            let parent: String = row.try_get("parent").unwrap_or_default();
            return Err(broken_references(table, broken.len(), &parent));
        }
        sqlx::query("COMMIT").execute(&mut *conn).await.map_err(fail)?;
        Ok(())
    }
    .await;
    if done.is_err() {
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    }
    let restore = if was_on != 0 { "PRAGMA foreign_keys = ON" } else { "PRAGMA foreign_keys = OFF" };
    let restored = sqlx::query(restore).execute(&mut *conn).await.map_err(fail);
    done?;
    restored.map(|_| ())
}

/// The rebuild inside the migration's transaction, where SQLite keeps
/// foreign keys on: their checks are deferred to the end, and a table
/// referencing this one with an `ON DELETE`/`ON UPDATE` action is refused
/// (dropping the old table would run it).
async fn rebuild_sqlite_in_transaction(
    manager: &SchemaManager<'_>,
    table: &str,
    steps: &[String],
) -> Result<(), DbErr> {
    let txn = manager.begin().await?;
    let db = txn.get_connection();
    let sqlite = |sql: String| Statement::from_string(DbBackend::Sqlite, sql);
    let tables = db
        .query_all_raw(sqlite(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'".into(),
        ))
        .await?;
    for row in tables {
        let child: String = row.try_get("", "name")?;
        for key in db.query_all_raw(sqlite(format!("PRAGMA foreign_key_list({})", quote(&child)))).await? {
            let parent: String = key.try_get("", "table")?;
            let actions = [key.try_get::<String>("", "on_delete")?, key.try_get::<String>("", "on_update")?];
            if parent == table && actions.iter().any(|a| !matches!(a.to_uppercase().as_str(), "NO ACTION" | "RESTRICT"))
            {
                return Err(DbErr::Migration(format!(
                    "rebuild_table {table}: {child} references it with an ON DELETE/ON UPDATE action, which \
                     dropping the old table inside a transaction would run; run this migration outside a \
                     transaction (`fn use_transaction(&self) -> Option<bool> {{ Some(false) }}`)"
                )));
            }
        }
    }
    db.execute_unprepared("PRAGMA defer_foreign_keys = ON").await?;
    for step in steps {
        db.execute_unprepared(step).await?;
    }
    let broken = db.query_all_raw(sqlite(format!("PRAGMA foreign_key_check({})", quote(table)))).await?;
    if let Some(row) = broken.first() {
        let parent: String = row.try_get("", "parent").unwrap_or_default();
        return Err(broken_references(table, broken.len(), &parent));
    }
    txn.commit().await
}

async fn alter_postgres(
    manager: &SchemaManager<'_>,
    table: &str,
    new_table: TableCreateStatement,
    indexes: Vec<IndexCreateStatement>,
    columns_kept: &[&str],
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let pg = |sql: &str, values: Vec<sea_orm::Value>| Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
    let t = quote(table);
    let oid = "(SELECT c.oid FROM pg_class c WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace)";
    let strings = |rows: Vec<sea_orm::QueryResult>, col: &str| -> Result<Vec<String>, DbErr> {
        rows.iter().map(|r| r.try_get::<String>("", col)).collect()
    };
    // Constraints other than the primary key, then the plain indexes.
    let constraints = db
        .query_all_raw(pg(
            &format!(
                "SELECT conname::text AS name FROM pg_constraint WHERE conrelid = {oid} AND contype IN ('f', 'u')"
            ),
            vec![table.into()],
        ))
        .await?;
    for name in strings(constraints, "name")? {
        db.execute_unprepared(&format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {}", quote(&name))).await?;
    }
    let plain = db
        .query_all_raw(pg(
            &format!(
                "SELECT i.relname::text AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
                 WHERE x.indrelid = {oid} AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)"
            ),
            vec![table.into()],
        ))
        .await?;
    for name in strings(plain, "name")? {
        db.execute_unprepared(&format!("DROP INDEX IF EXISTS {}", quote(&name))).await?;
    }
    let existing = strings(
        db.query_all_raw(pg(
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1",
            vec![table.into()],
        ))
        .await?,
        "name",
    )?;
    let current_key = strings(
        db.query_all_raw(pg(
            &format!(
                "SELECT a.attname::text AS name FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid \
                 AND a.attnum = ANY(x.indkey) WHERE x.indrelid = {oid} AND x.indisprimary ORDER BY a.attnum"
            ),
            vec![table.into()],
        ))
        .await?,
        "name",
    )?;
    let columns = new_table.get_columns();
    let kept: Vec<String> = columns
        .iter()
        .map(ColumnDef::get_column_name)
        .filter(|c| columns_kept.contains(&c.as_str()) && existing.contains(c))
        .collect();
    for column in &existing {
        if !kept.contains(column) {
            db.execute_unprepared(&format!("ALTER TABLE {t} DROP COLUMN {}", quote(column))).await?;
        }
    }
    let mut new_key: Vec<String> =
        columns.iter().filter(|c| c.get_column_spec().primary_key).map(ColumnDef::get_column_name).collect();
    if let Some(key) = new_table.get_indexes().iter().find(|i| i.is_primary_key()) {
        new_key = key.get_index_spec().get_column_names();
    }
    if current_key != new_key && !current_key.is_empty() {
        let name = db
            .query_all_raw(pg(
                &format!("SELECT conname::text AS name FROM pg_constraint WHERE conrelid = {oid} AND contype = 'p'"),
                vec![table.into()],
            ))
            .await?;
        for name in strings(name, "name")? {
            db.execute_unprepared(&format!("ALTER TABLE {t} DROP CONSTRAINT {}", quote(&name))).await?;
        }
    }
    for def in columns {
        let name = def.get_column_name();
        let c = quote(&name);
        let spec = def.get_column_spec();
        if !kept.contains(&name) {
            // Its UNIQUE and primary key come with the constraints below.
            let mut added = match def.get_column_type() {
                Some(column_type) => ColumnDef::new_with_type(Alias::new(&name), column_type.clone()),
                None => ColumnDef::new(Alias::new(&name)),
            };
            if spec.nullable == Some(false) {
                added.not_null();
            }
            if let Some(default) = &spec.default {
                added.default(default.clone());
            }
            manager.alter_table(Table::alter().table(Alias::new(table)).add_column(added).to_owned()).await?;
            continue;
        }
        if let Some(column_type) = def.get_column_type() {
            let typed = Table::alter()
                .table(Alias::new(table))
                .modify_column(ColumnDef::new_with_type(Alias::new(&name), column_type.clone()))
                .to_owned();
            let sql = DbBackend::Postgres.build(&typed).to_string();
            if let Some((head, sql_type)) = sql.split_once(" TYPE ") {
                db.execute_unprepared(&format!("{head} TYPE {sql_type} USING {c}::{sql_type}")).await?;
            }
        }
        if !spec.auto_increment {
            match &spec.default {
                Some(default) => {
                    let mut set = ColumnDef::new(Alias::new(&name));
                    set.default(default.clone());
                    manager.alter_table(Table::alter().table(Alias::new(table)).modify_column(set).to_owned()).await?;
                    let mut fill = Query::update();
                    fill.table(Alias::new(table))
                        .value(Alias::new(&name), default.clone())
                        .and_where(Expr::col(Alias::new(&name)).is_null());
                    manager.execute(fill).await?;
                }
                None => {
                    db.execute_unprepared(&format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT")).await?;
                }
            }
        }
        let not_null = spec.nullable == Some(false) || spec.primary_key;
        let null = if not_null { "SET NOT NULL" } else { "DROP NOT NULL" };
        db.execute_unprepared(&format!("ALTER TABLE {t} ALTER COLUMN {c} {null}")).await?;
    }
    if current_key != new_key && !new_key.is_empty() {
        let key: Vec<String> = new_key.iter().map(|c| quote(c)).collect();
        db.execute_unprepared(&format!("ALTER TABLE {t} ADD PRIMARY KEY ({})", key.join(", "))).await?;
    }
    for def in columns.iter().filter(|c| c.get_column_spec().unique) {
        db.execute_unprepared(&format!("ALTER TABLE {t} ADD UNIQUE ({})", quote(&def.get_column_name()))).await?;
    }
    for key in new_table.get_foreign_key_create_stmts() {
        manager.create_foreign_key(key.clone()).await?;
    }
    for index in indexes {
        manager.create_index(index).await?;
    }
    Ok(())
}
