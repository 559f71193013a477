//! SQLite without a thread hand-off per row.
//!
//! sqlx-sqlite runs each connection on a worker thread that sends every row
//! to the async side over a channel, a futex wake per row. This driver runs
//! a statement to completion on the task's own thread, on a connection of
//! its own pool, and hands back every row at once: a query costs what
//! SQLite costs. Only a statement that finds the database locked by another
//! writer leaves the runtime's thread, to wait out the busy timeout on a
//! blocking thread; the writers of this process queue on an async lock
//! instead, so they never spin in SQLite's busy handler.
//!
//! Rows come back as SeaORM rows of typed values, which needs the type of
//! each column: a statement whose columns all belong to registered models
//! ([`super::register`]) runs here, any other through sqlx.

mod errors;
mod values;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use sea_orm::{DbErr, MockExecResult, Value};
use tokio::sync::{Semaphore, SemaphorePermit};

pub use errors::SqliteFailure;
pub(crate) use values::Kind;

use errors::Failure;

/// A pool of SQLite connections to one file, driven in place.
pub(crate) struct Sqlite {
    file: PathBuf,
    idle: Mutex<Vec<Connection>>,
    slots: Semaphore,
    writer: tokio::sync::Mutex<()>,
    busy_timeout: Duration,
    /// Each statement's shape, with the model generation it was made in.
    shapes: Mutex<HashMap<String, (u64, Arc<Shape>)>>,
}

/// What the driver needs to know of a statement before running it.
struct Shape {
    /// It reads only: no turn to write needed.
    readonly: bool,
    /// How its rows are read, if the driver can read them.
    plan: Option<Arc<Plan>>,
}

/// Statements whose shapes are remembered at once.
const MAX_SHAPES: usize = 1024;

/// The columns a query's rows are read with: each one's position, name
/// and type, in name order (the order of SeaORM's row, built in one pass).
type Plan = Vec<(usize, String, Kind)>;

/// One row: each column's value, by name.
pub(crate) type Row = BTreeMap<String, Value>;

impl Sqlite {
    /// A pool of at most `connections` connections to `file`, which
    /// exists (sqlx created and migrated it); opens one to check.
    pub(crate) fn open(file: &Path, connections: usize, busy_timeout: Duration) -> Result<Arc<Self>, DbErr> {
        let pool = Sqlite {
            file: file.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(connections.max(1)),
            writer: tokio::sync::Mutex::new(()),
            busy_timeout,
            shapes: Mutex::new(HashMap::new()),
        };
        let first = pool.connect().map_err(Failure::into_conn_err)?;
        pool.give_back(first);
        Ok(Arc::new(pool))
    }

    /// The rows of `sql`, or `None` when a column's type is unknown here
    /// and the statement must run elsewhere. `first_only` stops after one row.
    pub(crate) async fn query(&self, sql: &str, values: &[Value], first_only: bool) -> Result<Option<Vec<Row>>, DbErr> {
        let mut lease = self.lease().await?;
        let shape = lease.connection().and_then(|c| self.shape(c, sql)).map_err(Failure::into_query_err)?;
        let Some(plan) = shape.plan.clone() else { return Ok(None) };
        let _writing = if shape.readonly { None } else { Some(self.lock_writer().await?) };
        let limit = if first_only { 1 } else { usize::MAX };
        let rows = self
            .run(&mut lease, sql, values, move |connection, sql, values| read(connection, sql, values, &plan, limit))
            .await
            .map_err(Failure::into_query_err)?;
        Ok(Some(rows))
    }

    /// Runs `sql` for its effect.
    pub(crate) async fn execute(&self, sql: &str, values: &[Value]) -> Result<MockExecResult, DbErr> {
        let mut lease = self.lease().await?;
        let shape = lease.connection().and_then(|c| self.shape(c, sql)).map_err(Failure::into_exec_err)?;
        let _writing = if shape.readonly { None } else { Some(self.lock_writer().await?) };
        self.run(&mut lease, sql, values, execute).await.map_err(Failure::into_exec_err)
    }

    /// Runs `sql`, one or more statements without parameters, for their
    /// effect, under the writer lock and with the busy timeout from the start
    /// (a batch stopped half-way cannot be retried).
    pub(crate) async fn execute_batch(&self, sql: &str) -> Result<MockExecResult, DbErr> {
        let mut lease = self.lease().await?;
        let _writing = self.lock_writer().await?;
        let sql = sql.to_owned();
        self.waiting_off_the_runtime(&mut lease, move |c| {
            c.execute_batch(&sql)?;
            Ok(MockExecResult { last_insert_id: c.last_insert_rowid() as u64, rows_affected: c.changes() })
        })
        .await
        .map_err(Failure::into_exec_err)
    }

