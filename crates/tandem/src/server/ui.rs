//! The UI side: everything outside the backend prefixes. Until pages are
//! registered it serves `/ping`, `/_health` and an HTML shell for any GET
//! (client-side routes fall back to it).

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::context::AppContext;

pub(super) const ROUTES: &[(&str, &str, &str)] = &[
    ("/ping", "GET", "tandem::server::ui::ping"),
    ("/_health", "GET", "tandem::server::ui::health"),
    ("/{*page}", "GET", "tandem::server::ui::shell"),
];

pub(super) fn router() -> Router {
    Router::new().route("/ping", get(ping)).route("/_health", get(health)).fallback(shell)
}

async fn ping() -> &'static str {
    "pong"
}

/// 200 `{"status": "ok", "database": "reachable"}`, or 503 when the database
/// does not answer.
async fn health(ctx: AppContext) -> Response {
    match ctx.db.ping().await {
        Ok(()) => Json(json!({"status": "ok", "database": "reachable"})).into_response(),
        Err(error) => {
            tracing::warn!(%error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable", "database": "unreachable"})))
                .into_response()
        }
    }
}

async fn shell(ctx: AppContext, request: axum::extract::Request) -> Response {
    if !matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD) {
        return (StatusCode::METHOD_NOT_ALLOWED, [(axum::http::header::ALLOW, "GET, HEAD")]).into_response();
    }
    let name = crate::http::html_escape(&ctx.settings.app.name);
    Html(format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{name}</title></head>\n<body><div id=\"tandem-root\" data-app=\"{name}\">\
         <h1>{name}</h1><p>Served by Tandem.</p></div></body>\n</html>\n"
    ))
    .into_response()
}
