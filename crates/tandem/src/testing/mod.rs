//! Test support (feature `testing`): throw-away databases and an application
//! served in-process on a real TCP socket.
//!
//! Every [`TestDatabase`] is new and empty: a SQLite file in a temporary folder,
//! or, when `DATABASE_URL` points at PostgreSQL, a fresh database created on
//! that server and dropped by [`TestServer::stop`].
//!
//! ```ignore
//! let server = TestServer::start(&shop::app(), |_| {}).await;
//! let body = reqwest::get(server.url("/ping")).await?.text().await?;
//! assert_eq!(body, "pong");
//! server.stop().await;
//! ```

#[cfg(feature = "testing")]
pub mod browser;
pub mod smtp;

/// The HTTP client tests speak to a [`TestServer`] with, so an application's
/// tests need no dependency of their own for it.
#[cfg(feature = "testing")]
pub use reqwest;

/// Temporary folders (a settings file, a database) that are removed when
/// dropped, for tests that run the application's binary.
#[cfg(feature = "testing")]
pub use tempfile;

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::db::Db;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::App;
use crate::config::Settings;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Says that `test` cannot run here because `service` (`chromium`,
/// `postgres`, `redis`) is missing: a line `skipped <test>: <why>` on
/// standard error, and the test returns. When `TANDEM_TEST_REQUIRE` names the
/// service (a comma-separated list; `.ci/run` sets `chromium,redis`) it
/// panics instead: a run that must exercise the service fails without it
/// rather than passing silently.
///
/// ```should_panic
/// // SAFETY (edition 2024): this example runs alone in its process.
/// unsafe { std::env::set_var("TANDEM_TEST_REQUIRE", "chromium") };
/// tandem::testing::skip("chromium", "the_page_works", "no Chromium found");
/// ```
pub fn skip(service: &str, test: &str, why: &str) {
    let required = std::env::var("TANDEM_TEST_REQUIRE").unwrap_or_default();
    if required.split(',').any(|name| name.trim() == service) {
        panic!("{test} needs {service} (TANDEM_TEST_REQUIRE={required}): {why}");
    }
    eprintln!("skipped {test}: {why}");
}

/// `REDIS_URL` and a key prefix no other test uses, or `None` after
/// [`skip`]ping `test` when `REDIS_URL` is not set.
pub fn redis_or_skip(test: &str) -> Option<(String, String)> {
    let Some(url) = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()) else {
        skip("redis", test, "REDIS_URL is not set");
        return None;
    };
    Some((url, format!("tandem-test:{test}:{}", crate::random::hex(6))))
}

/// A database that exists for one test.
pub struct TestDatabase {
    /// The URL to connect to.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// PostgreSQL when `DATABASE_URL` is a `postgres://` URL, else SQLite.
    pub async fn new() -> Self {
        match Self::postgres().await {
            Some(db) => db,
            None => Self::sqlite(),
        }
    }

    /// A SQLite file in a new temporary folder.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("cannot create a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("test.sqlite3").display());
        Self { url, _dir: Some(dir), postgres: None }
    }

    /// A new database on the PostgreSQL server of `DATABASE_URL`, if it names one.
    pub async fn postgres() -> Option<Self> {
        let admin = std::env::var("DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))?;
        let name = format!(
            "tandem_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            chrono::Utc::now().timestamp_micros()
        );
        let conn = crate::db::connect(&admin).await.expect("cannot reach DATABASE_URL");
        conn.execute_raw(Statement::from_string(DbBackend::Postgres, format!("CREATE DATABASE \"{name}\"")))
            .await
            .expect("cannot create a test database");
        let _ = conn.close().await;
        let url = replace_database_name(&admin, &name);
        Some(Self { url, _dir: None, postgres: Some((admin, name)) })
    }

    /// Drops a PostgreSQL test database (SQLite folders go with the value).
    pub async fn drop_database(self) {
        if let Some((admin, name)) = &self.postgres
            && let Ok(conn) = crate::db::connect(admin).await
        {
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            let _ = conn.execute_raw(Statement::from_string(DbBackend::Postgres, sql)).await;
            let _ = conn.close().await;
        }
    }
}

