//! Django-style URL configuration on top of axum.
//!
//! Routes are full paths without the leading `/`, built from `path()` and
//! `include()` exactly as in a Django `urls.py`; the first pattern that
//! matches wins. Parameters use Django's converters (`int`, `slug`, `str`,
//! `uuid`, `path`) and reach handlers through the [`Kwargs`] extractor.
//!
//! ```
//! use tandem::urls::{include, path, Kwargs, UrlConf};
//! use tandem::views::get;
//!
//! async fn detail(kwargs: Kwargs) -> String {
//!     format!("product {}", kwargs.get::<i64>("pk").unwrap_or_default())
//! }
//!
//! fn shop_urls() -> Vec<tandem::urls::UrlPattern> {
//!     vec![path("products/<int:pk>/", get(detail)).name("product-detail")]
//! }
//!
//! let conf = UrlConf::new(vec![path("api/shop/", include(shop_urls()))]).unwrap();
//! assert_eq!(conf.routes()[0].route(), "api/shop/products/<int:pk>/");
//! assert!(conf.resolve("/api/shop/products/7/").is_some());
//! assert!(conf.resolve("/api/shop/products/x/").is_none());
//! ```

mod pattern;
mod reverse;

use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::routing::MethodRouter;

pub use pattern::{Converter, Pattern, PatternError, ReverseError};
pub use reverse::{install_names, reverse};

use crate::auth::{CurrentUser, Guard, NOT_AUTHENTICATED, PERMISSION_DENIED, Refusal};
use crate::http::ApiError;
use crate::views::View;

/// What a [`path`] points at: a view, or a list of patterns to include.
pub enum Target {
    /// A view answering the route.
    View(Box<View>),
    /// Patterns mounted under the route, like Django's `include()`.
    Include(Vec<UrlPattern>),
}

impl From<View> for Target {
    fn from(view: View) -> Self {
        Target::View(Box::new(view))
    }
}

/// One entry of a URL configuration, made by [`path`].
pub struct UrlPattern {
    route: String,
    target: Target,
    name: Option<String>,
    csrf_exempt: bool,
    guards: Vec<Guard>,
}

/// Django's `path(route, view)`: `route` has no leading `/`.
pub fn path(route: &str, target: impl Into<Target>) -> UrlPattern {
    UrlPattern {
        route: route.trim_start_matches('/').to_string(),
        target: target.into(),
        name: None,
        csrf_exempt: false,
        guards: Vec::new(),
    }
}

/// Django's `include(patterns)`: mounts `patterns` under the route of the
/// enclosing [`path`].
pub fn include(patterns: impl IntoIterator<Item = UrlPattern>) -> Target {
    Target::Include(patterns.into_iter().collect())
}

impl UrlPattern {
    /// Names the route (Django's `name=`); shown by the `routes` command.
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// Django's `@csrf_exempt`: unsafe methods on this route (and every route it
    /// includes) skip the CSRF check. Meant for webhooks, which then read the
    /// raw body bytes.
    pub fn csrf_exempt(mut self) -> Self {
        self.csrf_exempt = true;
        self
    }

    /// Lets only the users `guard` passes reach this route (and every route
    /// it includes); several guards must all pass. Refused requests get
    /// DRF's JSON answers: 401 `{"detail": "Authentication credentials were
    /// not provided."}` for an anonymous one, 403 `{"detail": "You do not
    /// have permission to perform this action."}` for a user who fails.
    ///
    /// ```
    /// use tandem::auth::{login_required, permission_required};
    /// use tandem::urls::{include, path};
    /// use tandem::views::get;
    /// # async fn me() -> &'static str { "me" }
    /// # async fn stock() -> &'static str { "12" }
    ///
    /// let patterns = vec![
    ///     path("me/", get(me)).guard(login_required()),
    ///     path("staff/", include(vec![path("stock/", get(stock))])).guard(permission_required("shop.change_product")),
    /// ];
    /// ```
    pub fn guard(mut self, guard: Guard) -> Self {
        self.guards.push(guard);
        self
    }

    fn flatten(self, prefix: &str, exempt: bool, guards: &[Guard], out: &mut Vec<Flat>) {
        let route = format!("{prefix}{}", self.route);
        let exempt = exempt || self.csrf_exempt;
        let guards: Vec<Guard> = guards.iter().chain(&self.guards).cloned().collect();
        match self.target {
            Target::View(view) => out.push((route, self.name, exempt, guards, *view)),
            Target::Include(children) => {
                for child in children {
                    child.flatten(&route, exempt, &guards, out);
                }
            }
        }
    }
}

/// A pattern flattened: its full route, name, CSRF exemption, guards and view.
type Flat = (String, Option<String>, bool, Vec<Guard>, View);

