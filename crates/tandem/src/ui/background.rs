//! Background tasks: work a handler starts with
//! [`EventContext::spawn`](super::EventContext::spawn) that outlives the
//! event and later changes the tab's state through a [`TabHandle`].

use std::marker::PhantomData;
use std::sync::Arc;

use crate::db::Db;
use futures_util::future::BoxFuture;

use super::engine::Engine;
use super::state::{EventError, Events, State};
use crate::auth::CurrentUser;

/// A task waiting for its event to succeed.
pub(crate) type Task = Box<dyn FnOnce(TabLink) -> BoxFuture<'static, ()> + Send>;

/// The tab a task belongs to, whatever its state: what the engine hands a
/// task, which sees it as a [`TabHandle`] of its state.
#[derive(Clone)]
pub(crate) struct TabLink {
    pub(crate) engine: Arc<Engine>,
    pub(crate) token: String,
    pub(crate) session_key: String,
    pub(crate) db: Db,
    pub(crate) user: CurrentUser,
}

/// A background task's way back to the tab that started it, and to its
/// state `S` there.
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// # use tandem::ui::{EventContext, State, TabHandle, events};
/// #[derive(Default, Serialize, Deserialize, State)]
/// pub struct Import { pub imported: u32, pub running: bool }
///
/// #[events]
/// impl Import {
///     pub async fn start(&mut self, ctx: &mut EventContext) {
///         self.running = true;
///         ctx.spawn(|tab: TabHandle<Self>| async move {
///             for _ in 0..3 {
///                 // … import a batch with tab.db() …
///                 let _ = tab.update(|import| import.imported += 1).await;
///             }
///             let _ = tab.update(|import| import.running = false).await;
///         });
///     }
/// }
/// ```
pub struct TabHandle<S> {
    link: TabLink,
    state: PhantomData<fn(S)>,
}

impl<S> Clone for TabHandle<S> {
    fn clone(&self) -> Self {
        TabHandle { link: self.link.clone(), state: PhantomData }
    }
}

impl<S: State + Events> TabHandle<S> {
    pub(crate) fn new(link: TabLink) -> Self {
        TabHandle { link, state: PhantomData }
    }

    /// The tab's token.
    pub fn token(&self) -> &str {
        &self.link.token
    }

    /// The application's database pool.
    pub fn db(&self) -> &Db {
        &self.link.db
    }

    /// The user of the session that started the task.
    pub fn user(&self) -> &CurrentUser {
        &self.link.user
    }

    /// Changes the tab's state `S` with `change`, in order with the tab's
    /// events (it waits while one runs), saves it, and sends the change to
    /// the browser if the tab is connected (and shows `S`). Do slow work
    /// before calling it: the tab's events wait while `change` runs.
    ///
    /// Fails when the tab has expired or its session changed owner.
    pub async fn update(&self, change: impl FnOnce(&mut S)) -> Result<(), EventError> {
        self.link.engine.update_tab(&self.link.token, &self.link.session_key, change).await
    }
}
