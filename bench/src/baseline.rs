//! The baseline: the two routes of the HTTP workload written by hand with
//! axum and sqlx, returning the same JSON as the shop from the same file.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};

/// Serves the baseline on `addr` over the SQLite file `db`.
pub async fn serve(db: &str, addr: &str) -> std::io::Result<()> {
    let options = SqliteConnectOptions::new().filename(db).journal_mode(SqliteJournalMode::Wal);
    let pool = SqlitePool::connect_with(options).await.map_err(std::io::Error::other)?;
    let app = Router::new()
        .route("/ping", get(|| async { "pong" }))
        .route("/api/shop/active/", get(active))
        .route("/api/shop/products/{id}/", get(detail))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await
}

async fn active(State(pool): State<SqlitePool>) -> Result<Json<Value>, StatusCode> {
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, name, price FROM shop_product WHERE is_active = 1 ORDER BY id DESC")
            .fetch_all(&pool)
            .await
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let results: Vec<Value> = rows
        .into_iter()
        .map(|(id, name, price)| json!({"id": id, "name": name, "price": price.parse::<f64>().unwrap_or(0.0)}))
        .collect();
    Ok(Json(json!({ "results": results })))
}

async fn detail(State(pool): State<SqlitePool>, Path(id): Path<i64>) -> Result<Json<Value>, StatusCode> {
    let row: Option<(i64, String, String, String, bool)> =
        sqlx::query_as("SELECT id, name, price, sku, is_active FROM shop_product WHERE id = ?")
            .bind(id)
            .fetch_optional(&pool)
            .await
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let (id, name, price, sku, is_active) = row.ok_or(StatusCode::NOT_FOUND)?;
    Ok(Json(json!({"id": id, "name": name, "price": price, "sku": sku, "is_active": is_active})))
}
