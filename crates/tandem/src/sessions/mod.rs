//! Database sessions with Django's cookie semantics.
//!
//! The `sessionid` cookie carries only a random key (32 × `[a-z0-9]`); the data
//! lives in the `tandem_session` table of the application's database. The
//! cookie is `HttpOnly; SameSite=Lax; Path=/; Max-Age=1209600` (plus `Secure`
//! over HTTPS) and is sent only when the session changed or got its key.
//! Unknown, expired or forged keys are simply an empty, anonymous session.
//!
//! A session gets a row only when something is stored in it, as Django's
//! do: a page that needs a key for a visitor ([`Session::ensure_key`]) mints
//! one the application recognises by its MAC ([`store::mint_key`]), so
//! anonymous page loads write nothing. Rows of sessions without a user
//! expire after `[sessions] anonymous_age_seconds` (a day), those with one
//! after `age_seconds` (two weeks); expired rows are swept every
//! `sweep_seconds` by the running server.
//!
//! Handlers reach the session through the [`Session`] extractor:
//!
//! ```
//! use tandem::sessions::Session;
//!
//! async fn count_visits(session: Session) -> String {
//!     let visits = session.get::<u64>("visits").unwrap_or(0) + 1;
//!     session.insert("visits", visits);
//!     format!("{visits} visits")
//! }
//! ```

pub mod migration;
pub mod model;
mod settings;
pub mod store;

pub use settings::SessionSettings;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::context::AppContext;
use crate::http::ApiError;
use crate::http::cookies::{CookieSpec, request_cookie, set_cookie};

/// Django's `SESSION_COOKIE_NAME`.
pub const SESSION_COOKIE: &str = "sessionid";

#[derive(Default)]
struct State {
    /// The key the data is stored under; `None` until first saved or after a
    /// cycle/flush.
    key: Option<String>,
    data: Map<String, Value>,
    modified: bool,
    /// The key was minted during this request: its cookie must be sent.
    minted: bool,
    /// Keys whose rows must go when the response is sent (cycled or flushed).
    retired: Vec<String>,
}

/// The current request's session: a cheap handle, shared by every extractor
/// of one request.
#[derive(Clone, Default)]
pub struct Session(Arc<Mutex<State>>);

