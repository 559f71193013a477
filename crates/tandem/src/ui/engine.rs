//! The engine: pages by route, tabs by token, and the event loop of one tab
//! (load its state, run the handler, diff, save), strictly in order per tab.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use super::background::TabLink;
use super::bus::{Bus, BusMessage};
use super::context::{Action, EventContext, Pushing, RouterData, Shown};
use super::live::{Live, LiveCell, LiveState, RollBack, Taken};
use super::locks::TabLocks;
use super::outbox::{Frame, Outbox};
use super::page::{Failed, Page};
use super::state::{EventError, Events, State};
use super::store::{StateManager, StoreError, Tab};
use crate::auth::CurrentUser;
use crate::urls::{Pattern, PatternError};

/// Limits on what one WebSocket connection may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest frame accepted, in bytes (default 1 MiB).
    pub max_frame_bytes: usize,
    /// Events per second a connection may send, averaged (default 200).
    pub events_per_second: u32,
    /// Events a connection may send in a burst (default 400); `hello`
    /// frames count too.
    pub burst: u32,
    /// How often a connection re-reads its session before an event.
    pub session_recheck: Duration,
    /// How often an idle connection is pinged.
    pub ping: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 1 << 20,
            events_per_second: 200,
            burst: 400,
            session_recheck: Duration::from_secs(1),
            ping: Duration::from_secs(30),
        }
    }
}

/// How many events queued by handlers one browser event may lead to.
const MAX_CHAINED: usize = 100;

/// The query parameters of a raw query string, the last value of each.
fn parse_query(query: Option<&str>) -> BTreeMap<String, String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

pub use super::tickets::Ticket;

/// A tab connected to this process: where its frames go, and which
/// session its connection runs as (so that the end of the session reaches it).
struct Connected {
    outbox: Outbox,
    session_key: String,
    /// Nothing but its `on_load` has run on the tab since it was made here:
    /// when its connection leaves, it is forgotten rather than kept.
    pristine: bool,
}

/// The reactive engine of one application.
pub struct Engine {
    closing: tokio::sync::watch::Sender<bool>,
    pages: Vec<(Pattern, Page)>,
    not_found: Page,
    states: Arc<dyn StateManager>,
    locks: TabLocks,
    connected: Mutex<super::TokenMap<Connected>>,
    bus: std::sync::RwLock<Option<Arc<dyn Bus>>>,
    draining: std::sync::atomic::AtomicBool,
    /// Limits per connection.
    pub limits: Limits,
    theme_head: String,
    secret: String,
    live_debounce: Duration,
    /// Topics with a live update waiting out the debounce window.
    debouncing: Mutex<HashSet<String>>,
    session_ages: crate::sessions::SessionSettings,
    logins: Option<Arc<crate::auth::LoginGuard>>,
    mail: Option<crate::mail::Mailer>,
    reset_tokens: Option<Arc<crate::auth::tokens::PasswordResetTokenGenerator>>,
    /// The topics pages may be live on, which `ctx.changed` checks.
    topics: Option<Arc<[String]>>,
    login_url: String,
}

/// Why a tab cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TabError {
    /// The token belongs to another session.
    OtherSession,
    /// The event failed; the state is unchanged.
    Event(EventError),
}

impl From<EventError> for TabError {
    fn from(error: EventError) -> Self {
        TabError::Event(error)
    }
}

impl From<sea_orm::DbErr> for TabError {
    fn from(error: sea_orm::DbErr) -> Self {
        TabError::Event(error.into())
    }
}

impl From<StoreError> for TabError {
    fn from(error: StoreError) -> Self {
        TabError::Event(error.into())
    }
}

/// Who asks: the session that owns the tab, its user and the database.
#[derive(Clone)]
pub struct Caller {
    /// The `sessionid` key.
    pub session_key: String,
    /// The session's user.
    pub user: CurrentUser,
    /// The application's database pool.
    pub db: crate::db::Db,
    /// The browser's address (the socket's peer), when known.
    pub client: Option<std::net::IpAddr>,
    /// The site as the browser reached it (`https://shop.example`), when
    /// known; its host passed the allowed-hosts check.
    pub origin: Option<String>,
}

impl Caller {
    /// A handler's context for tab `token` of this caller, on `router`'s
    /// page: the one way a context is made for a page load, a connection,
    /// an event or an upload.
    pub(crate) fn context(&self, router: RouterData, token: String) -> EventContext {
        let mut ctx = EventContext::new(self.db.clone(), self.user.clone(), router, token, &self.session_key);
        ctx.client = self.client;
        ctx.origin = self.origin.clone();
        ctx
    }
}

