//! What an event handler can reach: the database, the user of the tab's
//! session, and the page's router data.
//!
//! ```
//! use tandem::ui::{EventContext, EventError, State, events};
//! # use serde::{Deserialize, Serialize};
//! #[derive(Default, Serialize, Deserialize, State)]
//! pub struct Greeting { pub text: String }
//!
//! #[events]
//! impl Greeting {
//!     pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
//!         self.text = match ctx.user.username() {
//!             Some(name) => format!("Hello, {name}"),
//!             None => "Hello, stranger".into(),
//!         };
//!         Ok(())
//!     }
//! }
//! ```

use std::collections::BTreeMap;

use crate::db::Db;
use serde::Serialize;

use super::background::{TabHandle, Task};
use super::delta::diff;
use super::outbox::{Frame, Outbox};
use super::state::{EventError, Events, State, full_json, public_part};
use crate::auth::CurrentUser;
use crate::sessions::Session;

/// The page a tab shows: its path, the route's parameters and the query.
///
/// [`RouterData::params`] and [`RouterData::query_as`] read them as a typed
/// struct, parsed as axum's `Query` parses a query string:
///
/// ```
/// use serde::Deserialize;
/// use tandem::ui::context::RouterData;
///
/// #[derive(Deserialize)]
/// struct ProductPage { id: i64, page: Option<u64> }
///
/// let router = RouterData {
///     params: [("id".to_string(), "3".to_string())].into(),
///     ..Default::default()
/// };
/// let route: ProductPage = router.params().unwrap();
/// assert_eq!((route.id, route.page), (3, None));
/// let wrong = RouterData { params: [("id".to_string(), "x".to_string())].into(), ..Default::default() };
/// assert!(wrong.params::<ProductPage>().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RouterData {
    /// The path, e.g. `/products/3`.
    pub path: String,
    /// Parameters captured by the page's route, e.g. `id` → `3`.
    pub params: BTreeMap<String, String>,
    /// Query parameters (the last value of each).
    pub query: BTreeMap<String, String>,
}

impl RouterData {
    /// The route's parameters as `T`; an error names the parameter that
    /// does not parse (a route's converters already refuse most).
    pub fn params<T: serde::de::DeserializeOwned>(&self) -> Result<T, EventError> {
        typed(&self.params, "route parameters")
    }

    /// The query parameters as `T` (absent ones are `None` in `Option` fields).
    pub fn query_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, EventError> {
        typed(&self.query, "query parameters")
    }
}

/// `pairs` read as `T` the way a query string is.
fn typed<T: serde::de::DeserializeOwned>(pairs: &BTreeMap<String, String>, what: &str) -> Result<T, EventError> {
    let encoded = serde_urlencoded::to_string(pairs).map_err(|e| EventError::new(format!("{what}: {e}")))?;
    serde_urlencoded::from_str(&encoded).map_err(|e| EventError::new(format!("{what}: {e}")))
}

/// The context of one event.
pub struct EventContext {
    /// The application's database pool; queries run through `&ctx.db` go
    /// straight to the pool's driver (see [`crate::Db`]).
    pub db: crate::context::Db,
    /// The user of the session that owns the tab.
    pub user: CurrentUser,
    /// The page the event came from.
    pub router: RouterData,
    /// The tab's token.
    pub token: String,
    pub(crate) session_key: String,
    pub(crate) session: Option<Session>,
    pub(crate) actions: Vec<Action>,
    /// Where pushed updates go and what the browser was last shown.
    pub(crate) pushing: Option<Pushing>,
    pub(crate) queued: Vec<(String, serde_json::Value)>,
    /// The name of the state whose event runs (empty outside an event).
    pub(crate) state: &'static str,
    pub(crate) uploads: Vec<super::upload::UploadedFile>,
    pub(crate) changed: Vec<String>,
    /// The topics pages may be live on (`None`: not checked, a context
    /// made outside an engine).
    pub(crate) topics: Option<std::sync::Arc<[String]>>,
    // A mutex only to keep the context `Sync`; nothing contends for it.
    pub(crate) tasks: std::sync::Mutex<Vec<Task>>,
    /// How long the session lives once an event stores something in it.
    pub(crate) session_ages: crate::sessions::SessionSettings,
    /// The application's failed-login counts.
    pub(crate) logins: Option<std::sync::Arc<crate::auth::LoginGuard>>,
    /// The browser's address (the socket's peer), when known.
    pub client: Option<std::net::IpAddr>,
    /// The site as the browser reached it (`https://shop.example`, its host
    /// checked against `allowed_hosts`), for absolute links in mail.
    pub origin: Option<String>,
    pub(crate) mail: Option<crate::mail::Mailer>,
    pub(crate) reset_tokens: Option<std::sync::Arc<crate::auth::tokens::PasswordResetTokenGenerator>>,
}

