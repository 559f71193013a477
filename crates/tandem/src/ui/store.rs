//! Where tabs' states live between events. [`StateManager`] is the seam for
//! other engines (Redis, for several processes); [`DatabaseStates`], the
//! embedded default, keeps them in memory and writes them to the
//! application's database (table `tandem_ui_tab`), so they survive a reload,
//! a restart and a crash.
//!
//! By default an event is answered only once its tab is written: the
//! writer commits every changed tab in one transaction as soon as there is
//! one, and the tabs that change while it writes go together in the next
//! (group commit), so the cost of a commit is shared by the events that
//! waited for it. `[ui] durable_events = false` writes behind every 100 ms
//! instead, and a crash may then lose the last 100 ms of answered events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use crate::db::Db;
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde::Serialize;
use serde_json::{Map, Value};

use super::live::LiveCell;
use super::state::EventError;

/// One tab: the session it belongs to, each state it used and the browser
/// events it applied most recently.
///
/// A state is held as its full JSON ([`Tab::states`]) until an event of
/// this process runs on it, and from then on as its Rust value
/// ([`super::live`]), encoded only when the tab is written. A stored tab is
/// shared ([`Arc`]): an event takes the value out of it, runs on it in
/// place and builds the next tab around it ([`Tab::with_state`] for JSON)
/// instead of copying the tab first.
#[derive(Debug, Clone, Default)]
pub struct Tab {
    /// The `sessionid` key of the session that opened the tab.
    pub session_key: String,
    /// State name → full JSON (backend fields included), for the states
    /// held as JSON (read from the store, not yet run here); see
    /// [`Tab::state_json`] for every state.
    pub states: Map<String, Value>,
    /// State name → value, for the states held as their Rust value.
    live: Vec<(&'static str, Arc<LiveCell>)>,
    /// The ids of the browser events applied most recently, oldest first.
    applied: Vec<u64>,
}

impl PartialEq for Tab {
    fn eq(&self, other: &Self) -> bool {
        let names = |tab: &Tab| {
            let mut names: Vec<String> =
                tab.states.keys().cloned().chain(tab.live.iter().map(|(name, _)| name.to_string())).collect();
            names.sort();
            names
        };
        self.session_key == other.session_key
            && self.applied == other.applied
            && names(self) == names(other)
            && names(self).iter().all(|name| self.state_json(name).ok() == other.state_json(name).ok())
    }
}

impl Tab {
    /// The key under which a stored tab's states keep its bookkeeping (no
    /// state is named so): `{"applied": [ids]}`.
    pub const BOOKKEEPING: &'static str = "__tandem";

    /// How many recent event ids a tab remembers as applied.
    pub const REMEMBERED: usize = 32;

    /// A tab of the session `session_key`, with no state yet.
    ///
    /// ```
    /// let tab = tandem::ui::store::Tab::new("the-session-key");
    /// assert!(tab.states.is_empty() && tab.applied().is_empty());
    /// ```
    pub fn new(session_key: &str) -> Self {
        Tab { session_key: session_key.to_string(), ..Tab::default() }
    }

    /// The ids of the browser events applied to the tab most recently
    /// (oldest first, at most [`Tab::REMEMBERED`]): one sent again after a
    /// reconnect is not applied twice.
    ///
    /// ```
    /// let mut tab = tandem::ui::store::Tab::default();
    /// assert!(!tab.was_applied(7));
    /// tab.record_applied(7);
    /// assert!(tab.was_applied(7));
    /// assert_eq!(tab.applied(), [7]);
    /// ```
    pub fn applied(&self) -> &[u64] {
        &self.applied
    }

    /// Whether event `id` was applied recently.
    pub fn was_applied(&self, id: u64) -> bool {
        self.applied.contains(&id)
    }

    /// Records that event `id` was applied.
    pub fn record_applied(&mut self, id: u64) {
        if self.applied.len() >= Self::REMEMBERED {
            self.applied.remove(0);
        }
        self.applied.push(id);
    }

    /// This tab with state `name` set to `full`; the other states are shared
    /// values copied, not re-read.
    ///
    /// ```
    /// use serde_json::json;
    /// let tab = tandem::ui::store::Tab::new("key").with_state("counter", json!({"count": 1}));
    /// assert_eq!(tab.with_state("counter", json!({"count": 2})).states["counter"], json!({"count": 2}));
    /// ```
    pub fn with_state(&self, name: &str, full: Value) -> Tab {
        let mut states = Map::with_capacity(self.states.len() + 1);
        for (key, value) in self.states.iter().filter(|(key, _)| *key != name) {
            states.insert(key.clone(), value.clone());
        }
        states.insert(name.to_string(), full);
        let live = self.live.iter().filter(|(held, _)| *held != name).cloned().collect();
        Tab { session_key: self.session_key.clone(), states, live, applied: self.applied.clone() }
    }