/// `service` behind `guards` (DRF's 401/403 JSON answers when refused).
fn guarded(service: MethodRouter, guards: Vec<Guard>) -> MethodRouter {
    if guards.is_empty() {
        return service;
    }
    let guards: Arc<[Guard]> = guards.into();
    service.layer(axum::middleware::from_fn(move |request: Request, next: Next| {
        let guards = guards.clone();
        async move {
            let user = request.extensions().get::<CurrentUser>().cloned().unwrap_or_default();
            let Some(db) = request.extensions().get::<crate::context::AppContext>().map(|ctx| ctx.db.clone()) else {
                return ApiError::internal("guarded view without an application context").into_response();
            };
            match Guard::check_all(&guards, &user, &db).await {
                Ok(()) => next.run(request).await,
                Err(Refusal::Login) => ApiError::new(StatusCode::UNAUTHORIZED, NOT_AUTHENTICATED).into_response(),
                Err(Refusal::Permission) => ApiError::new(StatusCode::FORBIDDEN, PERMISSION_DENIED).into_response(),
                Err(Refusal::Failed(error)) => ApiError::internal(error).into_response(),
            }
        }
    }))
}

/// One resolved entry of the URL configuration.
pub struct Route {
    pattern: Pattern,
    name: Option<String>,
    csrf_exempt: bool,
    view: View,
    guards: Vec<Guard>,
    service: MethodRouter,
}

impl Route {
    /// The full route text, e.g. `api/shop/products/<int:pk>/`.
    pub fn route(&self) -> &str {
        self.pattern.route()
    }

    /// The compiled pattern.
    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// The route's name, if given.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Whether the route is exempt from CSRF checks.
    pub fn is_csrf_exempt(&self) -> bool {
        self.csrf_exempt
    }

    /// The guards a request must pass (see [`UrlPattern::guard`]).
    ///
    /// ```
    /// # async fn me() -> &'static str { "me" }
    /// let conf = tandem::urls::UrlConf::new(vec![
    ///     tandem::urls::path("me/", tandem::views::get(me)).guard(tandem::auth::login_required()),
    /// ]).unwrap();
    /// assert_eq!(conf.routes()[0].guards()[0].name(), "login_required");
    /// ```
    pub fn guards(&self) -> &[Guard] {
        &self.guards
    }

    /// The view: its methods and handler names.
    pub fn view(&self) -> &View {
        &self.view
    }

    pub(crate) fn service(&self) -> MethodRouter {
        self.service.clone()
    }
}

/// A flattened, compiled URL configuration: the backend's `ROOT_URLCONF`.
#[derive(Clone)]
pub struct UrlConf {
    routes: Arc<Vec<Route>>,
}

/// The outcome of resolving a path: which route, with which parameters.
#[derive(Clone, Debug)]
pub struct ResolvedRoute {
    /// Index into [`UrlConf::routes`].
    pub index: usize,
    /// The matched route text.
    pub route: String,
    /// Whether the route is CSRF exempt.
    pub csrf_exempt: bool,
    /// The captured parameters, converted text.
    pub kwargs: Vec<(String, String)>,
}

impl UrlConf {
    /// Flattens and compiles `patterns`.
    pub fn new(patterns: Vec<UrlPattern>) -> Result<Self, PatternError> {
        let mut flat = Vec::new();
        for p in patterns {
            p.flatten("", false, &[], &mut flat);
        }
        let routes = flat
            .into_iter()
            .map(|(route, name, csrf_exempt, guards, view)| {
                Ok(Route {
                    pattern: Pattern::compile(&route)?,
                    name,
                    csrf_exempt,
                    service: guarded(view.clone().into_method_router(), guards.clone()),
                    guards,
                    view,
                })
            })
            .collect::<Result<Vec<_>, PatternError>>()?;
        Ok(Self { routes: Arc::new(routes) })
    }

    /// Every route, in matching order.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Resolves a request path (percent-encoded, with its leading `/`).
    pub fn resolve(&self, raw_path: &str) -> Option<ResolvedRoute> {
        let decoded = percent_encoding::percent_decode_str(raw_path).decode_utf8().ok()?;
        let path = decoded.trim_start_matches('/');
        self.routes.iter().enumerate().find_map(|(index, r)| {
            r.pattern.matches(path).map(|kwargs| ResolvedRoute {
                index,
                route: r.route().to_string(),
                csrf_exempt: r.csrf_exempt,
                kwargs,
            })
        })
    }

    pub(crate) fn route(&self, index: usize) -> Option<&Route> {
        self.routes.get(index)
    }
}

/// The parameters captured from the URL, Django's view `kwargs`.
///
/// ```
/// # use tandem::urls::Kwargs;
/// async fn detail(kwargs: Kwargs) -> String {
///     match kwargs.get::<i64>("pk") {
///         Some(pk) => format!("#{pk}"),
///         None => "no pk".into(),
///     }
/// }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Kwargs(pub Vec<(String, String)>);

impl Kwargs {
    /// The parameter `name` parsed as `T`; `None` if absent or not a `T`.
    pub fn get<T: FromStr>(&self, name: &str) -> Option<T> {
        self.raw(name)?.parse().ok()
    }

    /// The parameter's text.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Kwargs {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<ResolvedRoute>().map(|r| Kwargs(r.kwargs.clone())).unwrap_or_default())
    }
}
