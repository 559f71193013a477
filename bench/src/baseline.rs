//! The baseline: the two routes of the HTTP workload written by hand with
//! axum and sqlx, returning the same JSON as the shop from the same file, and
//! `/counter`'s events written by hand on axum's WebSocket, answering the
//! same frames as Tandem's protocol.

use axum::Json;
use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, Response};
use axum::routing::get;
use serde::Deserialize;
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
        .route("/counter", get(counter_page))
        .route("/_event", get(counter_socket))
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

/// What the load client needs from a page: boot data without a token.
async fn counter_page() -> Html<&'static str> {
    Html(r#"<script type="application/json" id="tandem-boot">{"token":null}</script>"#)
}

/// The fields of a client frame the counter reads.
#[derive(Deserialize)]
struct ClientFrame {
    t: String,
    #[serde(default)]
    id: u64,
    #[serde(default)]
    name: String,
}

/// One counter per connection: `hello` gets `ready`, `increment` a `delta`
/// setting `count`, as Tandem answers them; nothing else Tandem does (no
/// session, token, per-tab ordering, persistence or rollback).
/// The socket's buffers are Tandem's (tungstenite's default 128 KiB read
/// buffer is zeroed on every read: most of a small frame's cost).
async fn counter_socket(upgrade: WebSocketUpgrade) -> Response {
    upgrade.read_buffer_size(1024).write_buffer_size(0).on_upgrade(|mut socket: WebSocket| async move {
        let mut count: i64 = 0;
        while let Some(Ok(message)) = socket.recv().await {
            let Message::Text(text) = message else { continue };
            let Ok(frame) = serde_json::from_str::<ClientFrame>(&text) else { break };
            let reply = match (frame.t.as_str(), frame.name.as_str()) {
                ("hello", _) => json!({"t": "ready", "state": "counter", "data": {"count": count}}),
                ("event", "increment") => {
                    count += 1;
                    json!({"t": "delta", "id": frame.id, "ops": [{"op": "set", "path": ["count"], "value": count}]})
                }
                _ => json!({"t": "error", "id": frame.id, "message": "unknown event"}),
            };
            if socket.send(Message::Text(reply.to_string().into())).await.is_err() {
                break;
            }
        }
    })
}
