//! The one listener: a prefix dispatcher in front of the backend router and the
//! UI side, wrapped in the layers every response goes through.
//!
//! ```text
//! request ─► log ─► security headers ─► dispatch
//!              ├─ under a backend prefix ─► backend (resolve URL ─► body limit ─► session
//!              │                             ─► user ─► CSRF ─► view)
//!              └─ anything else          ─► UI side (/ping, /_health, /_event, pages, 404 page)
//! ```

mod backend;
mod ui;
mod uploads;

use std::future::Future;

use axum::Router;
use axum::extract::Request;
use axum::middleware;
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::context::AppContext;
use crate::http::{headers::security_headers, log::log_request};
use crate::urls::UrlConf;

/// Builds the whole application service for `ctx` and the backend's URLs.
pub fn router(ctx: AppContext, urls: UrlConf) -> Router {
    let backend = backend::router(urls, ctx.settings.backend.max_body_bytes);
    let ui = ui::router(&ctx.settings);
    let settings = ctx.settings.clone();
    let dispatch = tower::service_fn(move |request: Request| {
        let side = if settings.is_backend_path(request.uri().path()) { backend.clone() } else { ui.clone() };
        side.oneshot(request)
    });
    let mut app = Router::new().fallback_service(dispatch).layer(middleware::map_response(security_headers));
    if ctx.settings.debug() {
        app = app.layer(middleware::from_fn(log_request));
    }
    app.layer(axum::Extension(ctx))
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets in-flight
/// requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown).await
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
    tracing::info!("shutting down: draining in-flight requests");
}

/// The routes the UI side serves, for the `routes` command.
pub fn ui_routes() -> &'static [(&'static str, &'static str, &'static str)] {
    ui::ROUTES
}
