//! The engine: pages by route, tabs by token, and the event loop of one tab
//! (load its state, run the handler, diff, save), strictly in order per tab.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::context::{Action, EventContext, RouterData};
use super::delta::{Op, diff};
use super::page::Page;
use super::state::EventError;
use super::store::{StateManager, Tab};
use crate::auth::CurrentUser;
use crate::urls::{Pattern, PatternError};

/// Limits on what one WebSocket connection may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest frame accepted, in bytes (default 1 MiB).
    pub max_frame_bytes: usize,
    /// Events per second a connection may send, averaged (default 200).
    pub events_per_second: u32,
    /// Events a connection may send in a burst (default 400).
    pub burst: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_frame_bytes: 1 << 20, events_per_second: 200, burst: 400 }
    }
}

/// How long a login/logout ticket can be redeemed.
const TICKET_LIFETIME: Duration = Duration::from_secs(60);

/// A pending login or logout, redeemed over HTTP by the tab's runtime.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// The tab that asked.
    pub token: String,
    /// The session the tab belonged to.
    pub session_key: String,
    /// The user to log in; `None` to log out.
    pub user_id: Option<i64>,
    issued: Instant,
}

/// The reactive engine of one application.
pub struct Engine {
    tickets: Mutex<HashMap<String, Ticket>>,
    closing: tokio::sync::watch::Sender<bool>,
    pages: Vec<(Pattern, Page)>,
    states: Arc<dyn StateManager>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    connected: Mutex<HashSet<String>>,
    /// Limits per connection.
    pub limits: Limits,
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

impl Engine {
    /// An engine serving `pages`, keeping tabs in `states`.
    pub fn new(pages: Vec<Page>, states: Arc<dyn StateManager>, limits: Limits) -> Result<Self, PatternError> {
        let pages = pages.into_iter().map(|page| Ok((page.pattern()?, page))).collect::<Result<_, PatternError>>()?;
        Ok(Self {
            pages,
            states,
            locks: Mutex::default(),
            connected: Mutex::default(),
            limits,
            tickets: Mutex::default(),
            closing: tokio::sync::watch::Sender::new(false),
        })
    }

    /// The registered pages.
    pub fn pages(&self) -> impl Iterator<Item = &Page> {
        self.pages.iter().map(|(_, page)| page)
    }

    /// The page for `path` and its router data (`query` is the raw query string).
    pub fn route(&self, path: &str, query: Option<&str>) -> Option<(&Page, RouterData)> {
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8().ok()?;
        let trimmed = decoded.trim_start_matches('/');
        self.pages.iter().find_map(|(pattern, page)| {
            let params = pattern.matches(trimmed).or_else(|| pattern.matches(&format!("{trimmed}/")))?;
            let query: BTreeMap<String, String> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            Some((page, RouterData { path: decoded.to_string(), params: params.into_iter().collect(), query }))
        })
    }

    /// A new tab for `page`, owned by `session_key`: a fresh state after the
    /// page's `on_load`. Returns the token and the state's public JSON.
    pub async fn open_tab(
        &self,
        page: &Page,
        router: RouterData,
        session_key: &str,
        user: CurrentUser,
        db: sea_orm::DatabaseConnection,
    ) -> Result<(String, Value), TabError> {
        let token = crate::random::hex(24);
        let mut full = page.kind.fresh()?;
        if let Some(on_load) = &page.on_load {
            let mut ctx = EventContext::new(db, user, router, token.clone(), session_key);
            match page.kind.run(full.clone(), on_load, Value::Null, &mut ctx).await {
                Ok(loaded) => {
                    full = loaded;
                    ctx.save_session().await?;
                }
                Err(error) => tracing::warn!(page = %page.route, %error, "on_load failed; showing the initial state"),
            }
        }
        let mut tab = Tab { session_key: session_key.to_string(), states: Default::default() };
        tab.states.insert(page.state_name().to_string(), full.clone());
        self.states.save(&token, &tab).await?;
        let public = page.kind.public(&full)?;
        Ok((token, public))
    }