    /// This tab with state `name` held as the value in `cell`; the other
    /// states are shared, not copied.
    pub(crate) fn with_live(&self, name: &'static str, cell: Arc<LiveCell>) -> Tab {
        let states = if self.states.contains_key(name) {
            self.states.iter().filter(|(key, _)| *key != name).map(|(k, v)| (k.clone(), v.clone())).collect()
        } else {
            self.states.clone()
        };
        let mut live: Vec<_> = self.live.iter().filter(|(held, _)| *held != name).cloned().collect();
        live.push((name, cell));
        Tab { session_key: self.session_key.clone(), states, live, applied: self.applied.clone() }
    }

    /// A copy of this tab that shares no state's value with it (a
    /// duplicated browser tab): each value held here goes as its JSON text.
    pub(crate) fn detached(&self) -> Result<Tab, EventError> {
        let live = self.live.iter().map(|(name, cell)| Ok((*name, cell.copy()?))).collect::<Result<_, EventError>>()?;
        Ok(Tab {
            session_key: self.session_key.clone(),
            states: self.states.clone(),
            live,
            applied: self.applied.clone(),
        })
    }

    /// Whether an event kept one of this tab's values in a newer tab: this
    /// one is replaced and never written again.
    pub(crate) fn replaced(&self) -> bool {
        self.live.iter().any(|(_, cell)| cell.moved())
    }

    /// Where state `name` is held as its value, if it is.
    pub(crate) fn live_cell(&self, name: &str) -> Option<&Arc<LiveCell>> {
        self.live.iter().find(|(held, _)| *held == name).map(|(_, cell)| cell)
    }

    /// The full JSON of state `name`, however it is held (`None`: the tab
    /// has no such state). Fails only while an event runs on the state.
    ///
    /// ```
    /// use serde_json::json;
    /// let tab = tandem::ui::store::Tab::new("key").with_state("counter", json!({"count": 1}));
    /// assert_eq!(tab.state_json("counter").unwrap(), Some(json!({"count": 1})));
    /// assert_eq!(tab.state_json("cart").unwrap(), None);
    /// ```
    pub fn state_json(&self, name: &str) -> Result<Option<Value>, EventError> {
        match self.live_cell(name) {
            Some(cell) => cell.full_json().map(Some),
            None => Ok(self.states.get(name).cloned()),
        }
    }

    /// The stored form of the states: one JSON object, the bookkeeping under
    /// [`Tab::BOOKKEEPING`].
    ///
    /// ```
    /// use serde_json::json;
    /// let mut tab = tandem::ui::store::Tab::new("key").with_state("counter", json!({"count": 1}));
    /// tab.record_applied(4);
    /// let stored = serde_json::to_value(tab.stored_states()).unwrap();
    /// assert_eq!(stored, json!({"counter": {"count": 1}, "__tandem": {"applied": [4]}}));
    /// assert_eq!(tandem::ui::store::Tab::from_stored("key".into(), stored.as_object().unwrap().clone()), tab);
    /// ```
    pub fn stored_states(&self) -> impl Serialize + '_ {
        StoredStates { tab: self, large: usize::MAX, parts: Default::default() }
    }

    /// [`Tab::stored_states`] as text, with each field of a state held as
    /// its value whose JSON text is `large` bytes or more kept apart: its
    /// value in the text is a marker, and it is returned as a part named
    /// `state.field` (see [`super::tab_parts`]).
    pub(crate) fn stored_split(&self, large: usize) -> Result<(String, NamedParts), serde_json::Error> {
        let stored = StoredStates { tab: self, large, parts: Default::default() };
        let text = serde_json::to_string(&stored)?;
        Ok((text, stored.parts.into_inner()))
    }

    /// A tab from its session key and stored states (see [`Tab::stored_states`]).
    ///
    /// ```
    /// use serde_json::json;
    /// let stored = json!({"counter": {"count": 2}, "__tandem": {"applied": [8, 9]}});
    /// let tab = tandem::ui::store::Tab::from_stored("key".into(), stored.as_object().unwrap().clone());
    /// assert_eq!((tab.applied(), tab.states.len()), (&[8, 9][..], 1));
    /// ```
    pub fn from_stored(session_key: String, mut states: Map<String, Value>) -> Tab {
        let applied = states
            .shift_remove(Self::BOOKKEEPING)
            .and_then(|mut bookkeeping| bookkeeping.get_mut("applied").map(Value::take))
            .and_then(|ids| serde_json::from_value(ids).ok())
            .unwrap_or_default();
        Tab { session_key, states, live: Vec::new(), applied }
    }
}

