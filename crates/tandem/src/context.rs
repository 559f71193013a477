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
    /// The REST layer's request counts for rate throttling.
    pub throttles: Arc<crate::rest::throttle::ThrottleStore>,
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
/// [`DatabaseConnection`].
#[derive(Clone)]
pub struct Db(pub DatabaseConnection);

impl Deref for Db {
    type Target = DatabaseConnection;
    fn deref(&self) -> &DatabaseConnection {
        &self.0
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