    /// Whether `sql` writes and how its rows are read: prepared once on
    /// `connection`, then remembered (until a model is registered).
    fn shape(&self, connection: &Connection, sql: &str) -> Result<Arc<Shape>, Failure> {
        let generation = super::models::generation();
        if let Ok(shapes) = self.shapes.lock()
            && let Some((seen, shape)) = shapes.get(sql)
            && *seen == generation
        {
            return Ok(shape.clone());
        }
        let statement = connection.prepare_cached(sql)?;
        let shape = Arc::new(Shape { readonly: statement.readonly(), plan: plan(&statement).map(Arc::new) });
        if let Ok(mut shapes) = self.shapes.lock() {
            // Statements are the application's, not its clients': a few
            // hundred at most. The bound only guards against SQL built
            // from input, which would otherwise grow the map for ever.
            if shapes.len() >= MAX_SHAPES {
                shapes.clear();
            }
            shapes.insert(sql.to_owned(), (generation, shape.clone()));
        }
        Ok(shape)
    }

    /// Runs `work` on the lease's connection here; if the database is
    /// locked by another process or connection, again on a blocking thread
    /// that waits up to the busy timeout for the lock.
    async fn run<T: Send + 'static>(
        &self,
        lease: &mut Lease<'_>,
        sql: &str,
        values: &[Value],
        work: impl Fn(&Connection, &str, &[Value]) -> Result<T, Failure> + Send + 'static,
    ) -> Result<T, Failure> {
        let here = work(lease.connection()?, sql, values);
        match here {
            Err(failure) if failure.is_busy() => {
                let (sql, values) = (sql.to_owned(), values.to_vec());
                self.waiting_off_the_runtime(lease, move |c| work(c, &sql, &values)).await
            }
            outcome => outcome,
        }
    }

    /// Runs `work` on the lease's connection on a blocking thread, with
    /// SQLite's busy handler waiting up to the busy timeout for the lock.
    async fn waiting_off_the_runtime<T: Send + 'static>(
        &self,
        lease: &mut Lease<'_>,
        work: impl FnOnce(&Connection) -> Result<T, Failure> + Send + 'static,
    ) -> Result<T, Failure> {
        let connection = lease.take()?;
        let timeout = self.busy_timeout;
        let (connection, outcome) = tokio::task::spawn_blocking(move || {
            let outcome = waiting(&connection, timeout, work);
            (connection, outcome)
        })
        .await
        .map_err(|e| Failure::Other(format!("the SQLite statement did not finish: {e}")))?;
        lease.put(connection);
        outcome
    }

    /// Checks that a connection answers.
    pub(crate) async fn ping(&self) -> Result<(), DbErr> {
        let lease = self.lease().await?;
        let connection = lease.connection().map_err(Failure::into_conn_err)?;
        connection.query_row("SELECT 1", [], |_| Ok(())).map_err(|e| Failure::from(e).into_conn_err())
    }

    /// A connection for the caller alone, waiting while all are in use.
    async fn lease(&self) -> Result<Lease<'_>, DbErr> {
        let permit = self
            .slots
            .acquire()
            .await
            .map_err(|_| DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::ConnectionClosed))?;
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let connection = match idle {
            Some(connection) => connection,
            None => self.connect().map_err(Failure::into_conn_err)?,
        };
        Ok(Lease { pool: self, connection: Some(connection), _permit: permit })
    }

    /// This process's turn to write, waiting at most the busy timeout as
    /// SQLite would.
    async fn lock_writer(&self) -> Result<tokio::sync::MutexGuard<'_, ()>, DbErr> {
        tokio::time::timeout(self.busy_timeout, self.writer.lock()).await.map_err(|_| {
            Failure::Other(format!("database is locked: no turn to write within {:?}", self.busy_timeout))
                .into_exec_err()
        })
    }

    fn connect(&self) -> Result<Connection, Failure> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(&self.file, flags)?;
        connection.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        connection.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
        // Locks are waited for off the runtime's threads (see `run`).
        connection.busy_timeout(Duration::ZERO)?;
        connection.set_prepared_statement_cache_capacity(256);
        // SAFETY: the handle is this open connection's, used for one call
        // while no statement runs on it.
        let handle = unsafe { connection.handle() };
        match std::ptr::NonNull::new(handle).map(|db| super::query_planner_stability(db, 1)) {
            Some(Ok(1)) => Ok(connection),
            outcome => Err(Failure::Other(format!("SQLITE_DBCONFIG_ENABLE_QPSG could not be set: {outcome:?}"))),
        }
    }

    fn give_back(&self, connection: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(connection);
        }
    }
}