/// A tab's large fields kept apart: `state.field` → JSON text.
pub(crate) type NamedParts = Vec<(String, Arc<str>)>;

/// A tab's stored form; the fields of `large` bytes or more go to `parts`.
struct StoredStates<'a> {
    tab: &'a Tab,
    large: usize,
    parts: std::cell::RefCell<NamedParts>,
}

impl Serialize for StoredStates<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let tab = self.tab;
        let mut map = serializer.serialize_map(Some(tab.states.len() + tab.live.len() + 1))?;
        for (name, full) in &tab.states {
            map.serialize_entry(name, full)?;
        }
        for (name, cell) in &tab.live {
            let mut parts = Vec::new();
            let text = cell.encode_split(self.large, &mut parts).map_err(serde::ser::Error::custom)?;
            let named = parts.into_iter().map(|(field, text)| (format!("{name}.{field}"), text));
            self.parts.borrow_mut().extend(named);
            let raw = serde_json::value::RawValue::from_string(text).map_err(serde::ser::Error::custom)?;
            map.serialize_entry(name, &raw)?;
        }
        if !tab.applied.is_empty() {
            map.serialize_entry(Tab::BOOKKEEPING, &Bookkeeping { applied: &tab.applied })?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct Bookkeeping<'a> {
    applied: &'a [u64],
}

/// Why the state store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The lease on the tab ran out (its holder stalled) and another holder
    /// took the tab over: nothing was written, so newer state is never
    /// overwritten by a stale holder.
    #[error("the tab's lease was lost to a newer holder; nothing was written")]
    LeaseLost,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// Another engine (Redis) failed.
    #[error("state store: {0}")]
    Backend(String),
}

/// Exclusive use of one tab until [`StateManager::release`]: no other holder,
/// in this process or another, gets the tab meanwhile. `fence` grows with
/// every lease given out on the tab; a store refuses writes carrying an
/// older one.
pub struct Lease {
    /// The tab's token.
    pub token: String,
    /// The fencing token of this lease.
    pub fence: u64,
    /// Whatever keeps the lease alive (a renewal task), dropped with it.
    pub hold: Option<Box<dyn std::any::Any + Send + Sync>>,
}

/// A lease and the tab it covers (`None`: no such tab yet), as
/// [`StateManager::acquire`] gives them.
///
/// ```no_run
/// # async fn demo(states: &dyn tandem::ui::store::StateManager) -> Result<(), tandem::ui::store::StoreError> {
/// let (lease, tab): tandem::ui::store::Leased = states.acquire("the-token").await?;
/// let next = tab.map(|tab| tab.with_state("counter", serde_json::json!({"count": 1})));
/// states.release(lease, next).await
/// # }
/// ```
pub type Leased = (Lease, Option<Arc<Tab>>);

/// Stores tabs by token.
pub trait StateManager: Send + Sync {
    /// The tab of `token`, unless unknown or expired (a read without a lease).
    fn load<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<Arc<Tab>>, StoreError>>;
    /// Saves the tab of a new `token` (no lease needed: nobody else knows it).
    fn save<'a>(&'a self, token: &'a str, tab: &'a Tab) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Waits for the lease on `token` and loads its tab (one round trip in
    /// the common case). The engine already orders a tab's work within one
    /// process; the lease orders it across processes.
    fn acquire<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Leased, StoreError>>;
    /// Saves `tab` (when given) and gives the lease back (one round trip):
    /// [`StoreError::LeaseLost`] if the lease ran out and a newer holder
    /// exists, in which case nothing was written.
    fn release(&self, lease: Lease, tab: Option<Tab>) -> BoxFuture<'_, Result<(), StoreError>>;
    /// Makes every saved tab durable now (at shutdown).
    fn flush(&self) -> BoxFuture<'_, Result<(), StoreError>>;
    /// Forgets tabs idle for longer than the expiry; returns how many went.
    fn expire(&self) -> BoxFuture<'_, Result<u64, StoreError>>;
    /// Forgets tab `token` now (a tab nothing happened on, whose
    /// connection left: a new `hello` would make it again).
    fn forget<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Whether the store answers (for readiness); the embedded one always
    /// does when the database does.
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async { Ok(()) })
    }
}

/// How often changed tabs are written to the database.
const WRITE_BEHIND: Duration = Duration::from_millis(100);

