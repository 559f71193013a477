//! `[mail]` in `Tandem.toml`: which backend sends mail, and the SMTP server.
//!
//! ```toml
//! [mail]
//! backend = "smtp"                     # console (the default), file, smtp or memory
//! default_from = "shop@example.com"    # Django's DEFAULT_FROM_EMAIL; "webmaster@localhost" by default
//! file_path = "sent-mail"              # the file backend's folder, relative to Tandem.toml
//! host = "smtp.example.com"            # SMTP: EMAIL_HOST ("localhost")
//! port = 587                           # EMAIL_PORT (25, 587 with STARTTLS, 465 with TLS)
//! username = "shop"                    # EMAIL_HOST_USER (no AUTH when absent)
//! password = "…"                       # EMAIL_HOST_PASSWORD; better in TANDEM_MAIL_URL
//! tls = "starttls"                     # none (the default), starttls (EMAIL_USE_TLS) or tls (EMAIL_USE_SSL)
//! timeout_seconds = 10                 # EMAIL_TIMEOUT: connecting; a whole send gets 3 times that
//! ca_file = "/etc/ssl/private-ca.pem"  # another trusted root (PEM) besides the public ones
//! ```
//!
//! Or one URL, in the file (`url = "…"`) or, winning over the file, in
//! `TANDEM_MAIL_URL` (or `EMAIL_URL`): `smtp://user:pass@host:587?tls=starttls`,
//! `smtps://user:pass@host` (implicit TLS, port 465), `console:`, `memory:`,
//! `file:sent-mail` or `file:///var/mail/shop`. User and password are
//! percent-decoded; `?timeout=SECONDS` is also read. `DEFAULT_FROM_EMAIL`
//! overrides `default_from`.
//!
//! ```
//! let settings = tandem::config::Settings::from_toml_str(
//!     "[app]\nname = \"x\"\n[mail]\nurl = \"smtp://shop:p%40ss@mail.example.com?tls=starttls\"\n",
//!     std::path::Path::new("Tandem.toml"),
//! )
//! .unwrap();
//! assert_eq!(settings.mail.backend, tandem::mail::MailBackend::Smtp);
//! assert_eq!(settings.mail.password.as_deref(), Some("p@ss"));
//! assert_eq!(settings.mail.port(), 587);
//! ```

use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Where mail goes (Django's `EMAIL_BACKEND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailBackend {
    /// Printed to standard output (Django's console backend); the default.
    #[default]
    Console,
    /// Each message a `.eml` file in `file_path` (Django's filebased backend).
    File,
    /// Sent to an SMTP server.
    Smtp,
    /// Kept in memory for tests ([`Mailer::outbox`](super::Mailer::outbox),
    /// Django's locmem backend and `mail.outbox`).
    Memory,
}

impl MailBackend {
    /// The name `backend = "…"` takes.
    ///
    /// ```
    /// assert_eq!(tandem::mail::MailBackend::Smtp.name(), "smtp");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Self::Console => "console",
            Self::File => "file",
            Self::Smtp => "smtp",
            Self::Memory => "memory",
        }
    }
}

/// How the SMTP connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (a relay on the same machine or network); the default.
    #[default]
    None,
    /// Plain text upgraded with `STARTTLS`, which the server must offer
    /// (Django's `EMAIL_USE_TLS`); port 587 by default.
    Starttls,
    /// TLS from the first byte (Django's `EMAIL_USE_SSL`); port 465 by default.
    Tls,
}

/// `[mail]`: the mail backend and its server.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// Where mail goes; `console` by default.
    pub backend: MailBackend,
    /// The sender of messages that name none (Django's `DEFAULT_FROM_EMAIL`).
    pub default_from: String,
    /// The file backend's folder, relative to `Tandem.toml`'s folder;
    /// `sent-mail` by default. Created when the first message is written.
    pub file_path: PathBuf,
    /// One URL for all of it (see the module's documentation); applied over
    /// the other keys when the settings are read.
    pub url: Option<String>,
    /// The SMTP server's host name or address.
    pub host: String,
    /// The SMTP port; by default 25, 587 with `starttls`, 465 with `tls`.
    pub port: Option<u16>,
    /// The SMTP user; without one, no `AUTH` is attempted.
    pub username: Option<String>,
    /// The SMTP password.
    pub password: Option<String>,
    /// How the connection is encrypted.
    pub tls: SmtpTls,
    /// How long connecting may take, in seconds; sending one message (every
    /// reply included) is abandoned after three times that.
    pub timeout_seconds: NonZeroU64,
    /// A PEM file of root certificates trusted besides the public ones
    /// (a private CA, or a test server's own certificate).
    pub ca_file: Option<PathBuf>,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            backend: MailBackend::Console,
            default_from: "webmaster@localhost".into(),
            file_path: PathBuf::from("sent-mail"),
            url: None,
            host: "localhost".into(),
            port: None,
            username: None,
            password: None,
            tls: SmtpTls::None,
            timeout_seconds: NonZeroU64::new(10).unwrap_or(NonZeroU64::MIN),
            ca_file: None,
        }
    }
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("backend", &self.backend)
            .field("default_from", &self.default_from)
            .field("file_path", &self.file_path)
            .field("host", &self.host)
            .field("port", &self.port())
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("tls", &self.tls)
            .field("timeout_seconds", &self.timeout_seconds)
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}