/// The tab's queue during an event and what the browser shows meanwhile.
pub(crate) struct Pushing {
    pub(crate) outbox: Outbox,
    pub(crate) shown: Shown,
}

/// What the browser shows of the state during an event.
pub(crate) enum Shown {
    /// Nothing was pushed yet: the state as it was before the event, which
    /// the event's copies rebuild (see [`super::live`]).
    Before(std::sync::Arc<super::live::Before>),
    /// The public state pushed last.
    Pushed(serde_json::Value),
    /// No event runs (yet).
    Done,
}

impl Shown {
    /// The public JSON the browser shows of state `S`, which is `now`.
    fn public<S: State + Events>(&self, now: &S) -> std::borrow::Cow<'_, serde_json::Value> {
        match self {
            Shown::Before(before) => std::borrow::Cow::Owned(before.public(now)),
            Shown::Pushed(public) => std::borrow::Cow::Borrowed(public),
            Shown::Done => std::borrow::Cow::Owned(serde_json::Value::Null),
        }
    }
}

/// What a handler asks the browser to do once the event's changes are applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Action {
    /// Go to another page (client-side when it is one of the app's pages).
    Redirect {
        /// The path.
        to: String,
    },
    /// Show a notice.
    Notice {
        /// How it is styled.
        level: Level,
        /// The text.
        message: String,
    },
    /// Log a user in (`Some(id)`) or out (`None`) through the HTTP session;
    /// `stamp` is the user's [`tickets::stamp`](super::tickets::stamp).
    #[serde(skip)]
    Session {
        /// The user to log in, or `None` to log out.
        user_id: Option<i64>,
        /// What changes when the login is done (so its ticket works once).
        stamp: String,
    },
    /// Redeem a one-time ticket at `POST /_tandem/session`, which sets the
    /// new `sessionid` cookie (still HttpOnly).
    Redeem {
        /// The ticket.
        ticket: String,
    },
    /// Move the keyboard focus to the first element matching `selector`.
    Focus {
        /// A CSS selector.
        selector: String,
    },
    /// Scroll the first element matching `selector` into view.
    Scroll {
        /// A CSS selector.
        selector: String,
    },
    /// Set the page's title.
    Title {
        /// The new title.
        title: String,
    },
    /// Clear the inputs of the form whose submit sent the event.
    ResetForm,
    /// Offer a file for download.
    Download {
        /// The file's name.
        filename: String,
        /// Its media type.
        content_type: String,
        /// Its bytes, base64.
        base64: String,
    },
}

impl EventContext {
    /// A context for tab `token` of session `session_key`, on `router`'s page.
    pub fn new(db: Db, user: CurrentUser, router: RouterData, token: String, session_key: &str) -> Self {
        Self {
            db,
            user,
            router,
            token,
            session_key: session_key.to_string(),
            session: None,
            actions: Vec::new(),
            pushing: None,
            queued: Vec::new(),
            state: "",
            uploads: Vec::new(),
            changed: Vec::new(),
            topics: None,
            tasks: Default::default(),
            session_ages: Default::default(),
            logins: None,
            origin: None,
            mail: None,
            reset_tokens: None,
            client: None,
        }
    }