/// Tabs written by one statement (PostgreSQL takes at most 65,535 bound
/// values per statement; SQLite 32,766).
const ROWS_PER_STATEMENT: usize = 500;

/// How long an event waits for its tab to be written before it is answered
/// with an error (the database is stuck).
const DURABLE_WITHIN: Duration = Duration::from_secs(10);

/// A dirty tab taken for writing: its token, the tab, its expiry, the
/// number of its last change and the parts written of it so far.
type Taken = (String, Arc<Tab>, DateTime<Utc>, u64, WrittenParts);

/// The large fields of a tab as last written (`state.field` → the text
/// written, which stays the same allocation until the field changes).
type WrittenParts = HashMap<String, Arc<str>>;

/// A tab in memory.
struct Slot {
    tab: Arc<Tab>,
    expires_at: DateTime<Utc>,
    /// Changed since it was last written (its token is in `Memory::dirty`).
    dirty: bool,
    /// It has a row in the database (written, or read from there).
    stored: bool,
    /// The number of its last change (see [`DatabaseStates::keep`]).
    change: u64,
    /// Its large fields in the database ([`super::tab_parts`]).
    parts: WrittenParts,
}

struct Memory {
    tabs: super::TokenMap<Slot>,
    /// The tokens of the dirty slots, each once.
    dirty: Vec<String>,
    /// Counts the changes kept; the writer reports how far it has written.
    changes: u64,
}

/// The embedded state manager: memory, written to the app's database.
pub struct DatabaseStates {
    db: Db,
    idle: Duration,
    memory: Mutex<Memory>,
    writing: tokio::sync::Mutex<()>,
    /// Answer events only once written (group commit).
    durable: bool,
    /// Wakes the writer when a change waits for it.
    wake: Arc<tokio::sync::Notify>,
    /// The last change (`Memory::changes`) known to be written.
    written: tokio::sync::watch::Sender<u64>,
}

impl DatabaseStates {
    /// Tabs in `db`, expiring after `idle` without events; an event's
    /// changes are written before it is answered. Starts the writer task
    /// (it ends when the manager is dropped).
    pub fn new(db: Db, idle: Duration) -> Arc<Self> {
        Self::start(db, idle, true)
    }

    /// Like [`DatabaseStates::new`], but changes are written behind every
    /// 100 ms and events do not wait for them (`[ui] durable_events = false`).
    pub fn write_behind(db: Db, idle: Duration) -> Arc<Self> {
        Self::start(db, idle, false)
    }

