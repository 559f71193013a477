//! The UI side: everything outside the backend prefixes: `/ping`,
//! `/_health`, the event socket `/_event`, the runtime under `/_tandem/`, the
//! registered pages (server-rendered, with a session and the CSRF cookie)
//! and, for any other GET, the 404 page (rendered the same way, status 404).

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router, middleware};
use bytes::Bytes;
use sea_orm::EntityTrait;
use serde_json::json;
use std::sync::Arc;

use crate::auth::{Auth, CurrentUser};
use crate::context::AppContext;
use crate::csrf::CsrfToken;
use crate::http::ApiError;
use crate::sessions::Session;
use crate::ui::Engine;
use crate::ui::document::{CONTENT_SECURITY_POLICY, page_html};

pub(super) const ROUTES: &[(&str, &str, &str)] = &[
    ("/ping", "GET", "tandem::server::ui::ping"),
    ("/_health", "GET", "tandem::server::ui::health"),
    ("/_ready", "GET", "tandem::server::ui::ready"),
    ("/_event", "GET", "tandem::ui::socket::event_socket"),
    ("/_tandem/{file}", "GET", "tandem::server::ui::asset"),
    ("/_tandem/session", "POST", "tandem::server::ui::redeem_ticket"),
    ("/_upload", "POST", "tandem::server::uploads::receive"),
    ("/media/{*file}", "GET", "tandem::server::uploads::serve"),
    ("/{*page}", "GET", "tandem::server::ui::page"),
];

pub(super) fn router(
    settings: &crate::config::Settings,
    engine: Arc<Engine>,
    static_files: Option<crate::assets::StaticFiles>,
) -> Router {
    let with_session = |route: axum::routing::MethodRouter| {
        route
            .layer(middleware::from_fn(crate::csrf::csrf_middleware))
            .layer(middleware::from_fn(crate::auth::auth_middleware))
            .layer(middleware::from_fn(crate::sessions::session_middleware))
    };
    let pages = Router::new()
        .fallback(page)
        .layer(middleware::from_fn(crate::csrf::csrf_middleware))
        .layer(middleware::from_fn(crate::auth::auth_middleware))
        .layer(middleware::from_fn(crate::sessions::session_middleware));
    // The multipart reader enforces the limit too; the slack is for its framing.
    let upload_limit = usize::try_from(settings.ui.upload_max_bytes).unwrap_or(usize::MAX).saturating_add(64 * 1024);
    let media = format!("{}/{{*file}}", settings.ui.media_url.trim_end_matches('/'));
    let router = Router::new()
        .route("/ping", get(ping))
        .route("/_health", get(health))
        .route("/_ready", get(ready))
        .route("/_event", get(crate::ui::socket::event_socket))
        .route("/_tandem/{file}", get(asset))
        .route("/_tandem/session", with_session(post(redeem_ticket)))
        .route(
            "/_upload",
            with_session(post(super::uploads::receive).layer(axum::extract::DefaultBodyLimit::max(upload_limit))),
        )
        .route(&media, get(super::uploads::serve))
        .route(
            "/static/{*path}",
            get(move |Path(path): Path<String>, headers: HeaderMap| static_file(static_files.clone(), path, headers)),
        )
        .fallback_service(pages);
    let router = if super::dev::active() {
        router
            .route(super::dev::SCRIPT_PATH, get(super::dev::script))
            .route(super::dev::EVENTS_PATH, get(super::dev::events))
    } else {
        router
    };
    // The UI's handlers reach the engine through their own extension: the
    // request context (what the backend sees too) does not hold it.
    router.layer(Extension(engine))
}

/// A file of the application's `static/` folder ([`crate::assets`]): cached
/// for ever under its hashed name, revalidated under its plain one.
async fn static_file(files: Option<crate::assets::StaticFiles>, path: String, headers: HeaderMap) -> Response {
    let Some(found) = files.as_ref().and_then(|files| files.find(&path)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cache = if found.immutable { IMMUTABLE } else { "no-cache" };
    match found.bytes {
        std::borrow::Cow::Borrowed(embedded) => embedded_file(found.content_type, cache, embedded, &headers),
        // Read from the folder (a debug build): compressed on the way out, if at all.
        std::borrow::Cow::Owned(read) => {
            ([(header::CONTENT_TYPE, found.content_type), (header::CACHE_CONTROL, cache)], read).into_response()
        }
    }
}

/// How files whose name carries their content's hash are cached.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A file embedded in the binary, compressed once in the encoding the
/// client prefers when its type is worth compressing.
fn embedded_file(
    content_type: &'static str,
    cache: &'static str,
    content: &'static [u8],
    headers: &HeaderMap,
) -> Response {
    use crate::http::compression::{Encoding, compressible, negotiate, precompressed};
    let encoding = if compressible(content_type) { negotiate(headers) } else { Encoding::Identity };
    let mut response =
        ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, cache)], precompressed(content, encoding))
            .into_response();
    if encoding != Encoding::Identity {
        response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding.token()));
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// `POST /_tandem/session` `{"ticket": "…"}` (CSRF token required): carries
/// out a login or logout an event handler asked for, on this request's
/// session, so the new `sessionid` cookie arrives as an ordinary HttpOnly
/// cookie. The ticket must have been issued to this session, within a
/// minute, and works once.
async fn redeem_ticket(
    ctx: AppContext,
    Extension(ui): Extension<Arc<Engine>>,
    auth: Auth,
    session: Session,
    body: Bytes,
) -> Response {
    let ticket = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("ticket").and_then(|t| t.as_str()).map(str::to_string));
    let Some(ticket) = ticket else {
        return ApiError::bad_request("Expected {\"ticket\": \"…\"}.").into_response();
    };
    let key = session.key().unwrap_or_default();
    let refused = || ApiError::new(StatusCode::FORBIDDEN, "Invalid or expired ticket.").into_response();
    let Some(claimed) = crate::ui::tickets::claimed_user(&ticket) else { return refused() };
    let user = match claimed {
        Some(id) => match crate::auth::models::user::Entity::find_by_id(id).one(&ctx.db).await {
            Ok(Some(user)) if user.is_active => Some(user),
            Ok(_) => return ApiError::new(StatusCode::FORBIDDEN, "User inactive or deleted.").into_response(),
            Err(error) => return ApiError::internal(error).into_response(),
        },
        None => None,
    };
    let stamp = crate::ui::tickets::stamp(user.as_ref());
    let Some(ticket) = ui.redeem(&ticket, &key, &stamp) else { return refused() };
    match user {
        Some(user) => {
            if let Err(error) = auth.login(&user).await {
                return ApiError::internal(error).into_response();
            }
        }
        None => auth.logout(),
    }
    let new_key = session.ensure_key(&ctx.settings.secret_key);
    if let Err(error) = ui.rebind(&ticket.token, &new_key).await {
        return ApiError::internal(error).into_response();
    }
    StatusCode::NO_CONTENT.into_response()
}

