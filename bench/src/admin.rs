//! The admin's change list over a large table: a SQLite file holding
//! 100,000 products (10,000 with `--quick`), the shop served as usual, a
//! superuser logged in over HTTP, then sequential requests (one keep-alive
//! connection) for the change list's server-rendered first paint: its first
//! page, a deep page, a search and a sort. Each answer is the whole HTML
//! document with 100 rows, the count and the filter's counts; every
//! request reads them from the database (`LIMIT`/`OFFSET`, `COUNT(*)`),
//! nothing is cached between requests.

use std::path::Path;
use std::time::{Duration, Instant};

use sea_orm::{EntityTrait, Set, TransactionTrait};
use serde_json::{Value, json};
use shop::shop::models::product;

use crate::http::Connection;
use crate::percentile;
use crate::server::Server;

const PASSWORD: &str = "bench-admin-password-42";

/// The change list's workloads: (label, path).
const PATHS: [(&str, &str); 4] = [
    ("first page", "/admin/shop/product/"),
    ("page 500 (OFFSET 49,900)", "/admin/shop/product/?p=500"),
    ("search ?q=item 09999", "/admin/shop/product/?q=item%2009999"),
    ("sorted by -price", "/admin/shop/product/?o=-price"),
];

/// A database with `rows` products and a superuser, in a fresh folder.
async fn prepare(rows: i64) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("cannot create a temporary folder");
    let config = dir.path().join("Tandem.toml");
    std::fs::write(&config, "[app]\nname = \"shop\"\n[database]\nurl = \"sqlite:admin.sqlite3\"\n")
        .expect("cannot write Tandem.toml");
    let db_path = dir.path().join("admin.sqlite3");
    let db = tandem::db::connect(&format!("sqlite://{}", db_path.display())).await.expect("cannot open the database");
    shop::app().migrate(&db).await.expect("cannot migrate");
    let txn = db.begin().await.expect("a transaction");
    for start in (1..=rows).step_by(1000) {
        let batch = (start..(start + 1000).min(rows + 1)).map(|i| product::ActiveModel {
            id: Set(i),
            name: Set(format!("Bulk item {i:05}")),
            price: Set(format!("{}.{:02}", 1 + i * 3 % 200, i * 7 % 100).parse().expect("a price")),
            sku: Set(format!("SKU-{i:06}")),
            is_active: Set(i % 3 != 0),
        });
        product::Entity::insert_many(batch).exec(&txn).await.expect("cannot insert products");
    }
    txn.commit().await.expect("cannot commit");
    let root = tandem::auth::NewUser {
        username: "root",
        password: Some(PASSWORD),
        is_staff: true,
        is_superuser: true,
        ..Default::default()
    };
    tandem::auth::create_user(&db, root).await.expect("cannot create the superuser");
    let _ = db.close().await;
    (dir, config)
}

/// The cookies of a superuser session, logged in through `/api/auth/login/`.
async fn login(addr: &str) -> String {
    let mut connection = Connection::open(addr).await.expect("cannot connect");
    let csrf = connection.send("GET", "/api/csrf/", "", b"").await.expect("GET /api/csrf/");
    let body: Value = serde_json::from_slice(&csrf.body).expect("JSON");
    let token = body["csrfToken"].as_str().expect("a token").to_string();
    let cookie = csrf.all("set-cookie").map(|c| c.split(';').next().unwrap_or("").to_string()).collect::<Vec<_>>();
    let login = json!({"username": "root", "password": PASSWORD}).to_string();
    let extra = format!("Cookie: {}\r\nX-CSRFToken: {token}\r\nContent-Type: application/json\r\n", cookie.join("; "));
    let answer = connection.send("POST", "/api/auth/login/", &extra, login.as_bytes()).await.expect("login");
    assert_eq!(answer.status, 200, "the superuser logs in");
    let mut jar: Vec<String> =
        answer.all("set-cookie").map(|c| c.split(';').next().unwrap_or("").to_string()).collect();
    jar.retain(|c| !c.starts_with("csrftoken="));
    jar.join("; ")
}

/// Runs the workloads: rows, then per path requests, p50, p99, bytes.
pub async fn workload(quick: bool) -> Value {
    let rows: i64 = if quick { 10_000 } else { 100_000 };
    let requests = if quick { 20 } else { 300 };
    let (_dir, config) = prepare(rows).await;
    let server = Server::start("serve-shop", &[Path::new(&config)], "/ping", &[]).await;
    let cookies = login(&server.addr).await;
    let extra = format!("Cookie: {cookies}\r\n");
    let mut connection = Connection::open(&server.addr).await.expect("cannot connect");
    let mut results = Vec::new();
    for (label, path) in PATHS {
        // Warm the statement cache and the pages of the file first.
        for _ in 0..5 {
            let answer = connection.send("GET", path, &extra, b"").await.expect("a page");
            assert_eq!(answer.status, 200, "{path}");
        }
        let mut latencies: Vec<Duration> = Vec::with_capacity(requests);
        let mut bytes = 0;
        for _ in 0..requests {
            let started = Instant::now();
            let answer = connection.send("GET", path, &extra, b"").await.expect("a page");
            latencies.push(started.elapsed());
            assert_eq!(answer.status, 200, "{path}");
            bytes = answer.body.len();
        }
        results.push(json!({
            "case": label,
            "path": path,
            "requests": requests,
            "p50_ms": percentile(&mut latencies, 0.50),
            "p99_ms": percentile(&mut latencies, 0.99),
            "html_bytes": bytes,
        }));
    }
    json!({"rows": rows, "cases": results})
}

/// Prints the section.
pub fn print(admin: &Value) {
    println!();
    println!(
        "{:<40} {:>9} {:>9} {:>11}",
        format!("admin change list, {} rows", admin["rows"]),
        "p50 ms",
        "p99 ms",
        "HTML bytes"
    );
    for case in admin["cases"].as_array().into_iter().flatten() {
        println!(
            "{:<40} {:>9.2} {:>9.2} {:>11}",
            case["case"].as_str().unwrap_or(""),
            case["p50_ms"].as_f64().unwrap_or(0.0),
            case["p99_ms"].as_f64().unwrap_or(0.0),
            case["html_bytes"]
        );
    }
}