    fn start(db: Db, idle: Duration, durable: bool) -> Arc<Self> {
        let wake = Arc::new(tokio::sync::Notify::new());
        let states = Arc::new(Self {
            db,
            idle,
            memory: Mutex::new(Memory { tabs: super::TokenMap::default(), dirty: Vec::new(), changes: 0 }),
            writing: tokio::sync::Mutex::new(()),
            durable,
            wake: wake.clone(),
            written: tokio::sync::watch::Sender::new(0),
        });
        let weak: Weak<Self> = Arc::downgrade(&states);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                loop {
                    // Durable: as soon as a change waits (the changes made
                    // meanwhile go in the next commit); else every 100 ms.
                    if durable {
                        let _ = tokio::time::timeout(WRITE_BEHIND, wake.notified()).await;
                    } else {
                        tokio::time::sleep(WRITE_BEHIND).await;
                    }
                    let Some(states) = weak.upgrade() else { break };
                    if let Err(error) = states.write_dirty().await {
                        tracing::warn!(%error, "cannot write tab states; will retry");
                        drop(states);
                        tokio::time::sleep(WRITE_BEHIND).await;
                    }
                }
            });
        }
        states
    }

    /// Waits until change `change` is written (when events are durable).
    async fn written_through(&self, change: u64) -> Result<(), StoreError> {
        if !self.durable {
            return Ok(());
        }
        self.wake.notify_one();
        let mut written = self.written.subscribe();
        match tokio::time::timeout(DURABLE_WITHIN, written.wait_for(|done| *done >= change)).await {
            Ok(Ok(_)) => Ok(()),
            _ => Err(StoreError::Backend("the tab's new state could not be written in time".into())),
        }
    }

    fn memory(&self) -> MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn expires_at(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::from_std(self.idle).unwrap_or(chrono::Duration::hours(1))
    }

    /// Keeps `tab` in memory, to be written; returns the change's number
    /// (see [`DatabaseStates::written_through`]).
    fn keep(&self, token: String, tab: Arc<Tab>) -> u64 {
        let expires_at = self.expires_at();
        let (change, replaced) = {
            let mut memory = self.memory();
            let memory = &mut *memory;
            memory.changes += 1;
            let change = memory.changes;
            let replaced = match memory.tabs.get_mut(&token) {
                Some(slot) => {
                    slot.expires_at = expires_at;
                    slot.change = change;
                    if !std::mem::replace(&mut slot.dirty, true) {
                        memory.dirty.push(token);
                    }
                    Some(std::mem::replace(&mut slot.tab, tab))
                }
                None => {
                    memory.dirty.push(token.clone());
                    let slot = Slot { tab, expires_at, dirty: true, stored: false, change, parts: HashMap::new() };
                    memory.tabs.insert(token, slot);
                    None
                }
            };
            (memory.changes, replaced)
        };
        // The old tab is freed after the lock is let go.
        drop(replaced);
        change
    }

    /// Writes the changed tabs in one transaction.
    async fn write_dirty(&self) -> Result<(), DbErr> {
        let _one_writer = self.writing.lock().await;
        // Taken under the lock, serialised outside it: events wait on the lock.
        let (copies, through): (Vec<Taken>, u64) = {
            let mut memory = self.memory();
            let memory = &mut *memory;
            let dirty = std::mem::take(&mut memory.dirty);
            let copies = dirty
                .into_iter()
                .filter_map(|token| {
                    let slot = memory.tabs.get_mut(&token).filter(|slot| slot.dirty)?;
                    slot.dirty = false;
                    slot.stored = true;
                    Some((token, slot.tab.clone(), slot.expires_at, slot.change, slot.parts.clone()))
                })
                .collect();
            (copies, memory.changes)
        };
        let mut through = through;
        let mut busy = Vec::new();
        // The large fields whose text changed since they were last written.
        let mut new_parts: Vec<(String, String, Arc<str>)> = Vec::new();
        let (tokens, rows): (Vec<String>, Vec<model::ActiveModel>) = copies
            .into_iter()
            .filter_map(|(token, tab, expires_at, change, written)| {
                // A tab replaced by an event's (its newer version is or
                // will be kept) is not written; one whose state an event
                // has out cannot be encoded: written next time, and the
                // changes from its own on are not reported written.
                let Ok((data, parts)) = tab.stored_split(super::tab_parts::LARGE) else {
                    if tab.replaced() {
                        return None;
                    }
                    through = through.min(change.saturating_sub(1));
                    busy.push(token);
                    return None;
                };
                let changed = parts
                    .into_iter()
                    .filter(|(name, text)| written.get(name).is_none_or(|before| !Arc::ptr_eq(before, text)));
                new_parts.extend(changed.map(|(name, text)| (token.clone(), name, text)));
                let row = model::ActiveModel {
                    token: Set(token.clone()),
                    session_key: Set(tab.session_key.clone()),
                    data: Set(data),
                    expires_at: Set(expires_at),
                };
                Some((token, row))
            })
            .unzip();
        if !busy.is_empty() {
            let mut memory = self.memory();
            let memory = &mut *memory;
            for token in busy {
                if let Some(slot) = memory.tabs.get_mut(&token)
                    && !std::mem::replace(&mut slot.dirty, true)
                {
                    memory.dirty.push(token);
                }
            }
        }
        let done = || {
            self.written.send_if_modified(|written| {
                let newer = through > *written;
                *written = (*written).max(through);
                newer
            })
        };
        if rows.is_empty() {
            done();
            return Ok(());
        }
        let part_rows: Vec<super::tab_parts::model::ActiveModel> = new_parts
            .iter()
            .map(|(token, name, text)| super::tab_parts::model::ActiveModel {
                token: Set(token.clone()),
                name: Set(name.clone()),
                data: Set(text.to_string()),
            })
            .collect();
        let written = async {
            // One statement is a transaction by itself: no BEGIN and COMMIT
            // round trips for the usual commit of a few tabs whose large
            // fields did not change.
            if rows.len() <= ROWS_PER_STATEMENT && part_rows.is_empty() {
                return upsert(&self.db, rows).await;
            }
            let txn = self.db.begin().await?;
            let mut rows = rows.into_iter().peekable();
            // Many rows per statement: one round trip to the database for
            // each batch, not each tab (4 bound values per row).
            while rows.peek().is_some() {
                upsert(&txn, rows.by_ref().take(ROWS_PER_STATEMENT).collect()).await?;
            }
            let mut part_rows = part_rows.into_iter().peekable();
            while part_rows.peek().is_some() {
                upsert_parts(&txn, part_rows.by_ref().take(ROWS_PER_STATEMENT).collect()).await?;
            }
            txn.commit().await
        }
        .await;
        if written.is_ok() {
            let mut memory = self.memory();
            for (token, name, text) in new_parts {
                if let Some(slot) = memory.tabs.get_mut(&token) {
                    slot.parts.insert(name, text);
                }
            }
            drop(memory);
            done();
        } else {
            // Try again next time.
            let mut memory = self.memory();
            let memory = &mut *memory;
            for token in tokens {
                if let Some(slot) = memory.tabs.get_mut(&token)
                    && !std::mem::replace(&mut slot.dirty, true)
                {
                    memory.dirty.push(token);
                }
            }
        }
        written
    }

    /// Tab `token` read from the database (not in memory), kept in memory.
    async fn load_stored(&self, token: &str) -> Result<Option<Arc<Tab>>, StoreError> {
        let Some(row) = model::Entity::find_by_id(token.to_string())
            .filter(model::Column::ExpiresAt.gt(Utc::now()))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let mut states = match serde_json::from_str(&row.data) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        if super::tab_parts::has_parts(&row.data) {
            use super::tab_parts::model::{Column, Entity};
            let parts = Entity::find().filter(Column::Token.eq(token)).all(&self.db).await?;
            super::tab_parts::splice(&mut states, parts.into_iter().map(|part| (part.name, part.data)));
        }
        let tab = Arc::new(Tab::from_stored(row.session_key, states));
        let mut memory = self.memory();
        let slot = memory.tabs.entry(token.to_string()).or_insert_with(|| Slot {
            tab,
            expires_at: row.expires_at,
            dirty: false,
            stored: true,
            change: 0,
            parts: HashMap::new(),
        });
        Ok(Some(slot.tab.clone()))
    }
}

