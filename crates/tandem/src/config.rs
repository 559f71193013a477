//! Settings: `Tandem.toml` plus environment overrides, the Rust spelling of the
//! seed's `rxconfig.py` and Django's `settings.py`.
//!
//! ```toml
//! [app]
//! name = "shop"
//!
//! [server]
//! addr = "127.0.0.1:3000"
//!
//! [backend]
//! prefix = "/api"
//! extra_prefixes = ["/webhooks"]
//!
//! [database]
//! url = "sqlite:db.sqlite3"
//! ```
//!
//! Environment variables win over the file: `TANDEM_ADDR`, `DATABASE_URL`,
//! `REDIS_URL` (`[ui] redis_url`), `SECRET_KEY`, `TANDEM_ALLOWED_HOSTS`
//! (`[server] allowed_hosts`, comma-separated), `TANDEM_ENV`
//! (`development`, the default, or `production`), `TANDEM_MAIL_URL` or
//! `EMAIL_URL` (`[mail]`, see [`crate::mail::MailSettings`]) and
//! `DEFAULT_FROM_EMAIL` (`[mail] default_from`).
//! A relative SQLite path is resolved against the folder that holds `Tandem.toml`.
//!
//! ```
//! let settings = tandem::config::Settings::from_toml_str(
//!     "[app]\nname = \"demo\"\n[backend]\nprefix = \"api/\"\n",
//!     std::path::Path::new("Tandem.toml"),
//! )
//! .unwrap();
//! assert_eq!(settings.backend.prefix, "/api");
//! assert!(settings.is_backend_path("/api/shop/"));
//! assert!(!settings.is_backend_path("/apix"));
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Paths the framework itself serves; no backend prefix may claim them.
pub const RESERVED_PATHS: &[&str] = &["/_event", "/_tandem", "/_upload", "/ping", "/_health"];

/// Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`: 2.5 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 2_621_440;

/// A configuration problem that stops start-up.
///
/// The message names the file, the key and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has an unknown key or a wrong type.
    #[error("{file}: {message}")]
    Parse {
        /// The file.
        file: PathBuf,
        /// The parser's message, which names the key and its line.
        message: String,
    },
    /// A key has a value Tandem cannot use.
    #[error("{file}: `{key}`: {problem}")]
    Invalid {
        /// The file (or `environment` for an environment variable).
        file: PathBuf,
        /// The dotted key, e.g. `backend.prefix`.
        key: String,
        /// What is wrong.
        problem: String,
    },
}

/// Development (the default) or production posture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Debug output on, insecure fallback secret, migrations applied at `run`.
    Development,
    /// Debug output off; a `SECRET_KEY` is required.
    Production,
}

/// `[app]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSection {
    /// The application's name, shown as the OpenAPI schema's title.
    pub name: String,
}

/// `[server]`: the listener, its connection limits and the hosts it serves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    /// Listen address; `TANDEM_ADDR` overrides it.
    pub addr: String,
    /// Django's `ALLOWED_HOSTS`: the `Host` names this site answers to
    /// (`shop.example.com`, `.example.com` for a domain and its subdomains,
    /// `*` for any; ports are ignored, IPv6 addresses in brackets). Other
    /// hosts get 400. Required in production; empty in development means
    /// `.localhost`, `127.0.0.1` and `[::1]`. `TANDEM_ALLOWED_HOSTS`
    /// (comma-separated) overrides it.
    pub allowed_hosts: Vec<String>,
    /// How long a client has to send a request's head (request line and
    /// headers), in milliseconds, counted from the connection's accept or,
    /// on a kept-alive connection, from the previous response; then the
    /// connection is closed.
    pub header_read_timeout_ms: u64,
    /// How long a kept-alive connection may wait idle for its next request,
    /// in milliseconds (also bounded by `header_read_timeout_ms`).
    pub keepalive_timeout_ms: u64,
    /// How long a request body being read may go without a byte arriving,
    /// in milliseconds; then the body fails (the view answers 400) and the
    /// connection is closed.
    pub body_read_timeout_ms: u64,
    /// How long a write to the client (a response, a WebSocket frame) may
    /// make no progress, in milliseconds: the client stopped reading; then
    /// the connection is closed.
    pub send_timeout_ms: u64,
    /// On SIGTERM/SIGINT, how long open connections get to finish before the
    /// process exits anyway, in milliseconds.
    pub shutdown_timeout_ms: u64,
    /// Most connections open at once (WebSockets included); more wait in the
    /// listen backlog. Default: the open-file limit less a quarter (at least
    /// 32) kept for the database, Redis and files.
    pub max_connections: Option<usize>,
}