impl Engine {
    /// An engine serving `pages`, keeping tabs in `states`.
    pub fn new(pages: Vec<Page>, states: Arc<dyn StateManager>, limits: Limits) -> Result<Self, PatternError> {
        let pages = pages.into_iter().map(|page| Ok((page.pattern()?, page))).collect::<Result<_, PatternError>>()?;
        Ok(Self {
            pages,
            not_found: super::not_found::page(),
            states,
            locks: TabLocks::default(),
            connected: Mutex::default(),
            bus: std::sync::RwLock::new(None),
            draining: std::sync::atomic::AtomicBool::new(false),
            limits,
            closing: tokio::sync::watch::Sender::new(false),
            theme_head: super::theme::Theme::default().head_html(),
            secret: String::new(),
            live_debounce: Duration::ZERO,
            debouncing: Mutex::default(),
            session_ages: Default::default(),
            logins: None,
            mail: None,
            reset_tokens: None,
            topics: None,
            login_url: crate::auth::AuthSettings::default().login_url,
        })
    }

    /// Handlers' [`EventContext::authenticate`] counts failed logins in
    /// `guard` (the application's, shared with the HTTP login).
    ///
    /// ```ignore
    /// let engine = Engine::new(pages, states, Limits::default())?.with_login_guard(ctx.login.clone());
    /// ```
    pub fn with_login_guard(mut self, guard: Arc<crate::auth::LoginGuard>) -> Self {
        self.logins = Some(guard);
        self
    }

    /// Event handlers send mail with `mailer` (`ctx.mail()`) and make and
    /// check password-reset links with `tokens` (the account pages).
    ///
    /// ```ignore
    /// let engine = engine.with_accounts(ctx.mail.clone(), PasswordResetTokenGenerator::from_settings(&settings));
    /// ```
    pub fn with_accounts(
        mut self,
        mailer: crate::mail::Mailer,
        tokens: crate::auth::tokens::PasswordResetTokenGenerator,
    ) -> Self {
        self.mail = Some(mailer);
        self.reset_tokens = Some(Arc::new(tokens));
        self
    }

    /// The topics pages may be live on (the registered models' tables and
    /// the declared topics): `ctx.changed` refuses any other.
    ///
    /// ```ignore
    /// let engine = Engine::new(pages, states, Limits::default())?.with_topics(vec!["shop_product".into()]);
    /// ```
    pub fn with_topics(mut self, topics: Vec<String>) -> Self {
        self.topics = Some(topics.into());
        self
    }

    /// Guarded pages send anonymous visitors to `url` (`[auth] login_url`,
    /// `/login` by default).
    ///
    /// ```ignore
    /// let engine = Engine::new(pages, states, Limits::default())?.with_login_url("/accounts/login/");
    /// assert_eq!(engine.login_url(), "/accounts/login/");
    /// ```
    pub fn with_login_url(mut self, url: &str) -> Self {
        self.login_url = url.to_string();
        self
    }

    /// Where guarded pages send anonymous visitors (see [`Engine::with_login_url`]).
    ///
    /// ```ignore
    /// let to = tandem::auth::login_url_with_next(engine.login_url(), "/account");
    /// ```
    pub fn login_url(&self) -> &str {
        &self.login_url
    }

    /// Sessions that handlers store into live as long as `ages` says.
    ///
    /// ```ignore
    /// let engine = Engine::new(pages, states, Limits::default())?.with_session_ages(settings.sessions);
    /// ```
    pub fn with_session_ages(mut self, ages: crate::sessions::SessionSettings) -> Self {
        self.session_ages = ages;
        self
    }

    /// Signs tab tokens and login tickets with `secret` (the application's
    /// `SECRET_KEY`).
    ///
    /// ```ignore
    /// let engine = Engine::new(pages, states, Limits::default())?.with_secret(&settings.secret_key);
    /// ```
    pub fn with_secret(mut self, secret: &str) -> Self {
        self.secret = secret.to_string();
        self
    }

    /// Merges the live updates of one topic that arrive within `window`
    /// into one refresh per tab (none by default).
    ///
    /// ```ignore
    /// let engine = Engine::new(pages, states, Limits::default())?.with_live_debounce(Duration::from_millis(100));
    /// ```
    pub fn with_live_debounce(mut self, window: Duration) -> Self {
        self.live_debounce = window;
        self
    }

    /// Shows `page` (its route is not used) at every path no page matches,
    /// instead of Tandem's default 404 page.
    ///
    /// ```ignore
    /// let engine = Engine::new(pages, states, Limits::default())?.with_not_found(missing_page);
    /// ```
    pub fn with_not_found(mut self, page: Page) -> Self {
        self.not_found = page;
        self
    }

