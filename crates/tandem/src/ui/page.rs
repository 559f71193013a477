//! Pages: a route, a title, a component function and the state it binds to,
//! with an optional `on_load` event run before the first paint and the meta
//! tags of the document's `<head>`.
//!
//! ```ignore
//! App::new(env!("CARGO_MANIFEST_DIR"))
//!     .page(Page::new("counter", "Counter", counter_view))
//!     .page(Page::new("", "Shop", catalog_view).on_load(CatalogView::load).meta("description", "Coffee gear."))
//!     .page(Page::new("products/<int:id>/reviews[/<int:page>]", "Reviews of product {id}", reviews_view))
//! ```
//!
//! The title and the meta tags' contents are templates: `{name}` is the
//! route parameter `name`, else the state's public top-level field `name`
//! (after `on_load`); `{{` and `}}` are braces.

use std::marker::PhantomData;
use std::sync::Arc;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde_json::Value;

use super::context::Shown;
use super::context::{EventContext, RouterData};
use super::delta::Op;
use super::live::{Changes, Live, LiveState, RollBack, since_pushed};
use super::node::Node;
use super::state::{EventError, Events, State, full_json};
use super::storage::ClientStorage;
use super::view::{PageEvent, StateView};
use crate::auth::Guard;
use crate::http::html_escape;
use crate::urls::{Pattern, PatternError};

/// One page of the UI.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use tandem::ui::node::*;
/// use tandem::ui::{Page, State, View, events};
///
/// #[derive(Default, Serialize, Deserialize, State)]
/// pub struct Blog { pub heading: String }
///
/// #[events]
/// impl Blog {
///     pub async fn load(&mut self) { self.heading = "News".into() }
/// }
///
/// fn view(s: &View<Blog>) -> Node { h1().child(s.heading) }
///
/// // `/blog` and `/blog/2`: `page` is absent from the router data at `/blog`.
/// let page = Page::new("blog[/<int:page>]", "Blog, page {page}", view)
///     .on_load(BlogView::load)
///     .meta("description", "What we are up to.")
///     .meta_property("og:title", "{heading}")
///     .canonical("/blog");
/// assert_eq!(page.route, "blog[/<int:page>]");
/// ```
#[derive(Clone)]
pub struct Page {
    /// The route without leading `/`: URL-pattern syntax (`products/<int:id>`,
    /// `docs/<path:rest>`) plus optional groups (`blog[/<int:page>]`).
    pub route: String,
    /// The page's name for [`reverse`](crate::urls::reverse), if given.
    pub name: Option<String>,
    /// The `<title>`, a template (`Product {id}`).
    pub title: String,
    /// The `<head>` tags besides the title, in order; contents are templates.
    pub head: Vec<HeadTag>,
    /// The event run before the first paint, if any.
    pub on_load: Option<String>,
    /// Topic → the event that refreshes the page when data under the topic
    /// changes (see [`Page::live`]).
    pub live: Vec<(String, String)>,
    /// The component function.
    view: Arc<dyn Fn() -> Node + Send + Sync>,
    /// Events named outside the view by a typed handler, with the state
    /// each belongs to (checked at start-up against the page's).
    pub(crate) typed_events: Vec<(String, &'static str)>,
    /// Who may see the page (see [`Page::guard`]); all must pass.
    pub guards: Vec<Guard>,
    /// Event → who may run it (see [`Page::guard_event`]).
    pub event_guards: Vec<(String, Guard)>,
    pub(crate) kind: Arc<dyn StateKind>,
}

impl Page {
    /// A page at `route` (`""` for `/`, `products/<int:id>`), titled `title`,
    /// rendered by `view`, a function of its state's view: the page's state
    /// is the one `view` takes.
    ///
    /// ```ignore
    /// Page::new("counter", "Counter", counter::view) // fn view(s: &View<Counter>) -> Node
    /// ```
    pub fn new<V>(route: &str, title: &str, view: fn(&V) -> Node) -> Self
    where
        V: StateView,
        V::State: Events,
    {
        Self::with_view::<V::State>(route, title, Arc::new(move || view(&V::__new())))
    }

