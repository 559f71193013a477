//! The backend side, as one plain async pipeline: URL resolution (with
//! Django's APPEND_SLASH redirect and a JSON 404), then sessions, the current
//! user and CSRF checks, then the resolved view.

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::Layer;

use crate::auth::with_user;
use crate::csrf::with_csrf;
use crate::http::ApiError;
use crate::sessions::with_session;
use crate::urls::UrlConf;

/// The backend's URLs and request-body limit.
pub(super) struct Backend {
    urls: UrlConf,
    body_limit: DefaultBodyLimit,
}

impl Backend {
    pub(super) fn new(urls: UrlConf, max_body_bytes: usize) -> Self {
        Self { urls, body_limit: DefaultBodyLimit::max(max_body_bytes) }
    }

    /// Answers one request under a backend prefix.
    pub(super) async fn handle(&self, mut request: Request) -> Response {
        let path = request.uri().path();
        let Some(resolved) = self.urls.resolve(path) else { return self.miss(&request) };
        let Some(view) = self.urls.route(resolved.index).map(|route| self.body_limit.layer(route.service())) else {
            return ApiError::not_found().into_response();
        };
        request.extensions_mut().insert(resolved);
        request.extensions_mut().insert(self.urls.clone());
        let view = |request: Request| super::answer(view, request);
        with_session(request, |request| with_user(request, |request| with_csrf(request, view))).await
    }

    /// A miss that would match with a trailing slash is a 301 to the slashed
    /// URL (query kept), any other miss a JSON 404.
    fn miss(&self, request: &Request) -> Response {
        let path = request.uri().path();
        if !path.ends_with('/') {
            let slashed = format!("{path}/");
            if self.urls.resolve(&slashed).is_some() {
                let location = match request.uri().query() {
                    Some(q) => format!("{slashed}?{q}"),
                    None => slashed,
                };
                return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response();
            }
        }
        ApiError::not_found().into_response()
    }
}
