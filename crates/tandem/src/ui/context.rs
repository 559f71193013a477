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

use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::auth::CurrentUser;

/// The page a tab shows: its path, the route's parameters and the query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RouterData {
    /// The path, e.g. `/products/3`.
    pub path: String,
    /// Parameters captured by the page's route, e.g. `id` → `3`.
    pub params: BTreeMap<String, String>,
    /// Query parameters (the last value of each).
    pub query: BTreeMap<String, String>,
}

/// The context of one event.
pub struct EventContext {
    /// The application's database pool.
    pub db: DatabaseConnection,
    /// The user of the session that owns the tab.
    pub user: CurrentUser,
    /// The page the event came from.
    pub router: RouterData,
    /// The tab's token.
    pub token: String,
    pub(crate) actions: Vec<Action>,
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
        /// `info`, `success` or `error`.
        level: String,
        /// The text.
        message: String,
    },
    /// Log a user in (`Some(id)`) or out (`None`) through the HTTP session.
    #[serde(skip)]
    Session(Option<i64>),
    /// Redeem a one-time ticket at `POST /_tandem/session`, which sets the
    /// new `sessionid` cookie (still HttpOnly).
    Redeem {
        /// The ticket.
        ticket: String,
    },
}

impl EventContext {
    /// A context for `token` on `router`'s page.
    pub fn new(db: DatabaseConnection, user: CurrentUser, router: RouterData, token: String) -> Self {
        Self { db, user, router, token, actions: Vec::new() }
    }

    /// Logs `user` in for this tab's session, as the HTTP login does: the
    /// session key cycles, the CSRF secret rotates, and the browser receives
    /// the new `sessionid` cookie (HttpOnly) through a one-time ticket the
    /// runtime redeems over HTTP. Later events see the user.
    pub fn login(&mut self, user: &crate::auth::User) {
        self.actions.push(Action::Session(Some(user.id)));
    }

    /// Logs the tab's session out (the session row is deleted).
    pub fn logout(&mut self) {
        self.actions.push(Action::Session(None));
    }

    /// Navigates the tab to `path` after this event.
    pub fn redirect(&mut self, path: &str) {
        self.actions.push(Action::Redirect { to: path.to_string() });
    }

    /// Shows a notice (`level`: `info`, `success`, `error`).
    pub fn notify(&mut self, level: &str, message: &str) {
        self.actions.push(Action::Notice { level: level.to_string(), message: message.to_string() });
    }
}
