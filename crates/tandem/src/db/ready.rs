//! PostgreSQL connections kept ready between single queries.
//!
//! sqlx pings every connection as it goes back to its pool, from a task it
//! spawns for the purpose: one more round trip to the server, and a task,
//! for every statement (about a tenth of the CPU of a page event that
//! reloads 100 rows). [`Ready`] keeps a few connections out of the pool
//! instead (detached: the pool opens others in their place), hands one to
//! each statement that runs alone, and takes it back when the statement has
//! ended, when the connection is known to be idle and sound.
//!
//! What keeps this as safe as the pool:
//! - a connection left idle for longer than [`super::PING_IF_IDLE_FOR`] is
//!   pinged before it is used again (the pool's own rule), and one older
//!   than [`LIFETIME`] is closed (sqlx's default maximum lifetime);
//! - a statement the server refused (a syntax error, a unique constraint)
//!   leaves its connection sound, as sqlx's own pool assumes; one that
//!   failed otherwise (the connection broke, a value could not be decoded)
//!   or was cancelled does not give its connection back: it is closed,
//!   whatever state it was left in;
//! - at most [`KEEP`] connections are kept beyond the pool's size; queries
//!   beyond that run on the pool as before.
//!
//! Transactions still run on SeaORM's pool.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::PgDatabaseError;
use sea_orm::sqlx::{self, Connection, PgConnection, PgPool, pool::PoolConnection};
use sea_orm::{DbErr, ExecResult, QueryResult, RuntimeErr, Statement};

use super::query::{bound, query_error};

/// Connections kept out of the pool, at most.
pub(crate) const KEEP: usize = 8;
/// A kept connection older than this is closed (sqlx's default
/// `max_lifetime`, so a server-side change of settings reaches every
/// connection in time).
const LIFETIME: Duration = Duration::from_secs(30 * 60);

/// The kept connections of one PostgreSQL pool.
pub(crate) struct Ready {
    pool: PgPool,
    idle: Mutex<Vec<Kept>>,
    /// Kept connections alive, idle or running a query.
    open: AtomicUsize,
}

/// A kept connection and its ages.
struct Kept {
    connection: PgConnection,
    opened: Instant,
    idle_since: Instant,
}

/// The connection a query runs on.
enum Lease {
    Kept(Kept),
    Pooled(PoolConnection<sqlx::Postgres>),
}

impl Ready {
    pub(crate) fn new(pool: PgPool) -> Self {
        Ready { pool, idle: Mutex::new(Vec::new()), open: AtomicUsize::new(0) }
    }

    /// Every row of `stmt`.
    pub(crate) async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let (sql, values) = bound(stmt);
        let rows = self.run(async |connection| sqlx::query_with(sql, values).fetch_all(connection).await).await;
        rows.map(|rows| rows.into_iter().map(Into::into).collect()).map_err(query_error)
    }

    /// The first row of `stmt`, if any.
    pub(crate) async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let (sql, values) = bound(stmt);
        let row = self.run(async |connection| sqlx::query_with(sql, values).fetch_optional(connection).await).await;
        row.map(|row| row.map(Into::into)).map_err(query_error)
    }

    /// Runs `stmt`, which returns no rows.
    pub(crate) async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let (sql, values) = bound(stmt);
        let done = self.run(async |connection| sqlx::query_with(sql, values).execute(connection).await).await;
        done.map(Into::into).map_err(|error| DbErr::Exec(RuntimeErr::SqlxError(Arc::new(error))))
    }

    /// Closes the idle kept connections (the pool's own close leaves them
    /// open, being detached).
    pub(crate) async fn close(&self) {
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|e| e.into_inner()));
        for kept in idle {
            self.open.fetch_sub(1, Ordering::Relaxed);
            let _ = kept.connection.close().await;
        }
    }

    /// Runs `query` on a kept connection (or, when [`KEEP`] are busy, a
    /// pooled one) and keeps the connection if it is still sound.
    async fn run<T>(
        &self,
        query: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        match self.lease().await? {
            Lease::Pooled(mut pooled) => query(&mut *pooled).await,
            Lease::Kept(mut kept) => {
                // Dropped unfinished (the query cancelled), the connection
                // closes and stops counting.
                let counted = Counted(&self.open);
                let result = query(&mut kept.connection).await;
                if result.as_ref().err().is_none_or(leaves_it_sound) {
                    std::mem::forget(counted);
                    kept.idle_since = Instant::now();
                    self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(kept);
                } else {
                    drop(counted);
                    let _ = kept.connection.close().await;
                }
                result
            }
        }
    }

    /// The most recently used idle connection that is still sound, else a
    /// new kept one from the pool, else (all [`KEEP`] busy) a pooled one.
    async fn lease(&self) -> Result<Lease, sqlx::Error> {
        loop {
            let Some(mut kept) = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop() else { break };
            if kept.opened.elapsed() < LIFETIME
                && (kept.idle_since.elapsed() < super::PING_IF_IDLE_FOR || kept.connection.ping().await.is_ok())
            {
                return Ok(Lease::Kept(kept));
            }
            self.open.fetch_sub(1, Ordering::Relaxed);
            let _ = kept.connection.close().await;
        }
        let pooled = self.pool.acquire().await?;
        if self.open.fetch_add(1, Ordering::Relaxed) < KEEP {
            let now = Instant::now();
            return Ok(Lease::Kept(Kept { connection: pooled.detach(), opened: now, idle_since: now }));
        }
        self.open.fetch_sub(1, Ordering::Relaxed);
        Ok(Lease::Pooled(pooled))
    }

    /// Kept connections alive (for tests).
    #[cfg(test)]
    fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }
}

