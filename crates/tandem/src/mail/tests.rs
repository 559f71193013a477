use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use super::*;
use crate::testing::skip;
use crate::testing::smtp::SmtpServer;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn order_message() -> EmailMessage {
    EmailMessage::new("Your order", "It ships today.", ["Ann <ann@example.com>", "bob@example.com"])
        .reply_to("support@example.com")
}

/// Headers (unfolded, by lower-case name) and body of a raw message.
fn parse(raw: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = raw.split_once("\r\n\r\n").expect("a blank line after the headers");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        assert!(!line.contains('\n') && !line.contains('\r'), "bare line break in {line:?}");
        if line.starts_with([' ', '\t']) {
            headers.last_mut().expect("a continuation after a header").1.push_str(line);
        } else {
            let (name, value) = line.split_once(':').unwrap_or_else(|| panic!("not a header: {line:?}"));
            headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    (headers, body.to_string())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no {name} header"))
}

#[tokio::test]
async fn console_prints_the_message_and_a_separator() {
    let out = Captured::default();
    let mail = Mailer::console_to("Shop <shop@example.com>", out.clone());
    mail.send(&order_message()).await.unwrap();
    let text = out.text();
    let (message, rest) = text.split_once("\n-------").expect("the separator line");
    assert_eq!(rest, format!("{}\n", "-".repeat(72)), "79 dashes end each message");
    let (headers, body) = parse(message);
    assert_eq!(header(&headers, "from"), "Shop <shop@example.com>");
    assert_eq!(header(&headers, "to"), "Ann <ann@example.com>, bob@example.com");
    assert_eq!(header(&headers, "subject"), "Your order");
    assert_eq!(header(&headers, "reply-to"), "support@example.com");
    assert!(header(&headers, "content-type").starts_with("text/plain"));
    assert!(!header(&headers, "date").is_empty() && header(&headers, "message-id").starts_with('<'));
    assert_eq!(body.trim_end(), "It ships today.");
    mail.send_mail("Second", "Another", &["c@example.com"]).await.unwrap();
    assert_eq!(out.text().matches(&"-".repeat(79)).count(), 2);
}

#[tokio::test]
async fn file_backend_writes_a_parseable_eml_per_message() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("sent").join("mail");
    let settings = MailSettings { backend: MailBackend::File, file_path: folder.clone(), ..Default::default() };
    let mail = Mailer::from_settings(&settings).unwrap();
    let message = order_message().html("<p>It ships <b>today</b>.</p>").from_email("orders@example.com");
    mail.send(&message).await.unwrap();
    mail.send_mail("Zoë’s order", "Grüße", &["zoe@example.com"]).await.unwrap();
    let mut files: Vec<_> = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.iter().all(|f| f.extension().is_some_and(|e| e == "eml")), "{files:?}");
    let texts: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    let html = texts.iter().find(|t| t.contains("orders@example.com")).expect("the HTML message");
    let (headers, body) = parse(html);
    assert_eq!(header(&headers, "from"), "orders@example.com");
    assert_eq!(header(&headers, "mime-version"), "1.0");
    let content_type = header(&headers, "content-type");
    assert!(content_type.starts_with("multipart/alternative;"), "{content_type}");
    let boundary = content_type.split("boundary=\"").nth(1).and_then(|b| b.split('"').next()).unwrap();
    let parts: Vec<&str> = body.split(&format!("--{boundary}")).collect();
    assert_eq!(parts.len(), 4, "preamble, text, html, end: {body}");
    assert!(parts[1].contains("Content-Type: text/plain") && parts[1].contains("It ships today."));
    assert!(parts[2].contains("Content-Type: text/html") && parts[2].contains("<p>It ships <b>today</b>.</p>"));
    assert!(parts[3].starts_with("--"), "the closing boundary");
    let other = texts.iter().find(|t| !t.contains("orders@example.com")).unwrap();
    let (headers, _) = parse(other);
    assert_eq!(header(&headers, "from"), "webmaster@localhost", "the default sender");
    assert!(header(&headers, "subject").starts_with("=?utf-8?"), "a non-ASCII subject is encoded");
}

#[tokio::test]
async fn memory_outbox_keeps_messages_until_cleared() {
    let settings =
        MailSettings { backend: MailBackend::Memory, default_from: "a@example.com".into(), ..Default::default() };
    let mail = Mailer::from_settings(&settings).unwrap();
    let clone = mail.clone();
    clone.send(&order_message()).await.unwrap();
    mail.send_mail("Second", "Body", &["c@example.com"]).await.unwrap();
    let outbox = mail.outbox();
    assert_eq!(outbox.len(), 2, "clones share the outbox");
    assert_eq!(outbox[0].message, order_message().from_email("a@example.com"));
    assert!(outbox[0].raw.contains("\r\nSubject: Your order\r\n"));
    assert_eq!(outbox[1].message.subject, "Second");
    mail.clear_outbox();
    assert!(clone.outbox().is_empty());
    assert!(Mailer::console_to("a@example.com", std::io::sink()).outbox().is_empty());
}

