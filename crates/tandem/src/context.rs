//! What every request can reach: the database pool and the settings.
//!
//! ```
//! use axum::Json;
//! use sea_orm::ConnectionTrait;
//! use tandem::context::Db;
//!
//! async fn backend_name(db: Db) -> Json<String> {
//!     Json(format!("{:?}", db.get_database_backend()))
//! }
//! ```

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::http::ApiError;

/// Shared by every request of one application, carried in request extensions.
#[derive(Clone)]
pub struct AppContext {
    /// The application's one database pool.
    pub db: DatabaseConnection,
    /// The resolved settings.
    pub settings: Arc<Settings>,
    /// Request counts for rate throttling: the REST layer's and failed logins.
    pub throttles: Arc<crate::rest::throttle::ThrottleStore>,
    /// Failed-login counting for every login path (`[auth]`); the UI's login
    /// event calls [`LoginGuard::authenticate`](crate::auth::LoginGuard::authenticate)
    /// with the client's address.
    pub login: Arc<crate::auth::LoginGuard>,
    /// The reactive UI's pages and tabs.
    pub ui: Arc<crate::ui::Engine>,
    /// The Redis that tabs and throttle counts are shared through, when
    /// `[ui] redis_url` / `REDIS_URL` is set; for readiness checks:
    ///
    /// ```
    /// async fn redis_ready(ctx: &tandem::AppContext) -> bool {
    ///     match &ctx.redis {
    ///         Some(redis) => redis.ping().await.is_ok(),
    ///         None => true,
    ///     }
    /// }
    /// ```
    pub redis: Option<crate::redis::Redis>,
}

/// Extractor for the application's database pool; derefs to a SeaORM
/// [`DatabaseConnection`], and is a connection itself: queries run through
/// `&db` go straight to the pool's driver ([`crate::db::query_all`]).
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
pub struct Db(pub DatabaseConnection);

impl Deref for Db {
    type Target = DatabaseConnection;
    fn deref(&self) -> &DatabaseConnection {
        &self.0
    }
}

// SeaORM's connection trait is an `async_trait` (re-exported by its migration crate).
#[sea_orm_migration::async_trait::async_trait]
impl sea_orm::ConnectionTrait for Db {
    fn get_database_backend(&self) -> sea_orm::DbBackend {
        self.0.get_database_backend()
    }

    async fn execute_raw(&self, stmt: sea_orm::Statement) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        self.0.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        self.0.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: sea_orm::Statement) -> Result<Option<sea_orm::QueryResult>, sea_orm::DbErr> {
        crate::db::query_one(&self.0, stmt).await
    }

    async fn query_all_raw(&self, stmt: sea_orm::Statement) -> Result<Vec<sea_orm::QueryResult>, sea_orm::DbErr> {
        crate::db::query_all(&self.0, stmt).await
    }

    fn is_mock_connection(&self) -> bool {
        self.0.is_mock_connection()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Db {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<AppContext>()
            .map(|ctx| Db(ctx.db.clone()))
            .ok_or_else(|| ApiError::internal("the application context is missing from the request"))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AppContext {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<AppContext>()
            .cloned()
            .ok_or_else(|| ApiError::internal("the application context is missing from the request"))
    }
}