    /// Pages get `theme`'s variables and stylesheets after Tandem's stylesheet.
    ///
    /// ```ignore
    /// let engine = Engine::new(pages, states, Limits::default())?.with_theme(&Theme::new().set("accent", "teal"));
    /// assert!(engine.theme_head().ends_with("<style>:root{--t-accent:teal}</style>"));
    /// ```
    pub fn with_theme(mut self, theme: &super::theme::Theme) -> Self {
        self.theme_head = theme.head_html();
        self
    }

    /// What every page's `<head>` gets from the theme ([`Theme::head_html`](super::theme::Theme::head_html)).
    ///
    /// ```ignore
    /// let html = page_html(page, &router, &token, &data, &backend, engine.theme_head());
    /// ```
    pub fn theme_head(&self) -> &str {
        &self.theme_head
    }

    /// The registered pages, in matching order, then the 404 page.
    ///
    /// ```ignore
    /// let titles: Vec<&str> = engine.pages().map(|page| page.title.as_str()).collect();
    /// ```
    pub fn pages(&self) -> impl Iterator<Item = &Page> {
        self.pages.iter().map(|(_, page)| page).chain(std::iter::once(&self.not_found))
    }

    /// The first page whose route matches `path` and its router data
    /// (`query` is the raw query string); `None` when no route matches.
    ///
    /// ```ignore
    /// let (page, router) = engine.route("/products/3/reviews/2", Some("sort=rating")).unwrap();
    /// assert_eq!(router.params["page"], "2");
    /// ```
    pub fn route(&self, path: &str, query: Option<&str>) -> Option<(&Page, RouterData)> {
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8().ok()?;
        let trimmed = decoded.trim_start_matches('/');
        self.pages.iter().find_map(|(pattern, page)| {
            // `/counter` also reaches a route written `counter/`; a path that
            // already ends in `/` is not doubled (a catch-all would take it).
            let slashed = || (!trimmed.ends_with('/')).then(|| pattern.matches(&format!("{trimmed}/"))).flatten();
            let params = pattern.matches(trimmed).or_else(slashed)?;
            let router = RouterData {
                path: decoded.to_string(),
                params: params.into_iter().collect(),
                query: parse_query(query),
            };
            Some((page, router))
        })
    }

    /// The 404 page and its router data for `path` (no parameters).
    ///
    /// ```ignore
    /// let (page, router) = engine.route(path, query).unwrap_or_else(|| engine.not_found(path, query));
    /// ```
    pub fn not_found(&self, path: &str, query: Option<&str>) -> (&Page, RouterData) {
        let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy().into_owned();
        (&self.not_found, RouterData { path, params: BTreeMap::new(), query: parse_query(query) })
    }

    /// Runs the page's `on_load` on `live` (a failure leaves it as it was).
    async fn loaded(&self, page: &Page, live: &mut dyn LiveState, ctx: &mut EventContext) {
        let Some(on_load) = &page.on_load else { return };
        self.equip(ctx);
        if let Err(failed) = page.kind.run(live, on_load, Value::Null, ctx).await {
            tracing::warn!(page = %page.route, error = %failed.error, "on_load failed; keeping the state");
        }
    }

    /// The first paint of `page` for `caller`'s session: a fresh state after
    /// the page's `on_load`, and a token signed for the session. Nothing is
    /// stored: the tab is made when the page's runtime connects with the
    /// token (see [`Engine::hello`]), so a visitor who never connects costs
    /// nothing. Returns the token and the state's public JSON. `stored`
    /// holds the values the browser keeps for the page's client storage
    /// fields (its cookies, on a page load).
    pub async fn open_tab(
        &self,
        page: &Page,
        router: RouterData,
        caller: Caller,
        stored: &serde_json::Map<String, Value>,
    ) -> Result<(String, Value), TabError> {
        let token = super::tokens::mint(&self.secret, &caller.session_key);
        let mut ctx = caller.context(router, token.clone());
        let mut live = self.opened(page, None, stored)?;
        self.loaded(page, &mut *live, &mut ctx).await;
        Ok((token, live.first_paint()?))
    }