/// Whether the connection a statement failed on is still sound: the
/// server refused the statement but kept the session (not a `FATAL` error
/// such as an administrator ending the connection).
fn leaves_it_sound(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(error) = error else { return false };
    error.try_downcast_ref::<PgDatabaseError>().is_some_and(|error| {
        !matches!(error.severity(), sqlx::postgres::PgSeverity::Fatal | sqlx::postgres::PgSeverity::Panic)
    })
}

/// One kept connection counted in [`Ready::open`] until this is dropped.
struct Counted<'a>(&'a AtomicUsize);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::DbBackend;

    use super::*;
    use crate::testing::TestDatabase;

    /// On PostgreSQL (skipped without `DATABASE_URL`): a statement reuses
    /// the connection the previous one left, also after the server refused
    /// one; a broken or cancelled one is closed; no more than `KEEP` are
    /// kept however many run at once.
    #[tokio::test]
    async fn statements_reuse_a_kept_connection_and_close_a_broken_one() {
        let Some(database) = TestDatabase::postgres().await else { return };
        let db = super::super::connect(&database.url).await.unwrap();
        let ready = Ready::new(db.sea_orm().get_postgres_connection_pool().clone());
        let sql = |sql: &str| Statement::from_string(DbBackend::Postgres, sql.to_string());
        let backend_pid = async || {
            let row = ready.query_one(sql("SELECT pg_backend_pid() AS pid")).await.unwrap().unwrap();
            row.try_get::<i32>("", "pid").unwrap()
        };
        let first = backend_pid().await;
        assert_eq!(backend_pid().await, first, "the second query runs on the kept connection");
        ready.execute(sql("CREATE TEMPORARY TABLE kept (n int8)")).await.unwrap();
        let inserted = ready.execute(sql("INSERT INTO kept VALUES (1), (2)")).await.unwrap();
        assert_eq!(inserted.rows_affected(), 2, "on the same connection: its temporary table is there");
        assert_eq!(ready.open(), 1);

        let refused = ready.query_all(sql("SELECT FROM nowhere at all")).await;
        assert!(matches!(refused, Err(DbErr::Query(_))), "{refused:?}");
        assert_eq!(backend_pid().await, first, "a refused statement leaves its connection sound and kept");

        // The server ends the connection: the next statement on it fails
        // (it was used less than 5 s ago, so not pinged), and is not kept.
        let other = db.sea_orm().get_postgres_connection_pool();
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT pg_terminate_backend({first})"))).execute(other).await.unwrap();
        assert!(ready.query_one(sql("SELECT 1 AS one")).await.is_err(), "the ended connection fails once");
        assert_eq!(ready.open(), 0, "and is not kept");
        let second = backend_pid().await;
        assert_ne!(second, first, "the next query runs on a new connection");

        // A query cancelled while the server works: its connection closes.
        let cancelled =
            tokio::time::timeout(Duration::from_millis(100), ready.query_one(sql("SELECT pg_sleep(5)"))).await;
        assert!(cancelled.is_err(), "the slow query was cut short");
        assert_eq!(ready.open(), 0, "the cancelled query's connection is not kept");

        // Many at once: at most KEEP kept, the rest pooled, every answer right.
        let many = (0..KEEP as i64 * 2).map(|n| {
            let stmt = sql(&format!("SELECT {n}::int8 AS n, pg_sleep(0.05)::text AS slept"));
            let ready = &ready;
            async move { ready.query_one(stmt).await.unwrap().unwrap().try_get::<i64>("", "n").unwrap() }
        });
        let answers = futures_util::future::join_all(many).await;
        assert_eq!(answers, (0..KEEP as i64 * 2).collect::<Vec<_>>());
        assert_eq!(ready.open(), KEEP, "KEEP kept, the others went back to the pool");

        ready.close().await;
        assert_eq!(ready.open(), 0);
        let _ = db.close().await;
        database.drop_database().await;
    }
}
