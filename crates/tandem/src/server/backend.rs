//! The backend side: URL resolution (with Django's APPEND_SLASH redirect and a
//! JSON 404), then sessions, the current user and CSRF checks, then the
//! resolved view.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;

use crate::http::ApiError;
use crate::urls::{ResolvedRoute, UrlConf};

pub(super) fn router(urls: UrlConf, max_body_bytes: usize) -> Router {
    Router::new()
        .fallback(call_view)
        .layer(middleware::from_fn(crate::csrf::csrf_middleware))
        .layer(middleware::from_fn(crate::auth::auth_middleware))
        .layer(middleware::from_fn(crate::sessions::session_middleware))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(middleware::from_fn_with_state(urls.clone(), resolve))
        .with_state(urls)
}

/// Finds the route; a miss that would match with a trailing slash is a 301 to
/// the slashed URL (query kept), any other miss a JSON 404.
async fn resolve(State(urls): State<UrlConf>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if let Some(resolved) = urls.resolve(path) {
        request.extensions_mut().insert(resolved);
        request.extensions_mut().insert(urls.clone());
        return next.run(request).await;
    }
    if !path.ends_with('/') {
        let slashed = format!("{path}/");
        if urls.resolve(&slashed).is_some() {
            let location = match request.uri().query() {
                Some(q) => format!("{slashed}?{q}"),
                None => slashed,
            };
            return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response();
        }
    }
    ApiError::not_found().into_response()
}

async fn call_view(State(urls): State<UrlConf>, request: Request) -> Response {
    let service = request
        .extensions()
        .get::<ResolvedRoute>()
        .and_then(|resolved| urls.route(resolved.index))
        .map(|route| route.service());
    match service {
        Some(service) => match service.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        None => ApiError::not_found().into_response(),
    }
}