/// The runtime script and the stylesheet, at their content-hashed names,
/// cached forever, and the favicon at its stable name, cached for a day;
/// compressed once in the encoding the client prefers.
async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let cache = if file == crate::ui::document::FAVICON_FILE { "public, max-age=86400" } else { IMMUTABLE };
    match crate::ui::document::asset(&file) {
        Some((content_type, content)) => embedded_file(content_type, cache, content.as_bytes(), &headers),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A registered page, rendered with a new tab's state; any other path gets
/// the 404 page, rendered the same way, with status 404.
async fn page(
    ctx: AppContext,
    Extension(ui): Extension<Arc<Engine>>,
    session: Session,
    user: CurrentUser,
    csrf: CsrfToken,
    request: axum::extract::Request,
) -> Response {
    if !matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD) {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")]).into_response();
    }
    let uri = request.uri();
    let (status, (page, router)) = match ui.route(uri.path(), uri.query()) {
        Some(found) => (StatusCode::OK, found),
        None => (StatusCode::NOT_FOUND, ui.not_found(uri.path(), uri.query())),
    };
    // A guarded page: Django's `redirect_to_login` for an anonymous
    // visitor, 403 (`raise_exception`) for a user who fails the guard.
    if let Err(refusal) = crate::auth::Guard::check_all(&page.guards, &user, &ctx.db).await {
        return refused_page(&refusal, crate::auth::Guard::login_url_of(&page.guards, ui.login_url()), uri);
    }
    // The page hands out the CSRF cookie and binds the tab to this session.
    let _ = csrf.masked();
    let session_key = session.ensure_key(&ctx.settings.secret_key);
    let client = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|info| info.0.ip());
    let (scheme, host) = crate::http::scheme_and_host(request.headers(), &ctx.settings);
    let origin = Some(format!("{scheme}://{host}"));
    let caller = crate::ui::engine::Caller { session_key, user, db: ctx.db.clone(), client, origin };
    let stored = crate::ui::storage::cookies_of(request.headers(), page.state_name());
    match ui.open_tab(page, router.clone(), caller, &stored).await {
        Ok((token, data)) => {
            let mut backend = vec![ctx.settings.backend.prefix.clone()];
            backend.extend(ctx.settings.backend.extra_prefixes.iter().cloned());
            let head = match super::dev::script_tag() {
                Some(reload) => std::borrow::Cow::Owned(format!("{}{reload}", ui.theme_head())),
                None => std::borrow::Cow::Borrowed(ui.theme_head()),
            };
            let html = page_html(page, &router, &token, &data, &backend, &head);
            let mut response = (status, Html(html)).into_response();
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

/// The answer to a page request a guard refused: 302 to the login page with
/// `next` the page, 403, or 500 when the guard could not be checked.
fn refused_page(refusal: &crate::auth::Refusal, login_url: &str, uri: &axum::http::Uri) -> Response {
    let (status, message) = match refusal {
        crate::auth::Refusal::Login => {
            let next = uri.path_and_query().map_or("/", |p| p.as_str());
            let to = crate::auth::login_url_with_next(login_url, next);
            let location = HeaderValue::from_str(&to).unwrap_or(HeaderValue::from_static("/"));
            let headers = [(header::LOCATION, location), (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))];
            return (StatusCode::FOUND, headers).into_response();
        }
        crate::auth::Refusal::Permission => (StatusCode::FORBIDDEN, refusal.page_message()),
        crate::auth::Refusal::Failed(_) => (StatusCode::INTERNAL_SERVER_ERROR, refusal.page_message()),
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} {}</title></head>\
         <body><h1>{}</h1><p>{message}</p><p><a href=\"/\">Home</a></p></body></html>",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        status.canonical_reason().unwrap_or("Refused"),
    );
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// Readiness, for a load balancer: 200 `{"status": "ready", …}` when the
/// database (and Redis, when configured) answer and the process is not
/// draining; else 503 naming what is not ready.
async fn ready(ctx: AppContext, Extension(ui): Extension<Arc<Engine>>) -> Response {
    let database = ctx.db.ping().await.is_ok();
    let states = ui.states_ready().await;
    let draining = ui.draining();
    let body = json!({
        "status": if database && states && !draining { "ready" } else { "unavailable" },
        "database": if database { "reachable" } else { "unreachable" },
        "states": if states { "reachable" } else { "unreachable" },
        "draining": draining,
    });
    let status = if database && states && !draining { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
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