impl Default for ServerSection {
    fn default() -> Self {
        Self {
            addr: default_addr(),
            allowed_hosts: Vec::new(),
            header_read_timeout_ms: 10_000,
            keepalive_timeout_ms: 5_000,
            body_read_timeout_ms: 30_000,
            send_timeout_ms: 30_000,
            shutdown_timeout_ms: 10_000,
            max_connections: None,
        }
    }
}

/// The bounds the listener enforces, resolved from [`ServerSection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// `header_read_timeout_ms`.
    pub header_read_timeout: Duration,
    /// `keepalive_timeout_ms`.
    pub keepalive_timeout: Duration,
    /// `body_read_timeout_ms`.
    pub body_read_timeout: Duration,
    /// `send_timeout_ms`.
    pub send_timeout: Duration,
    /// `shutdown_timeout_ms`.
    pub shutdown_timeout: Duration,
    /// `max_connections`, or the default derived from the open-file limit.
    pub max_connections: usize,
}

impl ServerSection {
    /// The listener's limits.
    ///
    /// ```
    /// let limits = tandem::config::ServerSection::default().limits();
    /// assert_eq!(limits.header_read_timeout, std::time::Duration::from_secs(10));
    /// assert!(limits.max_connections >= 1);
    /// ```
    pub fn limits(&self) -> ConnectionLimits {
        ConnectionLimits {
            header_read_timeout: Duration::from_millis(self.header_read_timeout_ms),
            keepalive_timeout: Duration::from_millis(self.keepalive_timeout_ms),
            body_read_timeout: Duration::from_millis(self.body_read_timeout_ms),
            send_timeout: Duration::from_millis(self.send_timeout_ms),
            shutdown_timeout: Duration::from_millis(self.shutdown_timeout_ms),
            max_connections: self.max_connections.unwrap_or_else(default_max_connections),
        }
    }

    /// Refuses zero timeouts, a zero connection limit and host patterns that
    /// can never match (a URL, a path, whitespace).
    fn check(&self) -> Result<(), (String, String)> {
        for (key, value) in [
            ("header_read_timeout_ms", self.header_read_timeout_ms),
            ("keepalive_timeout_ms", self.keepalive_timeout_ms),
            ("body_read_timeout_ms", self.body_read_timeout_ms),
            ("send_timeout_ms", self.send_timeout_ms),
            ("shutdown_timeout_ms", self.shutdown_timeout_ms),
        ] {
            if value == 0 {
                return Err((format!("server.{key}"), "must be greater than 0".into()));
            }
        }
        if self.max_connections == Some(0) {
            return Err(("server.max_connections".into(), "must be greater than 0".into()));
        }
        for (i, host) in self.allowed_hosts.iter().enumerate() {
            crate::http::hosts::check_pattern(host).map_err(|p| (format!("server.allowed_hosts[{i}]"), p))?;
        }
        Ok(())
    }
}

/// The open-file limit (`RLIMIT_NOFILE`) less a quarter, at least 32, kept
/// for everything that is not a client connection.
fn default_max_connections() -> usize {
    const FALLBACK: usize = 1024;
    let limit = open_file_limit().unwrap_or(FALLBACK as u64).min(u64::from(u32::MAX));
    let limit = usize::try_from(limit).unwrap_or(FALLBACK);
    limit.saturating_sub((limit / 4).max(32)).max(1)
}

