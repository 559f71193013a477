//! Sending email: Django's `django.core.mail` in Rust.
//!
//! A [`Mailer`] is built from `[mail]` ([`MailSettings`]) at start-up and
//! reached as [`AppContext::mail`](crate::AppContext::mail) from views and UI
//! event handlers. Its backend is one of:
//!
//! * `console` (the default): each message printed to standard output, as
//!   Django's console backend (a warning is logged at start-up in production);
//! * `file`: each message a `.eml` file in `file_path` (Django's filebased
//!   backend);
//! * `smtp`: sent to an SMTP server, plain, with `STARTTLS` or over TLS,
//!   with or without `AUTH` (Django's SMTP backend, through
//!   [lettre](https://lettre.rs));
//! * `memory`: kept in a list a test reads with [`Mailer::outbox`] (Django's
//!   locmem backend and `mail.outbox`).
//!
//! | Django | Tandem |
//! |---|---|
//! | `send_mail(subject, message, from_email, recipient_list)` | `ctx.mail.send_mail(subject, message, &recipients).await` |
//! | `EmailMultiAlternatives(…)`, `attach_alternative(html, "text/html")` | `EmailMessage::new(…).html(html)` |
//! | `DEFAULT_FROM_EMAIL` | `[mail] default_from` |
//! | `BadHeaderError` | [`MailError::HeaderInjection`] |
//! | `mail.outbox` | `ctx.mail.outbox()` |
//!
//! ```
//! use tandem::mail::{EmailMessage, Mailer};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let mail = Mailer::memory("shop@example.com");
//! let message = EmailMessage::new("Your order", "It ships today.", ["ann@example.com"])
//!     .html("<p>It ships <b>today</b>.</p>")
//!     .reply_to("support@example.com");
//! mail.send(&message).await.unwrap();
//! let sent = mail.outbox();
//! assert_eq!(sent[0].message.subject, "Your order");
//! assert!(sent[0].raw.contains("From: shop@example.com"));
//!
//! let refused = EmailMessage::new("Hi\r\nBcc: everyone@example.com", "…", ["ann@example.com"]);
//! assert!(mail.send(&refused).await.is_err(), "header injection");
//! # });
//! ```

mod settings;
#[cfg(test)]
mod tests;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

pub use settings::{MailBackend, MailSettings, SmtpTls, redacted};

/// Why a message was not sent.
///
/// ```
/// use tandem::mail::MailError;
/// let error = MailError::HeaderInjection { header: "Subject" };
/// assert_eq!(error.to_string(), "header injection refused: the Subject contains a line break (CR or LF)");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A header value (subject or address) holds a CR or LF, which could
    /// add headers (Django's `BadHeaderError`).
    #[error("header injection refused: the {header} contains a line break (CR or LF)")]
    HeaderInjection {
        /// `Subject`, `From`, `To` or `Reply-To`.
        header: &'static str,
    },
    /// An address does not parse (`ann@example.com` or `Ann <ann@example.com>`).
    #[error("{header}: `{value}` is not an email address: {reason}")]
    Address {
        /// The header it was for.
        header: &'static str,
        /// The text given.
        value: String,
        /// The parser's reason.
        reason: String,
    },
    /// The message has no recipient.
    #[error("the message has no recipient")]
    NoRecipients,
    /// The message could not be put together.
    #[error("the message could not be built: {0}")]
    Build(String),
    /// The SMTP server could not be reached, refused the login or the
    /// message, or the TLS handshake failed.
    #[error("SMTP: {0}")]
    Smtp(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Writing the message (console or file backend) failed, or the SMTP
    /// `ca_file` could not be read.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
}

/// One email: Django's `EmailMessage` with an optional HTML alternative
/// (`EmailMultiAlternatives`).
///
/// ```
/// use tandem::mail::EmailMessage;
/// let message = EmailMessage::new("Welcome", "Hello Ann", ["ann@example.com", "Bob <bob@example.com>"])
///     .from_email("Shop <shop@example.com>");
/// assert_eq!(message.to.len(), 2);
/// assert_eq!(message.from_email.as_deref(), Some("Shop <shop@example.com>"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailMessage {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// The sender; `None` for the mailer's `default_from`.
    pub from_email: Option<String>,
    /// The recipients, each `ann@example.com` or `Ann <ann@example.com>`.
    pub to: Vec<String>,
    /// Where replies go (`Reply-To`), if not to the sender.
    pub reply_to: Vec<String>,
    /// An HTML version of the body, sent as a `multipart/alternative`.
    pub html: Option<String>,
}

