//! Routers: a viewset registered under a prefix becomes its list, detail and
//! extra-action routes (DRF's `SimpleRouter`); `DefaultRouter` adds the API
//! root and format suffixes (`products.json`, `products/1.json`).
//!
//! ```ignore
//! let mut router = DefaultRouter::new();
//! router.register("products", views::product_viewset());
//! vec![path("", include(router.urls()))]
//! ```
//!
//! Router routes are exempt from the CSRF middleware: as in DRF, the
//! viewset's session authentication enforces CSRF, for session-authenticated
//! requests only.

use std::sync::Arc;

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, EntityTrait, IntoActiveModel};
use serde_json::{Map, Value, json};

use super::error::RestError;
use super::openapi;
use super::request::{PARSES, RENDERS, RestRequest};
use super::viewset::{ModelViewSet, RouteKind};
use crate::http::ApiError;
use crate::urls::{UrlPattern, path};
use crate::views::View;

/// Turns registered viewsets into URL patterns.
pub struct RestRouter {
    root_view: bool,
    format_suffixes: bool,
    trailing_slash: bool,
    registered: Vec<String>,
    patterns: Vec<UrlPattern>,
}

/// DRF's `DefaultRouter`: an API root at the router's base and format suffixes.
pub struct DefaultRouter;

impl DefaultRouter {
    /// A router with the API root and format suffixes, trailing slashes on.
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> RestRouter {
        RestRouter {
            root_view: true,
            format_suffixes: true,
            trailing_slash: true,
            registered: Vec::new(),
            patterns: Vec::new(),
        }
    }
}

/// DRF's `SimpleRouter`: only the viewsets' routes.
pub struct SimpleRouter;

impl SimpleRouter {
    /// A router without API root or format suffixes, trailing slashes on.
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> RestRouter {
        RestRouter {
            root_view: false,
            format_suffixes: false,
            trailing_slash: true,
            registered: Vec::new(),
            patterns: Vec::new(),
        }
    }
}

impl RestRouter {
    /// Routes end in `/` (the default) or not; set before registering.
    pub fn trailing_slash(mut self, on: bool) -> Self {
        self.trailing_slash = on;
        self
    }

    /// Registers `viewset` under `prefix`, named after its model
    /// (`product-list`, `product-detail`), DRF's `router.register`.
    pub fn register<E: EntityTrait>(&mut self, prefix: &str, viewset: ModelViewSet<E>) -> &mut Self
    where
        E::Model: IntoActiveModel<E::ActiveModel> + Sync,
        E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send + Sync,
    {
        let basename = viewset.serializer().verbose_name().replace(' ', "");
        self.register_as(prefix, &basename, viewset)
    }

    /// Registers `viewset` with an explicit `basename` for its route names.
    pub fn register_as<E: EntityTrait>(&mut self, prefix: &str, basename: &str, viewset: ModelViewSet<E>) -> &mut Self
    where
        E::Model: IntoActiveModel<E::ActiveModel> + Sync,
        E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send + Sync,
    {
        crate::db::register::<E>();
        let prefix = prefix.trim_matches('/').to_string();
        let slash = if self.trailing_slash { "/" } else { "" };
        let viewset = Arc::new(viewset);
        let mut routes: Vec<(String, String, RouteKind)> =
            vec![(format!("{prefix}{slash}"), format!("{basename}-list"), RouteKind::List)];
        let actions: Vec<(usize, bool, String)> =
            viewset.actions.iter().enumerate().map(|(i, a)| (i, a.detail, a.url_path.clone())).collect();
        for (i, _, url_path) in actions.iter().filter(|(_, detail, _)| !detail) {
            routes.push((
                format!("{prefix}/{url_path}{slash}"),
                format!("{basename}-{url_path}"),
                RouteKind::Action(*i),
            ));
        }
        routes.push((format!("{prefix}/<lookup:pk>{slash}"), format!("{basename}-detail"), RouteKind::Detail));
        for (i, _, url_path) in actions.iter().filter(|(_, detail, _)| *detail) {
            routes.push((
                format!("{prefix}/<lookup:pk>/{url_path}{slash}"),
                format!("{basename}-{url_path}"),
                RouteKind::Action(*i),
            ));
        }
        if self.format_suffixes {
            let suffixed: Vec<_> = routes
                .iter()
                .map(|(route, name, kind)| {
                    (format!("{}.<format:format>", route.trim_end_matches('/')), name.clone(), *kind)
                })
                .collect();
            routes.extend(suffixed);
        }
        for (route, name, kind) in routes {
            let suffixed = route.ends_with("<format:format>");
            let view = viewset_view(viewset.clone(), kind);
            let view = if suffixed { view } else { openapi::document_route(view, &viewset, kind) };
            self.patterns.push(path(&route, view).csrf_exempt().name(&name));
        }
        self.registered.push(prefix);
        self
    }

