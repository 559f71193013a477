//! Login, logout, "who am I" and the CSRF token hand-out.

use serde::Deserialize;
use tandem::axum::Json;
use tandem::axum::body::Bytes;
use tandem::axum::response::{IntoResponse, Response};
use tandem::prelude::*;
use tandem::serde_json::{Value, json};

/// The login form.
#[derive(Deserialize)]
pub struct Credentials {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /api/auth/login/` with `{"username", "password"}` (CSRF required):
/// 200 `{"username"}` and a new session; 400 on bad credentials; 429 with
/// `Retry-After` after too many failures for the username or from the address.
pub async fn login(auth: Auth, body: Bytes) -> Result<Json<Value>, Response> {
    let credentials: Credentials = tandem::serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("JSON parse error - {e}")).into_response())?;
    let user =
        auth.authenticate(&credentials.username, &credentials.password).await.map_err(IntoResponse::into_response)?;
    auth.login(&user).await.map_err(|e| ApiError::from(e).into_response())?;
    Ok(Json(json!({ "username": user.username })))
}

/// `POST /api/auth/logout/` (CSRF required): deletes the session.
pub async fn logout(auth: Auth) -> Json<Value> {
    auth.logout();
    Json(json!({ "ok": true }))
}

/// `GET /api/whoami/`: who the session cookie belongs to.
pub async fn whoami(user: CurrentUser) -> Json<Value> {
    Json(json!({ "authenticated": user.is_authenticated(), "username": user.username() }))
}

/// `GET /api/csrf/`: a masked token for the `X-CSRFToken` header, and the
/// `csrftoken` cookie it goes with.
pub async fn csrf(token: CsrfToken) -> Json<Value> {
    Json(json!({ "csrfToken": token.masked() }))
}

/// The OpenAPI operations of this module's views, by name.
pub mod openapi {
    use tandem::rest::openapi::{detail_schema, operation};
    use tandem::serde_json::{Value, json};

    /// [`super::login`].
    pub fn login() -> Value {
        let credentials = json!({"type": "object", "required": ["username", "password"],
            "properties": {"username": {"type": "string"}, "password": {"type": "string"}}});
        let user = json!({"type": "object", "required": ["username"], "properties": {"username": {"type": "string"}}});
        operation(
            "Log in (needs the CSRF cookie and X-CSRFToken).",
            &[],
            Some(credentials),
            &[
                ("200", "Logged in; a new session.", user),
                ("400", "Wrong credentials.", detail_schema()),
                ("403", "CSRF check failed.", detail_schema()),
                (
                    "429",
                    "Too many failed logins for the username or from the address; see Retry-After.",
                    detail_schema(),
                ),
            ],
        )
    }

    /// [`super::logout`].
    pub fn logout() -> Value {
        operation(
            "Log out (needs the CSRF token).",
            &[],
            None,
            &[("200", "Logged out.", json!({"type": "object"})), ("403", "CSRF check failed.", detail_schema())],
        )
    }

    /// [`super::whoami`].
    pub fn whoami() -> Value {
        let body = json!({"type": "object", "required": ["authenticated", "username"],
            "properties": {"authenticated": {"type": "boolean"}, "username": {"type": ["string", "null"]}}});
        operation("The current user.", &[], None, &[("200", "Who is logged in.", body)])
    }

    /// [`super::csrf`].
    pub fn csrf() -> Value {
        let body = json!({"type": "object", "required": ["csrfToken"], "properties": {"csrfToken": {"type": "string", "minLength": 64, "maxLength": 64}}});
        operation("A masked CSRF token; sets the csrftoken cookie.", &[], None, &[("200", "The token.", body)])
    }
}