/// Inserts `rows`, replacing the parts already stored, in one statement.
async fn upsert_parts(
    db: &impl sea_orm::ConnectionTrait,
    rows: Vec<super::tab_parts::model::ActiveModel>,
) -> Result<(), DbErr> {
    use super::tab_parts::model::{Column, Entity};
    let conflict = OnConflict::columns([Column::Token, Column::Name]).update_column(Column::Data).to_owned();
    Entity::insert_many(rows).on_conflict(conflict).exec_without_returning(db).await?;
    Ok(())
}

/// Inserts `rows`, replacing the tabs already stored, in one statement.
async fn upsert(db: &impl sea_orm::ConnectionTrait, rows: Vec<model::ActiveModel>) -> Result<(), DbErr> {
    let conflict = OnConflict::column(model::Column::Token)
        .update_columns([model::Column::SessionKey, model::Column::Data, model::Column::ExpiresAt])
        .to_owned();
    model::Entity::insert_many(rows).on_conflict(conflict).exec_without_returning(db).await?;
    Ok(())
}

impl StateManager for DatabaseStates {
    fn load<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<Arc<Tab>>, StoreError>> {
        // A tab in memory is answered without the database read's future
        // (many times larger, and copied whole into its box).
        let mut memory = self.memory();
        match memory.tabs.get(token) {
            Some(slot) if slot.expires_at > Utc::now() => Box::pin(std::future::ready(Ok(Some(slot.tab.clone())))),
            // Expired: forgotten (a pending write-behind skips it).
            Some(_) => {
                memory.tabs.remove(token);
                Box::pin(std::future::ready(Ok(None)))
            }
            None => Box::pin(self.load_stored(token)),
        }
    }

    fn save<'a>(&'a self, token: &'a str, tab: &'a Tab) -> BoxFuture<'a, Result<(), StoreError>> {
        self.keep(token.to_string(), Arc::new(tab.clone()));
        Box::pin(async { Ok(()) })
    }

    /// One process owns the database's tabs: the engine's own ordering is
    /// the whole lease.
    fn acquire<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Leased, StoreError>> {
        Box::pin(async move {
            let tab = self.load(token).await?;
            Ok((Lease { token: token.to_string(), fence: 0, hold: None }, tab))
        })
    }

    fn release(&self, lease: Lease, tab: Option<Tab>) -> BoxFuture<'_, Result<(), StoreError>> {
        let change = tab.map(|tab| self.keep(lease.token, Arc::new(tab)));
        Box::pin(async move {
            match change {
                Some(change) => self.written_through(change).await,
                None => Ok(()),
            }
        })
    }

    fn forget<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            // Not while the writer may be writing this tab.
            let _one_writer = self.writing.lock().await;
            let slot = self.memory().tabs.remove(token);
            if slot.is_some_and(|slot| slot.stored) {
                model::Entity::delete_by_id(token.to_string()).exec(&self.db).await?;
                use super::tab_parts::model::{Column, Entity};
                Entity::delete_many().filter(Column::Token.eq(token)).exec(&self.db).await?;
            }
            Ok(())
        })
    }

    fn flush(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move { Ok(self.write_dirty().await?) })
    }

    fn expire(&self) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            self.write_dirty().await?;
            let now = Utc::now();
            {
                let mut memory = self.memory();
                memory.tabs.retain(|_, slot| slot.expires_at > now);
            }
            let result = model::Entity::delete_many().filter(model::Column::ExpiresAt.lte(now)).exec(&self.db).await?;
            // The parts of the tabs gone.
            use super::tab_parts::model::{Column, Entity};
            let tabs = sea_orm::sea_query::Query::select().column(model::Column::Token).from(model::Entity).to_owned();
            Entity::delete_many().filter(Column::Token.not_in_subquery(tabs)).exec(&self.db).await?;
            Ok(result.rows_affected)
        })
    }
}