    /// The URL patterns, to mount with `path("…", include(router.urls()))`.
    pub fn urls(self) -> Vec<UrlPattern> {
        let mut patterns = Vec::new();
        if self.root_view {
            let registered = Arc::new(self.registered);
            let handler = move |request: Request| {
                let registered = registered.clone();
                async move { api_root(&registered, request).await }
            };
            let view = View::answering_every_method(handler, vec![(Method::GET, "tandem::rest::router::api_root")]);
            patterns.push(path("", view).csrf_exempt().name("api-root"));
        }
        patterns.extend(self.patterns);
        patterns
    }
}

fn viewset_view<E: EntityTrait>(viewset: Arc<ModelViewSet<E>>, kind: RouteKind) -> View
where
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send + Sync,
{
    let entity = std::any::type_name::<E>().trim_end_matches("::Entity");
    let names: Vec<(Method, &'static str)> = viewset
        .allowed_methods(kind)
        .into_iter()
        .filter(|m| *m != Method::HEAD && *m != Method::OPTIONS)
        .map(|method| {
            let action = match (kind, &method) {
                (RouteKind::List, &Method::GET) => "list".to_string(),
                (RouteKind::List, _) => "create".to_string(),
                (RouteKind::Detail, &Method::GET) => "retrieve".to_string(),
                (RouteKind::Detail, &Method::PUT) => "update".to_string(),
                (RouteKind::Detail, &Method::PATCH) => "partial_update".to_string(),
                (RouteKind::Detail, _) => "destroy".to_string(),
                (RouteKind::Action(i), _) => viewset.actions[i].url_path.replace('-', "_"),
            };
            // Route listings live as long as the process; leaking the few
            // names keeps `View`'s handler names `&'static str`.
            (method, &*Box::leak(format!("{entity}::viewset::{action}").into_boxed_str()))
        })
        .collect();
    let allow = Arc::new(viewset.allow(kind));
    let handler = move |request: Request| {
        let (viewset, allow) = (viewset.clone(), allow.clone());
        async move { viewset.handle(kind, &allow, request).await }
    };
    View::answering_every_method(handler, names)
}

/// DRF's `APIRootView`: `{"products": "<absolute url>"}`.
async fn api_root(registered: &[String], request: Request) -> Response {
    let mut response = match root_response(registered, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
    headers.insert(header::VARY, HeaderValue::from_static("Accept, Cookie"));
    response
}

async fn root_response(registered: &[String], request: Request) -> Result<Response, RestError> {
    let req = RestRequest::read(request).await?;
    req.negotiate()?;
    match req.method {
        Method::GET | Method::HEAD => {
            let base = req.absolute(req.uri.path());
            let links: Map<String, Value> =
                registered.iter().map(|prefix| (prefix.clone(), json!(format!("{base}{prefix}/")))).collect();
            Ok(Json(Value::Object(links)).into_response())
        }
        Method::OPTIONS => Ok(Json(json!({
            "name": "Api Root",
            "description": "The default basic root view for DefaultRouter",
            "renders": RENDERS,
            "parses": PARSES,
        }))
        .into_response()),
        method => {
            Err(ApiError::new(StatusCode::METHOD_NOT_ALLOWED, format!("Method \"{method}\" not allowed.")).into())
        }
    }
}