    /// Connects `outbox` to a tab showing `page`: the tab of `token` if it
    /// is known, else a new one (under `token` itself when it was signed for
    /// this session by a page load, under a new token without a `token`; an
    /// unknown token signed for another session is refused). The page's
    /// `on_load` runs (as on every page load) and a `ready` frame with the
    /// state goes to `outbox`. A token already connected elsewhere (a
    /// duplicated browser tab) is copied to a new token. `stored` holds the
    /// values the browser keeps for the page's client storage fields; they
    /// replace the tab's. Returns the token. A `token` that is not of a
    /// token's shape is treated as none.
    pub async fn hello(
        &self,
        token: Option<&str>,
        page: &Page,
        router: RouterData,
        caller: Caller,
        stored: &serde_json::Map<String, Value>,
        outbox: &Outbox,
    ) -> Result<String, TabError> {
        let asked = token.filter(|token| super::tokens::is_well_formed(token));
        let attach = async |found: Option<Arc<Tab>>| {
            let known = found.is_some();
            let attached = self.attach(asked, found, page, router, caller.clone(), stored).await;
            // The asked token's tab is written under its lease.
            let same = matches!(&attached, Ok((new, _, _)) if Some(new.as_str()) == asked);
            let write = match &attached {
                Ok((_, tab, _)) if same => Some(tab.clone()),
                _ => None,
            };
            ((attached, known, same), write)
        };
        let ((attached, known, same), kept) = match asked {
            Some(token) => self.leased(token, attach).await?,
            None => (attach(None).await.0, Ok(())),
        };
        let (token, tab, public) = attached?;
        kept?;
        if !same {
            // A new token (none was asked, or a copy of a tab connected
            // elsewhere): no one else knows it yet.
            self.states.save(&token, &tab).await?;
        }
        let connected = Connected { outbox: outbox.clone(), session_key: caller.session_key.clone(), pristine: !known };
        self.connected().insert(token.clone(), connected);
        let ready = Frame::ready(&token, page.state_name(), &public, page.kind.storage()).applied(tab.applied());
        let _ = outbox.send(ready.encode());
        Ok(token)
    }

    /// The tab `hello` attaches to (`found` for `token`, a copy of it if it
    /// is connected elsewhere, or a new one) after `on_load`: its token, the
    /// tab to store and the page's public data.
    async fn attach(
        &self,
        token: Option<&str>,
        found: Option<Arc<Tab>>,
        page: &Page,
        router: RouterData,
        caller: Caller,
        stored: &serde_json::Map<String, Value>,
    ) -> Result<(String, Tab, Value), TabError> {
        let new_token = || super::tokens::mint(&self.secret, &caller.session_key);
        let (token, mut tab) = match (token, found) {
            (Some(token), Some(tab)) => {
                if tab.session_key != caller.session_key {
                    return Err(TabError::OtherSession);
                }
                if self.connected().contains_key(token) {
                    // A copy shares no state's value with the tab it copies.
                    (new_token(), tab.detached()?)
                } else {
                    (token.to_string(), Arc::unwrap_or_clone(tab))
                }
            }
            // The first connection of a page load's tab (or one forgotten
            // since, nothing having happened on it).
            (Some(token), None) if super::tokens::minted_for(&self.secret, token, &caller.session_key) => {
                (token.to_string(), Tab::new(&caller.session_key))
            }
            // Issued to another session (or by another secret).
            (Some(_), None) => return Err(TabError::OtherSession),
            (None, _) => (new_token(), Tab::new(&caller.session_key)),
        };
        // Decoded from the tab's JSON (encoded first when held as a value):
        // the tab keeps its own until the new one is stored, and a copy
        // shares nothing with it.
        let full = tab.state_json(page.state_name())?;
        let mut ctx = caller.context(router, token.clone());
        let mut live = self.opened(page, full, stored)?;
        self.loaded(page, &mut *live, &mut ctx).await;
        let public = live.first_paint()?;
        // Kept as text until the tab's first event: an idle tab costs the text.
        tab = tab.with_live(page.state_name(), LiveCell::parked(&mut *live)?);
        Ok((token, tab, public))
    }

    /// The state of `page` from its full JSON (`None`: a new one), with its
    /// client storage fields set from `stored` (what the browser kept).
    fn opened(
        &self,
        page: &Page,
        full: Option<Value>,
        stored: &serde_json::Map<String, Value>,
    ) -> Result<Box<dyn LiveState>, EventError> {
        if stored.is_empty() || page.kind.storage().is_empty() {
            return page.kind.live(full.as_ref());
        }
        let full = match full {
            Some(full) => full,
            None => page.kind.fresh()?,
        };
        page.kind.live(Some(&page.kind.restore(full, stored)))
    }

