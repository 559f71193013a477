//! The one listener: a prefix dispatcher in front of the backend router and the
//! UI side, wrapped in the layers every response goes through.
//!
//! ```text
//! connection (listen.rs: max_connections, header-read and keep-alive timeouts)
//!  └─► request ─► log ─► compression ─► security headers ─► Host in allowed_hosts? (else 400) ─► dispatch
//!              ├─ under a backend prefix ─► backend (resolve URL ─► body limit ─► session
//!              │                             ─► user ─► CSRF ─► view)
//!              └─ anything else          ─► UI side (/ping, /_health, /_event, pages, 404 page)
//! ```

mod backend;
pub mod dev;
mod io;
mod listen;
mod ui;
mod uploads;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::app::Prepared;
use crate::config::ConnectionLimits;
use crate::http::hosts::{AllowedHosts, DisallowedHost};
use crate::http::{ApiError, compression};
use crate::http::{headers::add_security_headers, log::log_request};
use crate::urls::UrlConf;

/// The probes a load balancer or orchestrator calls, often with the
/// instance's own address as `Host`: answered whatever the `Host`, since
/// they show nothing a forged host could abuse (no links, cookies or state).
const PROBE_PATHS: [&str; 3] = ["/ping", "/_health", "/_ready"];

/// Builds the whole application service for `ctx` and the backend's URLs.
///
/// The dispatch is one plain async function rather than a stack of layers:
/// each axum layer boxes the future inside it, and on a small request those
/// allocations and moves cost as much as the view.
pub fn router(prepared: Prepared, urls: UrlConf, static_files: Option<crate::assets::StaticFiles>) -> Router {
    let Prepared { ctx, ui } = prepared;
    let backend = Arc::new(backend::Backend::new(urls, ctx.settings.backend.max_body_bytes));
    let ui = ui::router(&ctx.settings, ui, static_files);
    let debug = ctx.settings.debug();
    let hosts = Arc::new(AllowedHosts::from_settings(&ctx.settings));
    let dispatch = tower::service_fn(move |mut request: Request| {
        let (ctx, backend, ui, hosts) = (ctx.clone(), backend.clone(), ui.clone(), hosts.clone());
        async move {
            let encoding = compression::negotiate(request.headers());
            let method = request.method().clone();
            let path = request.uri().path();
            let on_backend = ctx.settings.is_backend_path(path);
            let probe = !on_backend && PROBE_PATHS.contains(&path);
            let host_checked = if probe { Ok(()) } else { hosts.check_headers(request.headers()) };
            let mut response = match host_checked {
                Err(refused) => bad_host(&refused, debug),
                Ok(()) => {
                    request.extensions_mut().insert(ctx);
                    if on_backend { backend.handle(request).await } else { answer(ui, request).await }
                }
            };
            add_security_headers(&mut response);
            Ok::<_, Infallible>(compression::compress(&method, encoding, response).await)
        }
    });
    let app = Router::new().fallback_service(dispatch);
    if debug { app.layer(middleware::from_fn(log_request)) } else { app }
}

/// What `service`, which cannot fail, answers to `request`.
async fn answer<S>(service: S, request: Request) -> Response
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
{
    match service.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Django's answer to a disallowed host: 400 "Bad Request (400)", the
/// reason (which host, which setting) only in development.
fn bad_host(refused: &DisallowedHost, debug: bool) -> Response {
    tracing::warn!(target: "tandem::security", "{refused}");
    let detail = if debug { refused.to_string() } else { "Bad Request (400)".to_string() };
    ApiError::bad_request(detail).into_response()
}

/// Serves `app` on `listener` within `limits` (connection count, header-read
/// and keep-alive timeouts; handlers get `ConnectInfo<SocketAddr>`) until
/// `shutdown` resolves, then lets in-flight requests finish for at most
/// `limits.shutdown_timeout`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listen::serve(listener, app, limits, shutdown).await
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

/// The routes the UI side serves, for the `routes` command.
pub fn ui_routes() -> &'static [(&'static str, &'static str, &'static str)] {
    ui::ROUTES
}