    /// The escape hatch: a page bound to state `S` whose view names fields
    /// and events as strings (`bind("count")`, `event("increment")`), for
    /// views generated at run time (the admin, `ModelState`). Every name
    /// is checked against `S` when the application starts.
    ///
    /// ```ignore
    /// Page::dynamic::<Counter>("counter", "Counter", || p().child(bind("count")))
    /// ```
    pub fn dynamic<S: State + Events>(route: &str, title: &str, view: fn() -> Node) -> Self {
        Self::with_view::<S>(route, title, Arc::new(view))
    }

    fn with_view<S: State + Events>(route: &str, title: &str, view: Arc<dyn Fn() -> Node + Send + Sync>) -> Self {
        Page {
            route: route.trim_start_matches('/').to_string(),
            name: None,
            title: title.to_string(),
            head: Vec::new(),
            on_load: None,
            live: Vec::new(),
            view,
            typed_events: Vec::new(),
            guards: Vec::new(),
            event_guards: Vec::new(),
            kind: Arc::new(Kind::<S>(PhantomData)),
        }
    }

    /// The page's component tree.
    ///
    /// ```ignore
    /// let html = render(&page.view(), &data);
    /// ```
    pub fn view(&self) -> Node {
        (self.view)()
    }

    /// The name of `event`, remembering the state of a typed one.
    fn event_name<M>(&mut self, event: impl PageEvent<M>) -> String {
        let (name, state) = event.event();
        if let Some(state) = state {
            self.typed_events.push((name.clone(), state));
        }
        name
    }

    /// Names the page for [`reverse`](crate::urls::reverse) (Django's
    /// `path(…, name="product")`), so links to it are built, not written.
    ///
    /// ```ignore
    /// Page::new("products/<int:id>", "Product {id}", product::view).name("product")
    /// // elsewhere: tandem::urls::reverse("product", [("id", 3)])? == "/products/3"
    /// ```
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// Runs event `event` before every first paint of the page and whenever
    /// a tab navigates to it.
    ///
    /// ```ignore
    /// Page::new("", "Shop", catalog_view).on_load(CatalogView::load)
    /// ```
    pub fn on_load<M>(mut self, event: impl PageEvent<M>) -> Self {
        self.on_load = Some(self.event_name(event));
        self
    }

    /// Lets only the users `guard` passes see the page (Django's
    /// `@login_required` on a view; several guards must all pass). Over
    /// HTTP, an anonymous visitor is redirected (302) to `[auth] login_url`
    /// with `?next=` the page, and a logged-in user who fails the guard gets
    /// 403. Over the socket, a refused `hello` creates no state (`on_load`
    /// does not run) and gets an `error` frame whose `navigate` the runtime
    /// follows; every event of the page is checked again.
    ///
    /// ```ignore
    /// Page::new("account", "Account", account_view).guard(login_required())
    /// ```
    pub fn guard(mut self, guard: Guard) -> Self {
        self.guards.push(guard);
        self
    }

    /// Lets only the users `guard` passes run `event` (checked at start-up
    /// like every event name a page writes): anyone else gets an `error`
    /// frame ("Log in to do this.", "You do not have permission to do
    /// this.") and the state is untouched.
    ///
    /// ```ignore
    /// Page::new("", "Shop", catalog_view).guard_event(CatalogView::archive, permission_required("shop.change_product"))
    /// ```
    pub fn guard_event<M>(mut self, event: impl PageEvent<M>, guard: Guard) -> Self {
        let event = self.event_name(event);
        self.event_guards.push((event, guard));
        self
    }

    /// The guards `event` must pass: the page's, then the event's own.
    ///
    /// ```ignore
    /// Guard::check_all(&page.guards_of("archive"), &ctx.user, &ctx.db).await?;
    /// ```
    pub fn guards_of(&self, event: &str) -> Vec<Guard> {
        let own = self.event_guards.iter().filter(|(name, _)| name == event).map(|(_, guard)| guard);
        self.guards.iter().chain(own).cloned().collect()
    }