impl EmailMessage {
    /// A plain-text message to `to`.
    ///
    /// ```
    /// let message = tandem::mail::EmailMessage::new("Hi", "Hello", ["ann@example.com"]);
    /// assert_eq!(message.to, ["ann@example.com"]);
    /// ```
    pub fn new<T: Into<String>>(
        subject: impl Into<String>,
        body: impl Into<String>,
        to: impl IntoIterator<Item = T>,
    ) -> Self {
        Self {
            subject: subject.into(),
            body: body.into(),
            to: to.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Sets the sender (instead of `default_from`).
    ///
    /// ```
    /// let message = tandem::mail::EmailMessage::new("Hi", "Hello", ["ann@example.com"]).from_email("me@example.com");
    /// assert_eq!(message.from_email.as_deref(), Some("me@example.com"));
    /// ```
    pub fn from_email(mut self, from: impl Into<String>) -> Self {
        self.from_email = Some(from.into());
        self
    }

    /// Adds a `Reply-To` address.
    ///
    /// ```
    /// let message = tandem::mail::EmailMessage::new("Hi", "Hello", ["ann@example.com"]).reply_to("help@example.com");
    /// assert_eq!(message.reply_to, ["help@example.com"]);
    /// ```
    pub fn reply_to(mut self, address: impl Into<String>) -> Self {
        self.reply_to.push(address.into());
        self
    }

    /// Adds an HTML alternative to the plain-text body.
    ///
    /// ```
    /// let message = tandem::mail::EmailMessage::new("Hi", "Hello", ["ann@example.com"]).html("<p>Hello</p>");
    /// assert_eq!(message.html.as_deref(), Some("<p>Hello</p>"));
    /// ```
    pub fn html(mut self, html: impl Into<String>) -> Self {
        self.html = Some(html.into());
        self
    }

    /// The message as sent (RFC 5322 with MIME, CRLF line ends), its sender
    /// `default_from` when it names none; refuses header injection, bad
    /// addresses and a message without recipients.
    ///
    /// ```
    /// let message = tandem::mail::EmailMessage::new("Hi", "Hello", ["ann@example.com"]);
    /// let raw = String::from_utf8(message.to_bytes("shop@example.com").unwrap()).unwrap();
    /// assert!(raw.contains("Subject: Hi\r\n") && raw.ends_with("\r\n\r\nHello\r\n"));
    /// ```
    pub fn to_bytes(&self, default_from: &str) -> Result<Vec<u8>, MailError> {
        Ok(self.build(default_from)?.formatted())
    }

    fn build(&self, default_from: &str) -> Result<lettre::Message, MailError> {
        check_header("Subject", &self.subject)?;
        let from = self.from_email.as_deref().unwrap_or(default_from);
        let mut builder =
            lettre::Message::builder().from(mailbox("From", from)?).subject(self.subject.clone()).message_id(None);
        if self.to.is_empty() {
            return Err(MailError::NoRecipients);
        }
        for to in &self.to {
            builder = builder.to(mailbox("To", to)?);
        }
        for reply_to in &self.reply_to {
            builder = builder.reply_to(mailbox("Reply-To", reply_to)?);
        }
        let built = match &self.html {
            None => builder.singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(self.body.clone())),
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(self.body.clone(), html.clone())),
        };
        built.map_err(|e| MailError::Build(e.to_string()))
    }
}

/// Refuses a header value with a line break (Django's `forbid_multi_line_headers`).
fn check_header(header: &'static str, value: &str) -> Result<(), MailError> {
    if value.contains(['\r', '\n']) { Err(MailError::HeaderInjection { header }) } else { Ok(()) }
}

fn mailbox(header: &'static str, value: &str) -> Result<Mailbox, MailError> {
    check_header(header, value)?;
    value.parse::<Mailbox>().map_err(|e| MailError::Address { header, value: value.to_string(), reason: e.to_string() })
}

/// Checks one address as [`EmailMessage`] would (for settings).
pub(crate) fn check_address(header: &'static str, value: &str) -> Result<(), MailError> {
    mailbox(header, value).map(drop)
}

/// A message the `memory` backend kept.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let mail = tandem::mail::Mailer::memory("shop@example.com");
/// mail.send_mail("Hi", "Hello", &["ann@example.com"]).await.unwrap();
/// let sent = &mail.outbox()[0];
/// assert_eq!(sent.message.from_email.as_deref(), Some("shop@example.com"), "the sender is filled in");
/// assert!(sent.raw.starts_with("From: shop@example.com\r\n"));
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The message, `from_email` filled in.
    pub message: EmailMessage,
    /// The message as it would have gone out.
    pub raw: String,
}

enum Backend {
    Console(Mutex<Box<dyn Write + Send>>),
    File(PathBuf),
    /// The transport and the longest one send may take.
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>, std::time::Duration),
    Memory(Mutex<Vec<SentMessage>>),
}