#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // `rlim_t` is not 64 bits on every Unix.
fn open_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit only writes the struct it is given.
    let status = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    (status == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur as u64)
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<u64> {
    None
}

/// `[backend]`: which paths the Django-style backend serves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendSection {
    /// The main backend prefix, e.g. `/api`.
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// More prefixes routed to the backend, e.g. `/webhooks`.
    #[serde(default)]
    pub extra_prefixes: Vec<String>,
    /// Largest request body accepted, in bytes; bigger bodies get 413.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// Origins trusted for unsafe requests besides the request's own
    /// (`https://*.example.com` wildcards allowed).
    #[serde(default)]
    pub trusted_origins: Vec<String>,
    /// Trust `X-Forwarded-Proto: https` from a TLS-terminating proxy (Django's
    /// `SECURE_PROXY_SSL_HEADER`): cookies get `Secure` and CSRF checks the Referer.
    #[serde(default)]
    pub trust_forwarded_proto: bool,
}

/// `[database]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSection {
    /// A SeaORM URL: `sqlite:db.sqlite3` (the default) or `postgres://…`;
    /// `DATABASE_URL` overrides it.
    #[serde(default = "default_database_url")]
    pub url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    app: AppSection,
    #[serde(default)]
    server: Option<ServerSection>,
    #[serde(default)]
    backend: Option<BackendSection>,
    #[serde(default)]
    database: Option<DatabaseSection>,
    #[serde(default)]
    rest: Option<crate::rest::RestSettings>,
    #[serde(default)]
    ui: Option<crate::ui::UiSettings>,
    #[serde(default)]
    sessions: Option<crate::sessions::SessionSettings>,
    #[serde(default)]
    auth: Option<crate::auth::AuthSettings>,
    #[serde(default)]
    mail: Option<crate::mail::MailSettings>,
}

/// The resolved settings of one application.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `[app]`.
    pub app: AppSection,
    /// `[server]`, with `TANDEM_ADDR` applied.
    pub server: ServerSection,
    /// `[backend]`, prefixes normalised (leading `/`, no trailing `/`).
    pub backend: BackendSection,
    /// `[database]`, with `DATABASE_URL` applied and SQLite paths resolved.
    pub database: DatabaseSection,
    /// `[rest]`: the REST layer's defaults.
    pub rest: crate::rest::RestSettings,
    /// `[ui]`: the reactive UI's expiry and limits.
    pub ui: crate::ui::UiSettings,
    /// `[sessions]`: how long sessions live, how often expired ones go.
    pub sessions: crate::sessions::SessionSettings,
    /// `[auth]`: login throttling and password hashing.
    pub auth: crate::auth::AuthSettings,
    /// `[mail]`: how email is sent, `url` applied and paths resolved.
    pub mail: crate::mail::MailSettings,
    /// Development or production.
    pub environment: Environment,
    /// The signing secret (`SECRET_KEY`); a fixed insecure value in development.
    pub secret_key: String,
    /// The folder holding `Tandem.toml`; relative paths are resolved against it.
    pub base_dir: PathBuf,
}

fn default_addr() -> String {
    "127.0.0.1:3000".into()
}
fn default_prefix() -> String {
    "/api".into()
}
fn default_max_body() -> usize {
    DEFAULT_MAX_BODY_BYTES
}
fn default_database_url() -> String {
    "sqlite:db.sqlite3".into()
}

const INSECURE_DEV_SECRET: &str = "tandem-insecure-development-secret-do-not-use-in-production";

impl Settings {
    /// Reads `file`, then applies the environment overrides.
    pub fn load(file: &Path) -> Result<Self, ConfigError> {
        let text =
            std::fs::read_to_string(file).map_err(|source| ConfigError::Read { file: file.to_path_buf(), source })?;
        let mut settings = Self::from_toml_str(&text, file)?;
        settings.apply_env(|name| std::env::var(name).ok())?;
        Ok(settings)
    }

