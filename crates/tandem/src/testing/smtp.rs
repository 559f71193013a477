//! A real SMTP server on loopback for tests that send mail: Python's
//! `aiosmtpd` running `smtp_server.py` (the Python named by
//! `TANDEM_TEST_SMTP_PYTHON`; `.ci/smtp-venv` makes one). Each received
//! message is kept as a file the test reads back.
//!
//! ```ignore
//! let Some(smtp) = SmtpServer::start("the_reset_mail_arrives", &[]) else { return };
//! let server = TestServer::start(&app, |settings| settings.mail = smtp.settings()).await;
//! // … something sends mail …
//! let (meta, raw) = smtp.received(1);
//! assert_eq!(meta["subject"], "Password reset on 127.0.0.1");
//! ```

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::skip;
use crate::mail::{MailBackend, MailSettings};

/// The server script, written next to the messages at start.
const SCRIPT: &str = include_str!("smtp_server.py");

/// A Python `aiosmtpd` server on loopback (`smtp_server.py`), ended
/// with the test.
pub struct SmtpServer {
    child: Child,
    port: u16,
    out: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpServer {
    /// `None` after skipping `test` when `TANDEM_TEST_SMTP_PYTHON` (a
    /// Python with aiosmtpd, `.ci/smtp-venv`) is not set.
    pub fn start(test: &str, args: &[&str]) -> Option<Self> {
        let Some(python) = std::env::var("TANDEM_TEST_SMTP_PYTHON").ok().filter(|p| !p.is_empty()) else {
            skip("smtp", test, "TANDEM_TEST_SMTP_PYTHON (a Python with aiosmtpd, .ci/smtp-venv) is not set");
            return None;
        };
        let out = tempfile::tempdir().unwrap();
        let script = out.path().join("smtp_server.py");
        std::fs::write(&script, SCRIPT).unwrap_or_else(|e| panic!("writing {}: {e}", script.display()));
        let mut child = Command::new(&python)
            .arg(&script)
            .arg(out.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // The server's tracebacks for the handshakes the tests make fail.
            .stderr(std::fs::File::create(out.path().join("server.log")).map(Stdio::from).unwrap_or(Stdio::inherit()))
            .spawn()
            .unwrap_or_else(|e| panic!("starting {python} {}: {e}", script.display()));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let Ok(port) = line.trim().parse() else {
            let _ = child.kill();
            let log = std::fs::read_to_string(out.path().join("server.log")).unwrap_or_default();
            panic!("the SMTP server did not start (printed {line:?}):\n{log}");
        };
        Some(Self { child, port, out })
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `[mail]` settings that send to it (plain SMTP, no login).
    pub fn settings(&self) -> MailSettings {
        MailSettings {
            backend: MailBackend::Smtp,
            host: "127.0.0.1".into(),
            port: Some(self.port),
            timeout_seconds: std::num::NonZeroU64::new(10).unwrap(),
            ..Default::default()
        }
    }

    /// The `n`th message received (from 1): its metadata and raw text.
    pub fn received(&self, n: usize) -> (Value, String) {
        let meta = std::fs::read_to_string(self.out.path().join(format!("{n}.json")))
            .unwrap_or_else(|e| panic!("message {n} was not received: {e}"));
        let raw = std::fs::read_to_string(self.out.path().join(format!("{n}.eml"))).unwrap();
        (serde_json::from_str(&meta).unwrap(), raw)
    }

    /// How many messages it has received.
    pub fn count(&self) -> usize {
        std::fs::read_dir(self.out.path())
            .into_iter()
            .flatten()
            .flatten()
            // The metadata is the last file of a message written (renamed into place).
            .filter(|entry| entry.path().extension().is_some_and(|x| x == "json"))
            .count()
    }
}
