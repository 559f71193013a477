//! Users, login and permissions: Django's `django.contrib.auth` in Rust.
//!
//! * [`authenticate`] checks a username and password (an unknown user costs the
//!   same time as a wrong password: a dummy hash is verified); every hash runs
//!   on the process's few [hashing] threads;
//! * [`LoginGuard::authenticate`] does the same for a client, counting failed
//!   logins per username and per address (`[auth]`, [`AuthSettings`]): every
//!   login path goes through it;
//! * [`Auth::login`] cycles the session key (against fixation) and rotates the
//!   CSRF secret; [`Auth::logout`] deletes the session row;
//! * [`CurrentUser`], [`LoginRequired`] and [`PermissionRequired`] are the
//!   extractors a handler asks for, answering DRF's 403 bodies when refused;
//! * [`login_required`], [`permission_required`], [`staff_required`] and
//!   [`user_passes_test`] are [`Guard`]s, the same on pages, events and views;
//!   [`safe_next`] checks a `next` parameter.
//!
//! ```
//! use axum::Json;
//! use serde_json::{json, Value};
//! use tandem::auth::{CurrentUser, LoginRequired};
//!
//! async fn whoami(user: CurrentUser) -> Json<Value> {
//!     Json(json!({"authenticated": user.is_authenticated(), "username": user.username()}))
//! }
//!
//! async fn secret(LoginRequired(user): LoginRequired) -> String {
//!     format!("hello {}", user.username)
//! }
//! ```

mod guards;
pub mod hashing;
mod login;
pub mod migration;
pub mod models;
pub mod password;
mod permissions;
mod settings;
pub mod tokens;
pub mod validation;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use crate::db::Db;
use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};

pub use guards::{
    Guard, Refusal, login_required, login_url_with_next, permission_required, safe_next, staff_required,
    user_passes_test, user_passes_test_async,
};
pub use login::{INVALID_LOGIN, LoginError, LoginGuard};
pub use models::user::Model as User;
pub use permissions::{Permission, PermissionRequired, ensure_model_permissions, grant_permission, has_perm};
pub use settings::AuthSettings;

use crate::context::AppContext;
use crate::csrf::CsrfToken;
use crate::http::ApiError;
use crate::sessions::Session;

/// The session key holding the logged-in user's id (Django's `_auth_user_id`).
pub const SESSION_USER_ID: &str = "_auth_user_id";
const SESSION_USER_HASH: &str = "_auth_user_hash";

/// DRF's body when a login is needed (`NotAuthenticated`; 403 because session
/// authentication comes first, as in DRF's defaults).
pub const NOT_AUTHENTICATED: &str = "Authentication credentials were not provided.";
/// DRF's body when the user lacks a permission (`PermissionDenied`).
pub const PERMISSION_DENIED: &str = "You do not have permission to perform this action.";

/// Fields for a new user.
#[derive(Debug, Clone, Default)]
pub struct NewUser<'a> {
    /// Unique login name.
    pub username: &'a str,
    /// E-mail address (may be empty).
    pub email: &'a str,
    /// The raw password; `None` makes an unusable password.
    pub password: Option<&'a str>,
    /// Staff flag.
    pub is_staff: bool,
    /// Superuser flag.
    pub is_superuser: bool,
}

