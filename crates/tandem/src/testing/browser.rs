//! A real headless Chromium, driven over the DevTools protocol, for
//! end-to-end tests of pages. [`Browser::launch`] returns `None` (and the
//! test should skip, saying so) when no Chromium is installed.
//!
//! ```ignore
//! let browser = tandem::browser_or_skip!();
//! let tab = browser.open(&server.url("/counter")).await;
//! tab.click("#increment").await;
//! tab.wait_for("document.querySelector('#count').textContent === '1'").await;
//! ```

use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A running headless Chromium.
pub struct Browser {
    child: Child,
    port: u16,
    browser: Connection,
    _profile: tempfile::TempDir,
}

/// One page of the browser.
pub struct Tab {
    page: Connection,
}

struct Connection {
    socket: Mutex<Socket>,
    next: AtomicU64,
}

impl Connection {
    async fn open(url: &str) -> Self {
        let (socket, _) = tokio_tungstenite::connect_async(url).await.expect("cannot reach the DevTools endpoint");
        Self { socket: Mutex::new(socket), next: AtomicU64::new(1) }
    }

    /// Sends a DevTools command and waits for its answer.
    async fn call(&self, method: &str, params: Value) -> Value {
        match self.try_call(method, params).await {
            Ok(result) => result,
            Err(error) => panic!("{method}: {error}"),
        }
    }

    /// The method's result, or the browser's error (e.g. a page that is
    /// being replaced by another).
    async fn try_call(&self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let mut socket = self.socket.lock().await;
        let frame = json!({"id": id, "method": method, "params": params}).to_string();
        socket.send(Message::Text(frame.into())).await.expect("the browser went away");
        loop {
            let Some(Ok(Message::Text(text))) = socket.next().await else { panic!("the browser went away") };
            let reply: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if reply["id"] == json!(id) {
                return match reply.get("error") {
                    Some(error) => Err(error.clone()),
                    None => Ok(reply["result"].clone()),
                };
            }
        }
    }
}

/// The Chromium binary: `CHROMIUM`, else the first of the usual names on `PATH`.
fn chromium() -> Option<String> {
    if let Ok(path) = std::env::var("CHROMIUM") {
        return Some(path);
    }
    ["chromium", "chromium-browser", "google-chrome"].into_iter().map(str::to_string).find(|name| {
        std::process::Command::new(name).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
    })
}

impl Browser {
    /// Starts a headless Chromium with a throw-away profile, or `None` when
    /// none is installed.
    pub async fn launch() -> Option<Self> {
        let binary = chromium()?;
        let profile = tempfile::tempdir().ok()?;
        let mut child = Command::new(binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--remote-debugging-port=0",
                "about:blank",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .ok()?;
        let mut lines = BufReader::new(child.stderr.take()?).lines();
        let url = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.split("DevTools listening on ").nth(1) {
                    return Some(url.trim().to_string());
                }
            }
            None
        })
        .await
        .ok()??;
        // Keep draining stderr so the browser never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let port = url.split(':').nth(2)?.split('/').next()?.parse().ok()?;
        let browser = Connection::open(&url).await;
        Some(Self { child, port, browser, _profile: profile })
    }

    /// Opens `url` in a new tab and waits for it to load.
    pub async fn open(&self, url: &str) -> Tab {
        let target = self.browser.call("Target.createTarget", json!({"url": "about:blank"})).await;
        let id = target["targetId"].as_str().expect("no target id");
        let page = Connection::open(&format!("ws://127.0.0.1:{}/devtools/page/{id}", self.port)).await;
        let tab = Tab { page };
        tab.page.call("Page.enable", json!({})).await;
        tab.page.call("Network.enable", json!({})).await;
        tab.goto(url).await;
        tab
    }

    /// Stops the browser.
    pub async fn close(mut self) {
        let _ = self.child.kill().await;
    }
}

impl Tab {
    /// Loads `url` (a full page load) and waits until the document is complete.
    pub async fn goto(&self, url: &str) {
        self.page.call("Page.navigate", json!({"url": url})).await;
        self.wait_for("document.readyState === 'complete'").await;
    }

    /// Reloads the page.
    pub async fn reload(&self) {
        self.eval("window.__tandemBeforeReload = true").await;
        self.page.call("Page.reload", json!({})).await;
        self.wait_for("!window.__tandemBeforeReload && document.readyState === 'complete'").await;
    }