/// Sends email through the configured backend; cheap to clone (one backend
/// shared by the clones).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let mail = tandem::mail::Mailer::from_settings(&tandem::mail::MailSettings::default()).unwrap();
/// assert_eq!(mail.backend(), tandem::mail::MailBackend::Console);
/// assert_eq!(mail.default_from(), "webmaster@localhost");
/// # });
/// ```
#[derive(Clone)]
pub struct Mailer {
    backend: Arc<Backend>,
    default_from: Arc<str>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("backend", &self.backend())
            .field("default_from", &self.default_from)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The mailer `[mail]` asks for. Nothing is connected yet (SMTP
    /// connects for each send); only the `ca_file` is read.
    ///
    /// ```
    /// use tandem::mail::{MailBackend, MailSettings, Mailer};
    /// let settings = MailSettings { backend: MailBackend::Memory, ..Default::default() };
    /// assert_eq!(Mailer::from_settings(&settings).unwrap().backend(), MailBackend::Memory);
    /// ```
    pub fn from_settings(settings: &MailSettings) -> Result<Self, MailError> {
        let backend = match settings.backend {
            MailBackend::Console => Backend::Console(Mutex::new(Box::new(std::io::stdout()))),
            MailBackend::File => Backend::File(settings.file_path.clone()),
            MailBackend::Memory => Backend::Memory(Mutex::default()),
            MailBackend::Smtp => Backend::Smtp(Box::new(smtp_transport(settings)?), settings.timeout() * 3),
        };
        Ok(Self::with(backend, &settings.default_from))
    }

    fn with(backend: Backend, default_from: &str) -> Self {
        Self { backend: Arc::new(backend), default_from: default_from.into() }
    }

    /// Prints each message to standard output.
    ///
    /// ```
    /// let mail = tandem::mail::Mailer::console("shop@example.com");
    /// assert_eq!(mail.backend(), tandem::mail::MailBackend::Console);
    /// ```
    pub fn console(default_from: &str) -> Self {
        Self::console_to(default_from, std::io::stdout())
    }

    /// Writes each message to `writer` as the console backend prints it:
    /// the message, then a line of 79 dashes.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mail = tandem::mail::Mailer::console_to("shop@example.com", std::io::sink());
    /// mail.send_mail("Hi", "Hello", &["ann@example.com"]).await.unwrap();
    /// # });
    /// ```
    pub fn console_to(default_from: &str, writer: impl Write + Send + 'static) -> Self {
        Self::with(Backend::Console(Mutex::new(Box::new(writer))), default_from)
    }

    /// Writes each message as a `.eml` file into `folder` (created when
    /// missing), named by the time and a random part.
    ///
    /// ```
    /// let mail = tandem::mail::Mailer::file("shop@example.com", "sent-mail");
    /// assert_eq!(mail.backend(), tandem::mail::MailBackend::File);
    /// ```
    pub fn file(default_from: &str, folder: impl Into<PathBuf>) -> Self {
        Self::with(Backend::File(folder.into()), default_from)
    }

    /// Keeps each message for [`outbox`](Self::outbox).
    ///
    /// ```
    /// let mail = tandem::mail::Mailer::memory("shop@example.com");
    /// assert!(mail.outbox().is_empty());
    /// ```
    pub fn memory(default_from: &str) -> Self {
        Self::with(Backend::Memory(Mutex::default()), default_from)
    }

    /// Which backend this is.
    ///
    /// ```
    /// assert_eq!(tandem::mail::Mailer::memory("a@example.com").backend().name(), "memory");
    /// ```
    pub fn backend(&self) -> MailBackend {
        match &*self.backend {
            Backend::Console(_) => MailBackend::Console,
            Backend::File(_) => MailBackend::File,
            Backend::Smtp(..) => MailBackend::Smtp,
            Backend::Memory(_) => MailBackend::Memory,
        }
    }

    /// The sender of messages that name none (`DEFAULT_FROM_EMAIL`).
    ///
    /// ```
    /// assert_eq!(tandem::mail::Mailer::memory("a@example.com").default_from(), "a@example.com");
    /// ```
    pub fn default_from(&self) -> &str {
        &self.default_from
    }

    /// Sends one message. Header injection, a bad address or no recipient
    /// is refused before anything is sent.
    ///
    /// ```
    /// use tandem::mail::{EmailMessage, MailError, Mailer};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mail = Mailer::memory("shop@example.com");
    /// mail.send(&EmailMessage::new("Hi", "Hello", ["ann@example.com"])).await.unwrap();
    /// let error = mail.send(&EmailMessage::new("Hi", "Hello", ["ann@example.com\nBcc: x@example.com"])).await;
    /// assert!(matches!(error, Err(MailError::HeaderInjection { header: "To" })));
    /// assert_eq!(mail.outbox().len(), 1);
    /// # });
    /// ```
    pub async fn send(&self, message: &EmailMessage) -> Result<(), MailError> {
        let built = message.build(&self.default_from)?;
        match &*self.backend {
            Backend::Console(writer) => {
                let mut raw = built.formatted();
                raw.extend_from_slice(b"\n");
                raw.extend_from_slice(&[b'-'; 79]);
                raw.extend_from_slice(b"\n");
                let mut writer = writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                writer
                    .write_all(&raw)
                    .and_then(|()| writer.flush())
                    .map_err(|source| MailError::Io { context: "writing a message to the console".into(), source })
            }
            Backend::File(folder) => {
                let folder = folder.clone();
                let raw = built.formatted();
                tokio::task::spawn_blocking(move || write_eml(&folder, &raw))
                    .await
                    .map_err(|e| MailError::Io { context: "writing a message file".into(), source: e.into() })?
                    .map(drop)
            }
            Backend::Smtp(transport, deadline) => match tokio::time::timeout(*deadline, transport.send(built)).await {
                Ok(sent) => sent.map(drop).map_err(|e| MailError::Smtp(e.into())),
                Err(_) => Err(MailError::Smtp(Box::new(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("the server did not finish within {} seconds", deadline.as_secs()),
                )))),
            },
            Backend::Memory(outbox) => {
                let raw = String::from_utf8_lossy(&built.formatted()).into_owned();
                let mut message = message.clone();
                message.from_email.get_or_insert_with(|| self.default_from.to_string());
                outbox.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(SentMessage { message, raw });
                Ok(())
            }
        }
    }

