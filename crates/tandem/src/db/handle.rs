//! [`Db`]: the application's database, one handle for SeaORM code.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult, IsolationLevel,
    QueryResult, Statement, TransactionError, TransactionOptions, TransactionTrait,
};

use super::ready::Ready;
use super::sqlite::Sqlite;
use crate::context::AppContext;
use crate::http::ApiError;

/// The application's database: a SeaORM connection, and an extractor.
///
/// Statements run through `&db` take the fastest path Tandem has for the
/// database: on SQLite the embedded driver ([`crate::db::register`] says
/// which statements), on PostgreSQL sqlx without SeaORM's executor, each
/// query on a connection kept ready from the last one (no ping of it as it
/// goes back to the pool; `docs/deployment.md`). Transactions ([`TransactionTrait`]) and
/// migrations run on SeaORM's own connection, [`Db::sea_orm`].
///
/// ```no_run
/// use sea_orm::{EntityTrait, QueryOrder};
/// # use sea_orm::entity::prelude::*;
/// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// # #[sea_orm(table_name = "shop_product")]
/// # pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub name: String }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// # pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// async fn names(db: tandem::Db) -> Result<Vec<String>, sea_orm::DbErr> {
///     let products = Entity::find().order_by_asc(Column::Id).all(&db).await?;
///     Ok(products.into_iter().map(|p| p.name).collect())
/// }
/// ```
#[derive(Clone)]
pub struct Db {
    sea: DatabaseConnection,
    driver: Driver,
}

/// Where the statements SeaORM's executor does not run go.
#[derive(Clone)]
enum Driver {
    /// The embedded SQLite driver.
    Sqlite(Arc<Sqlite>),
    /// PostgreSQL's kept connections, for single queries.
    Postgres(Arc<Ready>),
    /// Neither (SQLite in memory, a mock): SeaORM's executor, or
    /// [`crate::db::query_all`]'s sqlx path.
    SeaOrm,
}

impl Db {
    pub(crate) fn new(sea: DatabaseConnection, sqlite: Option<Arc<Sqlite>>) -> Self {
        let driver = match (sqlite, &sea.inner) {
            (Some(sqlite), _) => Driver::Sqlite(sqlite),
            (None, sea_orm::DatabaseConnectionType::SqlxPostgresPoolConnection(_)) => {
                Driver::Postgres(Arc::new(Ready::new(sea.get_postgres_connection_pool().clone())))
            }
            (None, _) => Driver::SeaOrm,
        };
        Db { sea, driver }
    }

    fn sqlite(&self) -> Option<&Sqlite> {
        match &self.driver {
            Driver::Sqlite(sqlite) => Some(sqlite),
            _ => None,
        }
    }

    /// SeaORM's own connection (sqlx), for APIs that take a
    /// `DatabaseConnection`: migrations, streams, schema inspection.
    ///
    /// ```no_run
    /// # async fn demo(db: tandem::Db) -> Result<(), sea_orm::DbErr> {
    /// db.sea_orm().ping().await?;
    /// # Ok(()) }
    /// ```
    pub fn sea_orm(&self) -> &DatabaseConnection {
        &self.sea
    }

    /// Checks that the database answers.
    ///
    /// ```no_run
    /// # async fn demo(db: tandem::Db) {
    /// let ready = db.ping().await.is_ok();
    /// # }
    /// ```
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.sea.ping().await?;
        if let Some(sqlite) = self.sqlite() {
            sqlite.ping().await?;
        }
        Ok(())
    }

    /// Whether SQLite statements can run on the embedded driver.
    pub fn has_sqlite_driver(&self) -> bool {
        self.sqlite().is_some()
    }

    /// Closes SeaORM's pool and PostgreSQL's kept connections; the embedded
    /// driver's connections close when the last clone of this handle is
    /// dropped.
    pub async fn close(self) -> Result<(), DbErr> {
        if let Driver::Postgres(ready) = &self.driver {
            ready.close().await;
        }
        self.sea.close().await
    }
}

/// A handle on a connection opened elsewhere: none of its statements run
/// on the embedded SQLite driver; on PostgreSQL, single statements take
/// the kept connections as [`crate::db::connect`]'s do.
impl From<DatabaseConnection> for Db {
    fn from(sea: DatabaseConnection) -> Self {
        Db::new(sea, None)
    }
}

// SeaORM's connection traits are `async_trait`s (re-exported by its migration crate).
#[sea_orm_migration::async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.sea.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match &self.driver {
            Driver::Sqlite(sqlite) => super::rows::exec_result(sqlite.execute(&stmt.sql, values(&stmt)).await?),
            Driver::Postgres(ready) => ready.execute(stmt).await,
            Driver::SeaOrm => self.sea.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match self.sqlite() {
            Some(sqlite) => super::rows::exec_result(sqlite.execute_batch(sql).await?),
            None => self.sea.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.driver {
            Driver::Sqlite(sqlite) => {
                if let Some(rows) = sqlite.query(&stmt.sql, values(&stmt), true).await? {
                    return Ok(super::rows::query_results(rows.into_iter().take(1).collect())?.pop());
                }
                super::query_one(&self.sea, stmt).await
            }
            Driver::Postgres(ready) => ready.query_one(stmt).await,
            Driver::SeaOrm => super::query_one(&self.sea, stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.driver {
            Driver::Sqlite(sqlite) => {
                if let Some(rows) = sqlite.query(&stmt.sql, values(&stmt), false).await? {
                    return super::rows::query_results(rows);
                }
                super::query_all(&self.sea, stmt).await
            }
            Driver::Postgres(ready) => ready.query_all(stmt).await,
            Driver::SeaOrm => super::query_all(&self.sea, stmt).await,
        }
    }

    fn is_mock_connection(&self) -> bool {
        self.sea.is_mock_connection()
    }
}

fn values(stmt: &Statement) -> &[sea_orm::Value] {
    stmt.values.as_ref().map_or(&[], |values| &values.0)
}

#[sea_orm_migration::async_trait::async_trait]
impl TransactionTrait for Db {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.sea.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.sea.begin_with_config(isolation_level, access_mode).await
    }

    async fn begin_with_options(&self, options: TransactionOptions) -> Result<DatabaseTransaction, DbErr> {
        self.sea.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            )
                -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.sea.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            )
                -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.sea.transaction_with_config(callback, isolation_level, access_mode).await
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Db {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        AppContext::from_request_parts(parts, state).await.map(|ctx| ctx.db)
    }
}