    /// Evaluates `expression` in the page (awaiting promises) and returns its value.
    pub async fn eval(&self, expression: &str) -> Value {
        let result = self
            .page
            .call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true, "awaitPromise": true}))
            .await;
        assert!(result.get("exceptionDetails").is_none(), "{expression}: {}", result["exceptionDetails"]);
        result["result"]["value"].clone()
    }

    /// Waits (up to 10 s) until `expression` is true in the page (an
    /// exception counts as not yet).
    pub async fn wait_for(&self, expression: &str) {
        self.wait_for_within(expression, Duration::from_secs(10)).await;
    }

    /// Waits up to `timeout` until `expression` is true in the page; an
    /// exception, or a page being replaced (a reload), counts as not yet.
    pub async fn wait_for_within(&self, expression: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let probe = format!("(() => {{ try {{ return Boolean({expression}); }} catch (e) {{ return false; }} }})()");
        loop {
            let params = json!({"expression": probe, "returnByValue": true});
            let answer = self.page.try_call("Runtime.evaluate", params).await;
            if answer.is_ok_and(|result| result["result"]["value"] == json!(true)) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {expression}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The text of the first element matching `selector`.
    pub async fn text(&self, selector: &str) -> String {
        let selector = serde_json::to_string(selector).unwrap_or_default();
        self.eval(&format!("document.querySelector({selector})?.textContent ?? ''"))
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Clicks the first element matching `selector`.
    pub async fn click(&self, selector: &str) {
        let selector = serde_json::to_string(selector).unwrap_or_default();
        self.eval(&format!("document.querySelector({selector}).click()")).await;
    }

    /// Types `text` into the input matching `selector`, one `input` event per character.
    pub async fn type_text(&self, selector: &str, text: &str) {
        let selector = serde_json::to_string(selector).unwrap_or_default();
        for c in text.chars() {
            let c = serde_json::to_string(&c.to_string()).unwrap_or_default();
            self.eval(&format!(
                "(() => {{ const el = document.querySelector({selector}); el.focus(); el.value += {c}; \
                 el.dispatchEvent(new Event('input', {{bubbles: true}})); }})()"
            ))
            .await;
        }
    }

    /// Presses and releases `key` (`"Escape"`, `"Enter"`) as a real key
    /// press: it goes to the focused element.
    ///
    /// ```ignore
    /// tab.press_key("Escape").await;
    /// ```
    pub async fn press_key(&self, key: &str) {
        for kind in ["keyDown", "keyUp"] {
            self.page.call("Input.dispatchKeyEvent", json!({"type": kind, "key": key, "code": key})).await;
        }
    }

    /// Sets the page's viewport to `width` × `height` CSS pixels (one device
    /// pixel each), as a desktop browser window of that size.
    ///
    /// ```ignore
    /// tab.set_viewport(1280, 900).await;
    /// ```
    pub async fn set_viewport(&self, width: u32, height: u32) {
        let metrics = json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false});
        self.page.call("Emulation.setDeviceMetricsOverride", metrics).await;
    }

    /// Emulates the visitor's colour scheme preference (`"light"` or `"dark"`).
    ///
    /// ```ignore
    /// tab.set_color_scheme("dark").await;
    /// ```
    pub async fn set_color_scheme(&self, scheme: &str) {
        let features = json!([{"name": "prefers-color-scheme", "value": scheme}]);
        self.page.call("Emulation.setEmulatedMedia", json!({"features": features})).await;
    }

    /// A PNG of what the viewport shows now (`Page.captureScreenshot`).
    ///
    /// ```ignore
    /// let png = tab.screenshot().await;
    /// assert!(png.starts_with(b"\x89PNG"));
    /// ```
    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let shot = self.page.call("Page.captureScreenshot", json!({"format": "png"})).await;
        let data = shot["data"].as_str().expect("no screenshot data");
        base64::engine::general_purpose::STANDARD.decode(data).expect("a screenshot in base64")
    }

    /// The browser's cookies for this page, as DevTools reports them
    /// (`name`, `value`, `httpOnly`, …).
    pub async fn cookies(&self) -> Vec<Value> {
        let result = self.page.call("Network.getCookies", json!({})).await;
        result["cookies"].as_array().cloned().unwrap_or_default()
    }
}

/// A launched [`Browser`], or — where no Chromium is installed — a line
/// saying the test skipped, and a `return` from the test.
///
/// ```ignore
/// #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn the_page_works() {
///     let browser = tandem::browser_or_skip!();
///     // …
/// }
/// ```
#[macro_export]
macro_rules! browser_or_skip {
    () => {
        match $crate::testing::browser::Browser::launch().await {
            Some(browser) => browser,
            None => {
                $crate::testing::skip(
                    "chromium",
                    module_path!(),
                    "no Chromium found (install Debian's `chromium` or set CHROMIUM)",
                );
                return;
            }
        }
    };
}
