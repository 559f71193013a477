//! The UI side: everything outside the backend prefixes: `/ping`,
//! `/_health`, the event socket `/_event`, the runtime under `/_tandem/`, the
//! registered pages (server-rendered, with a session and the CSRF cookie)
//! and, for any other GET, an HTML shell.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use bytes::Bytes;
use sea_orm::EntityTrait;
use serde_json::json;

use crate::auth::{Auth, CurrentUser};
use crate::context::AppContext;
use crate::csrf::CsrfToken;
use crate::http::ApiError;
use crate::sessions::Session;
use crate::ui::document::{CONTENT_SECURITY_POLICY, page_html};

pub(super) const ROUTES: &[(&str, &str, &str)] = &[
    ("/ping", "GET", "tandem::server::ui::ping"),
    ("/_health", "GET", "tandem::server::ui::health"),
    ("/_event", "GET", "tandem::ui::socket::event_socket"),
    ("/_tandem/{file}", "GET", "tandem::server::ui::asset"),
    ("/_tandem/session", "POST", "tandem::server::ui::redeem_ticket"),
    ("/{*page}", "GET", "tandem::server::ui::page"),
];

pub(super) fn router() -> Router {
    let pages = Router::new()
        .fallback(page)
        .layer(middleware::from_fn(crate::csrf::csrf_middleware))
        .layer(middleware::from_fn(crate::auth::auth_middleware))
        .layer(middleware::from_fn(crate::sessions::session_middleware));
    Router::new()
        .route("/ping", get(ping))
        .route("/_health", get(health))
        .route("/_event", get(crate::ui::socket::event_socket))
        .route("/_tandem/{file}", get(asset))
        .route(
            "/_tandem/session",
            post(redeem_ticket)
                .layer(middleware::from_fn(crate::csrf::csrf_middleware))
                .layer(middleware::from_fn(crate::auth::auth_middleware))
                .layer(middleware::from_fn(crate::sessions::session_middleware)),
        )
        .fallback_service(pages)
}

/// `POST /_tandem/session` `{"ticket": "…"}` (CSRF token required): carries
/// out a login or logout an event handler asked for, on this request's
/// session, so the new `sessionid` cookie arrives as an ordinary HttpOnly
/// cookie. The ticket must have been issued to this session, within a
/// minute, and works once.
async fn redeem_ticket(ctx: AppContext, auth: Auth, session: Session, body: Bytes) -> Response {
    let ticket = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("ticket").and_then(|t| t.as_str()).map(str::to_string));
    let Some(ticket) = ticket else {
        return ApiError::bad_request("Expected {\"ticket\": \"…\"}.").into_response();
    };
    let key = session.key().unwrap_or_default();
    let Some(ticket) = ctx.ui.redeem(&ticket, &key) else {
        return ApiError::new(StatusCode::FORBIDDEN, "Invalid or expired ticket.").into_response();
    };
    match ticket.user_id {
        Some(id) => {
            let user = match crate::auth::models::user::Entity::find_by_id(id).one(&ctx.db).await {
                Ok(Some(user)) if user.is_active => user,
                Ok(_) => return ApiError::new(StatusCode::FORBIDDEN, "User inactive or deleted.").into_response(),
                Err(error) => return ApiError::internal(error).into_response(),
            };
            if let Err(error) = auth.login(&user).await {
                return ApiError::internal(error).into_response();
            }
        }
        None => auth.logout(),
    }
    let new_key = session.ensure_key();
    if let Err(error) = ctx.ui.rebind(&ticket.token, &new_key).await {
        return ApiError::internal(error).into_response();
    }
    StatusCode::NO_CONTENT.into_response()
}

/// The runtime script, at its content-hashed name, cached forever.
async fn asset(Path(file): Path<String>) -> Response {
    if file != crate::ui::document::runtime_file() {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        crate::ui::document::RUNTIME,
    )
        .into_response()
}

/// A registered page, rendered with a new tab's state; any other path gets the shell.
async fn page(
    ctx: AppContext,
    session: Session,
    user: CurrentUser,
    csrf: CsrfToken,
    request: axum::extract::Request,
) -> Response {
    if !matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD) {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")]).into_response();
    }
    let uri = request.uri();
    let Some((page, router)) = ctx.ui.route(uri.path(), uri.query()) else {
        return shell(&ctx);
    };
    // The page hands out the CSRF cookie and binds the tab to this session.
    let _ = csrf.masked();
    let session_key = session.ensure_key();
    match ctx.ui.open_tab(page, router, &session_key, user, ctx.db.clone()).await {
        Ok((token, data)) => {
            let mut backend = vec![ctx.settings.backend.prefix.clone()];
            backend.extend(ctx.settings.backend.extra_prefixes.iter().cloned());
            let html = page_html(&page.title, &(page.view)(), page.state_name(), &token, &data, &backend);
            let mut response = Html(html).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
            response
        }
        Err(error) => {
            tracing::error!(?error, path = %uri.path(), "cannot render a page");
            ApiError::internal("page rendering failed").into_response()
        }
    }
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

fn shell(ctx: &AppContext) -> Response {
    let name = crate::http::html_escape(&ctx.settings.app.name);
    Html(format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{name}</title></head>\n<body><div id=\"tandem-root\" data-app=\"{name}\">\
         <h1>{name}</h1><p>Served by Tandem.</p></div></body>\n</html>\n"
    ))
    .into_response()
}
