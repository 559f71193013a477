//! The reactive UI: states and events in Rust, pages built from components,
//! rendered on the server for the first paint and kept live over a
//! WebSocket by a small runtime script. No Node.js, no bundler, no WASM.
//!
//! ```ignore
//! #[derive(Default, Serialize, Deserialize, State)]
//! pub struct Counter { pub count: i64 }
//!
//! #[events]
//! impl Counter {
//!     pub async fn increment(&mut self) { self.count += 1 }
//!     pub async fn add(&mut self, amount: i64) { self.count += amount }
//! }
//!
//! fn counter() -> Node {
//!     div().children([p().child(bind("count")), button().text("+1").on_click(event("increment"))])
//! }
//!
//! App::new(env!("CARGO_MANIFEST_DIR")).page(Page::dynamic::<Counter>("counter", "Counter", counter))
//! ```

/// A map keyed by tab token, hashed with foldhash: looked up several times
/// per event, and only server-signed tokens become keys.
pub(crate) type TokenMap<V> = std::collections::HashMap<String, V, foldhash::fast::RandomState>;

pub mod background;
pub mod bus;
pub mod buttons;
pub mod check;
pub mod components;
pub mod context;
pub mod delta;
pub mod document;
pub mod engine;
pub mod feedback;
pub mod field;
pub mod forms;
pub mod live;
pub mod locks;
pub mod model_state;
pub mod node;
mod not_found;
pub mod outbox;
pub mod page;
pub mod render;
pub mod settings;
pub mod shell;
pub mod socket;
pub mod state;
pub mod storage;
pub mod store;
pub mod stream;
pub mod tab_parts;
pub mod theme;
pub mod tickets;
pub mod tokens;
pub mod upload;
pub mod view;

pub use background::TabHandle;
pub use context::{Action, EventContext, Level, RouterData};
pub use engine::{Engine, Limits};
pub use futures_util::future::BoxFuture;
pub use page::{HeadTag, Page};
pub use settings::UiSettings;
pub use state::{Computed, EventError, Events, State, event_arg, public_json};
pub use storage::ClientStorage;
pub use stream::Stream;
pub use tandem_macros::{Row, State, events};
pub use theme::Theme;
pub use view::{Handler, View};

/// Re-exported for the code `#[events]` generates.
pub use serde_json;
