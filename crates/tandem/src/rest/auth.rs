//! REST authentication, DRF's `authentication_classes`: the session (with
//! CSRF enforced for session-authenticated users only), HTTP Basic and tokens
//! (`Authorization: Token <key>`, DRF's `authtoken`).
//!
//! Schemes are tried in order; the first that recognises its credentials
//! decides. Credentials that are present but wrong fail the request, with 401
//! and a `WWW-Authenticate` challenge when the first scheme has one (Basic,
//! Token), else 403. Basic credentials are checked through the application's
//! [`LoginGuard`]: after too many failures for the username or from the
//! client's address, 429 with `Retry-After`, even with the right password.
//!
//! ```
//! use tandem::rest::Authentication;
//! let schemes: Vec<Authentication> = serde_json::from_str(r#"["token", "session"]"#).unwrap();
//! assert_eq!(schemes[0].challenge(), Some("Token"));
//! assert_eq!(Authentication::Session.challenge(), None);
//! ```

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use sea_orm::EntityTrait;
use serde::Deserialize;

use super::error::RestError;
use super::request::RestRequest;
use crate::auth::models::user;
use crate::auth::{CurrentUser, LoginError, LoginGuard};
use crate::http::ApiError;

/// One authentication scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authentication {
    /// The `sessionid` cookie of a logged-in user; unsafe methods need a CSRF token.
    Session,
    /// `Authorization: Basic base64(username:password)`.
    Basic,
    /// `Authorization: Token <key>`, keys from the `createtoken` command.
    Token,
}

impl Authentication {
    /// The `WWW-Authenticate` value this scheme answers 401s with, if any.
    pub fn challenge(&self) -> Option<&'static str> {
        match self {
            Authentication::Session => None,
            Authentication::Basic => Some("Basic realm=\"api\""),
            Authentication::Token => Some("Token"),
        }
    }
}

/// Who made a request, and through which scheme.
#[derive(Debug, Clone, Default)]
pub struct Authenticated {
    /// The user, or anonymous.
    pub user: CurrentUser,
    /// The scheme that recognised the user; `None` for anonymous requests.
    pub scheme: Option<Authentication>,
}

/// An authentication failure (DRF's `AuthenticationFailed` / `NotAuthenticated`),
/// answered 401 with a challenge when the first scheme has one, else 403.
pub fn unauthenticated(schemes: &[Authentication], detail: &str) -> ApiError {
    match schemes.first().and_then(Authentication::challenge) {
        Some(_) => ApiError::new(StatusCode::UNAUTHORIZED, detail),
        None => ApiError::new(StatusCode::FORBIDDEN, detail),
    }
}

/// Runs `schemes` in order over `request`, from a client at `client`;
/// passwords are checked through `login` (the application's guard).
pub async fn authenticate(
    schemes: &[Authentication],
    request: &RestRequest,
    login: Option<&LoginGuard>,
    client: Option<IpAddr>,
) -> Result<Authenticated, RestError> {
    for scheme in schemes {
        let user = match scheme {
            Authentication::Session => session(request)?,
            Authentication::Basic => basic(schemes, request, login, client).await?,
            Authentication::Token => token(schemes, request).await?,
        };
        if let Some(user) = user {
            return Ok(Authenticated { user: CurrentUser::User(user), scheme: Some(*scheme) });
        }
    }
    Ok(Authenticated::default())
}

fn session(request: &RestRequest) -> Result<Option<Arc<user::Model>>, ApiError> {
    let CurrentUser::User(user) = &request.session_user else { return Ok(None) };
    if !request.is_safe() {
        let form_token = request.form_csrf_token();
        crate::csrf::verify(&request.headers, &request.settings, form_token.as_deref()).map_err(|reject| {
            tracing::warn!(target: "tandem::csrf", "Forbidden ({}): {}", reject.reason(), request.uri.path());
            ApiError::new(StatusCode::FORBIDDEN, format!("CSRF Failed: {}", reject.reason()))
        })?;
    }
    Ok(Some(user.clone()))
}

/// The credentials after `Authorization: <keyword> `, if that is the scheme used.
fn credentials<'a>(headers: &'a HeaderMap, keyword: &str) -> Option<Vec<&'a str>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let mut parts = value.split_whitespace();
    let first = parts.next()?;
    first.eq_ignore_ascii_case(keyword).then(|| parts.collect())
}

async fn basic(
    schemes: &[Authentication],
    request: &RestRequest,
    login: Option<&LoginGuard>,
    client: Option<IpAddr>,
) -> Result<Option<Arc<user::Model>>, RestError> {
    let Some(parts) = credentials(&request.headers, "basic") else { return Ok(None) };
    let fail = |detail: &str| RestError::from(unauthenticated(schemes, detail));
    let encoded = match parts.as_slice() {
        [] => return Err(fail("Invalid basic header. No credentials provided.")),
        [one] => *one,
        _ => return Err(fail("Invalid basic header. Credentials string should not contain spaces.")),
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| fail("Invalid basic header. Credentials not correctly base64 encoded."))?;
    let (username, password) = decoded
        .split_once(':')
        .ok_or_else(|| fail("Invalid basic header. Credentials not correctly base64 encoded."))?;
    let guard = login.ok_or_else(|| ApiError::internal("the application's login guard is missing"))?;
    match guard.authenticate(&request.db, username, password, client).await {
        Ok(user) => Ok(Some(Arc::new(user))),
        Err(LoginError::Invalid) => Err(fail("Invalid username/password.")),
        Err(LoginError::Throttled(wait) | LoginError::Busy(wait)) => Err(RestError::Throttled(wait)),
        Err(LoginError::Database(error)) => Err(ApiError::internal(error).into()),
    }
}

async fn token(schemes: &[Authentication], request: &RestRequest) -> Result<Option<Arc<user::Model>>, ApiError> {
    let Some(parts) = credentials(&request.headers, "token") else { return Ok(None) };
    let fail = |detail: &str| unauthenticated(schemes, detail);
    let key = match parts.as_slice() {
        [] => return Err(fail("Invalid token header. No credentials provided.")),
        [one] => *one,
        _ => return Err(fail("Invalid token header. Token string should not contain spaces.")),
    };
    let Some(row) = super::token::model::Entity::find_by_id(key.to_string()).one(&request.db).await? else {
        return Err(fail("Invalid token."));
    };
    match user::Entity::find_by_id(row.user_id).one(&request.db).await? {
        Some(user) if user.is_active => Ok(Some(Arc::new(user))),
        _ => Err(fail("User inactive or deleted.")),
    }
}
