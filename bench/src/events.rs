//! A WebSocket load client speaking Tandem's event protocol
//! (`docs/protocol.md`): tabs that send events back to back, each waiting for
//! the previous answer.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// A client's WebSocket.
pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One connected browser tab.
pub struct Tab {
    socket: Socket,
    next: u64,
}

/// The `Cookie` header a browser would send after `page`: the `name=value`
/// of each `Set-Cookie`.
pub fn cookies_of(page: &crate::http::Response) -> String {
    let cookies: Vec<&str> = page.all("set-cookie").filter_map(|c| c.split(';').next()).collect();
    cookies.join("; ")
}

/// The boot data a page hands its runtime (`<script id="tandem-boot">`),
/// holding the tab's token.
pub fn boot_of(page: &crate::http::Response) -> Option<Value> {
    let html = String::from_utf8_lossy(&page.body);
    let start = html.find("id=\"tandem-boot\">")? + "id=\"tandem-boot\">".len();
    let end = start + html[start..].find("</script>")?;
    serde_json::from_str(&html[start..end]).ok()
}

/// Opens `/_event` as the page's runtime does: with `cookies` and the
/// server's own `Origin`.
pub async fn connect(addr: &str, cookies: &str) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("ws://{addr}/_event").into_client_request()?;
    let headers = request.headers_mut();
    if !cookies.is_empty()
        && let Ok(value) = cookies.parse()
    {
        headers.insert("cookie", value);
    }
    if let Ok(origin) = format!("http://{addr}").parse() {
        headers.insert("origin", origin);
    }
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(socket)
}

/// Loads `path` like a browser (cookies, token), connects to `/_event` and
/// says hello.
pub async fn open_tab(addr: &str, path: &str) -> Tab {
    let page = crate::http::get(addr, path, "").await.expect("cannot load the page");
    assert_eq!(page.status, 200, "GET {path}");
    let boot = boot_of(&page).expect("no boot data");
    let socket = connect(addr, &cookies_of(&page)).await.expect("cannot open the socket");
    let mut tab = Tab { socket, next: 1 };
    let ready = tab.call(json!({"t": "hello", "token": boot["token"], "path": path})).await;
    assert_eq!(ready["t"], "ready", "{ready}");
    tab
}

impl Tab {
    async fn call(&mut self, frame: Value) -> Value {
        self.socket.send(Message::Text(frame.to_string().into())).await.expect("the socket closed");
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).expect("a JSON frame"),
                Some(Ok(_)) => continue,
                other => panic!("the socket ended: {other:?}"),
            }
        }
    }

    /// Sends event `name` and waits for its answer.
    pub async fn event(&mut self, name: &str, args: &Value) -> bool {
        let id = self.next;
        self.next += 1;
        let reply = self.call(json!({"t": "event", "id": id, "name": name, "args": args})).await;
        reply["t"] == "delta" && reply["id"] == id
    }
}

/// What an event run measured.
#[derive(Default)]
pub struct Run {
    /// Events answered with a delta.
    pub ok: u64,
    /// Events answered otherwise.
    pub errors: u64,
    /// Per-event round trips.
    pub latencies: Vec<Duration>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Opens `tabs` tabs on `path`, one after the other.
pub async fn open_tabs(addr: &str, path: &str, tabs: usize) -> Vec<Tab> {
    let mut opened = Vec::with_capacity(tabs);
    for _ in 0..tabs {
        opened.push(open_tab(addr, path).await);
    }
    opened
}

/// Every tab sends `name(args)` back to back, the next after the previous
/// answer, for `duration`; the tabs come back for another run.
pub async fn drive(opened: Vec<Tab>, name: &str, args: Value, duration: Duration) -> (Run, Vec<Tab>) {
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = opened
        .into_iter()
        .map(|mut tab| {
            let (name, args) = (name.to_string(), args.clone());
            tokio::spawn(async move {
                let mut run = Run::default();
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    if tab.event(&name, &args).await {
                        run.ok += 1;
                        run.latencies.push(sent.elapsed());
                    } else {
                        run.errors += 1;
                    }
                }
                (run, tab)
            })
        })
        .collect();
    let mut total = Run::default();
    let mut tabs = Vec::with_capacity(tasks.len());
    for task in tasks {
        if let Ok((run, tab)) = task.await {
            total.add(run);
            tabs.push(tab);
        }
    }
    total.elapsed = started.elapsed();
    (total, tabs)
}

impl Run {
    /// Adds `other`'s events and latencies (not its wall time).
    pub fn add(&mut self, other: Run) {
        self.ok += other.ok;
        self.errors += other.errors;
        self.latencies.extend(other.latencies);
    }
}
