//! The engine's own limit: the HTTP workload's two routes written by hand
//! with axum and rusqlite on the same file, returning the same JSON as the
//! shop. Each query runs to completion on the calling worker thread, on a
//! connection taken from a small pool, with rusqlite's statement cache: no
//! thread hand-off at all, which is as fast as SQLite can be driven from
//! async code.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Value, json};

/// Open connections, each used by one request at a time.
#[derive(Clone)]
struct Pool {
    file: Arc<PathBuf>,
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl Pool {
    /// Runs `work` on an idle connection (opening one when none is idle).
    fn with<T>(&self, work: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> rusqlite::Result<T> {
        let idle = self.idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
        let connection = match idle {
            Some(connection) => connection,
            None => {
                let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let connection = Connection::open_with_flags(self.file.as_ref(), flags)?;
                connection.pragma_update(None, "journal_mode", "wal")?;
                connection.set_prepared_statement_cache_capacity(64);
                connection
            }
        };
        let result = work(&connection);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(connection);
        }
        result
    }
}

/// Serves the rusqlite baseline on `addr` over the SQLite file `db`.
pub async fn serve(db: &str, addr: &str) -> std::io::Result<()> {
    let pool = Pool { file: Arc::new(PathBuf::from(db)), idle: Arc::default() };
    pool.with(|_| Ok(())).map_err(std::io::Error::other)?;
    let app = Router::new()
        .route("/ping", get(|| async { "pong" }))
        .route("/api/shop/active/", get(active))
        .route("/api/shop/products/{id}/", get(detail))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await
}

async fn active(State(pool): State<Pool>) -> Result<Json<Value>, StatusCode> {
    let results = pool
        .with(|connection| {
            let mut statement = connection
                .prepare_cached("SELECT id, name, price FROM shop_product WHERE is_active = 1 ORDER BY id DESC")?;
            let rows = statement.query_map([], |row| {
                let (id, name, price): (i64, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
                Ok(json!({"id": id, "name": name, "price": price.parse::<f64>().unwrap_or(0.0)}))
            })?;
            rows.collect::<rusqlite::Result<Vec<Value>>>()
        })
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(Json(json!({ "results": results })))
}

async fn detail(State(pool): State<Pool>, Path(id): Path<i64>) -> Result<Json<Value>, StatusCode> {
    let found = pool
        .with(|connection| {
            let mut statement =
                connection.prepare_cached("SELECT id, name, price, sku, is_active FROM shop_product WHERE id = ?")?;
            let mut rows = statement.query([id])?;
            match rows.next()? {
                Some(row) => {
                    let (id, name, price, sku, is_active): (i64, String, String, String, bool) =
                        (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?);
                    Ok(Some(json!({"id": id, "name": name, "price": price, "sku": sku, "is_active": is_active})))
                }
                None => Ok(None),
            }
        })
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    found.map(Json).ok_or(StatusCode::NOT_FOUND)
}
