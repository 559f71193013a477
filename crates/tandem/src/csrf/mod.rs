//! Django-compatible CSRF protection as a middleware of the backend.
//!
//! The secret lives in the `csrftoken` cookie (32 × `[A-Za-z0-9]`, readable
//! by scripts, `SameSite=Lax`, one year); an unsafe request (anything but GET,
//! HEAD, OPTIONS, TRACE) must also carry a token, in the `X-CSRFToken` header
//! or the `csrfmiddlewaretoken` form field, that is the secret itself or a
//! masked copy of it. Before the token, the `Origin` header (or, over HTTPS
//! without Origin, the `Referer`) must name the request's own origin or a
//! trusted one. The order of checks and the failure reasons are Django's.
//!
//! Routes marked [`csrf_exempt`](crate::urls::UrlPattern::csrf_exempt) skip the
//! checks (webhooks); [`CsrfToken`] hands out masked tokens and sets the cookie:
//!
//! ```
//! use axum::Json;
//! use serde_json::{json, Value};
//! use tandem::csrf::CsrfToken;
//!
//! async fn csrf(token: CsrfToken) -> Json<Value> {
//!     Json(json!({"csrfToken": token.masked()}))
//! }
//! ```

pub mod origin;
pub mod token;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::Settings;
use crate::context::AppContext;
use crate::http::ApiError;
use crate::http::cookies::{CookieSpec, request_cookie, set_cookie};
use crate::urls::ResolvedRoute;
use token::Reject;

/// Django's `CSRF_COOKIE_NAME`.
pub const CSRF_COOKIE: &str = "csrftoken";
/// Django's `CSRF_COOKIE_AGE`: one year, in seconds.
pub const CSRF_COOKIE_AGE: i64 = 31_449_600;
/// The header Django's `CSRF_HEADER_NAME` (`HTTP_X_CSRFTOKEN`) reads.
pub const CSRF_HEADER: &str = "x-csrftoken";
/// The form field of HTML forms.
pub const CSRF_FORM_FIELD: &str = "csrfmiddlewaretoken";

#[derive(Default)]
struct State {
    secret: Option<String>,
    send_cookie: bool,
}

/// The request's CSRF secret: hands out masked tokens and rotates the secret.
/// An extractor; the cookie is set on the response whenever a token was
/// handed out or the secret rotated.
#[derive(Clone, Default)]
pub struct CsrfToken(Arc<Mutex<State>>);

