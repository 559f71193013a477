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

use axum::handler::Handler;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;

/// A handler per HTTP method, plus what the `routes` command shows of it.
#[derive(Clone)]
pub struct View {
    router: MethodRouter,
    handlers: Vec<(Method, &'static str)>,
}

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
        Self { router: MethodRouter::new(), handlers: Vec::new() }
    }

    /// Answers `method` with `handler`.
    pub fn on<H, T>(mut self, method: Method, handler: H) -> Self
    where
        H: Handler<T, ()>,
        T: 'static,
    {
        let filter = axum::routing::MethodFilter::try_from(method.clone())
            .unwrap_or(axum::routing::MethodFilter::GET);
        self.router = self.router.on(filter, handler);
        self.handlers.push((method, std::any::type_name::<H>()));
        self
    }

    /// Wraps an existing axum [`MethodRouter`]; `handlers` lists what it answers,
    /// for the `routes` command and the `Allow` header.
    pub fn from_method_router(router: MethodRouter, handlers: Vec<(Method, &'static str)>) -> Self {
        Self { router, handlers }
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
        let allow = HeaderValue::from_str(&self.allow_header()).unwrap_or(HeaderValue::from_static(""));
        self.router.fallback(move || async move { method_not_allowed(allow) })
    }
}

fn method_not_allowed(allow: HeaderValue) -> Response {
    (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, allow)]).into_response()
}
