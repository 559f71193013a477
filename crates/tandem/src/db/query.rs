//! Running a built statement straight on the pool's driver.
//!
//! SeaORM's own executor wraps every query in a future large enough to cover
//! each backend it supports, and moves it (tens of kilobytes copied per
//! query, a third of the instructions of a REST detail request). For the
//! pools Tandem opens — SQLite and PostgreSQL through sqlx — these functions
//! bind the statement's values and run it on sqlx directly; any other
//! connection goes through SeaORM as before. The rows are SeaORM's
//! [`QueryResult`]s either way.

use std::sync::Arc;

use sea_orm::sqlx::{self, AssertSqlSafe};
use sea_orm::{DatabaseConnection, DatabaseConnectionType, DbErr, QueryResult, RuntimeErr, Statement};
use sea_query_sqlx::SqlxValues;

/// The first row of `stmt`, if any.
///
/// ```no_run
/// # async fn demo(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
/// use sea_orm::{DbBackend, Statement};
/// let stmt = Statement::from_sql_and_values(DbBackend::Sqlite, "SELECT 1 + ? AS two", [1.into()]);
/// let row = tandem::db::query_one(&db, stmt).await?.expect("one row");
/// assert_eq!(row.try_get::<i64>("", "two")?, 2);
/// # Ok(()) }
/// ```
pub async fn query_one(db: &DatabaseConnection, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
    let row = match Driver::of(db, stmt) {
        Driver::Sqlite(pool, sql, values) => {
            sqlx::query_with(sql, values).fetch_optional(pool).await.map(|r| r.map(Into::into))
        }
        Driver::Postgres(pool, sql, values) => {
            sqlx::query_with(sql, values).fetch_optional(pool).await.map(|r| r.map(Into::into))
        }
        Driver::SeaOrm(stmt) => return sea_orm::ConnectionTrait::query_one_raw(db, stmt).await,
    };
    row.map_err(query_error)
}

/// Every row of `stmt`.
///
/// ```no_run
/// # async fn demo(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
/// use sea_orm::{DbBackend, Statement};
/// let stmt = Statement::from_string(DbBackend::Sqlite, "SELECT 1 AS n UNION ALL SELECT 2");
/// assert_eq!(tandem::db::query_all(&db, stmt).await?.len(), 2);
/// # Ok(()) }
/// ```
pub async fn query_all(db: &DatabaseConnection, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
    let rows = match Driver::of(db, stmt) {
        Driver::Sqlite(pool, sql, values) => {
            sqlx::query_with(sql, values).fetch_all(pool).await.map(|rows| rows.into_iter().map(Into::into).collect())
        }
        Driver::Postgres(pool, sql, values) => {
            sqlx::query_with(sql, values).fetch_all(pool).await.map(|rows| rows.into_iter().map(Into::into).collect())
        }
        Driver::SeaOrm(stmt) => return sea_orm::ConnectionTrait::query_all_raw(db, stmt).await,
    };
    rows.map_err(query_error)
}

/// Where a statement runs: on a sqlx pool, its SQL and values bound for
/// sqlx, or through SeaORM.
enum Driver<'a> {
    Sqlite(&'a sqlx::SqlitePool, AssertSqlSafe<String>, SqlxValues),
    Postgres(&'a sqlx::PgPool, AssertSqlSafe<String>, SqlxValues),
    SeaOrm(Statement),
}

impl<'a> Driver<'a> {
    fn of(db: &'a DatabaseConnection, stmt: Statement) -> Self {
        match &db.inner {
            DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
                let (sql, values) = bound(stmt);
                Driver::Sqlite(db.get_sqlite_connection_pool(), sql, values)
            }
            DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
                let (sql, values) = bound(stmt);
                Driver::Postgres(db.get_postgres_connection_pool(), sql, values)
            }
            _ => Driver::SeaOrm(stmt),
        }
    }
}

/// `stmt`'s SQL and values, bound for sqlx.
pub(super) fn bound(stmt: Statement) -> (AssertSqlSafe<String>, SqlxValues) {
    (AssertSqlSafe(stmt.sql), SqlxValues(stmt.values.unwrap_or_else(|| sea_orm::Values(Vec::new()))))
}

/// A driver error, as SeaORM reports it.
pub(super) fn query_error(error: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(error)))
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, Value};

    use super::*;

    #[tokio::test]
    async fn statements_run_on_the_driver_with_their_values_bound() {
        use crate::testing::TestDatabase;
        let databases = [Some(TestDatabase::sqlite()), TestDatabase::postgres().await];
        for database in databases.into_iter().flatten() {
            let db = super::super::connect(&database.url).await.unwrap();
            let db = db.sea_orm().clone();
            let backend = db.get_database_backend();
            let placeholder = |n: usize| if backend == DbBackend::Postgres { format!("${n}") } else { "?".into() };
            let sql = format!(
                "SELECT CAST({} AS TEXT) AS name, CAST({} AS BIGINT) + 1 AS next, CAST({} AS TEXT) AS missing",
                placeholder(1),
                placeholder(2),
                placeholder(3)
            );
            let values = vec![Value::from("it's"), Value::from(41i64), Value::String(None)];
            let stmt = Statement::from_sql_and_values(backend, sql, values);
            let row = query_one(&db, stmt.clone()).await.unwrap().expect("one row");
            assert_eq!(row.try_get::<String>("", "name").unwrap(), "it's");
            assert_eq!(row.try_get::<i64>("", "next").unwrap(), 42);
            assert_eq!(row.try_get::<Option<String>>("", "missing").unwrap(), None);
            assert_eq!(query_all(&db, stmt).await.unwrap().len(), 1);

            let none = Statement::from_string(backend, "SELECT 1 AS n WHERE 1 = 0");
            assert!(query_one(&db, none.clone()).await.unwrap().is_none());
            assert!(query_all(&db, none).await.unwrap().is_empty());
            let broken = Statement::from_string(backend, "SELECT FROM nowhere at all");
            assert!(matches!(query_one(&db, broken).await, Err(DbErr::Query(RuntimeErr::SqlxError(_)))));
            let _ = db.close().await;
            database.drop_database().await;
        }
    }
}
