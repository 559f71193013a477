//! The application: settings, URLs, migrations and fixtures in one builder,
//! and the command line that runs it (`run`, `migrate`, `makemigrations`,
//! `showmigrations`, `routes`, `loaddata`…).
//!
//! ```no_run
//! use tandem::App;
//!
//! fn urls() -> Vec<tandem::urls::UrlPattern> { Vec::new() }
//!
//! fn main() -> std::process::ExitCode {
//!     App::new(env!("CARGO_MANIFEST_DIR")).urls(urls).main()
//! }
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use sea_orm_migration::MigratorTrait;
use tokio::net::TcpListener;

use crate::config::{ConfigError, Settings};
use crate::context::AppContext;
use crate::db::fixtures::{FixtureEntity, FixtureError, Fixtures};
use crate::db::migrations::{Migrations, MigratorOf};
use crate::urls::{PatternError, UrlConf, UrlPattern};

/// Anything that stops an application from starting or a command from finishing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `Tandem.toml` or the environment is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A route does not compile.
    #[error("URL configuration: {0}")]
    Urls(#[from] PatternError),
    /// The database refused.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The UI's state store (the database or Redis) refused.
    #[error("tab states: {0}")]
    States(#[from] crate::ui::store::StoreError),
    /// Redis (`[ui] redis_url` / `REDIS_URL`) could not be reached.
    #[error("{0} (`[ui] redis_url` / `REDIS_URL`)")]
    Redis(#[from] crate::redis::RedisError),
    /// `[mail]` could not be set up (its `ca_file` could not be read).
    #[error("{0} (`[mail]`)")]
    Mail(#[from] crate::mail::MailError),
    /// A fixture did not load.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    /// A page names a field or event its state does not have.
    #[error(transparent)]
    Page(#[from] crate::ui::check::UnknownName),
    /// The theme sets a variable that cannot be written safely.
    #[error("{0}")]
    Theme(String),
    /// A command was refused (e.g. `createsuperuser` with a taken username).
    #[error("{0}")]
    Command(String),
    /// Binding or serving failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
}

/// A Tandem application.
#[derive(Clone)]
pub struct App {
    root: PathBuf,
    urls: fn() -> Vec<UrlPattern>,
    migrations: Arc<dyn Migrations>,
    /// Every [`App::model`] with its table description, for `makemigrations`.
    models: crate::db::makemigrations::Registry,
    /// What pages may be live on (`Page::live`): the models' tables and
    /// the topics declared with [`App::topic`].
    topics: Vec<String>,
    fixtures: Fixtures,
    initial_data: Option<&'static str>,
    pages: Vec<crate::ui::Page>,
    not_found: Option<crate::ui::Page>,
    theme: crate::ui::Theme,
    commands: Vec<crate::cli::AppCommand>,
    static_files: Option<crate::assets::StaticFiles>,
}

struct NoMigrations;
impl sea_orm_migration::MigratorTrait for NoMigrations {
    fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
        crate::db::migrations::framework()
    }
}

impl App {
    /// An application whose `Tandem.toml` lives in `root` (usually
    /// `env!("CARGO_MANIFEST_DIR")`); `TANDEM_CONFIG` or `--config` point elsewhere.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            urls: Vec::new,
            migrations: Arc::new(MigratorOf::<NoMigrations>::default()),
            models: Vec::new(),
            topics: Vec::new(),
            fixtures: Fixtures::default(),
            initial_data: None,
            pages: Vec::new(),
            not_found: None,
            theme: crate::ui::Theme::default(),
            commands: Vec::new(),
            static_files: None,
        }
    }

    /// Serves `files` (usually `tandem::static_files!()`: the app's `static/`
    /// folder) under `/static/`; see [`crate::assets`].
    pub fn static_files(mut self, files: crate::assets::StaticFiles) -> Self {
        self.static_files = Some(files);
        self
    }

    /// Adds a command to the binary beside `migrate`, `createsuperuser`…
    /// (a Django custom management command); see [`crate::cli::AppCommand`].
    pub fn command(mut self, command: crate::cli::AppCommand) -> Self {
        self.commands.push(command);
        self
    }

    /// The commands added with [`App::command`].
    pub fn commands(&self) -> &[crate::cli::AppCommand] {
        &self.commands
    }

    /// The root URL configuration (Django's `ROOT_URLCONF`).
    pub fn urls(mut self, urls: fn() -> Vec<UrlPattern>) -> Self {
        self.urls = urls;
        self
    }

    /// The application's sea-orm-migration migrator.
    pub fn migrator<M: MigratorTrait + 'static>(mut self) -> Self {
        self.migrations = Arc::new(MigratorOf::<M>::default());
        self
    }

    /// Registers entity `E` as model `label` (`app.model`): loadable from
    /// fixtures, with `view`/`add`/`change`/`delete` permissions, its
    /// queries run on the embedded SQLite driver ([`crate::db::register`]),
    /// its table compared with the migrations by `makemigrations`, and
    /// its table a topic pages may be live on (REST writes signal it).
    pub fn model<E: FixtureEntity>(mut self, label: &str) -> Self {
        crate::db::register::<E>();
        self.topics.push(E::default().table_name().to_string());
        let lower = label.to_lowercase();
        self.models.retain(|(known, _)| *known != lower);
        self.models.push((lower, crate::db::makemigrations::schema::model_table::<E>));
        self.fixtures = self.fixtures.model::<E>(label);
        self
    }

    /// Declares `topic`, which the app's own code signals
    /// (`ctx.changed(topic)`), so that pages may be live on it. A page live
    /// on a topic that is neither declared nor a model's table is refused
    /// at start-up, with the closest known topic.
    ///
    /// ```
    /// let app = tandem::App::new(env!("CARGO_MANIFEST_DIR")).topic("prices");
    /// # let _ = app;
    /// ```
    pub fn topic(mut self, topic: &str) -> Self {
        self.topics.push(topic.to_string());
        self
    }

    /// A fixture loaded at start-up in development when its first model's
    /// table is empty, so a fresh checkout shows data.
    pub fn initial_data(mut self, fixture_json: &'static str) -> Self {
        self.initial_data = Some(fixture_json);
        self
    }

    /// A page of the reactive UI (Reflex's `app.add_page`).
    pub fn page(mut self, page: crate::ui::Page) -> Self {
        self.pages.push(page);
        self
    }

    /// Several pages at once.
    pub fn pages(mut self, pages: impl IntoIterator<Item = crate::ui::Page>) -> Self {
        self.pages.extend(pages);
        self
    }

    /// The page shown, with status 404, at every UI path no page's route
    /// matches (also after a client-side navigation); its route is not used.
    /// A normal page: state, `on_load`, events. Without it Tandem shows its
    /// own "Page not found".
    ///
    /// ```ignore
    /// App::new(env!("CARGO_MANIFEST_DIR"))
    ///     .not_found(Page::dynamic::<Missing>("", "Not found", missing_view).on_load("load"))
    /// ```
    pub fn not_found(mut self, page: crate::ui::Page) -> Self {
        self.not_found = Some(page);
        self
    }

    /// Values for the default stylesheet's CSS variables on every page
    /// (see [`Theme`](crate::ui::Theme)); checked when the application starts.
    ///
    /// ```
    /// use tandem::{App, ui::Theme};
    ///
    /// let app = App::new(".").theme(Theme::new().set("accent", "#0f766e").set("radius", "10px"));
    /// # let _ = app;
    /// ```
    pub fn theme(mut self, theme: crate::ui::Theme) -> Self {
        self.theme = theme;
        self
    }

    /// The registered pages.
    pub fn page_list(&self) -> &[crate::ui::Page] {
        &self.pages
    }

    /// The project's folder, given to [`App::new`] (where `Tandem.toml`,
    /// `static/` and the sources are).
    ///
    /// ```
    /// let app = tandem::App::new("/srv/shop");
    /// assert_eq!(app.root(), std::path::Path::new("/srv/shop"));
    /// ```
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The migrator set with [`App::migrator`].
    pub(crate) fn migrations(&self) -> &dyn Migrations {
        self.migrations.as_ref()
    }

    /// Compares the registered models with what the migrations create
    /// (`makemigrations`), on throw-away in-memory SQLite databases.
    pub(crate) async fn detect_changes(&self) -> Result<crate::db::makemigrations::Detected, Error> {
        Ok(crate::db::makemigrations::detect(self.migrations.as_ref(), &self.models).await?)
    }

    /// The default configuration file: `TANDEM_CONFIG`, else `Tandem.toml` in the root.
    pub fn config_path(&self) -> PathBuf {
        std::env::var_os("TANDEM_CONFIG").map(PathBuf::from).unwrap_or_else(|| self.root.join("Tandem.toml"))
    }

    /// Loads the settings from `file` and the environment.
    pub fn settings(&self, file: &Path) -> Result<Settings, ConfigError> {
        Settings::load(file)
    }

    /// The compiled URL configuration.
    pub fn url_conf(&self) -> Result<UrlConf, PatternError> {
        UrlConf::new((self.urls)())
    }

    /// Applies pending migrations, returning the names applied.
    /// Applies pending migrations, then creates the permissions of every
    /// registered model (Django's `post_migrate`), returning the names applied.
    pub async fn migrate(&self, db: &crate::db::Db) -> Result<Vec<String>, Error> {
        let applied = self.migrations.apply(db.sea_orm()).await?;
        for label in self.fixtures.labels() {
            crate::auth::ensure_model_permissions(db, label).await?;
        }
        Ok(applied)
    }

    /// Loads a fixture text, returning how many objects it held.
    pub async fn load_fixture(&self, db: &crate::db::Db, json: &str) -> Result<usize, Error> {
        Ok(self.fixtures.load(db, json).await?)
    }

    /// Connects to the database (and to Redis when `[ui] redis_url` or
    /// `REDIS_URL` is set: tabs and REST throttle counts then live there) and,
    /// in development, applies pending migrations and the initial data.
    ///
    /// ```no_run
    /// # async fn demo(app: tandem::App, settings: tandem::config::Settings) -> Result<(), tandem::app::Error> {
    /// let prepared = app.prepare(settings).await?;
    /// let db = prepared.ctx.db.clone(); // what every request sees
    /// let tabs = prepared.ui.tabs_connected(); // the UI engine, beside it
    /// let router = app.router(prepared)?;
    /// # Ok(()) }
    /// ```
    pub async fn prepare(&self, settings: Settings) -> Result<Prepared, Error> {
        self.theme.check().map_err(Error::Theme)?;
        let topics: Vec<String> = self.topics.iter().cloned().chain(register_own_models()).collect();
        for page in self.pages.iter().chain(&self.not_found) {
            crate::ui::check::check_page(page)?;
            crate::ui::check::check_topics(page, &topics)?;
        }
        let redis = match &settings.ui.redis_url {
            Some(url) => Some(crate::redis::Redis::connect(url, &settings.ui.redis_prefix).await?),
            None => None,
        };
        let db = crate::db::connect(&settings.database.url).await?;
        let mail = crate::mail::Mailer::from_settings(&settings.mail)?;
        if !settings.debug()
            && matches!(mail.backend(), crate::mail::MailBackend::Console | crate::mail::MailBackend::Memory)
        {
            tracing::warn!(
                "[mail] backend is `{}` in production: email is not delivered; set `[mail]` or TANDEM_MAIL_URL",
                mail.backend().name()
            );
        }
        crate::server::dev::start(settings.debug());
        if settings.debug() {
            for name in self.migrate(&db).await? {
                tracing::info!("applied migration {name}");
            }
            if let Some(json) = self.initial_data {
                let loaded = self.fixtures.load_if_empty(&db, json).await?;
                if loaded > 0 {
                    tracing::info!("loaded {loaded} objects of initial data");
                }
            }
        } else {
            let pending = self.migrations.pending(db.sea_orm()).await?;
            if !pending.is_empty() {
                tracing::warn!("{} migrations are not applied; run the `migrate` command", pending.len());
            }
        }
        let (states, throttles): (Arc<dyn crate::ui::store::StateManager>, _) = match &redis {
            Some(redis) => (
                Arc::new(
                    crate::redis::RedisStates::new(redis.clone(), settings.ui.idle())
                        .with_lease(settings.ui.redis_lease()),
                ),
                crate::throttle::ThrottleStore::shared(redis.clone()),
            ),
            None if settings.ui.durable_events => {
                (crate::ui::store::DatabaseStates::new(db.clone(), settings.ui.idle()), Default::default())
            }
            None => {
                (crate::ui::store::DatabaseStates::write_behind(db.clone(), settings.ui.idle()), Default::default())
            }
        };
        let throttles = Arc::new(throttles.with_max_keys(settings.auth.throttle_max_keys.get()));
        let login = Arc::new(crate::auth::LoginGuard::new(&settings.auth, throttles.clone()));
        let mut engine = crate::ui::Engine::new(self.pages.clone(), states, settings.ui.limits())?
            .with_theme(&self.theme)
            .with_secret(&settings.secret_key)
            .with_live_debounce(settings.ui.live_debounce())
            .with_session_ages(settings.sessions)
            .with_login_guard(login.clone())
            .with_login_url(&settings.auth.login_url)
            .with_topics(topics)
            .with_accounts(mail.clone(), crate::auth::tokens::PasswordResetTokenGenerator::from_settings(&settings));
        if let Some(page) = &self.not_found {
            engine = engine.with_not_found(page.clone());
        }
        let engine = Arc::new(engine);
        if let Some(redis) = &redis {
            // Pushes to tabs connected elsewhere and live updates reach every process.
            engine.set_bus(Arc::new(crate::redis::RedisBus::start(redis.clone(), &engine).await?));
        }
        let signals = crate::signals::Signals::default();
        let live = Arc::downgrade(&engine);
        signals.connect(move |signal| {
            if let Some(engine) = live.upgrade() {
                match signal {
                    crate::signals::Signal::Changed(topic) => engine.broadcast(topic),
                    crate::signals::Signal::SessionEnded(key) => engine.end_session(key),
                }
            }
        });
        let ctx = AppContext { db, settings: Arc::new(settings), throttles, login, signals, redis, mail };
        Ok(Prepared { ctx, ui: engine })
    }

    /// In development: a warning naming every model change no migration
    /// makes yet (what `makemigrations` would write).
    async fn warn_of_model_changes(&self) {
        let started = std::time::Instant::now();
        match self.detect_changes().await {
            Ok(found) if !found.is_empty() => tracing::warn!(
                "your models have changes that are not yet reflected in a migration; run the `makemigrations` \
                 command:\n  {}",
                found.summary().join("\n  ")
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "cannot compare the models with the migrations"),
        }
        tracing::debug!(elapsed = ?started.elapsed(), "models compared with the migrations");
    }

    /// The full service for a prepared context; starts its housekeeping
    /// (idle tabs and expired sessions are swept while it runs).
    pub fn router(&self, prepared: Prepared) -> Result<Router, Error> {
        let urls = self.url_conf()?;
        self.install_names(&urls)?;
        crate::sweep::start(&prepared.ctx, &prepared.ui);
        Ok(crate::server::router(prepared, urls, self.static_files.clone()))
    }

    /// Gives [`reverse`](crate::urls::reverse) the named routes of `urls`
    /// and the named pages.
    fn install_names(&self, urls: &UrlConf) -> Result<(), PatternError> {
        let routes =
            urls.routes().iter().filter_map(|route| Some((route.name()?.to_string(), route.pattern().clone())));
        let mut named: Vec<(String, crate::urls::Pattern)> = routes.collect();
        for page in &self.pages {
            if let Some(name) = &page.name {
                named.push((name.clone(), page.pattern()?));
            }
        }
        crate::urls::install_names(named);
        Ok(())
    }

    /// Prepares, binds `settings.server.addr` and serves until SIGINT/SIGTERM.
    /// In development it first warns of model changes no migration makes yet.
    ///
    /// At the signal, readiness fails, every tab finishes its event and is
    /// told to reconnect, and the tabs' states are written at once; then open
    /// connections get at most `[server] shutdown_timeout_ms` to finish, the
    /// states are written again (what the last requests changed) and `run`
    /// returns.
    pub async fn run(&self, settings: Settings) -> Result<(), Error> {
        let addr = settings.server.addr.clone();
        let limits = settings.server.limits();
        if settings.debug() {
            self.warn_of_model_changes().await;
        }
        let prepared = self.prepare(settings).await?;
        let engine = prepared.ui.clone();
        let router = self.router(prepared)?;
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|source| Error::Io { context: format!("cannot listen on {addr}"), source })?;
        tracing::info!("serving on http://{addr}");
        let closing = engine.clone();
        let shutdown = async move {
            crate::server::shutdown_signal().await;
            // Readiness fails first, then every tab finishes its current
            // event and is told to reconnect (to another process); the
            // states are saved before any client can hold the exit up.
            closing.drain();
            closing.close_all();
            if let Err(error) = closing.flush().await {
                tracing::error!(%error, "cannot write the tabs' states at shutdown");
            }
        };
        let served = crate::server::serve(listener, router, limits, shutdown)
            .await
            .map_err(|source| Error::Io { context: "server".into(), source });
        engine.flush().await?;
        served
    }

    /// Parses the command line and runs the chosen command; the exit status is
    /// non-zero on any error, whose message is printed to stderr.
    pub fn main(self) -> ExitCode {
        crate::cli::main(self)
    }
}

