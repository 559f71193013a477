//! Views: axum handlers bound to HTTP methods, Django's `require_GET` /
//! `require_POST` in Rust.
//!
//! A [`View`] remembers which methods it answers and which function handles
//! each, so the `routes` command can print them and a request with another
//! method gets `405 Method Not Allowed` with an `Allow` header listing exactly
//! the declared methods (HEAD is answered for GET, as axum does, but not listed).
//!
//! ```
//! use tandem::views::{get, View};
//!
//! async fn hello() -> &'static str { "hello" }
//! async fn create() -> &'static str { "created" }
//!
//! let view: View = get(hello).post(create);
//! assert_eq!(view.allow_header(), "GET, POST");
//! ```

use std::sync::Arc;

use axum::handler::Handler;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;

use crate::config::Settings;

/// A handler per HTTP method, plus what the `routes` command shows of it.
#[derive(Clone)]
pub struct View {
    router: MethodRouter,
    handlers: Vec<(Method, &'static str)>,
    answers_every_method: bool,
    openapi: Vec<OpenApiSource>,
}

/// Where a view's OpenAPI operations come from: given by hand, or generated
/// from the settings when the schema is served (the REST layer's viewsets).
#[derive(Clone)]
enum OpenApiSource {
    Given(Method, serde_json::Value),
    Generated(OperationsFn),
}

type OperationsFn = Arc<dyn Fn(&Settings) -> Vec<(Method, serde_json::Value)> + Send + Sync>;

macro_rules! method_fns {
    ($($name:ident => $method:ident),* $(,)?) => {
        $(
            #[doc = concat!("A view answering `", stringify!($method), "` with `handler`.")]
            pub fn $name<H, T>(handler: H) -> View
            where
                H: Handler<T, ()>,
                T: 'static,
            {
                View::empty().on(Method::$method, handler)
            }
        )*

        impl View {
            $(
                #[doc = concat!("Also answers `", stringify!($method), "` with `handler`.")]
                pub fn $name<H, T>(self, handler: H) -> Self
                where
                    H: Handler<T, ()>,
                    T: 'static,
                {
                    self.on(Method::$method, handler)
                }
            )*
        }
    };
}

method_fns!(get => GET, post => POST, put => PUT, patch => PATCH, delete => DELETE);

impl View {
    fn empty() -> Self {
        Self { router: MethodRouter::new(), handlers: Vec::new(), answers_every_method: false, openapi: Vec::new() }
    }

    /// Answers `method` with `handler`.
    pub fn on<H, T>(mut self, method: Method, handler: H) -> Self
    where
        H: Handler<T, ()>,
        T: 'static,
    {
        let filter = axum::routing::MethodFilter::try_from(method.clone()).unwrap_or(axum::routing::MethodFilter::GET);
        self.router = self.router.on(filter, handler);
        self.handlers.push((method, std::any::type_name::<H>()));
        self
    }

    /// Wraps an existing axum [`MethodRouter`]; `handlers` lists what it answers,
    /// for the `routes` command and the `Allow` header.
    pub fn from_method_router(router: MethodRouter, handlers: Vec<(Method, &'static str)>) -> Self {
        Self { router, handlers, answers_every_method: false, openapi: Vec::new() }
    }

    /// A view whose `handler` answers every method itself, including the 405
    /// for methods it does not support (the REST layer's viewsets do, in
    /// DRF's format); `handlers` is what the `routes` command shows.
    pub fn answering_every_method<H, T>(handler: H, handlers: Vec<(Method, &'static str)>) -> Self
    where
        H: Handler<T, ()>,
        T: 'static,
    {
        Self {
            router: MethodRouter::new().fallback(handler),
            handlers,
            answers_every_method: true,
            openapi: Vec::new(),
        }
    }

    /// Documents `method` of this view in the OpenAPI schema with an
    /// [OpenAPI operation object](https://spec.openapis.org/oas/v3.1.0#operation-object).
    ///
    /// ```
    /// use axum::http::Method;
    /// use serde_json::json;
    /// # async fn ping() -> &'static str { "pong" }
    /// let view = tandem::views::get(ping)
    ///     .openapi(Method::GET, json!({"summary": "Liveness", "responses": {"200": {"description": "pong"}}}));
    /// # let settings = tandem::config::Settings::from_toml_str("[app]\nname = \"x\"", std::path::Path::new("T.toml")).unwrap();
    /// assert_eq!(view.openapi_operations(&settings).len(), 1);
    /// ```
    pub fn openapi(mut self, method: Method, operation: serde_json::Value) -> Self {
        self.openapi.push(OpenApiSource::Given(method, operation));
        self
    }

    /// Documents the view with operations computed from the settings when
    /// the schema is served.
    pub fn openapi_generated(
        mut self,
        operations: impl Fn(&Settings) -> Vec<(Method, serde_json::Value)> + Send + Sync + 'static,
    ) -> Self {
        self.openapi.push(OpenApiSource::Generated(Arc::new(operations)));
        self
    }

    /// The documented operations, by method (a later one for the same method wins).
    pub fn openapi_operations(&self, settings: &Settings) -> Vec<(Method, serde_json::Value)> {
        let mut operations: Vec<(Method, serde_json::Value)> = Vec::new();
        for source in &self.openapi {
            let produced = match source {
                OpenApiSource::Given(method, operation) => vec![(method.clone(), operation.clone())],
                OpenApiSource::Generated(generate) => generate(settings),
            };
            for (method, operation) in produced {
                operations.retain(|(m, _)| *m != method);
                operations.push((method, operation));
            }
        }
        operations
    }

    /// The methods and handler names, in declaration order.
    pub fn handlers(&self) -> &[(Method, &'static str)] {
        &self.handlers
    }

    /// The `Allow` header value: the declared methods, comma separated.
    pub fn allow_header(&self) -> String {
        self.handlers.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// The axum router that serves this view, answering undeclared methods
    /// with 405 and the `Allow` header.
    pub(crate) fn into_method_router(self) -> MethodRouter {
        if self.answers_every_method {
            return self.router;
        }
        let allow = HeaderValue::from_str(&self.allow_header()).unwrap_or(HeaderValue::from_static(""));
        self.router.fallback(move || async move { method_not_allowed(allow) })
    }
}

fn method_not_allowed(allow: HeaderValue) -> Response {
    (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, allow)]).into_response()
}