    /// Checks a username and password as the HTTP login does, counting
    /// failures per username and per browser address (`[auth]`, shared with
    /// the HTTP login and Basic auth, in Redis when configured): the user,
    /// or why not ([`LoginError::Throttled`](crate::auth::LoginError::Throttled)
    /// past the limits, without checking the password).
    ///
    /// ```ignore
    /// match ctx.authenticate(&self.username, &form.password).await {
    ///     Ok(user) => ctx.login(&user),
    ///     Err(LoginError::Invalid) => self.error = "Invalid username or password.".into(),
    ///     Err(refused) => self.error = refused.to_string(),
    /// }
    /// ```
    pub async fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> Result<crate::auth::User, crate::auth::LoginError> {
        match &self.logins {
            Some(guard) => guard.authenticate(&self.db, username, password, self.client).await,
            // Outside an application's engine: the same check, uncounted.
            None => {
                crate::auth::authenticate(&self.db, username, password).await?.ok_or(crate::auth::LoginError::Invalid)
            }
        }
    }

    /// Sends the state's current values to the browser now, while the
    /// handler goes on: a progress bar that moves during a long event. The
    /// event's own answer later carries only what changed since. If the
    /// event then fails, the browser is told to take the pushed values back.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{EventContext, State, events};
    /// #[derive(Default, Serialize, Deserialize, State)]
    /// pub struct Import { pub progress: u8 }
    ///
    /// #[events]
    /// impl Import {
    ///     pub async fn run(&mut self, ctx: &mut EventContext) {
    ///         for step in 1..=4 {
    ///             tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    ///             self.progress = step * 25;
    ///             ctx.push(self).await;
    ///         }
    ///     }
    /// }
    /// ```
    pub async fn push<S: State + Events>(&mut self, state: &S) {
        if let Some(pushing) = &mut self.pushing {
            match full_json(state, None) {
                Ok(full) => {
                    let public = public_part::<S>(&full);
                    let ops = diff(&pushing.shown.public::<S>(state), &public);
                    if !ops.is_empty() {
                        pushing.outbox.send(Frame::push(S::NAME, &ops, &[]).encode());
                        pushing.shown = Shown::Pushed(public);
                    }
                }
                Err(error) => tracing::warn!(state = S::NAME, %error, "cannot push a state"),
            }
        }
        // Lets the connection forward the frame before the handler goes on.
        tokio::task::yield_now().await;
    }

    /// The files uploaded with this event (empty unless it came from an
    /// input's `on_upload`). See [`super::upload`].
    pub fn uploads(&self) -> &[super::upload::UploadedFile] {
        &self.uploads
    }

    /// Tells every tab showing data under `topic` (`Page::live`), in every
    /// process, that it changed, once this event has succeeded. `topic` is
    /// a registered model's table or a topic declared with `App::topic`;
    /// any other name is an error naming the closest one (a misspelt topic
    /// would otherwise reach no page, silently). For a model's table,
    /// [`model_changed`](Self::model_changed) is checked by the compiler.
    ///
    /// ```
    /// # use tandem::ui::{EventContext, EventError};
    /// async fn restock(ctx: &mut EventContext) -> Result<(), EventError> {
    ///     // … prices changed in a table the app declared as a topic …
    ///     ctx.changed("prices")?;
    ///     Ok(())
    /// }
    /// ```
    pub fn changed(&mut self, topic: &str) -> Result<(), EventError> {
        if let Some(topics) = &self.topics
            && !topics.iter().any(|known| known == topic)
        {
            let hint = super::check::topic_hint(topic, topics);
            let not = super::check::NOT_A_TOPIC;
            return Err(EventError::new(format!("ctx.changed({topic:?}) names {not}{hint}")));
        }
        self.changed.push(topic.to_string());
        Ok(())
    }

    /// Tells every tab live on model `E`'s table, in every process, that it
    /// changed, once this event has succeeded (what a REST write to it does).
    ///
    /// ```
    /// # mod product {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    /// #     #[sea_orm(table_name = "shop_product")]
    /// #     pub struct Model { #[sea_orm(primary_key)] pub id: i64 }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// # fn demo(ctx: &mut tandem::ui::EventContext) {
    /// ctx.model_changed::<product::Entity>();
    /// # }
    /// ```
    pub fn model_changed<E: sea_orm::EntityTrait>(&mut self) {
        self.table_changed(E::default().table_name());
    }

    /// A table Tandem itself names (the admin's registered models) changed.
    pub(crate) fn table_changed(&mut self, table: &str) {
        self.changed.push(table.to_string());
    }