#[tokio::test]
async fn header_injection_and_bad_addresses_are_refused() {
    let out = Captured::default();
    let console = Mailer::console_to("shop@example.com", out.clone());
    let memory = Mailer::memory("shop@example.com");
    let base = || EmailMessage::new("Hi", "Body", ["ann@example.com"]);
    let cases: Vec<(EmailMessage, &str)> = vec![
        (EmailMessage { subject: "Hi\r\nBcc: all@example.com".into(), ..base() }, "Subject"),
        (EmailMessage { subject: "Hi\nBcc: all@example.com".into(), ..base() }, "Subject"),
        (EmailMessage { subject: "Hi\rX".into(), ..base() }, "Subject"),
        (EmailMessage { to: vec!["ann@example.com\r\nBcc: all@example.com".into()], ..base() }, "To"),
        (base().from_email("shop@example.com\nBcc: all@example.com"), "From"),
        (base().reply_to("x@example.com\r\nBcc: all@example.com"), "Reply-To"),
    ];
    for (message, expected) in cases {
        for mail in [&console, &memory] {
            match mail.send(&message).await {
                Err(MailError::HeaderInjection { header }) => assert_eq!(header, expected),
                other => panic!("{message:?}: {other:?}"),
            }
        }
    }
    let error = memory.send(&EmailMessage { to: vec!["not an address".into()], ..base() }).await.unwrap_err();
    assert!(matches!(error, MailError::Address { header: "To", .. }), "{error}");
    assert!(error.to_string().contains("`not an address`"), "{error}");
    let error = memory.send(&EmailMessage { to: vec![], ..base() }).await.unwrap_err();
    assert!(matches!(error, MailError::NoRecipients), "{error}");
    assert!(out.text().is_empty() && memory.outbox().is_empty(), "nothing was sent");
    // A line break in the body is fine.
    memory.send(&EmailMessage { body: "line 1\r\nBcc: nobody\nline 3".into(), ..base() }).await.unwrap();
    let (headers, body) = parse(&memory.outbox()[0].raw);
    assert!(headers.iter().all(|(name, _)| name != "bcc"), "the body is not a header: {headers:?}");
    assert!(body.contains("Bcc: nobody"), "{body}");
}