/// One connection, returned to the pool when dropped.
struct Lease<'a> {
    pool: &'a Sqlite,
    connection: Option<Connection>,
    _permit: SemaphorePermit<'a>,
}

impl Lease<'_> {
    /// The connection: absent only after a blocking thread lost it (panicked).
    fn connection(&self) -> Result<&Connection, Failure> {
        self.connection.as_ref().ok_or_else(lost)
    }

    fn take(&mut self) -> Result<Connection, Failure> {
        self.connection.take().ok_or_else(lost)
    }

    fn put(&mut self, connection: Connection) {
        self.connection = Some(connection);
    }
}

fn lost() -> Failure {
    Failure::Other("the SQLite connection was lost on a blocking thread".into())
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        // A connection lost on a blocking thread that panicked is not
        // returned; the pool opens another when it needs one.
        if let Some(connection) = self.connection.take() {
            self.pool.give_back(connection);
        }
    }
}

/// Runs `work` with SQLite's busy handler waiting up to `timeout`.
fn waiting<T>(
    connection: &Connection,
    timeout: Duration,
    work: impl FnOnce(&Connection) -> Result<T, Failure>,
) -> Result<T, Failure> {
    connection.busy_timeout(timeout)?;
    let outcome = work(connection);
    connection.busy_timeout(Duration::ZERO)?;
    outcome
}

/// How `statement`'s rows are read, if every column comes straight from a
/// registered model's table and SeaORM finds each where it looks.
///
/// SeaORM reads a model's fields by name but a tuple's (`into_tuple`) by
/// position, and the rows it accepts from outside sqlx keep their columns
/// sorted by name. So a statement is read here only when its columns are
/// in name order (position and name agree), or are exactly a registered
/// model's columns in the model's order (what `Entity::find()` selects, read
/// by name); anything else runs on sqlx.
fn plan(statement: &rusqlite::Statement<'_>) -> Option<Plan> {
    let columns = statement.columns_with_metadata();
    let mut model = None;
    let mut plan = Plan::with_capacity(columns.len());
    for column in &columns {
        let (table, origin) = (column.table_name()?, column.origin_name()?);
        let known = super::models::columns_of(table)?;
        plan.push((plan.len(), column.name().to_owned(), *known.kinds.get(origin)?));
        model = Some(known);
    }
    let in_name_order = plan.windows(2).all(|pair| pair[0].1 < pair[1].1);
    let one_table = columns.windows(2).all(|pair| pair[0].table_name() == pair[1].table_name());
    let whole_model = one_table
        && model.is_some_and(|model| {
            columns.len() == model.order.len()
                && columns
                    .iter()
                    .zip(&model.order)
                    .all(|(column, name)| column.name() == name && column.origin_name() == Some(name.as_str()))
        });
    if !(in_name_order || whole_model) {
        return None;
    }
    plan.sort_by(|a, b| a.1.cmp(&b.1));
    Some(plan)
}

/// At most `limit` rows of `sql`, read as `plan` says.
fn read(connection: &Connection, sql: &str, values: &[Value], plan: &Plan, limit: usize) -> Result<Vec<Row>, Failure> {
    let mut statement = connection.prepare_cached(sql)?;
    bind(&mut statement, values)?;
    let mut rows = statement.raw_query();
    let mut read = Vec::new();
    while read.len() < limit {
        let Some(row) = rows.next()? else { break };
        let mut values = Vec::with_capacity(plan.len());
        for (index, name, kind) in plan {
            let value =
                kind.read(row.get_ref(*index)?).map_err(|e| Failure::Decode(format!("column `{name}`: {e}")))?;
            values.push((name.clone(), value));
        }
        // Already in name order: built in one pass, without comparisons per insert.
        read.push(values.into_iter().collect());
    }
    Ok(read)
}

/// Runs `sql` for its effect.
fn execute(connection: &Connection, sql: &str, values: &[Value]) -> Result<MockExecResult, Failure> {
    let mut statement = connection.prepare_cached(sql)?;
    bind(&mut statement, values)?;
    let changed = statement.raw_execute()?;
    Ok(MockExecResult { last_insert_id: connection.last_insert_rowid() as u64, rows_affected: changed as u64 })
}

fn bind(statement: &mut rusqlite::Statement<'_>, values: &[Value]) -> Result<(), Failure> {
    for (index, value) in values.iter().enumerate() {
        statement.raw_bind_parameter(index + 1, values::bind(value).map_err(Failure::Other)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