impl CsrfToken {
    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A freshly masked token for the current secret (creating the secret if
    /// there is none); Django's `get_token`.
    pub fn masked(&self) -> String {
        let mut state = self.state();
        let secret = state.secret.get_or_insert_with(token::new_secret).clone();
        state.send_cookie = true;
        token::mask_secret(&secret)
    }

    fn write_cookie(&self, response: &mut Response, secure: bool) {
        let state = self.state();
        if let (true, Some(secret)) = (state.send_cookie, state.secret.as_deref()) {
            let spec =
                CookieSpec { name: CSRF_COOKIE, value: secret, max_age: CSRF_COOKIE_AGE, http_only: false, secure };
            set_cookie(response.headers_mut(), spec);
        }
    }

    /// Replaces the secret (done at login); Django's `rotate_token`.
    pub fn rotate(&self) {
        let mut state = self.state();
        state.secret = Some(token::new_secret());
        state.send_cookie = true;
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .ok_or_else(|| ApiError::internal("CSRF protection is not enabled on this route"))
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// Middleware form of [`with_csrf`].
pub async fn csrf_middleware(request: Request, next: Next) -> Response {
    with_csrf(request, |request| next.run(request)).await
}

/// Checks an unsafe request to a non-exempt route before `inner` (403
/// without running it), then sets the `csrftoken` cookie if the view handed
/// out a token or rotated the secret.
///
/// ```
/// use axum::extract::Request;
/// use axum::response::{IntoResponse, Response};
/// use tandem::csrf::with_csrf;
///
/// async fn view(_request: Request) -> Response {
///     "checked".into_response()
/// }
///
/// async fn handle(request: Request) -> Response {
///     with_csrf(request, view).await
/// }
/// ```
pub async fn with_csrf<F, Fut>(request: Request, inner: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let Some(ctx) = request.extensions().get::<AppContext>().cloned() else {
        return ApiError::internal("the application context is missing").into_response();
    };
    let cookie = request_cookie(request.headers(), CSRF_COOKIE);
    // A malformed cookie is replaced by a fresh secret, as Django does.
    let state = match cookie.as_deref().map(token::cookie_secret) {
        Some(Ok(secret)) => State { secret: Some(secret), send_cookie: false },
        Some(Err(_)) => State { secret: Some(token::new_secret()), send_cookie: true },
        None => State::default(),
    };
    let handle = CsrfToken(Arc::new(Mutex::new(state)));
    let exempt = request.extensions().get::<ResolvedRoute>().is_some_and(|r| r.csrf_exempt);

    let secure = crate::http::is_secure(request.headers(), &ctx.settings);
    let mut request = request;
    if !exempt && !is_safe(request.method()) {
        let form_token;
        (request, form_token) = match form_token_of(request, ctx.settings.backend.max_body_bytes).await {
            Ok(read) => read,
            Err(response) => return response,
        };
        if let Err(reject) = verify(request.headers(), &ctx.settings, form_token.as_deref()) {
            return rejection(&reject, request.uri().path(), &ctx, &handle, secure);
        }
    }
    request.extensions_mut().insert(handle.clone());
    let mut response = inner(request).await;
    handle.write_cookie(&mut response, secure);
    response
}

/// Django's `CsrfViewMiddleware` checks for an unsafe request, in its order:
/// `Origin`, `Referer` (HTTPS only), the cookie, then the token — the
/// `csrfmiddlewaretoken` form field if the caller found one, else the
/// `X-CSRFToken` header. The REST layer calls this for session-authenticated
/// requests, as DRF's `SessionAuthentication` does.
pub fn verify(headers: &HeaderMap, settings: &Settings, form_token: Option<&str>) -> Result<(), Reject> {
    let (scheme, host) = crate::http::scheme_and_host(headers, settings);
    let trusted = &settings.backend.trusted_origins;
    let text = |v: &axum::http::HeaderValue| String::from_utf8_lossy(v.as_bytes()).to_string();
    if let Some(origin) = headers.get(header::ORIGIN).map(text) {
        if !origin::origin_verified(&origin, scheme, &host, trusted) {
            return Err(Reject::BadOrigin(origin));
        }
    } else if scheme == "https" {
        origin::check_referer(headers.get(header::REFERER).map(text).as_deref(), &host, trusted)?;
    }
    let cookie = request_cookie(headers, CSRF_COOKIE).ok_or(Reject::NoCookie)?;
    let secret = token::cookie_secret(&cookie)?;
    let (source, value) = match form_token.filter(|t| !t.is_empty()) {
        Some(t) => (token::Source::Form, t.to_string()),
        None => (token::Source::Header, headers.get(CSRF_HEADER).map(text).ok_or(Reject::NoToken)?),
    };
    token::check_token(&value, &secret, source)
}

/// The `csrfmiddlewaretoken` field of a POSTed urlencoded form, reading (and
/// giving back) the body; 413 if the body is over the limit.
async fn form_token_of(request: Request, limit: usize) -> Result<(Request, Option<String>), Response> {
    let is_form = request.method() == Method::POST
        && request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((request, None));
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body exceeded the size limit.").into_response()
    })?;
    let field = form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FORM_FIELD).map(|(_, v)| v.into_owned());
    Ok((Request::from_parts(parts, Body::from(bytes)), field))
}

fn rejection(reject: &Reject, path: &str, ctx: &AppContext, handle: &CsrfToken, secure: bool) -> Response {
    let reason = reject.reason();
    tracing::warn!(target: "tandem::csrf", "Forbidden ({reason}): {path}");
    let detail = if ctx.settings.debug() { format!("CSRF Failed: {reason}") } else { "CSRF Failed.".to_string() };
    let mut response = ApiError::new(StatusCode::FORBIDDEN, detail).into_response();
    handle.write_cookie(&mut response, secure);
    response
}