/// Creates a user with a hashed password (Django's `create_user` /
/// `create_superuser`).
pub async fn create_user(db: &Db, new: NewUser<'_>) -> Result<User, DbErr> {
    let hashed = hash_off_thread(new.password.map(str::to_string)).await?;
    models::user::ActiveModel {
        password: Set(hashed),
        username: Set(new.username.to_string()),
        email: Set(new.email.to_string()),
        first_name: Set(String::new()),
        last_name: Set(String::new()),
        is_staff: Set(new.is_staff),
        is_superuser: Set(new.is_superuser),
        is_active: Set(true),
        date_joined: Set(Utc::now()),
        last_login: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Replaces a user's password (Django's `set_password` + `save`); existing
/// sessions of that user stop being authenticated.
pub async fn set_password(db: &Db, user: &User, raw: &str) -> Result<User, DbErr> {
    let hashed = hash_off_thread(Some(raw.to_string())).await?;
    let mut active: models::user::ActiveModel = user.clone().into();
    active.password = Set(hashed);
    active.update(db).await
}

async fn hash_off_thread(raw: Option<String>) -> Result<String, DbErr> {
    hashing::run(move || match raw {
        Some(raw) => password::make_password(&raw),
        None => password::make_unusable_password(),
    })
    .await
    .map_err(|e| DbErr::Custom(e.to_string()))
}

/// Finds an active user by username and password. Unknown users, wrong
/// passwords and inactive users all give `None`, in the same time.
///
/// Failures are not counted: a request path checks logins with
/// [`LoginGuard::authenticate`] instead (the [`Auth`] extractor does).
/// Every hashing thread staying busy is an error here.
pub async fn authenticate(db: &Db, username: &str, raw_password: &str) -> Result<Option<User>, DbErr> {
    check_credentials(db, username, raw_password, hashing::configured_wait()).await.map_err(|error| match error {
        LoginError::Database(error) => error,
        other => DbErr::Custom(other.to_string()),
    })
}

/// [`authenticate`]'s check, telling a busy hasher apart.
async fn check_credentials(
    db: &Db,
    username: &str,
    raw_password: &str,
    wait: std::time::Duration,
) -> Result<Option<User>, LoginError> {
    let user = models::user::Entity::find().filter(models::user::Column::Username.eq(username)).one(db).await?;
    let raw = raw_password.to_string();
    let (user, ok) = hashing::run_waiting(wait, move || match user {
        Some(user) => {
            let ok = password::check_password(&raw, &user.password);
            (Some(user), ok)
        }
        None => {
            password::burn_equal_time(&raw);
            (None, false)
        }
    })
    .await?;
    match user.filter(|u| ok && u.is_active) {
        // A hash from Django's other hashers is replaced by Tandem's own,
        // now that the password is known (Django's upgrade on login).
        Some(user) if password::must_update(&user.password) => Ok(Some(set_password(db, &user, raw_password).await?)),
        found => Ok(found),
    }
}

/// A value tied to the password hash: a session stops being authenticated
/// when the password changes (Django's session auth hash).
fn session_hash(user: &User) -> String {
    let len = user.password.len();
    user.password[len.saturating_sub(24)..].to_string()
}

/// The user of the current request, or anonymous.
#[derive(Clone, Debug, Default)]
pub enum CurrentUser {
    /// No one is logged in.
    #[default]
    Anonymous,
    /// A logged-in, active user.
    User(Arc<User>),
}

impl CurrentUser {
    /// Whether someone is logged in.
    pub fn is_authenticated(&self) -> bool {
        matches!(self, CurrentUser::User(_))
    }

    /// The logged-in user.
    pub fn user(&self) -> Option<&User> {
        match self {
            CurrentUser::User(user) => Some(user),
            CurrentUser::Anonymous => None,
        }
    }

    /// The logged-in user's name.
    pub fn username(&self) -> Option<&str> {
        self.user().map(|u| u.username.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<CurrentUser>().cloned().unwrap_or_default())
    }
}

/// Extractor that only lets logged-in users through; anonymous requests get
/// 403 `{"detail": "Authentication credentials were not provided."}`.
#[derive(Clone, Debug)]
pub struct LoginRequired(pub Arc<User>);

impl<S: Send + Sync> FromRequestParts<S> for LoginRequired {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(CurrentUser::User(user)) => Ok(LoginRequired(user)),
            _ => Err(ApiError::new(StatusCode::FORBIDDEN, NOT_AUTHENTICATED)),
        }
    }
}

/// The user a session is logged in as: its `_auth_user_id`, if that user is
/// still active and the password has not changed since the login.
pub async fn user_of_session(db: &Db, session: &Session) -> Result<CurrentUser, DbErr> {
    let Some(id) = session.get::<String>(SESSION_USER_ID).and_then(|id| id.parse::<i64>().ok()) else {
        return Ok(CurrentUser::Anonymous);
    };
    Ok(match models::user::Entity::find_by_id(id).one(db).await? {
        Some(user)
            if user.is_active && session.get::<String>(SESSION_USER_HASH).as_deref() == Some(&session_hash(&user)) =>
        {
            CurrentUser::User(Arc::new(user))
        }
        _ => CurrentUser::Anonymous,
    })
}

