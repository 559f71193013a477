//! The database layer: one SeaORM pool per application, migrations, fixtures
//! and exact decimals.
//!
//! SQLite (a file next to `Tandem.toml`, created on first run, WAL journal,
//! foreign keys on) is the default; a `postgres://` URL switches to
//! PostgreSQL with no code change.

mod decimal;
pub mod fixtures;
pub mod migrations;

use std::time::Duration;

use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

pub use decimal::{Decimal, decimal_column};

/// Opens the application's pool for `url`.
///
/// ```no_run
/// # async fn demo() -> Result<(), sea_orm::DbErr> {
/// let db = tandem::db::connect("sqlite:///tmp/demo.sqlite3").await?;
/// db.ping().await?;
/// # Ok(()) }
/// ```
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_string());
    options.sqlx_logging(false).connect_timeout(Duration::from_secs(10)).acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        // SeaORM gives SQLite one connection unless told otherwise, which
        // serialises every query of the process; in WAL mode readers run in
        // parallel and writers wait on `busy_timeout`.
        options.max_connections(8);
        // A local file does not drop connections: no ping before every query
        // (it cost ~30 µs a query, a third of a simple SELECT).
        options.test_before_acquire(false);
        options.map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
        });
    }
    Database::connect(options).await
}
