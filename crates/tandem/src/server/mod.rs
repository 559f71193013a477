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

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::middleware;
use axum::response::Response;
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::context::AppContext;
use crate::http::{headers::add_security_headers, log::log_request};
use crate::urls::UrlConf;

/// Builds the whole application service for `ctx` and the backend's URLs.
///
/// The dispatch is one plain async function rather than a stack of layers:
/// each axum layer boxes the future inside it, and on a small request those
/// allocations and moves cost as much as the view.
pub fn router(ctx: AppContext, urls: UrlConf) -> Router {
    let backend = Arc::new(backend::Backend::new(urls, ctx.settings.backend.max_body_bytes));
    let ui = ui::router(&ctx.settings);
    let debug = ctx.settings.debug();
    let dispatch = tower::service_fn(move |mut request: Request| {
        let (ctx, backend, ui) = (ctx.clone(), backend.clone(), ui.clone());
        async move {
            let on_backend = ctx.settings.is_backend_path(request.uri().path());
            request.extensions_mut().insert(ctx);
            let mut response = if on_backend { backend.handle(request).await } else { answer(ui, request).await };
            add_security_headers(&mut response);
            Ok::<_, Infallible>(response)
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
