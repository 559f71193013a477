//! The two servers under test, each in its own process (this binary, in
//! `serve-shop` or `serve-baseline` mode) so the kernel can tell their CPU
//! time and memory apart from the load generator's.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::{ActiveModelTrait, Set};
use shop::shop::models::product;

/// Products in the fixed data set; two thirds are active.
pub const PRODUCTS: i64 = 240;

/// A fresh folder with the shop's `Tandem.toml` and a SQLite file holding the
/// fixed data set. Returns the folder's guard, the config and the database path.
pub async fn prepare() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("cannot create a temporary folder");
    let db_path = dir.path().join("bench.sqlite3");
    let config = dir.path().join("Tandem.toml");
    std::fs::write(&config, "[app]\nname = \"shop\"\n[database]\nurl = \"sqlite:bench.sqlite3\"\n[ui]\nburst = 1000000\nevents_per_second = 1000000\n")
        .expect("cannot write Tandem.toml");
    let db = tandem::db::connect(&format!("sqlite://{}", db_path.display())).await.expect("cannot open the database");
    fill(&db).await;
    let _ = db.close().await;
    (dir, config, db_path)
}

/// A copy of `config` (next to it) whose shop answers events before their
/// tab is committed (`[ui] durable_events = false`).
pub fn write_behind_config(config: &Path) -> PathBuf {
    let text = std::fs::read_to_string(config).expect("cannot read Tandem.toml");
    assert!(text.contains("[ui]\n"), "the benchmark's Tandem.toml has a [ui] table");
    let behind = config.with_file_name("Tandem-write-behind.toml");
    std::fs::write(&behind, text.replacen("[ui]\n", "[ui]\ndurable_events = false\n", 1)).expect("cannot write");
    behind
}

/// Migrates `db` and inserts the fixed data set.
pub async fn fill(db: &tandem::Db) {
    shop::app().migrate(db).await.expect("cannot migrate");
    for i in 1..=PRODUCTS {
        product::ActiveModel {
            id: Set(i),
            name: Set(format!("Product {i:03}")),
            price: Set(format!("{}.{:02}", 1 + i * 3 % 200, i * 7 % 100).parse().expect("a price")),
            sku: Set(format!("SKU-{i:04}")),
            is_active: Set(i % 3 != 0),
        }
        .insert(db)
        .await
        .expect("cannot insert a product");
    }
}

/// Leaves exactly `active` products active (the lowest ids), as the
/// memory section and `search` on PostgreSQL want the catalog: `/` then
/// shows that many rows.
pub async fn keep_active(db: &tandem::Db, active: i64) {
    use sea_orm::ConnectionTrait;
    let sql = format!(
        "UPDATE shop_product SET is_active = (id IN (SELECT id FROM (SELECT id FROM shop_product ORDER BY id LIMIT {active}) AS first))"
    );
    db.sea_orm().execute_unprepared(&sql).await.expect("cannot change which products are active");
}

/// Makes the products active again as [`fill`] made them (two thirds).
pub async fn restore_active(db: &tandem::Db) {
    use sea_orm::ConnectionTrait;
    let sql = "UPDATE shop_product SET is_active = (id % 3 <> 0)";
    db.sea_orm().execute_unprepared(sql).await.expect("cannot change which products are active");
}

/// A free loopback port.
pub fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("cannot bind");
    listener.local_addr().expect("no address").to_string()
}

/// A server process.
pub struct Server {
    /// `127.0.0.1:<port>`.
    pub addr: String,
    child: Child,
    /// From spawn to the first 200 of `ready_path`.
    pub startup: Duration,
}

impl Server {
    /// Starts this binary in `mode` with `args` and waits for a 200 on
    /// `ready_path`; it sees no `DATABASE_URL` or `REDIS_URL` of the
    /// harness's own environment, only those in `env`.
    pub async fn start(mode: &str, args: &[&Path], ready_path: &str, env: &[(&str, &str)]) -> Server {
        let addr = free_addr();
        let started = Instant::now();
        let child = Command::new(std::env::current_exe().expect("no executable"))
            .arg(mode)
            .args(args)
            .arg(&addr)
            .env("TANDEM_ENV", "production")
            .env("TANDEM_ALLOWED_HOSTS", "127.0.0.1")
            .env("SECRET_KEY", "benchmark-secret-key-not-for-production-use-0123456789")
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start the server");
        loop {
            if let Ok(response) = crate::http::get(&addr, ready_path, "").await
                && response.status == 200
            {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "{mode} did not start");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Server { addr, startup: started.elapsed(), child }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `serve-shop <Tandem.toml> <addr>`: the shop, as `cargo run -p shop` runs it,
/// plus the benchmark's own page ([`crate::rows_page`]).
pub fn serve_shop(config: &Path, addr: &str) -> std::process::ExitCode {
    let app = shop::app().page(crate::rows_page::page()).page(crate::rows_page::stream_page());
    let mut settings = match app.settings(config) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    settings.server.addr = addr.to_string();
    let runtime = tokio::runtime::Runtime::new().expect("no runtime");
    match runtime.block_on(app.run(settings)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