/// `tandem_ui_tab`.
pub mod model {
    use sea_orm::entity::prelude::*;

    /// One tab's states.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tandem_ui_tab")]
    pub struct Model {
        /// The tab's token.
        #[sea_orm(primary_key, auto_increment = false, column_type = "String(StringLen::N(64))")]
        pub token: String,
        /// The owning session's key.
        #[sea_orm(column_type = "String(StringLen::N(40))")]
        pub session_key: String,
        /// State name → full JSON, as one JSON object.
        #[sea_orm(column_type = "Text")]
        pub data: String,
        /// When the tab is forgotten unless it sends an event.
        pub expires_at: DateTimeUtc,
    }

    /// Queried directly.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Creates `tandem_ui_tab`.
pub mod migration {
    use sea_orm_migration::prelude::*;
    use sea_orm_migration::schema::{string_len, text, timestamp_with_time_zone};

    /// `tandem_0004_ui_tabs`.
    pub struct Migration;

    impl MigrationName for Migration {
        fn name(&self) -> &str {
            "tandem_0004_ui_tabs"
        }
    }

    #[derive(DeriveIden)]
    enum TandemUiTab {
        Table,
        Token,
        SessionKey,
        Data,
        ExpiresAt,
    }

    #[async_trait::async_trait]
    impl MigrationTrait for Migration {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager
                .create_table(
                    Table::create()
                        .table(TandemUiTab::Table)
                        .col(string_len(TandemUiTab::Token, 64).primary_key())
                        .col(string_len(TandemUiTab::SessionKey, 40))
                        .col(text(TandemUiTab::Data))
                        .col(timestamp_with_time_zone(TandemUiTab::ExpiresAt))
                        .to_owned(),
                )
                .await
        }

        async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager.drop_table(Table::drop().table(TandemUiTab::Table).to_owned()).await
        }
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::PaginatorTrait;
    use sea_orm_migration::MigrationTrait;
    use sea_orm_migration::SchemaManager;
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn many_changed_tabs_are_written_in_batches_and_read_back() {
        // SQLite, or PostgreSQL when `DATABASE_URL` names one.
        let database = crate::testing::TestDatabase::new().await;
        let db = crate::db::connect(&database.url).await.expect("the database opens");
        migration::Migration.up(&SchemaManager::new(db.sea_orm())).await.expect("the table");
        let hour = Duration::from_secs(3600);
        let states = DatabaseStates::new(db.clone(), hour);
        // More tabs than one statement writes.
        let tabs = ROWS_PER_STATEMENT * 2 + 3;
        for i in 0..tabs {
            let mut tab = Tab::new("session").with_state("counter", json!({"count": i}));
            tab.record_applied(i as u64);
            states.release(Lease { token: format!("t{i}"), fence: 0, hold: None }, Some(tab)).await.unwrap();
        }
        states.flush().await.unwrap();

        let restarted = DatabaseStates::new(db, hour);
        for i in [0, ROWS_PER_STATEMENT - 1, ROWS_PER_STATEMENT, tabs - 1] {
            let tab = restarted.load(&format!("t{i}")).await.unwrap().expect("the tab was written");
            assert_eq!(tab.states["counter"], json!({"count": i}));
            assert_eq!(tab.applied(), [i as u64]);
        }
        // Written again after a change: the row is updated, not duplicated.
        let (lease, found) = restarted.acquire("t7").await.unwrap();
        let changed = found.unwrap().with_state("counter", json!({"count": -1}));
        restarted.release(lease, Some(changed)).await.unwrap();
        restarted.flush().await.unwrap();
        let again = DatabaseStates::new(restarted.db.clone(), hour);
        assert_eq!(again.load("t7").await.unwrap().unwrap().states["counter"], json!({"count": -1}));
        assert_eq!(model::Entity::find().count(&again.db).await.unwrap(), tabs as u64);
        drop((states, restarted, again));
        database.drop_database().await;
    }