impl Session {
    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value under `key`, if present and of type `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let state = self.state();
        state.data.get(key).and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    /// Stores `value` under `key`.
    pub fn insert(&self, key: &str, value: impl Serialize) {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        let mut state = self.state();
        state.data.insert(key.to_string(), value);
        state.modified = true;
    }

    /// Removes `key`, returning its value.
    pub fn remove(&self, key: &str) -> Option<Value> {
        let mut state = self.state();
        let old = state.data.remove(key);
        if old.is_some() {
            state.modified = true;
        }
        old
    }

    /// Keeps the data under a new key and retires the old one (Django's
    /// `cycle_key`, done at login against session fixation).
    pub fn cycle_key(&self) {
        let mut state = self.state();
        if let Some(old) = state.key.take() {
            state.retired.push(old);
        }
        state.modified = true;
    }

    /// Deletes the data and the stored session (Django's `flush`, done at logout).
    pub fn flush(&self) {
        let mut state = self.state();
        if let Some(old) = state.key.take() {
            state.retired.push(old);
        }
        state.data.clear();
        state.modified = true;
    }

    /// The session's key, minted now (with `secret`, the application's
    /// `SECRET_KEY`) if the session has none yet; its cookie is then sent
    /// with the response, but nothing is stored until the session holds
    /// data. Pages use it to bind a tab's token to the session before the
    /// first paint.
    pub fn ensure_key(&self, secret: &str) -> String {
        let mut state = self.state();
        if let Some(key) = &state.key {
            return key.clone();
        }
        let key = store::mint_key(secret);
        state.key = Some(key.clone());
        state.minted = true;
        key
    }

    /// A session loaded by key outside a request (the UI's WebSocket), or
    /// `None` when no such session is stored.
    pub async fn load(db: &crate::db::Db, key: &str) -> Result<Option<Self>, sea_orm::DbErr> {
        if !store::is_well_formed_key(key) {
            return Ok(None);
        }
        Ok(store::load(db, key).await?.map(|data| Self::with_key(key, data)))
    }

    /// The session of `key` outside a request: the stored one, an empty one
    /// when `key` was minted with `secret` but holds nothing yet, or `None`
    /// for a key this application did not issue (or whose row expired and
    /// was not minted).
    pub async fn open(db: &crate::db::Db, secret: &str, key: &str) -> Result<Option<Self>, sea_orm::DbErr> {
        match Self::load(db, key).await? {
            Some(session) => Ok(Some(session)),
            None if store::is_minted_key(secret, key) => Ok(Some(Self::with_key(key, Map::new()))),
            None => Ok(None),
        }
    }

    /// An empty session under `key` (a minted key that holds nothing yet).
    pub(crate) fn keyed(key: &str) -> Self {
        Self::with_key(key, Map::new())
    }

    fn with_key(key: &str, data: Map<String, Value>) -> Self {
        Session(Arc::new(Mutex::new(State { key: Some(key.to_string()), data, ..State::default() })))
    }

    /// The data, if it changed since the session was loaded (for saving a
    /// session outside the HTTP middleware).
    pub(crate) fn changed_data(&self) -> Option<Map<String, Value>> {
        let state = self.state();
        state.modified.then(|| state.data.clone())
    }

    /// The session key, once the session is stored.
    pub fn key(&self) -> Option<String> {
        self.state().key.clone()
    }

    /// Whether the session holds no data.
    pub fn is_empty(&self) -> bool {
        self.state().data.is_empty()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| ApiError::internal("sessions are not enabled on this route"))
    }
}

/// Middleware form of [`with_session`].
pub async fn session_middleware(request: Request, next: Next) -> Response {
    with_session(request, |request| next.run(request)).await
}

/// Loads the session of the request's cookie before `inner` and saves it
/// after, setting or deleting the cookie only when the session changed. The
/// backend's pipeline calls it directly; [`session_middleware`] is the same
/// as an axum layer.
///
/// ```
/// use axum::extract::Request;
/// use axum::response::{IntoResponse, Response};
/// use tandem::sessions::{Session, with_session};
///
/// async fn view(request: Request) -> Response {
///     let visits = request.extensions().get::<Session>().map(|s| s.get::<u64>("visits").unwrap_or(0));
///     format!("{visits:?}").into_response()
/// }
///
/// async fn handle(request: Request) -> Response {
///     with_session(request, view).await
/// }
/// ```
pub async fn with_session<F, Fut>(mut request: Request, inner: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let Some(ctx) = request.extensions().get::<AppContext>().cloned() else {
        return ApiError::internal("the application context is missing").into_response();
    };
    let secure = crate::http::is_secure(request.headers(), &ctx.settings);
    let secret = ctx.settings.secret_key.as_str();
    let cookie = request_cookie(request.headers(), SESSION_COOKIE);
    let session = match cookie.as_deref() {
        Some(key) => match Session::open(&ctx.db, secret, key).await {
            Ok(found) => found.unwrap_or_default(),
            Err(error) => return ApiError::internal(error).into_response(),
        },
        None => Session::default(),
    };
    request.extensions_mut().insert(session.clone());
    let mut response = inner(request).await;

    let ages = ctx.settings.sessions;
    let (retired, save) = {
        let mut state = session.state();
        if !state.modified && !state.minted {
            return response;
        }
        let save = match (&state.key, state.data.is_empty(), state.modified) {
            // A minted key whose session holds nothing: only its cookie
            // (also the new key a logout's ticket minted for the tab).
            (Some(key), true, _) if state.minted => Some((key.clone(), None)),
            (_, true, _) => None,
            (_, false, _) => {
                let key = match &state.key {
                    Some(key) => key.clone(),
                    None => store::mint_key(secret),
                };
                state.key = Some(key.clone());
                Some((key, Some(state.data.clone())))
            }
        };
        (std::mem::take(&mut state.retired), save)
    };
    if let Err(error) = store::delete(&ctx.db, &retired).await {
        return ApiError::internal(error).into_response();
    }
    for key in &retired {
        ctx.signals.session_ended(key);
    }
    match save {
        Some((key, data)) => {
            if let Some(data) = data
                && let Err(error) = store::save(&ctx.db, &key, &data, ages.age_of(&data)).await
            {
                return ApiError::internal(error).into_response();
            }
            let spec = CookieSpec {
                name: SESSION_COOKIE,
                value: &key,
                max_age: store::SESSION_AGE_SECONDS,
                http_only: true,
                secure,
            };
            set_cookie(response.headers_mut(), spec);
        }
        None if cookie.is_some() => {
            let spec = CookieSpec { name: SESSION_COOKIE, value: "", max_age: 0, http_only: true, secure };
            set_cookie(response.headers_mut(), spec);
        }
        None => {}
    }
    response
}