    /// Reattaches a connection to `token` for `page` and runs the page's
    /// `on_load` (as every page load does): the tab's public state, or `None`
    /// when the token is unknown or expired. A token already connected
    /// elsewhere (a duplicated browser tab) is copied to a new token,
    /// returned with the state.
    pub async fn attach(
        &self,
        token: &str,
        page: &Page,
        router: RouterData,
        session_key: &str,
        user: CurrentUser,
        db: sea_orm::DatabaseConnection,
    ) -> Result<Option<(String, Value)>, TabError> {
        let Some(mut tab) = self.states.load(token).await? else { return Ok(None) };
        if tab.session_key != session_key {
            return Err(TabError::OtherSession);
        }
        let token = if self.connected().contains(token) { crate::random::hex(24) } else { token.to_string() };
        let mut full = match tab.states.get(page.state_name()) {
            Some(full) => full.clone(),
            None => page.kind.fresh()?,
        };
        if let Some(on_load) = &page.on_load {
            let mut ctx = EventContext::new(db, user, router, token.clone(), session_key);
            match page.kind.run(full.clone(), on_load, Value::Null, &mut ctx).await {
                Ok(loaded) => {
                    full = loaded;
                    ctx.save_session().await?;
                }
                Err(error) => tracing::warn!(page = %page.route, %error, "on_load failed; keeping the state"),
            }
        }
        tab.states.insert(page.state_name().to_string(), full.clone());
        self.states.save(&token, &tab).await?;
        self.connect(&token);
        Ok(Some((token, page.kind.public(&full)?)))
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

    /// Marks `token` as having a live connection.
    pub fn connect(&self, token: &str) {
        self.connected().insert(token.to_string());
    }

    /// The connection of `token` closed.
    pub fn detach(&self, token: &str) {
        self.connected().remove(token);
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        if locks.get(token).is_some_and(|lock| Arc::strong_count(lock) == 1) {
            locks.remove(token);
        }
    }

    fn connected(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.connected.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_of(&self, token: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(token.to_string()).or_default().clone()
    }

    /// Runs `event` of `page`'s state for tab `token`: the changes to the
    /// public state as operations and the actions for the browser, or the
    /// error (the state is then unchanged and no action is taken).
    pub async fn event(
        &self,
        page: &Page,
        event: &str,
        args: Value,
        ctx: &mut EventContext,
        session_key: &str,
    ) -> Result<(Vec<Op>, Vec<Action>), TabError> {
        let lock = self.lock_of(&ctx.token);
        let _in_order = lock.lock().await;
        let mut tab = self
            .states
            .load(&ctx.token)
            .await?
            .unwrap_or_else(|| Tab { session_key: session_key.to_string(), states: Default::default() });
        if tab.session_key != session_key {
            return Err(TabError::OtherSession);
        }
        let before = match tab.states.get(page.state_name()) {
            Some(full) => full.clone(),
            None => page.kind.fresh()?,
        };
        let after = page.kind.run(before.clone(), event, args, ctx).await?;
        ctx.save_session().await?;
        let ops = diff(&page.kind.public(&before)?, &page.kind.public(&after)?);
        if after != before {
            tab.states.insert(page.state_name().to_string(), after);
            self.states.save(&ctx.token, &tab).await?;
        }
        let actions = std::mem::take(&mut ctx.actions)
            .into_iter()
            .map(|action| match action {
                Action::Session(user_id) => {
                    Action::Redeem { ticket: self.issue_ticket(&ctx.token, session_key, user_id) }
                }
                other => other,
            })
            .collect();
        Ok((ops, actions))
    }

    fn issue_ticket(&self, token: &str, session_key: &str, user_id: Option<i64>) -> String {
        let ticket = crate::random::hex(24);
        let mut tickets = self.tickets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        tickets.retain(|_, t| now.duration_since(t.issued) < TICKET_LIFETIME);
        tickets.insert(
            ticket.clone(),
            Ticket { token: token.to_string(), session_key: session_key.to_string(), user_id, issued: now },
        );
        ticket
    }

    /// Takes a login/logout ticket issued to the session `session_key` within
    /// the last minute; each ticket works once.
    pub fn redeem(&self, ticket: &str, session_key: &str) -> Option<Ticket> {
        let mut tickets = self.tickets.lock().unwrap_or_else(|p| p.into_inner());
        let found = tickets.remove(ticket)?;
        (found.session_key == session_key && found.issued.elapsed() < TICKET_LIFETIME).then_some(found)
    }

    /// Moves tab `token` to the session `session_key` (after a login or
    /// logout changed the session's key).
    pub async fn rebind(&self, token: &str, session_key: &str) -> Result<(), sea_orm::DbErr> {
        let lock = self.lock_of(token);
        let _in_order = lock.lock().await;
        if let Some(mut tab) = self.states.load(token).await? {
            tab.session_key = session_key.to_string();
            self.states.save(token, &tab).await?;
        }
        Ok(())
    }

    /// Forgets idle tabs.
    pub async fn expire(&self) -> Result<u64, sea_orm::DbErr> {
        self.states.expire().await
    }

    /// Makes every tab's state durable (at shutdown).
    pub async fn flush(&self) -> Result<(), sea_orm::DbErr> {
        self.states.flush().await
    }
}