    /// Asks every open connection to close with code 1012 ("service
    /// restart"): the runtimes reconnect, to this process once it is back or
    /// to another one. Called when the server shuts down.
    pub fn close_all(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves when [`Engine::close_all`] is called.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// The connection of `token` moves on (a client-side navigation to the
    /// same tab says `hello` again): its frames stop, the tab stays.
    pub fn detach(&self, token: &str) {
        self.connected().remove(token);
    }

    /// The connection of `token` closed or attached to another tab: a tab
    /// it made on which nothing has happened since (its state is what a
    /// new `hello` would make again) is forgotten, so that connections
    /// cycling through `hello` frames leave nothing behind; any other tab
    /// is kept for a reload or a reconnect until it idles out.
    pub async fn leave(&self, token: &str) {
        let Some(connected) = self.connected().remove(token) else { return };
        if !connected.pristine {
            return;
        }
        let _in_order = self.locks.lock(token).await;
        // Connected again meanwhile (a quick reconnect): kept.
        if self.connected().contains_key(token) {
            return;
        }
        if let Err(error) = self.states.forget(token).await {
            tracing::warn!(target: "tandem::ui", %error, "cannot forget an unused tab");
        }
    }

    fn connected(&self) -> std::sync::MutexGuard<'_, super::TokenMap<Connected>> {
        self.connected.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Something other than `on_load` ran on tab `token`: it is kept when its
    /// connection leaves.
    fn touched(&self, token: &str) {
        if let Some(connected) = self.connected().get_mut(token) {
            connected.pristine = false;
        }
    }

    /// Sends `frame` to the connection of `token`: here if it is connected
    /// here, else through the bus to the process that has it.
    fn deliver(&self, token: &str, frame: String) {
        if let Some(connected) = self.connected().get(token) {
            connected.outbox.send(frame);
            return;
        }
        if let Some(bus) = self.bus() {
            bus.publish(BusMessage::Frame { token: token.to_string(), frame });
        }
    }

    fn bus(&self) -> Option<Arc<dyn Bus>> {
        self.bus.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Connects the engine to the other processes (Redis pub/sub): messages
    /// published there come back through [`Engine::receive`].
    pub fn set_bus(&self, bus: Arc<dyn Bus>) {
        *self.bus.write().unwrap_or_else(|p| p.into_inner()) = Some(bus);
    }

    /// Tells every tab, in every process, that data under `topic` changed:
    /// each tab whose page is live on it (`Page::live`) runs its refresh
    /// event, in order with its own events, off the caller's path. Calls
    /// for one topic within the debounce window
    /// ([`Engine::with_live_debounce`]) are merged into one. The REST
    /// viewsets reach it through [`crate::signals`] with their table's
    /// name after each write; a background job may call it directly.
    ///
    /// ```no_run
    /// # fn demo(prepared: tandem::Prepared) {
    /// prepared.ui.broadcast("shop_product");
    /// # }
    /// ```
    pub fn broadcast(self: &Arc<Self>, topic: &str) {
        if self.live_debounce.is_zero() || tokio::runtime::Handle::try_current().is_err() {
            return self.publish(BusMessage::Changed { topic: topic.to_string() });
        }
        let first = self.debouncing.lock().unwrap_or_else(|p| p.into_inner()).insert(topic.to_string());
        if !first {
            return;
        }
        let (engine, topic) = (Arc::downgrade(self), topic.to_string());
        let window = self.live_debounce;
        tokio::spawn(async move {
            tokio::time::sleep(window).await;
            let Some(engine) = engine.upgrade() else { return };
            engine.debouncing.lock().unwrap_or_else(|p| p.into_inner()).remove(&topic);
            engine.publish(BusMessage::Changed { topic });
        });
    }

    /// Sends `message` to every process (this one through the bus too, or
    /// directly without one).
    fn publish(&self, message: BusMessage) {
        match self.bus() {
            Some(bus) => bus.publish(message),
            None => self.receive(message),
        }
    }

    /// Closes, in every process, the connections of the session `key` (it
    /// was logged out, cycled or deleted): their runtimes load the page
    /// again as whoever the browser's cookie now says.
    ///
    /// ```no_run
    /// # fn demo(prepared: tandem::Prepared) {
    /// prepared.ui.end_session("the-old-session-key");
    /// # }
    /// ```
    pub fn end_session(&self, key: &str) {
        self.publish(BusMessage::SessionEnded { key: key.to_string() });
    }

    /// Hands a message from the bus to this process's connections.
    pub fn receive(&self, message: BusMessage) {
        match message {
            BusMessage::Frame { token, frame } => {
                if let Some(connected) = self.connected().get(&token) {
                    connected.outbox.send(frame);
                }
            }
            BusMessage::Changed { topic } => {
                let topic: Arc<str> = topic.into();
                for connected in self.connected().values() {
                    connected.outbox.changed(topic.clone());
                }
            }
            BusMessage::SessionEnded { key } => {
                self.close_where(|connected| connected.session_key == key);
            }
        }
    }

    fn close_where(&self, ended: impl Fn(&Connected) -> bool) {
        for connected in self.connected().values().filter(|connected| ended(connected)) {
            connected.outbox.close(super::socket::CLOSE_SESSION_ENDED, "the session ended");
        }
    }

    /// Starts refusing readiness (the load balancer should send new
    /// visitors elsewhere) ahead of a shutdown.
    pub fn drain(&self) {
        self.draining.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether the state store answers.
    pub async fn states_ready(&self) -> bool {
        self.states.ping().await.is_ok()
    }

    /// Whether [`Engine::drain`] was called.
    pub fn draining(&self) -> bool {
        self.draining.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Gives a handler's context what the application configured.
    fn equip(&self, ctx: &mut EventContext) {
        ctx.session_ages = self.session_ages;
        ctx.logins = self.logins.clone();
        ctx.mail = self.mail.clone();
        ctx.reset_tokens = self.reset_tokens.clone();
        ctx.topics = self.topics.clone();
    }

    /// How many tabs have work in progress (their per-tab locks).
    pub fn tabs_in_progress(&self) -> usize {
        self.locks.len()
    }

    /// How many tabs are connected to this process.
    pub fn tabs_connected(&self) -> usize {
        self.connected().len()
    }

    /// Runs `event` of `page`'s state for tab `ctx.token`, in order with the
    /// tab's other events, then the events its handlers queued. The answer
    /// goes to `outbox`: a `delta` frame for `id` (a `push` for queued
    /// events) with the changes to the public state and the actions, or an
    /// `error` frame (the state is then unchanged and no action is taken).
    /// Without an `id` (an upload's event) the answer is a `push`. Returns
    /// how the first event went; fails only when the tab belongs to another
    /// session.
    pub async fn event(
        self: &Arc<Self>,
        page: &Page,
        id: Option<u64>,
        event: &str,
        args: Value,
        ctx: EventContext,
        outbox: &Outbox,
    ) -> Result<Result<(), EventError>, TabError> {
        // The page's guards and the event's own, checked again for every
        // event from outside (events its handlers queue are the server's).
        if let Err(refusal) = crate::auth::Guard::check_all(&page.guards_of(event), &ctx.user, &ctx.db).await {
            let event = crate::http::log::clip(event);
            tracing::info!(target: "tandem::ui", state = page.state_name(), %event, ?refusal, "event refused by a guard");
            let message = refusal.event_message();
            outbox.send(Frame::error(id, message, &[]).encode());
            return Ok(Err(EventError::new(message)));
        }
        let mut next = vec![(event.to_string(), args)];
        let mut ctx = ctx;
        let mut first = None;
        for round in 0..=MAX_CHAINED {
            let Some((event, args)) = next.pop() else { break };
            let id = id.filter(|_| round == 0);
            if round == MAX_CHAINED {
                let message = format!("`{event}` not run: more than {MAX_CHAINED} chained events");
                let _ = outbox.send(Frame::error(id, &message, &[]).encode());
                break;
            }
            let (outcome, queued) = self.run_one(page, id, &event, args, &mut ctx, outbox).await?;
            first.get_or_insert(outcome);
            next.extend(queued.into_iter().rev());
            if next.is_empty() {
                break;
            }
            // The next event starts afresh: nothing of this one's actions,
            // queue or session is carried over.
            let caller = Caller {
                session_key: ctx.session_key,
                user: ctx.user,
                db: ctx.db,
                client: ctx.client,
                origin: ctx.origin,
            };
            ctx = caller.context(ctx.router, ctx.token);
        }
        Ok(first.unwrap_or(Ok(())))
    }

    /// The queue of `token`'s connection here, if it has one.
    pub fn outbox_of(&self, token: &str) -> Option<Outbox> {
        self.connected().get(token).map(|connected| connected.outbox.clone())
    }

    /// The session key that owns tab `token`: the stored tab's, or, for a
    /// tab not made yet (a page load's token before its `hello`),
    /// `session_key` when the token was signed for it. `None` when the tab
    /// is unknown and the token was not issued to `session_key` (or is not
    /// of a token's shape).
    pub async fn owner_of(&self, token: &str, session_key: &str) -> Result<Option<String>, StoreError> {
        if !super::tokens::is_well_formed(token) {
            return Ok(None);
        }
        Ok(match self.states.load(token).await? {
            Some(tab) => Some(tab.session_key.clone()),
            None => super::tokens::minted_for(&self.secret, token, session_key).then(|| session_key.to_string()),
        })
    }

    /// The first page bound to the state named `state`.
    pub fn page_of_state(&self, state: &str) -> Option<&Page> {
        self.pages().find(|page| page.state_name() == state)
    }

    /// One event under the tab's lease: run, answer, save. Returns how it
    /// went and the events it queued.
    async fn run_one(
        self: &Arc<Self>,
        page: &Page,
        id: Option<u64>,
        event: &str,
        args: Value,
        ctx: &mut EventContext,
        outbox: &Outbox,
    ) -> Result<(Result<(), EventError>, Vec<(String, Value)>), TabError> {
        let token = ctx.token.clone();
        let (ran, kept) = self
            .leased(&token, async |found| {
                self.touched(&token);
                match self.run_leased(page, id, event, args, ctx, outbox, found).await {
                    Ok((outcome, tab, answer)) => (Ok((outcome, answer)), tab),
                    Err(error) => (Err(error), None),
                }
            })
            .await?;
        let (outcome, answer) = ran?;
        if let Err(error) = kept {
            tracing::error!(target: "tandem::ui", token = %ctx.token, %error, "an event's changes were not kept");
            outbox.send(Frame::resync(&EventError::from(error).message).encode());
            return Ok((Err(EventError::new("the changes were not kept")), Vec::new()));
        }
        // Answered only once kept: an answered event is never lost.
        outbox.send(answer);
        if outcome.is_ok() {
            let handle = || TabLink {
                engine: self.clone(),
                token: ctx.token.clone(),
                session_key: ctx.session_key.clone(),
                db: ctx.db.clone(),
                user: ctx.user.clone(),
            };
            for task in std::mem::take(ctx.tasks.get_mut().unwrap_or_else(|p| p.into_inner())) {
                tokio::spawn(task(handle()));
            }
            for topic in std::mem::take(&mut ctx.changed) {
                self.broadcast(&topic);
            }
        }
        Ok((outcome, std::mem::take(&mut ctx.queued)))
    }

    /// Runs the event on `found` (the tab as loaded under its lease) and
    /// diffs against what the browser was last shown (pushes go to
    /// `outbox` as they happen): how it went, the tab to write (`None`:
    /// nothing changed) and the answer to send once it is kept.
    #[allow(clippy::too_many_arguments)]
    async fn run_leased(
        &self,
        page: &Page,
        id: Option<u64>,
        event: &str,
        args: Value,
        ctx: &mut EventContext,
        outbox: &Outbox,
        found: Option<Arc<Tab>>,
    ) -> Result<(Result<(), EventError>, Option<Tab>, String), TabError> {
        let tab = found.unwrap_or_else(|| Arc::new(Tab::new(&ctx.session_key)));
        if tab.session_key != ctx.session_key {
            return Err(TabError::OtherSession);
        }
        if let Some(id) = id
            && tab.was_applied(id)
        {
            // Sent again after a reconnect: it was applied once already.
            return Ok((Ok(()), None, Frame::delta(id, &[], &[]).encode()));
        }
        let name = page.state_name();
        // The state's value, out of the tab (decoded from its JSON, or new,
        // when it has none yet): back in the tab if the event fails.
        let mut taken = match tab.live_cell(name) {
            Some(cell) => Taken::from_cell(cell, |text| page.kind.decode_text(text))?,
            None => Taken::new(page.kind.live(tab.states.get(name))?),
        };
        ctx.pushing = Some(Pushing { outbox: outbox.clone(), shown: Shown::Done });
        self.equip(ctx);
        let ran = page.kind.run(taken.live(), event, args, ctx).await;
        ctx.pushing = None;
        let ops = match ran {
            Ok(changes) if changes.changed || id.is_some() => changes.ops,
            // An upload's event that changed nothing: nothing to write.
            Ok(changes) => {
                let actions = self.actions(ctx);
                return Ok((Ok(()), None, Frame::push(name, &changes.ops, &actions).encode()));
            }
            Err(Failed { error, undo }) => {
                // Both may hold what the client sent (a name, a value serde quotes).
                let (event, reason) = (crate::http::log::clip(event), crate::http::log::clip(&error.message));
                tracing::warn!(target: "tandem::ui", state = name, %event, %reason, "event failed; state rolled back");
                let answer = Frame::error(id, &error.message, &undo).encode();
                return Ok((Err(error), None, answer));
            }
        };
        let mut tab = tab.with_live(name, taken.keep());
        if let Some(id) = id {
            tab.record_applied(id);
        }
        let actions = self.actions(ctx);
        let answer = match id {
            Some(id) => Frame::delta(id, &ops, &actions),
            None => Frame::push(name, &ops, &actions),
        };
        Ok((Ok(()), Some(tab), answer.encode()))
    }

    /// The actions the event's handlers asked for, a login or logout as a
    /// ticket to redeem.
    fn actions(&self, ctx: &mut EventContext) -> Vec<Action> {
        std::mem::take(&mut ctx.actions)
            .into_iter()
            .map(|action| match action {
                Action::Session { user_id, stamp } => Action::Redeem {
                    ticket: super::tickets::issue(&self.secret, &ctx.token, &ctx.session_key, user_id, &stamp),
                },
                other => other,
            })
            .collect()
    }
    /// Changes state `S` of tab `token` outside an event (a background
    /// task), in order with the tab's events, and pushes the change.
    pub(crate) async fn update_tab<S: State + Events>(
        &self,
        token: &str,
        session_key: &str,
        change: impl FnOnce(&mut S),
    ) -> Result<(), EventError> {
        let (changed, kept) = self
            .leased(token, async |found| {
                self.touched(token);
                match Self::changed_by(found.as_deref(), token, session_key, change) {
                    Ok(Some((tab, ops))) => (Ok(Some(ops)), Some(tab)),
                    Ok(None) => (Ok(None), None),
                    Err(error) => (Err(error), None),
                }
            })
            .await?;
        let changed = changed?;
        if let Err(error) = kept {
            self.deliver(token, Frame::resync("A background change was not kept.").encode());
            return Err(error.into());
        }
        if let Some(ops) = changed
            && !ops.is_empty()
        {
            self.deliver(token, Frame::push(S::NAME, &ops, &[]).encode());
        }
        Ok(())
    }

    /// `found` (tab `token`, owned by `session_key`) after `change` to its
    /// state `S`, with the public changes; `None` when nothing changed.
    fn changed_by<S: State + Events>(
        found: Option<&Tab>,
        token: &str,
        session_key: &str,
        change: impl FnOnce(&mut S),
    ) -> Result<Option<(Tab, Vec<super::delta::Op>)>, EventError> {
        let Some(tab) = found else {
            return Err(EventError::new(format!("the tab {token} has expired")));
        };
        if tab.session_key != session_key {
            return Err(EventError::new("the tab belongs to another session now"));
        }
        let mut taken = match tab.live_cell(S::NAME) {
            Some(cell) => Taken::from_cell(cell, |text| Ok(Box::new(Live::<S>::decode_text(text)?)))?,
            None => Taken::new(Box::new(Live::<S>::decode(tab.states.get(S::NAME))?)),
        };
        let live = taken
            .live()
            .as_any_mut()
            .downcast_mut::<Live<S>>()
            .ok_or_else(|| EventError::new(format!("the tab's state is not a `{}`", S::NAME)))?;
        let before = Arc::new(live.before(None));
        // A panic in `change` puts the state back (then goes on).
        let mut guard = RollBack { live, before, armed: true };
        change(&mut guard.live.state);
        let changes = guard.live.changes(&guard.before);
        guard.armed = changes.is_err();
        drop(guard);
        let changes = changes?;
        if !changes.changed {
            return Ok(None);
        }
        Ok(Some((tab.with_live(S::NAME, taken.keep()), changes.ops)))
    }

    /// The login/logout ticket `ticket`, if it was issued to the session
    /// `session_key` within the last minute and the user's `stamp` is still
    /// the one it was issued with (see [`Ticket`]).
    pub fn redeem(&self, ticket: &str, session_key: &str, stamp: &str) -> Option<Ticket> {
        super::tickets::redeem(&self.secret, ticket, session_key, stamp)
    }

    /// Moves tab `token` to the session `session_key` (after a login or
    /// logout changed the session's key); its connection here follows, so
    /// the end of the old session does not close it.
    pub async fn rebind(&self, token: &str, session_key: &str) -> Result<(), StoreError> {
        if let Some(connected) = self.connected().get_mut(token) {
            connected.session_key = session_key.to_string();
        }
        let moved = async |found: Option<Arc<Tab>>| {
            let moved = found.map(|tab| {
                let mut tab = Arc::unwrap_or_clone(tab);
                tab.session_key = session_key.to_string();
                tab
            });
            ((), moved)
        };
        self.leased(token, moved).await?.1
    }

    /// Runs `work` on tab `token` (as stored, `None` when there is none)
    /// under the tab's lock (in order with its other work here) and lease
    /// (alone across processes), writes the tab `work` returns (none:
    /// nothing to write) and gives the lease back: `work`'s outcome and
    /// whether the write was kept. Every change to a stored tab goes
    /// through here.
    async fn leased<T>(
        &self,
        token: &str,
        work: impl AsyncFnOnce(Option<Arc<Tab>>) -> (T, Option<Tab>),
    ) -> Result<(T, Result<(), StoreError>), StoreError> {
        let _in_order = self.locks.lock(token).await;
        let (lease, found) = self.states.acquire(token).await?;
        let (outcome, write) = work(found).await;
        let kept = self.states.release(lease, write).await;
        Ok((outcome, kept))
    }

    /// Forgets idle tabs.
    pub async fn expire(&self) -> Result<u64, StoreError> {
        self.states.expire().await
    }

    /// Makes every tab's state durable (at shutdown).
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.states.flush().await
    }
}
