//! The database layer: one SeaORM pool per application, migrations, fixtures
//! and exact decimals.
//!
//! SQLite (a file next to `Tandem.toml`, created on first run, WAL journal,
//! foreign keys on) is the default; a `postgres://` URL switches to
//! PostgreSQL with no code change.

mod decimal;
pub mod fixtures;
mod handle;
pub(crate) mod makemigrations;
pub mod migrations;
mod models;
mod query;
mod ready;
mod rows;
mod sqlite;

use std::ffi::c_int;
use std::ptr::NonNull;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DbErr, SqlErr};

pub use decimal::{Decimal, decimal_column};
pub use handle::Db;
pub use models::register;
pub use query::{query_all, query_one};
pub use sqlite::SqliteFailure;

/// How long a statement waits for another writer's lock on SQLite.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections per pool on SQLite (readers run in parallel in WAL mode).
const SQLITE_CONNECTIONS: u32 = 8;
/// A server connection idle for longer than this is pinged before it is
/// used again (the driver pings every connection as it goes back to the
/// pool, so one reused at once is known to be alive: a second ping before
/// each query was a third round trip per query).
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(5);

/// Opens the application's database at `url`: SeaORM's pool, and on a
/// SQLite file the embedded driver beside it.
///
/// ```no_run
/// # async fn demo() -> Result<(), sea_orm::DbErr> {
/// let db = tandem::db::connect("sqlite:///tmp/demo.sqlite3").await?;
/// assert!(db.has_sqlite_driver());
/// db.sea_orm().ping().await?;
/// # Ok(()) }
/// ```
pub async fn connect(url: &str) -> Result<Db, DbErr> {
    let mut options = ConnectOptions::new(url.to_string());
    options.sqlx_logging(false).connect_timeout(Duration::from_secs(10)).acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        // SeaORM gives SQLite one connection unless told otherwise, which
        // serialises every query of the process; in WAL mode readers run in
        // parallel and writers wait on `busy_timeout`.
        options.max_connections(SQLITE_CONNECTIONS);
        // A local file does not drop connections: no ping before every query
        // (it cost ~30 µs a query, a third of a simple SELECT).
        options.test_before_acquire(false);
        options.map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(BUSY_TIMEOUT)
        });
        options.map_sqlx_sqlite_pool_opts(|pool| {
            pool.after_connect(|connection, _| Box::pin(async move { stable_query_plans(connection).await }))
        });
    } else {
        options.test_before_acquire_if_idle_for(PING_IF_IDLE_FOR);
    }
    let sea = Database::connect(options).await?;
    let driver = match sqlite_file(url) {
        Some(file) => Some(sqlite::Sqlite::open(&file, SQLITE_CONNECTIONS as usize, BUSY_TIMEOUT)?),
        None => None,
    };
    Ok(Db::new(sea, driver))
}

/// The file a `sqlite:` URL names; `None` for other databases and for
/// in-memory ones (each connection would see a database of its own).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    if !url.starts_with("sqlite:") || url.contains("mode=memory") {
        return None;
    }
    let options: SqliteConnectOptions = url.parse().ok()?;
    let file = options.get_filename();
    (file != std::path::Path::new(":memory:") && !file.as_os_str().is_empty()).then(|| file.to_path_buf())
}

/// The constraint `error` reports as violated, on either driver: SeaORM's
/// [`DbErr::sql_err`] knows sqlx's errors, this also the embedded SQLite
/// driver's.
///
/// ```
/// # fn demo(error: sea_orm::DbErr) {
/// if let Some(sea_orm::SqlErr::UniqueConstraintViolation(message)) = tandem::db::sql_err(&error) {
///     eprintln!("already taken: {message}");
/// }
/// # }
/// ```
pub fn sql_err(error: &DbErr) -> Option<SqlErr> {
    if let Some(known) = error.sql_err() {
        return Some(known);
    }
    let (DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)) | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))) = error
    else {
        return None;
    };
    match e.as_ref() {
        sea_orm::sqlx::Error::Database(e) => e.try_downcast_ref::<SqliteFailure>()?.sql_err(),
        _ => None,
    }
}

/// Turns on SQLite's query planner stability guarantee for `connection`.
///
/// The bundled SQLite is built with `SQLITE_ENABLE_STAT4`, under which binding
/// a parameter the planner looked at (SeaORM's `LIMIT ?` on every `.one()`)
/// expires the cached statement: the next step parses and plans it again,
/// which was most of the SQL work of a detail request. With the guarantee on,
/// a cached statement keeps its plan whatever values are bound.
async fn stable_query_plans(connection: &mut sea_orm::sqlx::SqliteConnection) -> Result<(), sea_orm::sqlx::Error> {
    let mut handle = connection.lock_handle().await?;
    match query_planner_stability(handle.as_raw_handle(), 1) {
        Ok(1) => Ok(()),
        outcome => Err(sea_orm::sqlx::Error::Configuration(
            format!("SQLITE_DBCONFIG_ENABLE_QPSG could not be set: {outcome:?}").into(),
        )),
    }
}

/// Sets (1), clears (0) or only reads (-1) `SQLITE_DBCONFIG_ENABLE_QPSG` on
/// `db`; the setting after the call, or SQLite's error code.
fn query_planner_stability(db: NonNull<libsqlite3_sys::sqlite3>, value: c_int) -> Result<c_int, c_int> {
    let mut now: c_int = -1;
    // SAFETY: `db` is an open connection the caller holds locked for the
    // duration of the call; ENABLE_QPSG takes an int and an `int*` that
    // receives the setting, which outlives the call.
    let code = unsafe {
        libsqlite3_sys::sqlite3_db_config(db.as_ptr(), libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG, value, &raw mut now)
    };
    if code == libsqlite3_sys::SQLITE_OK { Ok(now) } else { Err(code) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_sqlite_connection_keeps_its_query_plans() {
        let file = crate::testing::TestDatabase::sqlite();
        let db = connect(&file.url).await.expect("the database opens");
        let pool = db.sea_orm().get_sqlite_connection_pool();
        // Two connections at once: the setting is made on each, not once.
        let mut first = pool.acquire().await.expect("a connection");
        let mut second = pool.acquire().await.expect("a second connection");
        for connection in [&mut first, &mut second] {
            let mut handle = connection.lock_handle().await.expect("the handle");
            assert_eq!(query_planner_stability(handle.as_raw_handle(), -1), Ok(1));
        }
    }
}