    /// Django's `send_mail`: a plain-text message from `default_from`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mail = tandem::mail::Mailer::memory("shop@example.com");
    /// mail.send_mail("Hi", "Hello", &["ann@example.com", "bob@example.com"]).await.unwrap();
    /// assert_eq!(mail.outbox()[0].message.to.len(), 2);
    /// # });
    /// ```
    pub async fn send_mail(&self, subject: &str, body: &str, to: &[&str]) -> Result<(), MailError> {
        self.send(&EmailMessage::new(subject, body, to.iter().copied())).await
    }

    /// The messages the `memory` backend kept, oldest first (empty for the
    /// other backends).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mail = tandem::mail::Mailer::memory("shop@example.com");
    /// mail.send_mail("Hi", "Hello", &["ann@example.com"]).await.unwrap();
    /// assert_eq!(mail.outbox()[0].message.subject, "Hi");
    /// # });
    /// ```
    pub fn outbox(&self) -> Vec<SentMessage> {
        match &*self.backend {
            Backend::Memory(outbox) => outbox.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone(),
            _ => Vec::new(),
        }
    }

    /// Empties the `memory` backend's outbox (Django's `mail.outbox = []`).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mail = tandem::mail::Mailer::memory("shop@example.com");
    /// mail.send_mail("Hi", "Hello", &["ann@example.com"]).await.unwrap();
    /// mail.clear_outbox();
    /// assert!(mail.outbox().is_empty());
    /// # });
    /// ```
    pub fn clear_outbox(&self) {
        if let Backend::Memory(outbox) = &*self.backend {
            outbox.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
        }
    }
}

/// Writes `raw` to a new `.eml` file in `folder`; returns its path.
fn write_eml(folder: &Path, raw: &[u8]) -> Result<PathBuf, MailError> {
    let io = |context: String| move |source| MailError::Io { context, source };
    std::fs::create_dir_all(folder).map_err(io(format!("creating the mail folder {}", folder.display())))?;
    let name = format!("{}-{}.eml", chrono::Utc::now().format("%Y%m%d-%H%M%S"), crate::random::hex(8));
    let path = folder.join(name);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io(format!("creating {}", path.display())))?;
    file.write_all(raw).map_err(io(format!("writing {}", path.display())))?;
    Ok(path)
}

fn smtp_transport(settings: &MailSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
        .port(settings.port())
        .timeout(Some(settings.timeout()));
    if let Some(username) = &settings.username {
        builder =
            builder.credentials(Credentials::new(username.clone(), settings.password.clone().unwrap_or_default()));
    }
    if settings.tls != SmtpTls::None {
        let mut params = TlsParameters::builder(settings.host.clone());
        if let Some(ca_file) = &settings.ca_file {
            let pem = std::fs::read(ca_file).map_err(|source| MailError::Io {
                context: format!("reading `mail.ca_file` {}", ca_file.display()),
                source,
            })?;
            let certificate = Certificate::from_pem(&pem).map_err(|e| MailError::Smtp(e.into()))?;
            params = params.add_root_certificate(certificate);
        }
        let params = params.build().map_err(|e| MailError::Smtp(e.into()))?;
        builder = builder.tls(match settings.tls {
            SmtpTls::Starttls => Tls::Required(params),
            _ => Tls::Wrapper(params),
        });
    }
    Ok(builder.build())
}