impl MailSettings {
    /// The SMTP port: `port`, or the usual one for `tls`.
    ///
    /// ```
    /// use tandem::mail::{MailSettings, SmtpTls};
    /// assert_eq!(MailSettings::default().port(), 25);
    /// assert_eq!(MailSettings { tls: SmtpTls::Tls, ..Default::default() }.port(), 465);
    /// ```
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        })
    }

    /// The SMTP timeout.
    ///
    /// ```
    /// assert_eq!(tandem::mail::MailSettings::default().timeout().as_secs(), 10);
    /// ```
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds.get())
    }

    /// Applies a mail URL (`smtp://…`, `smtps://…`, `console:`, `memory:`,
    /// `file:PATH`) over these settings; the message says what is wrong,
    /// never showing the password.
    ///
    /// ```
    /// use tandem::mail::{MailBackend, MailSettings, SmtpTls};
    /// let mut mail = MailSettings::default();
    /// mail.apply_url("smtps://me@mail.example.com:2465").unwrap();
    /// assert_eq!((mail.backend, mail.tls, mail.port()), (MailBackend::Smtp, SmtpTls::Tls, 2465));
    /// assert!(mail.apply_url("http://x").is_err());
    /// ```
    pub fn apply_url(&mut self, url: &str) -> Result<(), String> {
        let (scheme, rest) = url.split_once(':').ok_or_else(|| format!("`{}` is not a mail URL", redacted(url)))?;
        match scheme {
            "console" => self.backend = MailBackend::Console,
            "memory" | "locmem" => self.backend = MailBackend::Memory,
            "file" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.is_empty() {
                    return Err("a `file:` mail URL needs a folder, e.g. `file:sent-mail`".into());
                }
                self.backend = MailBackend::File;
                self.file_path = PathBuf::from(path);
            }
            "smtp" | "smtps" => {
                let rest = rest
                    .strip_prefix("//")
                    .ok_or_else(|| format!("`{}` should be `{scheme}://[user:password@]host[:port]`", redacted(url)))?;
                let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
                let authority = authority.trim_end_matches('/');
                let (userinfo, hostport) = match authority.rsplit_once('@') {
                    Some((userinfo, hostport)) => (Some(userinfo), hostport),
                    None => (None, authority),
                };
                let (host, port) = split_host_port(hostport).map_err(|p| format!("`{}`: {p}", redacted(url)))?;
                let mut tls = if scheme == "smtps" { SmtpTls::Tls } else { SmtpTls::None };
                let mut timeout = self.timeout_seconds;
                for (key, value) in form_urlencoded::parse(query.as_bytes()) {
                    match &*key {
                        "tls" | "security" => {
                            tls = match &*value {
                                "none" | "" => SmtpTls::None,
                                "starttls" => SmtpTls::Starttls,
                                "tls" | "ssl" => SmtpTls::Tls,
                                other => return Err(format!("`tls={other}` is not `none`, `starttls` or `tls`")),
                            }
                        }
                        "timeout" => {
                            timeout = value
                                .parse()
                                .map_err(|_| format!("`timeout={value}` is not a number of seconds above 0"))?
                        }
                        other => return Err(format!("unknown mail URL parameter `{other}` (tls, timeout)")),
                    }
                }
                let (username, password) = match userinfo {
                    Some(userinfo) => {
                        let (user, pass) = match userinfo.split_once(':') {
                            Some((user, pass)) => (user, Some(pass)),
                            None => (userinfo, None),
                        };
                        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
                        (Some(decode(user)).filter(|u| !u.is_empty()), pass.map(decode))
                    }
                    None => (None, None),
                };
                self.backend = MailBackend::Smtp;
                self.host = host;
                self.port = port;
                self.tls = tls;
                self.timeout_seconds = timeout;
                self.username = username;
                self.password = password;
            }
            _ => {
                return Err(format!(
                    "`{}`: the scheme is not `smtp`, `smtps`, `console`, `file` or `memory`",
                    redacted(url)
                ));
            }
        }
        Ok(())
    }

    /// Resolves `url` and relative paths, and refuses what cannot work; the
    /// error is the key and the problem.
    pub(crate) fn resolve(&mut self, base_dir: &Path) -> Result<(), (String, String)> {
        if let Some(url) = self.url.take() {
            self.apply_url(&url).map_err(|p| ("mail.url".to_string(), p))?;
        }
        self.check(base_dir)
    }

    pub(crate) fn check(&mut self, base_dir: &Path) -> Result<(), (String, String)> {
        let invalid = |key: &str, problem: String| Err((format!("mail.{key}"), problem));
        if let Err(problem) = super::check_address("default_from", &self.default_from) {
            return invalid("default_from", problem.to_string());
        }
        if self.file_path.is_relative() {
            self.file_path = base_dir.join(&self.file_path);
        }
        if let Some(ca) = &self.ca_file
            && ca.is_relative()
        {
            self.ca_file = Some(base_dir.join(ca));
        }
        if self.backend == MailBackend::Smtp {
            if self.host.trim().is_empty() || self.host.chars().any(|c| c.is_whitespace() || c == '/') {
                return invalid("host", format!("`{}` is not a host name", self.host));
            }
            if self.port == Some(0) {
                return invalid("port", "must be greater than 0".into());
            }
            if self.password.is_some() && self.username.is_none() {
                return invalid("username", "a password is set but no username".into());
            }
        }
        Ok(())
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(text: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or("an IPv6 address needs its closing `]`")?;
        (host, after.strip_prefix(':'))
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    let port = match port {
        Some(port) => Some(port.parse::<u16>().ok().filter(|p| *p > 0).ok_or(format!("`{port}` is not a port"))?),
        None => None,
    };
    Ok((host.to_string(), port))
}

/// The URL with its password replaced by `***`.
///
/// ```
/// assert_eq!(tandem::mail::redacted("smtp://me:secret@host:25"), "smtp://me:***@host:25");
/// ```
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(text: &str) -> Result<MailSettings, (String, String)> {
        let mut mail: MailSettings = toml::from_str(text).map_err(|e| (String::new(), e.to_string()))?;
        mail.resolve(Path::new("/app"))?;
        Ok(mail)
    }

    #[test]
    fn defaults() {
        let mail = resolved("").unwrap();
        assert_eq!(mail.backend, MailBackend::Console);
        assert_eq!(mail.default_from, "webmaster@localhost");
        assert_eq!(mail.file_path, Path::new("/app/sent-mail"));
        assert_eq!((mail.host.as_str(), mail.port(), mail.tls), ("localhost", 25, SmtpTls::None));
        assert!(toml::from_str::<MailSettings>("backend = \"sendmail\"").is_err());
        assert!(toml::from_str::<MailSettings>("hots = \"x\"").is_err());
    }

    #[test]
    fn urls() {
        let mail = resolved("url = \"smtp://a%20b:p%3Aw@[::1]:2525/?tls=starttls&timeout=3\"").unwrap();
        assert_eq!(mail.backend, MailBackend::Smtp);
        assert_eq!((mail.host.as_str(), mail.port(), mail.tls), ("::1", 2525, SmtpTls::Starttls));
        assert_eq!((mail.username.as_deref(), mail.password.as_deref()), (Some("a b"), Some("p:w")));
        assert_eq!(mail.timeout().as_secs(), 3);
        assert!(!format!("{mail:?}").contains("p:w"), "Debug hides the password");
        let mail = resolved("url = \"file:out\"").unwrap();
        assert_eq!((mail.backend, mail.file_path.as_path()), (MailBackend::File, Path::new("/app/out")));
        let mail = resolved("url = \"file:///var/mail\"").unwrap();
        assert_eq!(mail.file_path, Path::new("/var/mail"));
        assert_eq!(resolved("url = \"memory:\"").unwrap().backend, MailBackend::Memory);
        for bad in [
            "smtp://",
            "smtp://host:0",
            "smtp://host:x",
            "smtp://host?tls=maybe",
            "smtp://host?retries=3",
            "smtp:host",
            "http://host",
            "file:",
            "nonsense",
        ] {
            let (key, problem) = resolved(&format!("url = \"{bad}\"")).unwrap_err();
            assert_eq!(key, "mail.url", "{bad}: {problem}");
        }
        let (_, problem) = resolved("url = \"ftp://me:secret@host\"").unwrap_err();
        assert!(!problem.contains("secret"), "{problem}");
    }

    #[test]
    fn bad_values_name_their_key() {
        for (text, key) in [
            ("default_from = \"a\\r\\nBcc: x@example.com\"", "mail.default_from"),
            ("default_from = \"not an address\"", "mail.default_from"),
            ("backend = \"smtp\"\nhost = \"\"", "mail.host"),
            ("backend = \"smtp\"\nport = 0", "mail.port"),
            ("backend = \"smtp\"\npassword = \"x\"", "mail.username"),
        ] {
            assert_eq!(resolved(text).unwrap_err().0, key, "{text}");
        }
    }
}