    /// Runs an event of the same state after this one, on the server,
    /// before any later event from the browser (Reflex's chained events).
    /// Its changes reach the browser as a separate update. The event and
    /// its arguments are as the state's view gives them, so the compiler
    /// checks the name and the argument types. The arguments are values (a
    /// field handle names something in the browser, not here: refused), and
    /// the view is this event's state's (another state's: refused).
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{EventContext, EventError, State, View, events};
    /// #[derive(Default, Serialize, Deserialize, State)]
    /// pub struct Steps { pub done: Vec<String> }
    ///
    /// #[events]
    /// impl Steps {
    ///     pub async fn start(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
    ///         ctx.then(|s: &View<Self>| s.step().with("second"))
    ///     }
    ///     pub async fn step(&mut self, label: String) {
    ///         self.done.push(label);
    ///     }
    /// }
    /// ```
    pub fn then<V: super::view::StateView>(
        &mut self,
        event: impl FnOnce(&V) -> super::view::Handler<()>,
    ) -> Result<(), EventError> {
        let (theirs, ours) = (<V::State as super::state::State>::NAME, self.state);
        if !ours.is_empty() && theirs != ours {
            return Err(EventError::new(format!("ctx.then names an event of `{theirs}` from an event of `{ours}`")));
        }
        let spec = event(&V::__new()).into_spec();
        let args = spec
            .args
            .into_iter()
            .map(|arg| match arg {
                super::node::Arg::Value(value) => Ok(value),
                super::node::Arg::Path(path) => {
                    Err(EventError::new(format!("a queued event's arguments are values, not the field `{path}`")))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.queued.push((spec.name, serde_json::Value::Array(args)));
        Ok(())
    }

    /// Starts `task` once this event has succeeded (nothing starts if it
    /// fails). The task outlives the event and does not hold up the tab's
    /// other events; it changes the tab's state through
    /// [`TabHandle::update`], in order with the tab's events, and the
    /// browser sees each change.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # use tandem::ui::{EventContext, State, TabHandle, events};
    /// #[derive(Default, Serialize, Deserialize, State)]
    /// pub struct Report { pub ready: bool }
    ///
    /// #[events]
    /// impl Report {
    ///     pub async fn build(&mut self, ctx: &mut EventContext) {
    ///         ctx.spawn(|tab: TabHandle<Self>| async move {
    ///             tokio::time::sleep(std::time::Duration::from_secs(2)).await; // the slow part
    ///             let _ = tab.update(|report| report.ready = true).await;
    ///         });
    ///     }
    /// }
    /// ```
    pub fn spawn<S, F, Fut>(&mut self, task: F)
    where
        S: State + Events,
        F: FnOnce(TabHandle<S>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let task: Task = Box::new(move |link| Box::pin(task(TabHandle::new(link))));
        self.tasks.get_mut().unwrap_or_else(|p| p.into_inner()).push(task);
    }

    /// The tab's HTTP session (the same `sessionid` the backend reads),
    /// loaded on first use. Values inserted or removed here are saved when
    /// the event succeeds; log in and out with [`EventContext::login`] and
    /// [`EventContext::logout`].
    ///
    /// ```ignore
    /// let session = ctx.session().await?;
    /// let visits = session.get::<u64>("visits").unwrap_or(0) + 1;
    /// session.insert("visits", visits);
    /// ```
    pub async fn session(&mut self) -> Result<Session, EventError> {
        if let Some(session) = &self.session {
            return Ok(session.clone());
        }
        // A key minted for a visitor has no row yet: an empty session.
        let session =
            Session::load(&self.db, &self.session_key).await?.unwrap_or_else(|| Session::keyed(&self.session_key));
        self.session = Some(session.clone());
        Ok(session)
    }

    /// Saves the session if the event changed it.
    pub(crate) async fn save_session(&self) -> Result<(), sea_orm::DbErr> {
        match self.session.as_ref().and_then(Session::changed_data) {
            Some(data) => {
                let age = self.session_ages.age_of(&data);
                // Boxed: the write's future is large, and every event's
                // future would otherwise carry (and copy) its space.
                Box::pin(crate::sessions::store::save(&self.db, &self.session_key, &data, age)).await
            }
            None => Ok(()),
        }
    }

    /// The application's mailer (`[mail]`), to send mail from a handler.
    ///
    /// ```ignore
    /// ctx.mail()?.send_mail("Your order", "It ships today.", &[&order.email]).await?;
    /// ```
    pub fn mail(&self) -> Result<&crate::mail::Mailer, EventError> {
        self.mail.as_ref().ok_or_else(|| EventError::new("no mailer: this context is not an application's"))
    }

    /// Logs `user` in for this tab's session, as the HTTP login does: the
    /// session key cycles, the CSRF secret rotates, and the browser receives
    /// the new `sessionid` cookie (HttpOnly) through a one-time ticket the
    /// runtime redeems over HTTP. Later events see the user.
    pub fn login(&mut self, user: &crate::auth::User) {
        self.actions.push(Action::Session { user_id: Some(user.id), stamp: super::tickets::stamp(Some(user)) });
    }

    /// Logs the tab's session out (the session row is deleted).
    pub fn logout(&mut self) {
        self.actions.push(Action::Session { user_id: None, stamp: super::tickets::stamp(None) });
    }

    /// Navigates the tab to `path` after this event.
    pub fn redirect(&mut self, path: &str) {
        self.actions.push(Action::Redirect { to: path.to_string() });
    }

    /// Moves the keyboard focus to the element matching `selector` after this event.
    pub fn focus(&mut self, selector: &str) {
        self.actions.push(Action::Focus { selector: selector.to_string() });
    }

    /// Scrolls the element matching `selector` into view after this event.
    pub fn scroll_into_view(&mut self, selector: &str) {
        self.actions.push(Action::Scroll { selector: selector.to_string() });
    }

    /// Clears the inputs of the form that sent this event, once its
    /// changes are applied: call it when a submitted form was accepted, so a
    /// rejected one keeps what the person typed.
    ///
    /// ```ignore
    /// if self.errors.is_empty() {
    ///     ctx.reset_form();
    /// }
    /// ```
    pub fn reset_form(&mut self) {
        self.actions.push(Action::ResetForm);
    }

    /// Sets the page's `<title>`.
    pub fn set_title(&mut self, title: &str) {
        self.actions.push(Action::Title { title: title.to_string() });
    }

    /// Offers `bytes` to the browser as a download named `filename`.
    pub fn download(&mut self, filename: &str, content_type: &str, bytes: &[u8]) {
        use base64::Engine;
        self.actions.push(Action::Download {
            filename: filename.to_string(),
            content_type: content_type.to_string(),
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        });
    }

    /// Shows a notice styled for `level`.
    ///
    /// ```
    /// # fn demo(ctx: &mut tandem::ui::EventContext) {
    /// use tandem::ui::Level;
    /// ctx.notify(Level::Success, "Order placed.");
    /// # }
    /// ```
    pub fn notify(&mut self, level: Level, message: &str) {
        self.actions.push(Action::Notice { level, message: message.to_string() });
    }
}

/// How a notice ([`EventContext::notify`]) is styled: the stylesheet's
/// `.t-notice-info`, `-success`, `-warning` and `-error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Neutral news.
    Info,
    /// Something worked.
    Success,
    /// Worth a second look.
    Warning,
    /// Something failed.
    Error,
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::ui::View;

    #[derive(Default, Serialize, Deserialize, crate::ui::State)]
    struct Left {
        n: i64,
    }

    #[crate::ui::events]
    impl Left {
        async fn go(&mut self) {}
    }

    #[derive(Default, Serialize, Deserialize, crate::ui::State)]
    struct Right {
        n: i64,
    }

    #[crate::ui::events]
    impl Right {
        async fn go(&mut self) {}
    }

    #[test]
    fn then_queues_an_event_of_the_running_state_only() {
        let db = crate::db::Db::from(sea_orm::DatabaseConnection::default());
        let mut ctx = EventContext::new(db, Default::default(), Default::default(), "t".into(), "");
        ctx.state = "left";
        let refused = ctx.then(|s: &View<Right>| s.go()).unwrap_err();
        assert_eq!(refused.message, "ctx.then names an event of `right` from an event of `left`");
        ctx.then(|s: &View<Left>| s.go()).unwrap();
        assert_eq!(ctx.queued, [("go".to_string(), serde_json::json!([]))]);
    }
}
