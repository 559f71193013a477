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
}