    /// Keeps the page live on `topic`: whenever data under it changes
    /// anywhere (a REST write to the table `topic`, `ctx.changed(topic)`,
    /// `Engine::broadcast`), every connected tab showing the page runs
    /// `event`, in order with its own events, in whichever process holds
    /// its connection.
    ///
    /// ```ignore
    /// Page::new("", "Shop", catalog_view).on_load(CatalogView::load).live("shop_product", CatalogView::load)
    /// ```
    pub fn live<M>(mut self, topic: &str, event: impl PageEvent<M>) -> Self {
        let event = self.event_name(event);
        self.live.push((topic.to_string(), event));
        self
    }

    /// The event that refreshes the page when `topic` changes.
    pub fn live_event(&self, topic: &str) -> Option<&str> {
        self.live.iter().find(|(t, _)| t == topic).map(|(_, event)| event.as_str())
    }

    /// Adds `<meta name="{name}" content="{content}">`; `content` is a template.
    ///
    /// ```ignore
    /// Page::new("", "Shop", catalog_view).meta("description", "Coffee gear, roasted and brewed.")
    /// ```
    pub fn meta(mut self, name: &str, content: &str) -> Self {
        self.head.push(HeadTag::Meta { name: name.to_string(), content: content.to_string() });
        self
    }

    /// Adds `<meta property="{property}" content="{content}">`, as Open Graph
    /// wants it; `content` is a template.
    ///
    /// ```ignore
    /// Page::new("products/<int:id>", "Product {id}", view).meta_property("og:title", "{name}")
    /// ```
    pub fn meta_property(mut self, property: &str, content: &str) -> Self {
        self.head.push(HeadTag::Property { property: property.to_string(), content: content.to_string() });
        self
    }

    /// Adds `<link rel="canonical" href="{href}">`; `href` is a template.
    ///
    /// ```ignore
    /// Page::new("products/<int:id>", "Product {id}", view).canonical("/products/{id}")
    /// ```
    pub fn canonical(mut self, href: &str) -> Self {
        self.head.push(HeadTag::Canonical { href: href.to_string() });
        self
    }

    /// The state's name.
    ///
    /// ```ignore
    /// assert_eq!(Page::new("counter", "Counter", view).state_name(), "counter");
    /// ```
    pub fn state_name(&self) -> &'static str {
        self.kind.name()
    }

    pub(crate) fn pattern(&self) -> Result<Pattern, PatternError> {
        Pattern::compile_page(&self.route)
    }

    /// The title for `router` and the state's public `data`.
    pub(crate) fn title_for(&self, router: &RouterData, data: &Value) -> String {
        fill(&self.title, router, data)
    }

    /// The `<head>` tags for `router` and `data`, as escaped HTML.
    pub(crate) fn head_html(&self, router: &RouterData, data: &Value) -> String {
        let attr = |template: &str| html_escape(&fill(template, router, data));
        self.head
            .iter()
            .map(|tag| match tag {
                HeadTag::Meta { name, content } => {
                    format!("<meta name=\"{}\" content=\"{}\">", html_escape(name), attr(content))
                }
                HeadTag::Property { property, content } => {
                    format!("<meta property=\"{}\" content=\"{}\">", html_escape(property), attr(content))
                }
                HeadTag::Canonical { href } => format!("<link rel=\"canonical\" href=\"{}\">", attr(href)),
            })
            .collect()
    }
}

/// A tag of a page's `<head>`, besides the title (see [`Page::meta`],
/// [`Page::meta_property`], [`Page::canonical`]).
///
/// ```
/// use tandem::ui::page::HeadTag;
/// let tag = HeadTag::Meta { name: "description".into(), content: "Coffee gear.".into() };
/// assert!(matches!(tag, HeadTag::Meta { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadTag {
    /// `<meta name="…" content="…">`
    Meta {
        /// The `name` attribute (`description`, `robots`).
        name: String,
        /// The content template.
        content: String,
    },
    /// `<meta property="…" content="…">` (Open Graph: `og:title`).
    Property {
        /// The `property` attribute.
        property: String,
        /// The content template.
        content: String,
    },
    /// `<link rel="canonical" href="…">`
    Canonical {
        /// The URL template.
        href: String,
    },
}

