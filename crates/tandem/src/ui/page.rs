//! Pages: a route, a title, a component function and the state it binds to,
//! with an optional `on_load` event run before the first paint.
//!
//! ```ignore
//! App::new(env!("CARGO_MANIFEST_DIR"))
//!     .page(Page::new::<Counter>("counter", "Counter", counter_view))
//!     .page(Page::new::<Catalog>("", "Shop", catalog_view).on_load("load"))
//! ```

use std::marker::PhantomData;
use std::sync::Arc;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde_json::Value;

use super::context::EventContext;
use super::node::Node;
use super::state::{EventError, Events, State, refresh_computed};
use crate::urls::{Pattern, PatternError};

/// One page of the UI.
#[derive(Clone)]
pub struct Page {
    /// The route without leading `/`, in URL-pattern syntax: `products/<int:id>`.
    pub route: String,
    /// The `<title>`.
    pub title: String,
    /// The event run before the first paint, if any.
    pub on_load: Option<String>,
    /// The component function.
    pub view: fn() -> Node,
    pub(crate) kind: Arc<dyn StateKind>,
}

impl Page {
    /// A page at `route` (`""` for `/`, `products/<int:id>`), titled `title`,
    /// rendered by `view` and bound to state `S`.
    pub fn new<S: State + Events>(route: &str, title: &str, view: fn() -> Node) -> Self {
        Page {
            route: route.trim_start_matches('/').to_string(),
            title: title.to_string(),
            on_load: None,
            view,
            kind: Arc::new(Kind::<S>(PhantomData)),
        }
    }

    /// Runs event `event` before every first paint of the page.
    pub fn on_load(mut self, event: &str) -> Self {
        self.on_load = Some(event.to_string());
        self
    }

    /// The state's name.
    pub fn state_name(&self) -> &'static str {
        self.kind.name()
    }

    pub(crate) fn pattern(&self) -> Result<Pattern, PatternError> {
        Pattern::compile(&self.route)
    }
}

/// A state type, erased: what the engine needs to run it from stored JSON.
pub(crate) trait StateKind: Send + Sync {
    fn name(&self) -> &'static str;
    /// The full JSON of a new state.
    fn fresh(&self) -> Result<Value, EventError>;
    /// The public part of a full JSON.
    fn public(&self, full: &Value) -> Result<Value, EventError>;
    /// Runs an event on a state given as full JSON, returning the new full
    /// JSON. A handler error or panic leaves nothing changed.
    fn run<'a>(
        &'a self,
        full: Value,
        event: &'a str,
        args: Value,
        ctx: &'a mut EventContext,
    ) -> BoxFuture<'a, Result<Value, EventError>>;
}

struct Kind<S>(PhantomData<fn() -> S>);

fn stored<S: State>(full: Value) -> Result<S, EventError> {
    serde_json::from_value(full).map_err(|e| {
        tracing::error!(state = S::NAME, %e, "stored state does not match its type");
        EventError::new("This page's saved state no longer fits; reload the page.")
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, EventError> {
    serde_json::to_value(value).map_err(|e| EventError::new(format!("state is not serializable: {e}")))
}

impl<S: State + Events> StateKind for Kind<S> {
    fn name(&self) -> &'static str {
        S::NAME
    }

    fn fresh(&self) -> Result<Value, EventError> {
        let state = S::default();
        let mut full = to_json(&state)?;
        refresh_computed(&state, None, &mut full);
        Ok(full)
    }

    fn public(&self, full: &Value) -> Result<Value, EventError> {
        let mut public = full.clone();
        if let Value::Object(map) = &mut public {
            for field in S::backend_fields() {
                map.remove(*field);
            }
            for computed in S::computed().iter().filter(|c| c.backend) {
                map.remove(computed.name);
            }
        }
        Ok(public)
    }

    fn run<'a>(
        &'a self,
        full: Value,
        event: &'a str,
        args: Value,
        ctx: &'a mut EventContext,
    ) -> BoxFuture<'a, Result<Value, EventError>> {
        Box::pin(async move {
            let mut state: S = stored(full.clone())?;
            let outcome = std::panic::AssertUnwindSafe(state.dispatch(event, args, ctx)).catch_unwind().await;
            match outcome {
                Ok(Ok(())) => {
                    let mut after = to_json(&state)?;
                    refresh_computed(&state, Some(&full), &mut after);
                    Ok(after)
                }
                Ok(Err(error)) => Err(error),
                Err(panic) => {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    tracing::error!(state = S::NAME, event, panic = %what, "event handler panicked");
                    Err(EventError::new("A server error occurred."))
                }
            }
        })
    }
}