    /// Parses and validates a `Tandem.toml` text without reading the environment.
    pub fn from_toml_str(text: &str, file: &Path) -> Result<Self, ConfigError> {
        let parsed: File = toml::from_str(text).map_err(|e| ConfigError::Parse {
            file: file.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let invalid = |key: &str, problem: String| ConfigError::Invalid {
            file: file.to_path_buf(),
            key: key.to_string(),
            problem,
        };
        let mut backend = parsed.backend.unwrap_or_else(|| BackendSection {
            prefix: default_prefix(),
            extra_prefixes: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            trusted_origins: Vec::new(),
            trust_forwarded_proto: false,
        });
        backend.prefix = normalize_prefix(&backend.prefix).map_err(|p| invalid("backend.prefix", p))?;
        for (i, extra) in backend.extra_prefixes.iter_mut().enumerate() {
            *extra = normalize_prefix(extra).map_err(|p| invalid(&format!("backend.extra_prefixes[{i}]"), p))?;
        }
        if backend.max_body_bytes == 0 {
            return Err(invalid("backend.max_body_bytes", "must be greater than 0".into()));
        }
        let server = parsed.server.unwrap_or_default();
        server
            .addr
            .parse::<SocketAddr>()
            .map_err(|e| invalid("server.addr", format!("`{}` is not a socket address: {e}", server.addr)))?;
        server.check().map_err(|(key, problem)| invalid(&key, problem))?;
        let base_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let database = parsed.database.unwrap_or_else(|| DatabaseSection { url: default_database_url() });
        let mut settings = Settings {
            app: parsed.app,
            server,
            backend,
            database,
            rest: parsed.rest.unwrap_or_default(),
            ui: parsed.ui.unwrap_or_default(),
            sessions: parsed.sessions.unwrap_or_default(),
            auth: parsed.auth.unwrap_or_default(),
            mail: parsed.mail.unwrap_or_default(),
            environment: Environment::Development,
            secret_key: INSECURE_DEV_SECRET.into(),
            base_dir,
        };
        settings.database.url = settings.resolve_database_url(&settings.database.url);
        let base_dir = settings.base_dir.clone();
        settings.mail.resolve(&base_dir).map_err(|(key, problem)| invalid(&key, problem))?;
        if let Some(url) = &settings.ui.redis_url {
            check_redis_url(url).map_err(|p| invalid("ui.redis_url", p))?;
        }
        if settings.ui.redis_prefix.is_empty() || settings.ui.redis_prefix.chars().any(char::is_whitespace) {
            return Err(invalid("ui.redis_prefix", "must be a word such as `tandem`".into()));
        }
        Ok(settings)
    }

    /// Applies environment overrides read through `var`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let invalid = |key: &str, problem: String| ConfigError::Invalid {
            file: PathBuf::from("environment"),
            key: key.to_string(),
            problem,
        };
        self.environment = match var("TANDEM_ENV").as_deref() {
            None | Some("") | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(invalid("TANDEM_ENV", format!("`{other}` is neither `development` nor `production`")));
            }
        };
        if let Some(addr) = var("TANDEM_ADDR") {
            addr.parse::<SocketAddr>()
                .map_err(|e| invalid("TANDEM_ADDR", format!("`{addr}` is not a socket address: {e}")))?;
            self.server.addr = addr;
        }
        if let Some(url) = var("DATABASE_URL").filter(|u| !u.is_empty()) {
            self.database.url = self.resolve_database_url(&url);
        }
        if let Some(url) = var("REDIS_URL").filter(|u| !u.is_empty()) {
            check_redis_url(&url).map_err(|p| invalid("REDIS_URL", p))?;
            self.ui.redis_url = Some(url);
        }
        match var("SECRET_KEY").filter(|k| !k.is_empty()) {
            Some(key) => self.secret_key = key,
            None if self.environment == Environment::Production => {
                return Err(invalid("SECRET_KEY", "must be set when TANDEM_ENV=production".into()));
            }
            None => {}
        }
        let mail_url = [("TANDEM_MAIL_URL", var("TANDEM_MAIL_URL")), ("EMAIL_URL", var("EMAIL_URL"))]
            .into_iter()
            .find_map(|(name, value)| Some((name, value.filter(|v| !v.is_empty())?)));
        if let Some((name, url)) = mail_url {
            self.mail.apply_url(&url).map_err(|p| invalid(name, p))?;
        }
        if let Some(from) = var("DEFAULT_FROM_EMAIL").filter(|f| !f.is_empty()) {
            self.mail.default_from = from;
        }
        self.mail.check(&self.base_dir).map_err(|(key, problem)| invalid(&key, problem))?;
        if let Some(hosts) = var("TANDEM_ALLOWED_HOSTS").filter(|h| !h.trim().is_empty()) {
            self.server.allowed_hosts =
                hosts.split(',').map(str::trim).filter(|h| !h.is_empty()).map(str::to_string).collect();
            self.server.check().map_err(|(_, problem)| invalid("TANDEM_ALLOWED_HOSTS", problem))?;
        }
        if self.environment == Environment::Production && self.server.allowed_hosts.is_empty() {
            return Err(invalid(
                "server.allowed_hosts",
                "must be set when TANDEM_ENV=production (in `[server]` of Tandem.toml or as TANDEM_ALLOWED_HOSTS, \
                 e.g. [\"shop.example.com\"])"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Whether debug output (error details in responses) is on.
    pub fn debug(&self) -> bool {
        self.environment == Environment::Development
    }

    /// Every backend prefix: the main one first, then the extra ones.
    pub fn backend_prefixes(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.backend.prefix.as_str()).chain(self.backend.extra_prefixes.iter().map(String::as_str))
    }

    /// Whether `path` is served by the backend: it equals a prefix or starts with `prefix/`.
    pub fn is_backend_path(&self, path: &str) -> bool {
        self.backend_prefixes().any(|prefix| path_has_prefix(path, prefix))
    }

    fn resolve_database_url(&self, url: &str) -> String {
        let Some(rest) = url.strip_prefix("sqlite:") else { return url.to_string() };
        let rest = rest.trim_start_matches("//");
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if path == ":memory:" || path.starts_with('/') {
            return url.to_string();
        }
        let full = self.base_dir.join(path);
        let query = if query.is_empty() { String::new() } else { format!("?{query}") };
        format!("sqlite://{}{query}", full.display())
    }
}

/// Refuses what cannot be a Redis URL Tandem connects to (TLS, `rediss://`,
/// is not built in).
///
/// ```
/// use tandem::config::check_redis_url;
/// assert!(check_redis_url("redis://127.0.0.1:6379/0").is_ok());
/// assert!(check_redis_url("unix:///run/redis.sock").is_ok());
/// assert!(check_redis_url("127.0.0.1:6379").is_err());
/// ```
pub fn check_redis_url(url: &str) -> Result<(), String> {
    const SCHEMES: &[&str] = &["redis://", "unix://", "redis+unix://"];
    if SCHEMES.iter().any(|scheme| url.starts_with(scheme)) {
        Ok(())
    } else {
        Err(format!("`{}` is not a `redis://` or `unix://` URL", crate::redis::redacted(url)))
    }
}

/// Reflex-django's prefix rule: `path` matches `prefix` when it equals it or
/// continues with `/`.
///
/// ```
/// use tandem::config::path_has_prefix;
/// assert!(path_has_prefix("/api", "/api"));
/// assert!(path_has_prefix("/api/shop/", "/api"));
/// assert!(!path_has_prefix("/apix", "/api"));
/// ```
pub fn path_has_prefix(path: &str, prefix: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// Normalises a prefix to a leading `/` and no trailing `/`, refusing `/`, the
/// empty string and reserved paths.
///
/// ```
/// use tandem::config::normalize_prefix;
/// assert_eq!(normalize_prefix("api/").unwrap(), "/api");
/// assert!(normalize_prefix("/").is_err());
/// assert!(normalize_prefix("/_event").is_err());
/// ```
pub fn normalize_prefix(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_matches('/');
    if trimmed.is_empty() {
        let what = if raw.trim().is_empty() { "an empty prefix" } else { "`/`" };
        return Err(format!("{what} would claim every path; give a prefix such as `/api`"));
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c == '?' || c == '#') {
        return Err(format!("`{raw}` may not contain whitespace, `?` or `#`"));
    }
    let prefix = format!("/{trimmed}");
    if let Some(reserved) = RESERVED_PATHS.iter().find(|r| path_has_prefix(&prefix, r) || path_has_prefix(r, &prefix)) {
        return Err(format!("`{raw}` collides with the reserved path `{reserved}`"));
    }
    Ok(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Settings, ConfigError> {
        Settings::from_toml_str(text, Path::new("/app/Tandem.toml"))
    }

    #[test]
    fn defaults_and_sqlite_path_resolution() {
        let s = parse("[app]\nname = \"x\"\n").unwrap();
        assert_eq!(s.server.addr, "127.0.0.1:3000");
        assert_eq!(s.backend.prefix, "/api");
        assert_eq!(s.backend.max_body_bytes, 2_621_440);
        assert_eq!(s.database.url, "sqlite:///app/db.sqlite3");
    }

    #[test]
    fn unknown_key_names_file_and_key() {
        let err = parse("[app]\nname = \"x\"\n[backend]\nprefx = \"/api\"\n").unwrap_err().to_string();
        assert!(err.starts_with("/app/Tandem.toml:"), "{err}");
        assert!(err.contains("prefx"), "{err}");
    }

    #[test]
    fn wrong_type_is_reported() {
        let err = parse("[app]\nname = 3\n").unwrap_err().to_string();
        assert!(err.contains("name") && err.contains("string"), "{err}");
    }

    #[test]
    fn bad_prefixes_are_refused() {
        for bad in ["/", "", "/_tandem", "/ping", "/_event/x"] {
            let text = format!("[app]\nname = \"x\"\n[backend]\nprefix = \"{bad}\"\n");
            let err = parse(&text).unwrap_err().to_string();
            assert!(err.contains("`backend.prefix`"), "{bad}: {err}");
        }
        let err = parse("[app]\nname = \"x\"\n[backend]\nextra_prefixes = [\"/ok\", \"/\"]\n").unwrap_err();
        assert!(err.to_string().contains("backend.extra_prefixes[1]"), "{err}");
    }

    #[test]
    fn environment_overrides() {
        let mut s = parse("[app]\nname = \"x\"\n").unwrap();
        let env = |k: &str| match k {
            "TANDEM_ADDR" => Some("0.0.0.0:8000".to_string()),
            "DATABASE_URL" => Some("postgres://localhost/test".to_string()),
            _ => None,
        };
        s.apply_env(env).unwrap();
        assert_eq!(s.server.addr, "0.0.0.0:8000");
        assert_eq!(s.database.url, "postgres://localhost/test");
        assert!(s.debug());
    }

    #[test]
    fn redis_url_from_the_file_and_the_environment() {
        let mut s = parse("[app]\nname = \"x\"\n[ui]\nredis_url = \"redis://file:6379\"\n").unwrap();
        assert_eq!(s.ui.redis_url.as_deref(), Some("redis://file:6379"));
        s.apply_env(|k| (k == "REDIS_URL").then(|| "redis://env:6379/2".to_string())).unwrap();
        assert_eq!(s.ui.redis_url.as_deref(), Some("redis://env:6379/2"), "the environment wins");
        let err = s.apply_env(|k| (k == "REDIS_URL").then(|| "http://x".to_string())).unwrap_err();
        assert!(err.to_string().contains("`REDIS_URL`"), "{err}");
        let err = parse("[app]\nname = \"x\"\n[ui]\nredis_url = \"localhost:6379\"\n").unwrap_err();
        assert!(err.to_string().contains("`ui.redis_url`"), "{err}");
        let err = parse("[app]\nname = \"x\"\n[ui]\nredis_prefix = \"\"\n").unwrap_err();
        assert!(err.to_string().contains("`ui.redis_prefix`"), "{err}");
        assert_eq!(parse("[app]\nname = \"x\"\n").unwrap().ui.redis_url, None);
    }

    #[test]
    fn production_requires_a_secret() {
        let mut s = parse("[app]\nname = \"x\"\n").unwrap();
        let err = s.apply_env(|k| (k == "TANDEM_ENV").then(|| "production".to_string())).unwrap_err();
        assert!(err.to_string().contains("SECRET_KEY"), "{err}");
        s.apply_env(|k| match k {
            "TANDEM_ENV" => Some("production".into()),
            "SECRET_KEY" => Some("s3cret".into()),
            "TANDEM_ALLOWED_HOSTS" => Some("shop.example.com".into()),
            _ => None,
        })
        .unwrap();
        assert!(!s.debug());
        assert_eq!(s.secret_key, "s3cret");
    }

    #[test]
    fn production_requires_allowed_hosts() {
        let production = |k: &str| match k {
            "TANDEM_ENV" => Some("production".to_string()),
            "SECRET_KEY" => Some("s3cret".to_string()),
            _ => None,
        };
        let mut s = parse("[app]\nname = \"x\"\n").unwrap();
        let err = s.apply_env(production).unwrap_err().to_string();
        assert!(err.contains("`server.allowed_hosts`") && err.contains("TANDEM_ALLOWED_HOSTS"), "{err}");
        let mut s = parse("[app]\nname = \"x\"\n[server]\nallowed_hosts = [\".example.com\"]\n").unwrap();
        s.apply_env(production).unwrap();
        s.apply_env(|k| match k {
            "TANDEM_ALLOWED_HOSTS" => Some(" a.example , [::1],".to_string()),
            other => production(other),
        })
        .unwrap();
        assert_eq!(s.server.allowed_hosts, ["a.example", "[::1]"], "the environment wins");
    }

    #[test]
    fn server_limits_are_checked() {
        let s = parse("[app]\nname = \"x\"\n").unwrap();
        assert_eq!(s.server.limits().keepalive_timeout, Duration::from_secs(5));
        assert_eq!(s.server.limits().shutdown_timeout, Duration::from_secs(10));
        for (line, key) in [
            ("header_read_timeout_ms = 0", "server.header_read_timeout_ms"),
            ("keepalive_timeout_ms = 0", "server.keepalive_timeout_ms"),
            ("body_read_timeout_ms = 0", "server.body_read_timeout_ms"),
            ("send_timeout_ms = 0", "server.send_timeout_ms"),
            ("shutdown_timeout_ms = 0", "server.shutdown_timeout_ms"),
            ("max_connections = 0", "server.max_connections"),
            ("allowed_hosts = [\"https://shop.example.com\"]", "server.allowed_hosts[0]"),
            ("allowed_hosts = [\"ok.example\", \"\"]", "server.allowed_hosts[1]"),
        ] {
            let err = parse(&format!("[app]\nname = \"x\"\n[server]\n{line}\n")).unwrap_err().to_string();
            assert!(err.contains(&format!("`{key}`")), "{line}: {err}");
        }
        let s = parse("[app]\nname = \"x\"\n[server]\nmax_connections = 7\n").unwrap();
        assert_eq!(s.server.limits().max_connections, 7);
    }
}