/// Fills `{name}` in `template` with route parameter `name`, else the
/// public state's top-level field `name` (text as it is, numbers and
/// booleans written out, anything else empty); `{{` and `}}` are braces.
fn fill(template: &str, router: &RouterData, data: &Value) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        let close = if tail.starts_with('{') { tail.find('}') } else { None };
        let Some(close) = close else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
            continue;
        };
        let name = &tail[1..close];
        match router.params.get(name) {
            Some(value) => out.push_str(value),
            None => match data.get(name) {
                Some(Value::String(text)) => out.push_str(text),
                Some(value @ (Value::Number(_) | Value::Bool(_))) => out.push_str(&value.to_string()),
                _ => {}
            },
        }
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A state type, erased: what the engine needs to run it.
pub(crate) trait StateKind: Send + Sync {
    fn name(&self) -> &'static str;
    /// The names the state offers a page (see [`super::check`]).
    fn names(&self) -> super::check::Names;
    /// The full JSON of a new state.
    fn fresh(&self) -> Result<Value, EventError>;
    /// The state's value from its full JSON (`None`: a new state).
    fn live(&self, full: Option<&Value>) -> Result<Box<dyn LiveState>, EventError>;
    /// The state's value from its full JSON as text.
    fn decode_text(&self, text: &str) -> Result<Box<dyn LiveState>, EventError>;
    /// The shortest interval allowed between two `event`s of one tab.
    fn throttle(&self, event: &str) -> Option<std::time::Duration>;
    /// The client storage fields and where each is kept.
    fn storage(&self) -> &'static [(&'static str, ClientStorage)];
    /// `full` with its client storage fields set from what the browser kept.
    fn restore(&self, full: Value, stored: &serde_json::Map<String, Value>) -> Value;
    /// Runs an event on `live` in place and saves the session: the changes
    /// to the public state (since what the handler pushed, if it pushed).
    /// A handler error or panic (or a failed session save) rolls `live`
    /// back and returns the changes that take a push back.
    fn run<'a>(
        &'a self,
        live: &'a mut dyn LiveState,
        event: &'a str,
        args: Value,
        ctx: &'a mut EventContext,
    ) -> BoxFuture<'a, Result<Changes, Failed>>;
}

/// Why an event failed, and what takes back the state it pushed meanwhile.
pub(crate) struct Failed {
    pub(crate) error: EventError,
    pub(crate) undo: Vec<super::delta::Op>,
}

impl From<EventError> for Failed {
    fn from(error: EventError) -> Self {
        Failed { error, undo: Vec::new() }
    }
}

struct Kind<S>(PhantomData<fn() -> S>);

pub(crate) fn stored<S: State>(full: &Value) -> Result<S, EventError> {
    S::deserialize(full).map_err(|e| {
        tracing::error!(state = S::NAME, %e, "stored state does not match its type");
        EventError::new("This page's saved state no longer fits; reload the page.")
    })
}