    #[derive(Default, serde::Serialize, serde::Deserialize, crate::ui::State)]
    #[state(name = "big")]
    struct Big {
        count: i64,
        rows: Vec<i64>,
    }

    #[crate::ui::events]
    impl Big {
        async fn increment(&mut self) {
            self.count += 1;
        }

        async fn grow(&mut self) {
            self.rows.push(-1);
        }
    }

    #[tokio::test]
    async fn a_large_field_is_written_apart_and_only_when_it_changes() {
        use super::super::tab_parts::{self, model::Entity as Part};
        let database = crate::testing::TestDatabase::new().await;
        let db = crate::db::connect(&database.url).await.expect("the database opens");
        let schema = SchemaManager::new(db.sea_orm());
        migration::Migration.up(&schema).await.expect("the tabs' table");
        tab_parts::migration::Migration.up(&schema).await.expect("the parts' table");
        let hour = Duration::from_secs(3600);
        let states = DatabaseStates::new(db.clone(), hour);
        let page = crate::ui::Page::dynamic::<Big>("big", "Big", crate::ui::node::p);
        let mut ctx = crate::ui::EventContext::new(db.clone(), Default::default(), Default::default(), "t".into(), "");
        // An event on the tab as the engine runs it: the value taken out of
        // its cell, run in place, kept in the next tab's cell.
        let run = async |tab: &Tab, event: &str, ctx: &mut crate::ui::EventContext| {
            let mut taken =
                crate::ui::live::Taken::from_cell(tab.live_cell("big").unwrap(), |_| unreachable!()).unwrap();
            page.kind.run(taken.live(), event, json!([]), ctx).await.ok().expect("the event runs");
            tab.with_live("big", taken.keep())
        };
        let full = json!({"count": 0, "rows": (0..1000).collect::<Vec<i64>>()});
        let tab = Tab::new("session").with_live("big", LiveCell::new(page.kind.live(Some(&full)).unwrap()));
        let tab = run(&tab, "increment", &mut ctx).await;
        states.save("t", &tab).await.unwrap();
        states.flush().await.unwrap();
        let stored = model::Entity::find_by_id("t").one(&db).await.unwrap().unwrap();
        assert!(stored.data.len() < 200, "the list is not in the tab's row: {}", stored.data);
        let part = Part::find().one(&db).await.unwrap().expect("the list's own row");
        assert_eq!((part.name.as_str(), part.data.len() > tab_parts::LARGE), ("big.rows", true));

        // The part changed behind the writer's back: an event that does not
        // change the list does not write it again, and a restart reads it.
        let sentinel = super::super::tab_parts::model::ActiveModel { data: Set("[7]".into()), ..part.into() };
        sea_orm::ActiveModelTrait::update(sentinel, &db).await.unwrap();
        let tab = run(&tab, "increment", &mut ctx).await;
        states.save("t", &tab).await.unwrap();
        states.flush().await.unwrap();
        let restarted = DatabaseStates::new(db.clone(), hour);
        let read = restarted.load("t").await.unwrap().unwrap();
        assert_eq!(read.state_json("big").unwrap().unwrap(), json!({"count": 2, "rows": [7]}));

        // An event that changes the list writes it.
        let tab = run(&tab, "grow", &mut ctx).await;
        states.save("t", &tab).await.unwrap();
        states.flush().await.unwrap();
        let read = DatabaseStates::new(db.clone(), hour).load("t").await.unwrap().unwrap().state_json("big").unwrap();
        assert_eq!(read.unwrap()["rows"].as_array().unwrap().len(), 1001);

        // Forgetting the tab forgets its parts.
        states.forget("t").await.unwrap();
        assert_eq!(Part::find().count(&db).await.unwrap(), 0);
        // A state's name has no length limit, nor has a part's.
        let long = format!("{}.rows", "s".repeat(300));
        let part =
            tab_parts::model::ActiveModel { token: Set("t".into()), name: Set(long.clone()), data: Set("[]".into()) };
        upsert_parts(&db, vec![part]).await.expect("a long part name is stored");
        assert_eq!(Part::find().one(&db).await.unwrap().unwrap().name, long);
        drop((states, restarted));
        database.drop_database().await;
    }
}