/// Middleware form of [`with_user`].
pub async fn auth_middleware(request: Request, next: Next) -> Response {
    with_user(request, |request| next.run(request)).await
}

/// Turns the session's `_auth_user_id` into a [`CurrentUser`] extension,
/// then runs `inner`. Runs inside [`with_session`](crate::sessions::with_session).
///
/// ```
/// use axum::extract::Request;
/// use axum::response::{IntoResponse, Response};
/// use tandem::auth::{CurrentUser, with_user};
/// use tandem::sessions::with_session;
///
/// async fn view(request: Request) -> Response {
///     let anonymous = request.extensions().get::<CurrentUser>().is_none_or(|u| !u.is_authenticated());
///     format!("anonymous: {anonymous}").into_response()
/// }
///
/// async fn handle(request: Request) -> Response {
///     with_session(request, |request| with_user(request, view)).await
/// }
/// ```
pub async fn with_user<F, Fut>(mut request: Request, inner: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let current = {
        let extensions = request.extensions();
        let (Some(ctx), Some(session)) = (extensions.get::<AppContext>(), extensions.get::<Session>()) else {
            return inner(request).await;
        };
        let (db, session) = (ctx.db.clone(), session.clone());
        match user_of_session(&db, &session).await {
            Ok(current) => current,
            Err(error) => return ApiError::internal(error).into_response(),
        }
    };
    request.extensions_mut().insert(current);
    inner(request).await
}

/// Everything login and logout touch: the database, the session, the CSRF
/// secret, the application's [`LoginGuard`] and the client's address. An
/// extractor.
///
/// ```
/// use axum::Json;
/// use axum::response::{IntoResponse, Response};
/// use serde_json::{json, Value};
/// use tandem::auth::Auth;
/// use tandem::http::ApiError;
///
/// async fn login(auth: Auth, Json(body): Json<Value>) -> Result<Json<Value>, Response> {
///     let username = body["username"].as_str().unwrap_or_default();
///     let password = body["password"].as_str().unwrap_or_default();
///     // 400 for wrong credentials, 429 with Retry-After when throttled.
///     let user = auth.authenticate(username, password).await.map_err(IntoResponse::into_response)?;
///     auth.login(&user).await.map_err(|e| ApiError::from(e).into_response())?;
///     Ok(Json(json!({"username": user.username})))
/// }
/// ```
pub struct Auth {
    db: Db,
    session: Session,
    csrf: CsrfToken,
    user: CurrentUser,
    guard: Arc<LoginGuard>,
    client: Option<IpAddr>,
}

impl Auth {
    /// Checks a login from this request's client through the application's
    /// [`LoginGuard`]: failures are counted per username and per address, and
    /// attempts past the limits are refused without checking the password.
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<User, LoginError> {
        self.guard.authenticate(&self.db, username, password, self.client).await
    }

    /// Logs `user` in: a new session key (any planted or pre-login key dies),
    /// a new CSRF secret, and `last_login` updated.
    pub async fn login(&self, user: &User) -> Result<(), DbErr> {
        let previous = self.session.get::<String>(SESSION_USER_ID);
        if previous.is_some_and(|id| id != user.id.to_string()) {
            // Another user's session: start from nothing, as Django does.
            self.session.flush();
        }
        self.session.cycle_key();
        self.session.insert(SESSION_USER_ID, user.id.to_string());
        self.session.insert(SESSION_USER_HASH, session_hash(user));
        self.csrf.rotate();
        let mut active: models::user::ActiveModel = user.clone().into();
        active.last_login = Set(Some(Utc::now()));
        active.update(&self.db).await?;
        Ok(())
    }

    /// Logs out: the session row is deleted and the cookie cleared.
    pub fn logout(&self) {
        self.session.flush();
    }

    /// The user the request arrived with.
    pub fn user(&self) -> &CurrentUser {
        &self.user
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = AppContext::from_request_parts(parts, state).await?;
        let session = Session::from_request_parts(parts, state).await?;
        let csrf = CsrfToken::from_request_parts(parts, state).await?;
        let user = CurrentUser::from_request_parts(parts, state).await.unwrap_or_default();
        let client = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        Ok(Auth { db: ctx.db, session, csrf, user, guard: ctx.login, client })
    }
}
