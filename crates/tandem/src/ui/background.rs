//! Background tasks: work a handler starts with
//! [`EventContext::spawn`](super::EventContext::spawn) that outlives the
//! event and later changes the tab's state through a [`TabHandle`].

use std::sync::Arc;

use crate::db::Db;
use futures_util::future::BoxFuture;

use super::engine::Engine;
use super::state::{EventError, Events, State};
use crate::auth::CurrentUser;

/// A task waiting for its event to succeed.
pub(crate) type Task = Box<dyn FnOnce(TabHandle) -> BoxFuture<'static, ()> + Send>;

/// A background task's way back to the tab that started it.
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// # use tandem::ui::{EventContext, State, events};
/// #[derive(Default, Serialize, Deserialize, State)]
/// pub struct Import { pub imported: u32, pub running: bool }
///
/// #[events]
/// impl Import {
///     pub async fn start(&mut self, ctx: &mut EventContext) {
///         self.running = true;
///         ctx.spawn(|tab| async move {
///             for _ in 0..3 {
///                 // … import a batch with tab.db() …
///                 let _ = tab.update(|import: &mut Import| import.imported += 1).await;
///             }
///             let _ = tab.update(|import: &mut Import| import.running = false).await;
///         });
///     }
/// }
/// ```
#[derive(Clone)]
pub struct TabHandle {
    pub(crate) engine: Arc<Engine>,
    pub(crate) token: String,
    pub(crate) session_key: String,
    pub(crate) db: Db,
    pub(crate) user: CurrentUser,
}

impl TabHandle {
    /// The tab's token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The application's database pool.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The user of the session that started the task.
    pub fn user(&self) -> &CurrentUser {
        &self.user
    }

    /// Changes the tab's state `S` with `change`, in order with the tab's
    /// events (it waits while one runs), saves it, and sends the change to
    /// the browser if the tab is connected (and shows `S`). Do slow work
    /// before calling it: the tab's events wait while `change` runs.
    ///
    /// Fails when the tab has expired or its session changed owner.
    pub async fn update<S: State + Events>(&self, change: impl FnOnce(&mut S)) -> Result<(), EventError> {
        self.engine.update_tab(&self.token, &self.session_key, change).await
    }
}