#[test]
fn settings_from_the_file_and_the_environment() {
    use crate::config::Settings;
    let parse =
        |text: &str| Settings::from_toml_str(&format!("[app]\nname = \"x\"\n{text}"), Path::new("/app/Tandem.toml"));
    let mut s = parse("").unwrap();
    assert_eq!(s.mail.backend, MailBackend::Console);
    s.apply_env(|k| match k {
        "EMAIL_URL" => Some("smtp://u:p%2Fw@mail.example.com:2525?tls=starttls".into()),
        "DEFAULT_FROM_EMAIL" => Some("Shop <shop@example.com>".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!((s.mail.backend, s.mail.host.as_str(), s.mail.port()), (MailBackend::Smtp, "mail.example.com", 2525));
    assert_eq!(s.mail.password.as_deref(), Some("p/w"));
    assert_eq!(s.mail.default_from, "Shop <shop@example.com>");
    s.apply_env(|k| match k {
        "TANDEM_MAIL_URL" => Some("file:out".into()),
        "EMAIL_URL" => Some("memory:".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!(s.mail.backend, MailBackend::File, "TANDEM_MAIL_URL wins over EMAIL_URL");
    assert_eq!(s.mail.file_path, Path::new("/app/out"));
    let err = s.apply_env(|k| (k == "TANDEM_MAIL_URL").then(|| "smtp://u:hunter2@h:0".into())).unwrap_err();
    let err = err.to_string();
    assert!(err.contains("`TANDEM_MAIL_URL`") && !err.contains("hunter2"), "{err}");
    let err = s.apply_env(|k| (k == "DEFAULT_FROM_EMAIL").then(|| "a@b\r\nBcc: c@d".into())).unwrap_err();
    assert!(err.to_string().contains("`mail.default_from`"), "{err}");
    let s = parse("[mail]\nbackend = \"file\"\nfile_path = \"outbox\"\ndefault_from = \"me@example.com\"\n").unwrap();
    assert_eq!((s.mail.backend, s.mail.file_path.as_path()), (MailBackend::File, Path::new("/app/outbox")));
    let err = parse("[mail]\nbackend = \"pigeon\"\n").unwrap_err().to_string();
    assert!(err.contains("pigeon"), "{err}");
    let err = parse("[mail]\nurl = \"smtp://\"\n").unwrap_err().to_string();
    assert!(err.contains("`mail.url`"), "{err}");
}

#[test]
fn a_missing_ca_file_is_a_clear_error() {
    let settings = MailSettings {
        backend: MailBackend::Smtp,
        tls: SmtpTls::Starttls,
        ca_file: Some("/nonexistent/ca.pem".into()),
        ..Default::default()
    };
    let err = Mailer::from_settings(&settings).unwrap_err().to_string();
    assert!(err.contains("mail.ca_file") && err.contains("/nonexistent/ca.pem"), "{err}");
}

/// A self-signed certificate for 127.0.0.1 (not a CA, so rustls takes it as
/// a server certificate), or `None` after skipping when `openssl` is missing.
fn certificate(test: &str, dir: &Path) -> Option<(String, String)> {
    let config = dir.join("openssl.cnf");
    std::fs::write(
        &config,
        "[req]\ndistinguished_name = dn\nx509_extensions = leaf\nprompt = no\n[dn]\nCN = 127.0.0.1\n\
         [leaf]\nbasicConstraints = critical,CA:FALSE\nsubjectAltName = IP:127.0.0.1,DNS:localhost\n\
         keyUsage = critical,digitalSignature,keyEncipherment\nextendedKeyUsage = serverAuth\n",
    )
    .unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-config"])
        .arg(&config)
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !status.is_ok_and(|s| s.success()) {
        skip("smtp", test, "`openssl` could not make a test certificate");
        return None;
    }
    Some((cert.display().to_string(), key.display().to_string()))
}

#[tokio::test]
async fn smtp_delivers_to_a_real_server() {
    let Some(server) = SmtpServer::start("smtp_delivers_to_a_real_server", &[]) else { return };
    let mail = Mailer::from_settings(&server.settings()).unwrap();
    let message = order_message().html("<p>It ships <b>today</b>.</p>").from_email("Shop <shop@example.com>");
    mail.send(&message).await.unwrap();
    let (meta, raw) = server.received(1);
    assert_eq!(meta["mail_from"], "shop@example.com");
    assert_eq!(meta["rcpt_tos"], serde_json::json!(["ann@example.com", "bob@example.com"]));
    assert_eq!(meta["login"], Value::Null);
    assert_eq!(meta["tls"], false);
    assert_eq!(meta["subject"], "Your order");
    assert_eq!(meta["from"], "Shop <shop@example.com>");
    assert_eq!(meta["to"], serde_json::json!(["Ann <ann@example.com>", "bob@example.com"]));
    assert_eq!(meta["reply_to"], "support@example.com");
    assert_eq!(meta["text"].as_str().map(str::trim_end), Some("It ships today."));
    assert_eq!(meta["html"].as_str().map(str::trim_end), Some("<p>It ships <b>today</b>.</p>"));
    assert_eq!(meta["defects"], serde_json::json!([]), "Python's email parser found no defect");
    assert!(raw.contains("Subject: Your order"));

    mail.send_mail("Zoë’s order", "Grüße aus Köln", &["zoe@example.com"]).await.unwrap();
    let (meta, _) = server.received(2);
    assert_eq!(meta["subject"], "Zoë’s order");
    assert_eq!(meta["from"], "webmaster@localhost");
    assert_eq!(meta["text"].as_str().map(str::trim_end), Some("Grüße aus Köln"));

    // Nothing listens on the port any more: an error, not a hang or a panic.
    let settings = server.settings();
    drop(server);
    let started = std::time::Instant::now();
    let err = Mailer::from_settings(&settings).unwrap().send_mail("x", "y", &["a@example.com"]).await.unwrap_err();
    assert!(matches!(err, MailError::Smtp(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn smtp_auth_logs_in_and_wrong_credentials_are_refused() {
    let test = "smtp_auth_logs_in_and_wrong_credentials_are_refused";
    let Some(server) = SmtpServer::start(test, &["--auth", "shop:s3cret pass"]) else { return };
    let settings =
        MailSettings { username: Some("shop".into()), password: Some("s3cret pass".into()), ..server.settings() };
    Mailer::from_settings(&settings).unwrap().send_mail("Hi", "Body", &["ann@example.com"]).await.unwrap();
    let (meta, _) = server.received(1);
    assert_eq!(meta["login"], "shop");

    let mut url_settings = server.settings();
    url_settings.apply_url(&format!("smtp://shop:s3cret%20pass@127.0.0.1:{}", server.port())).unwrap();
    Mailer::from_settings(&url_settings).unwrap().send_mail("Hi", "Body", &["ann@example.com"]).await.unwrap();
    assert_eq!(server.received(2).0["login"], "shop", "credentials from a URL");

    let wrong = MailSettings { password: Some("wrong".into()), ..settings.clone() };
    let err = Mailer::from_settings(&wrong).unwrap().send_mail("Hi", "Body", &["ann@example.com"]).await.unwrap_err();
    assert!(matches!(err, MailError::Smtp(_)), "{err}");
    let anonymous = server.settings();
    let err =
        Mailer::from_settings(&anonymous).unwrap().send_mail("Hi", "Body", &["ann@example.com"]).await.unwrap_err();
    assert!(err.to_string().contains("530") || err.to_string().to_lowercase().contains("auth"), "{err}");
    assert_eq!(server.count(), 2, "refused messages were not delivered");
}

#[tokio::test]
async fn smtp_starttls_and_implicit_tls_with_a_trusted_certificate() {
    let test = "smtp_starttls_and_implicit_tls_with_a_trusted_certificate";
    let dir = tempfile::tempdir().unwrap();
    if std::env::var("TANDEM_TEST_SMTP_PYTHON").map_or(true, |p| p.is_empty()) {
        skip("smtp", test, "TANDEM_TEST_SMTP_PYTHON (a Python with aiosmtpd, .ci/smtp-venv) is not set");
        return;
    }
    let Some((cert, key)) = certificate(test, dir.path()) else { return };

    let Some(server) = SmtpServer::start(test, &["--auth", "shop:pw", "--cert", &cert, &key]) else { return };
    let trusted = MailSettings {
        tls: SmtpTls::Starttls,
        ca_file: Some(cert.clone().into()),
        username: Some("shop".into()),
        password: Some("pw".into()),
        ..server.settings()
    };
    Mailer::from_settings(&trusted).unwrap().send_mail("Hi", "Over TLS", &["ann@example.com"]).await.unwrap();
    let (meta, _) = server.received(1);
    assert_eq!((meta["tls"].clone(), meta["login"].clone()), (Value::Bool(true), Value::from("shop")));

    let untrusted = MailSettings { ca_file: None, ..trusted.clone() };
    let err = Mailer::from_settings(&untrusted).unwrap().send_mail("Hi", "x", &["ann@example.com"]).await.unwrap_err();
    assert!(matches!(err, MailError::Smtp(_)), "a self-signed certificate is not trusted by default: {err}");
    let plain = MailSettings { tls: SmtpTls::None, ..trusted.clone() };
    let err = Mailer::from_settings(&plain).unwrap().send_mail("Hi", "x", &["ann@example.com"]).await.unwrap_err();
    assert!(matches!(err, MailError::Smtp(_)), "the server requires STARTTLS: {err}");
    let quick = std::num::NonZeroU64::new(2).unwrap();
    let wrong_mode = MailSettings { tls: SmtpTls::Tls, timeout_seconds: quick, ..trusted.clone() };
    let err = Mailer::from_settings(&wrong_mode).unwrap().send_mail("Hi", "x", &["ann@example.com"]).await.unwrap_err();
    assert!(matches!(err, MailError::Smtp(_)), "implicit TLS against a STARTTLS port: {err}");
    assert_eq!(server.count(), 1);
    drop(server);

    let Some(server) = SmtpServer::start(test, &["--cert", &cert, &key, "--implicit-tls"]) else { return };
    let implicit = MailSettings { tls: SmtpTls::Tls, ca_file: Some(cert.clone().into()), ..server.settings() };
    Mailer::from_settings(&implicit).unwrap().send_mail("Hi", "Wrapped", &["ann@example.com"]).await.unwrap();
    assert_eq!(server.received(1).0["text"].as_str().map(str::trim_end), Some("Wrapped"));
    let quick = std::num::NonZeroU64::new(2).unwrap();
    let starttls = MailSettings { tls: SmtpTls::Starttls, timeout_seconds: quick, ..implicit.clone() };
    let started = std::time::Instant::now();
    let err = Mailer::from_settings(&starttls).unwrap().send_mail("Hi", "x", &["ann@example.com"]).await.unwrap_err();
    assert!(matches!(err, MailError::Smtp(_)), "STARTTLS against a TLS port: {err}");
    assert!(started.elapsed() < Duration::from_secs(10), "bounded by 3 × timeout_seconds: {:?}", started.elapsed());
}