/// The test server's own address is always an allowed host, as Django's
/// test runner adds `testserver` to `ALLOWED_HOSTS` (development's empty
/// list already allows it).
fn allow_test_host(settings: &mut Settings) {
    let hosts = &mut settings.server.allowed_hosts;
    let defaults_apply = hosts.is_empty() && settings.environment == crate::config::Environment::Development;
    if !defaults_apply && !hosts.iter().any(|h| h == "127.0.0.1") {
        hosts.push("127.0.0.1".into());
    }
}

fn replace_database_name(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let cut = base[scheme_end..].rfind('/').map_or(base.len(), |i| i + scheme_end);
    let mut out = format!("{}/{name}", &base[..cut]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// An application served on `127.0.0.1` on a free port, over a real socket.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The application's pool, for arranging and checking data.
    pub db: Db,
    /// The settings the server runs with.
    pub settings: Settings,
    database: TestDatabase,
    /// Where this server stores uploads (removed with the server).
    pub media: std::sync::Arc<tempfile::TempDir>,
    ui: std::sync::Arc<crate::ui::Engine>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Starts `app` on a fresh [`TestDatabase`] with its own `Tandem.toml`
    /// (development posture, migrations and initial data applied), after
    /// `configure` adjusts the settings; `127.0.0.1`, where it listens, is
    /// always an allowed host.
    pub async fn start(app: &App, configure: impl FnOnce(&mut Settings)) -> Self {
        let database = TestDatabase::new().await;
        let file = app.config_path();
        let text = std::fs::read_to_string(&file).expect("cannot read the app's Tandem.toml");
        let mut settings = Settings::from_toml_str(&text, &file).expect("the app's Tandem.toml is invalid");
        settings.database.url = database.url.clone();
        settings.server.addr = "127.0.0.1:0".into();
        let media = std::sync::Arc::new(tempfile::tempdir().expect("cannot create a temporary folder"));
        settings.ui.media_root = media.path().to_path_buf();
        configure(&mut settings);
        allow_test_host(&mut settings);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("cannot bind");
        let base = format!("http://{}", listener.local_addr().expect("no local address"));
        let prepared = app.prepare(settings.clone()).await.expect("cannot prepare the app");
        let (db, ui) = (prepared.ctx.db.clone(), prepared.ui.clone());
        let router = app.router(prepared).expect("invalid URL configuration");
        let (tx, task) = Self::serve(listener, router, settings.server.limits());
        Self { base, db, settings, database, media, ui, shutdown: Some(tx), task: Some(task) }
    }

    fn serve(
        listener: TcpListener,
        router: axum::Router,
        limits: crate::config::ConnectionLimits,
    ) -> (oneshot::Sender<()>, JoinHandle<std::io::Result<()>>) {
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(crate::server::serve(listener, router, limits, async move {
            let _ = rx.await;
        }));
        (tx, task)
    }

    async fn halt(&mut self) {
        self.ui.close_all();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Err(error) = self.ui.flush().await {
            // A test may have closed the pool on purpose.
            tracing::warn!(%error, "cannot write the tabs' states at shutdown");
        }
    }

    /// The application's UI engine (pages, tabs).
    pub fn ui(&self) -> &std::sync::Arc<crate::ui::Engine> {
        &self.ui
    }

    /// Stops the server and starts `app` again on the same address and
    /// database, with nothing kept in memory: what a process restart does.
    pub async fn restart(&mut self, app: &App) {
        self.halt().await;
        let address = self.base.trim_start_matches("http://").to_string();
        let mut attempts = 0;
        let listener = loop {
            match TcpListener::bind(&address).await {
                Ok(listener) => break listener,
                Err(error) if attempts < 100 => {
                    attempts += 1;
                    tracing::debug!(%error, "address still in use");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                Err(error) => panic!("cannot bind {address} again: {error}"),
            }
        };
        let prepared = app.prepare(self.settings.clone()).await.expect("cannot prepare the app");
        self.db = prepared.ctx.db.clone();
        self.ui = prepared.ui.clone();
        let router = app.router(prepared).expect("invalid URL configuration");
        let (tx, task) = Self::serve(listener, router, self.settings.server.limits());
        self.shutdown = Some(tx);
        self.task = Some(task);
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops serving (in-flight requests finish) and drops the test database.
    pub async fn stop(mut self) {
        self.halt().await;
        let _ = self.db.clone().close().await;
        let database =
            std::mem::replace(&mut self.database, TestDatabase { url: String::new(), _dir: None, postgres: None });
        database.drop_database().await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        assert_eq!(super::replace_database_name("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(
            super::replace_database_name("postgres://h/test?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }
}
