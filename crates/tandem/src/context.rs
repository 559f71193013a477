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

use std::sync::Arc;

use crate::config::Settings;
pub use crate::db::Db;
use crate::http::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// Shared by every request of one application, carried in request extensions.
#[derive(Clone)]
pub struct AppContext {
    /// The application's database.
    pub db: Db,
    /// The resolved settings.
    pub settings: Arc<Settings>,
    /// Request counts for rate throttling: the REST layer's and failed logins.
    pub throttles: Arc<crate::throttle::ThrottleStore>,
    /// Failed-login counting for every login path (`[auth]`); the UI's login
    /// event calls [`LoginGuard::authenticate`](crate::auth::LoginGuard::authenticate)
    /// with the client's address.
    pub login: Arc<crate::auth::LoginGuard>,
    /// "Data under this topic changed" (Django's `post_save`): the REST
    /// viewsets send, the UI's live pages receive.
    pub signals: crate::signals::Signals,
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
    /// Sends email through `[mail]`'s backend (Django's `send_mail`):
    ///
    /// ```
    /// async fn welcome(ctx: &tandem::AppContext, to: &str) -> Result<(), tandem::mail::MailError> {
    ///     ctx.mail.send_mail("Welcome", "Your account is ready.", &[to]).await
    /// }
    /// ```
    pub mail: crate::mail::Mailer,
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
