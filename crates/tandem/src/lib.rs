//! # Tandem
//!
//! One Rust process, one origin: a Django-style backend (URL configuration,
//! plain views, models and migrations on SeaORM), a DRF-style REST layer and a
//! reactive UI, sharing one database pool and one session cookie.
//!
//! An application is a [`App`] built in `main.rs`:
//!
//! ```no_run
//! use axum::Json;
//! use serde_json::{json, Value};
//! use tandem::urls::{include, path, UrlPattern};
//! use tandem::views::get;
//!
//! async fn hello() -> Json<Value> { Json(json!({"hello": "world"})) }
//!
//! fn shop_urls() -> Vec<UrlPattern> { vec![path("hello/", get(hello))] }
//! fn urls() -> Vec<UrlPattern> { vec![path("api/shop/", include(shop_urls()))] }
//!
//! fn main() -> std::process::ExitCode {
//!     tandem::App::new(env!("CARGO_MANIFEST_DIR")).urls(urls).main()
//! }
//! ```
#![deny(missing_docs)]

// The UI derives name `::tandem`; this lets them work inside this crate too.
extern crate self as tandem;

pub mod accounts;
pub mod admin;
pub mod app;
pub mod assets;
pub mod auth;
pub mod cli;
pub mod config;
pub mod context;
pub mod csrf;
pub mod db;
pub mod http;
pub mod mail;
pub mod random;
pub mod redis;
pub mod rest;
pub mod server;
pub mod sessions;
pub mod signals;
pub mod signing;
mod sweep;
pub mod throttle;
// Also in the crate's own unit tests, for their throw-away databases.
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod ui;
pub mod urls;
pub mod views;

pub use app::{App, Error, Prepared};
pub use context::{AppContext, Db};
pub use tandem_macros::{static_files, static_url};

// The crates an application writes its models, migrations, views and tests
// with, at the versions and features Tandem is built with: an app's
// `Cargo.toml` names Tandem (and serde, whose derives name their crate) and
// cannot drift from them. Bring one into a module with `use tandem::sea_orm;`
// and the SeaORM derives find it there.
pub use axum;
pub use chrono;
pub use rust_decimal;
pub use sea_orm;
pub use sea_orm_migration;
pub use serde;
pub use serde_json;
pub use tokio;

/// The names an application module usually needs.
pub mod prelude {
    pub use crate::auth::{Auth, CurrentUser, LoginRequired, PermissionRequired};
    pub use crate::context::Db;
    pub use crate::csrf::CsrfToken;
    pub use crate::db::Decimal;
    pub use crate::http::ApiError;
    pub use crate::sessions::Session;
    pub use crate::urls::{Kwargs, UrlPattern, include, path};
    pub use crate::views::{delete, get, patch, post, put};
}