/// A prepared application: what every request sees (the backend's
/// handlers too) and, beside it, the UI engine its pages, socket and
/// uploads use. [`App::router`] turns it into the service.
pub struct Prepared {
    /// The request context: database, settings, signals, mail…
    pub ctx: AppContext,
    /// The reactive UI's pages and tabs.
    pub ui: Arc<crate::ui::Engine>,
}

/// Registers Tandem's own models, whose queries (sessions, users, tabs,
/// tokens) run on the embedded SQLite driver; returns their tables (topics
/// pages may be live on: the admin's user list is).
fn register_own_models() -> Vec<String> {
    use crate::auth::models::{group, group_permission, permission, user, user_group, user_permission};
    fn register<E: sea_orm::EntityTrait>() -> String {
        crate::db::register::<E>();
        E::default().table_name().to_string()
    }
    vec![
        register::<crate::sessions::model::Entity>(),
        register::<user::Entity>(),
        register::<group::Entity>(),
        register::<permission::Entity>(),
        register::<user_group::Entity>(),
        register::<group_permission::Entity>(),
        register::<user_permission::Entity>(),
        register::<crate::ui::store::model::Entity>(),
        register::<crate::ui::tab_parts::model::Entity>(),
        register::<crate::rest::token::model::Entity>(),
    ]
}