impl<S: State + Events> StateKind for Kind<S> {
    fn name(&self) -> &'static str {
        S::NAME
    }

    fn names(&self) -> super::check::Names {
        let keys: Vec<String> = match self.fresh() {
            Ok(Value::Object(full)) => full.keys().cloned().collect(),
            _ => Vec::new(),
        };
        let (public, backend) = keys.into_iter().partition(|key| super::state::is_public::<S>(key));
        super::check::Names { state: S::NAME, public, backend, events: S::event_names(), computed: S::computed() }
    }

    fn fresh(&self) -> Result<Value, EventError> {
        full_json(&S::default(), None)
    }

    fn live(&self, full: Option<&Value>) -> Result<Box<dyn LiveState>, EventError> {
        Ok(Box::new(Live::<S>::decode(full)?))
    }

    fn decode_text(&self, text: &str) -> Result<Box<dyn LiveState>, EventError> {
        Ok(Box::new(Live::<S>::decode_text(text)?))
    }

    fn throttle(&self, event: &str) -> Option<std::time::Duration> {
        S::throttle(event)
    }

    fn storage(&self) -> &'static [(&'static str, ClientStorage)] {
        S::client_storage()
    }

    fn restore(&self, full: Value, stored: &serde_json::Map<String, Value>) -> Value {
        super::storage::restore::<S>(full, stored)
    }

    fn run<'a>(
        &'a self,
        live: &'a mut dyn LiveState,
        event: &'a str,
        args: Value,
        ctx: &'a mut EventContext,
    ) -> BoxFuture<'a, Result<Changes, Failed>> {
        Box::pin(async move {
            let live = live
                .as_any_mut()
                .downcast_mut::<Live<S>>()
                .ok_or_else(|| EventError::new(format!("the tab's state is not a `{}`", S::NAME)))?;
            let before = Arc::new(live.before(Some(event)));
            ctx.state = S::NAME;
            if let Some(pushing) = &mut ctx.pushing {
                pushing.shown = Shown::Before(before.clone());
            }
            // Rolls back if this future is dropped before the end, too.
            let mut guard = RollBack { live, before, armed: true };
            let outcome =
                std::panic::AssertUnwindSafe(guard.live.state.dispatch(event, args, ctx)).catch_unwind().await;
            let outcome = match outcome {
                Ok(Ok(())) => ctx.save_session().await.map_err(EventError::from),
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
            };
            // What the handler pushed, if it pushed anything.
            let pushed = match ctx.pushing.as_mut().map(|pushing| std::mem::replace(&mut pushing.shown, Shown::Done)) {
                Some(Shown::Pushed(pushed)) => Some(pushed),
                _ => None,
            };
            let changes = outcome.and_then(|()| guard.live.changes(&guard.before));
            let error = match changes {
                Ok(changes) => {
                    guard.armed = false;
                    return match pushed {
                        Some(pushed) => {
                            // Streams are never pushed: their changes follow.
                            let mut ops = since_pushed(&pushed, &*guard.live)?;
                            ops.extend(changes.ops.into_iter().filter(|op| matches!(op, Op::Stream { .. })));
                            Ok(Changes { ops, changed: changes.changed })
                        }
                        None => Ok(changes),
                    };
                }
                Err(error) => error,
            };
            guard.armed = false;
            guard.live.roll_back(&guard.before);
            let undo = match pushed {
                Some(pushed) => since_pushed(&pushed, &*guard.live)?,
                None => Vec::new(),
            };
            Err(Failed { error, undo })
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ui::node::p;
    use crate::ui::not_found::NotFound;

    fn router(params: &[(&str, &str)]) -> RouterData {
        RouterData {
            path: "/x".into(),
            params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            query: Default::default(),
        }
    }

    #[test]
    fn templates_take_route_parameters_then_state_fields() {
        let data = json!({"id": 99, "name": "Mug", "page": 1, "on": true, "rows": [1], "none": null});
        assert_eq!(fill("Product {id}: {name}", &router(&[("id", "3")]), &data), "Product 3: Mug");
        assert_eq!(fill("page {page}", &router(&[]), &data), "page 1", "an absent parameter: the field");
        assert_eq!(fill("{on}|{rows}|{none}|{missing}", &router(&[]), &data), "true|||");
        assert_eq!(fill("{{id}} {id}}} {", &router(&[("id", "3")]), &data), "{id} 3} {");
        assert_eq!(fill("a } b", &router(&[]), &data), "a } b");
    }

    #[test]
    fn head_tags_are_filled_and_escaped() {
        let page = Page::dynamic::<NotFound>("", "T", p)
            .meta("description", "About {name} & more")
            .meta_property("og:title", "{name}")
            .canonical("/p/{id}?a=1&b=2");
        let html = page.head_html(&router(&[("id", "3")]), &json!({"name": "<\"Mug\">"}));
        assert_eq!(
            html,
            "<meta name=\"description\" content=\"About &lt;&quot;Mug&quot;&gt; &amp; more\">\
             <meta property=\"og:title\" content=\"&lt;&quot;Mug&quot;&gt;\">\
             <link rel=\"canonical\" href=\"/p/3?a=1&amp;b=2\">"
        );
        let hostile = Page::dynamic::<NotFound>("", "T", p).meta("x\" onload=\"y", "z");
        assert!(hostile.head_html(&router(&[]), &json!({})).starts_with("<meta name=\"x&quot; onload=&quot;y\""));
    }
}
