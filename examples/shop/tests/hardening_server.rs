//! The listener under hostile clients, over real sockets: stalled and idle
//! connections are closed, a connection limit keeps `/ping` answering, the
//! drain on SIGTERM is bounded, and only allowed `Host` names are served.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream as StdStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{connect, event, hello, load};
use tandem::config::{Environment, Settings};
use tandem::testing::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Longer than any test should ever wait on one step.
const PATIENCE: Duration = Duration::from_secs(30);

fn short_timeouts(settings: &mut Settings) {
    settings.server.header_read_timeout_ms = 300;
    settings.server.keepalive_timeout_ms = 300;
}

/// Reads until the server closes the connection; `None` if it is still
/// open after [`PATIENCE`].
async fn read_until_closed(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    let closed = tokio::time::timeout(PATIENCE, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    closed.ok().map(|()| received)
}

/// One request on a new connection (`Connection: close`): status and body.
async fn raw(base: &str, request: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(base.trim_start_matches("http://")).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream).await.expect("the server did not close the connection");
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default();
    (status, body)
}

fn get(path: &str, host: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
}

#[tokio::test]
async fn a_stalled_request_head_is_closed_after_the_header_timeout() {
    let server = TestServer::start(&shop::app(), short_timeouts).await;
    let mut stalled = TcpStream::connect(server.base.trim_start_matches("http://")).await.unwrap();
    stalled.write_all(b"GET /api/shop/act").await.unwrap();
    let answer = read_until_closed(&mut stalled).await;
    assert_eq!(answer, Some(Vec::new()), "closed without an answer");
    // A client that sends nothing at all is closed the same way.
    let mut silent = TcpStream::connect(server.base.trim_start_matches("http://")).await.unwrap();
    assert_eq!(read_until_closed(&mut silent).await, Some(Vec::new()));
    server.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let server = TestServer::start(&shop::app(), |s| {
        s.server.header_read_timeout_ms = 60_000;
        s.server.keepalive_timeout_ms = 300;
    })
    .await;
    let mut stream = TcpStream::connect(server.base.trim_start_matches("http://")).await.unwrap();
    stream.write_all(b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.unwrap();
    let answer = read_until_closed(&mut stream).await.expect("the idle connection stayed open");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200") && text.ends_with("pong"), "{text}");
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_stops_arriving_fails_after_the_body_timeout() {
    let server = TestServer::start(&shop::app(), |s| s.server.body_read_timeout_ms = 300).await;
    let mut stream = TcpStream::connect(server.base.trim_start_matches("http://")).await.unwrap();
    let head = "POST /webhooks/stripe/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789";
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream).await.expect("the connection stayed open");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_is_closed_after_the_send_timeout() {
    let server = TestServer::start(&shop::app(), |s| s.server.send_timeout_ms = 300).await;
    // Larger than what the kernel's socket buffers hold on both ends.
    const SIZE: usize = 64 << 20;
    std::fs::write(server.media.path().join("big.bin"), vec![7u8; SIZE]).unwrap();
    let mut stream = TcpStream::connect(server.base.trim_start_matches("http://")).await.unwrap();
    stream.write_all(get("/media/big.bin", "127.0.0.1").as_bytes()).await.unwrap();
    // Not reading, well past the send timeout.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let received = read_until_closed(&mut stream).await.expect("the connection stayed open");
    assert!(received.starts_with(b"HTTP/1.1 200"), "the answer had begun");
    assert!(received.len() < SIZE, "the server gave up on the client: {} bytes arrived", received.len());
    server.stop().await;
}

#[tokio::test]
async fn connections_beyond_max_connections_wait_and_are_served() {
    let server = TestServer::start(&shop::app(), |s| {
        short_timeouts(s);
        s.server.max_connections = Some(4);
    })
    .await;
    let address = server.base.trim_start_matches("http://").to_string();
    let mut stalled = Vec::new();
    for _ in 0..12 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream.write_all(b"GET /ping HTTP/1.1\r\nHo").await.unwrap();
        stalled.push(stream);
    }
    let (status, body) = tokio::time::timeout(PATIENCE, raw(&server.base, &get("/ping", "127.0.0.1")))
        .await
        .expect("/ping did not answer once the stalled connections timed out");
    assert_eq!((status, body.as_str()), (200, "pong"));
    for mut stream in stalled {
        assert!(read_until_closed(&mut stream).await.is_some(), "every stalled connection is closed");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_websocket_outlives_the_header_and_idle_timeouts() {
    let server = TestServer::start(&shop::app(), short_timeouts).await;
    let page = load(&server.base, "/counter", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/counter").await;
    // Well past both timeouts: an upgraded connection is not an idle one.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let delta = event(&mut socket, 1, "add", json!([2])).await;
    assert_eq!(delta["ops"][0]["value"], 2, "{delta}");
    server.stop().await;
}

#[tokio::test]
async fn a_foreign_host_gets_400_on_every_side() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    for path in ["/api/shop/active/", "/", "/counter", "/_tandem/session", "/webhooks/stripe/"] {
        let (status, body) = raw(&server.base, &get(path, "evil.example")).await;
        assert_eq!(status, 400, "{path}: {body}");
        let detail: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            detail["detail"],
            "Invalid HTTP_HOST header: 'evil.example'. You may need to add 'evil.example' to `[server] allowed_hosts`.",
            "development names the host and the setting"
        );
    }
    let (status, _) = raw(&server.base, &get("/api/shop/active/", "evil.example:3000")).await;
    assert_eq!(status, 400, "the port does not matter");
    let (status, _) = raw(&server.base, "GET /api/shop/active/ HTTP/1.0\r\n\r\n").await;
    assert_eq!(status, 400, "no Host at all");
    let two = "GET /api/shop/active/ HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n";
    assert_eq!(raw(&server.base, two).await.0, 400, "two Host headers");
    // Development's defaults: localhost (and its subdomains), 127.0.0.1, [::1].
    for host in ["localhost:3000", "app.localhost", "127.0.0.1", "[::1]:3000"] {
        assert_eq!(raw(&server.base, &get("/api/shop/active/", host)).await.0, 200, "{host}");
    }
    // Probes answer whatever the Host (a load balancer sends the instance's address).
    assert_eq!(raw(&server.base, &get("/ping", "10.1.2.3:3000")).await, (200, "pong".into()));

    // DNS rebinding: a page on evil.example that resolves to this server
    // opens the socket with its own origin and host.
    let page = load(&server.base, "/counter", None).await;
    let mut request = format!("{}/_event", server.base.replace("http://", "ws://")).into_client_request().unwrap();
    request.headers_mut().insert("host", "evil.example".parse().unwrap());
    request.headers_mut().insert("origin", "http://evil.example".parse().unwrap());
    request.headers_mut().insert("cookie", page.cookies.parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 400),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("the WebSocket upgrade was accepted for a foreign host"),
    }
    server.stop().await;
}

#[tokio::test]
async fn pagination_links_use_the_allowed_host_only() {
    let server = TestServer::start(&shop::app(), |s| {
        s.server.allowed_hosts = vec![".shop.example".into()];
        s.rest.pagination = Some(tandem::rest::pagination::PaginationStyle::LimitOffset);
        s.rest.page_size = Some(2);
    })
    .await;
    let (status, body) = raw(&server.base, &get("/api/shop/products/", "www.shop.example:8000")).await;
    assert_eq!(status, 200, "{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["next"], "http://www.shop.example:8000/api/shop/products/?limit=2&offset=2");

    let (status, body) = raw(&server.base, &get("/api/shop/products/", "evil.example")).await;
    assert_eq!(status, 400, "{body}");
    assert!(!body.contains("http://evil.example"), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn production_answers_a_foreign_host_with_a_bare_400() {
    let server = TestServer::start(&shop::app(), |s| {
        s.environment = Environment::Production;
        s.server.allowed_hosts = vec!["shop.example".into()];
    })
    .await;
    let (status, body) = raw(&server.base, &get("/api/shop/products/", "evil.example")).await;
    assert_eq!((status, serde_json::from_str::<Value>(&body).unwrap()), (400, json!({"detail": "Bad Request (400)"})));
    let (status, body) = raw(&server.base, &get("/", "evil.example")).await;
    assert_eq!(status, 400, "{body}");
    assert!(!body.contains("evil"), "production does not echo the host: {body}");
    server.stop().await;
}

fn write_config(dir: &Path, server_section: &str) -> std::path::PathBuf {
    let file = dir.join("Tandem.toml");
    let text = format!(
        "[app]\nname = \"shop\"\n[server]\n{server_section}\n[backend]\nprefix = \"/api\"\n\
         extra_prefixes = [\"/webhooks\"]\n[database]\nurl = \"sqlite:db.sqlite3\"\n"
    );
    std::fs::write(&file, text).unwrap();
    file
}

/// The shop binary on `port`, its environment cleared of the caller's settings.
fn spawn_shop(file: &Path, port: u16, env: &[(&str, &str)], open_files: Option<u32>) -> Child {
    let binary = env!("CARGO_BIN_EXE_shop");
    let mut command = match open_files {
        Some(limit) => {
            let mut sh = Command::new("sh");
            sh.arg("-c").arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\"")).arg(binary);
            sh
        }
        None => Command::new(binary),
    };
    command
        .arg("--config")
        .arg(file)
        .env_remove("DATABASE_URL")
        .env_remove("SECRET_KEY")
        .env_remove("TANDEM_ENV")
        .env_remove("TANDEM_ALLOWED_HOSTS")
        .env("TANDEM_ADDR", format!("127.0.0.1:{port}"))
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The status line of `GET /ping` on a new connection, waiting up to [`PATIENCE`].
fn ping(port: u16) -> Option<String> {
    let mut stream = StdStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(PATIENCE)).ok()?;
    stream.write_all(b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut status = String::new();
    BufReader::new(stream).read_line(&mut status).ok()?;
    (!status.is_empty()).then_some(status)
}

fn wait_until_serving(port: u16, child: &mut Child) {
    let started = Instant::now();
    while ping(port).is_none() {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
            panic!("the server exited ({status}): {stderr}");
        }
        assert!(started.elapsed() < PATIENCE, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits up to [`PATIENCE`] for `child` to exit; kills it otherwise.
fn exit_status(child: &mut Child) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn sigterm_exits_within_the_drain_time_despite_a_stalled_client() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_config(dir.path(), "header_read_timeout_ms = 600000\nshutdown_timeout_ms = 1000");
    let port = free_port();
    let mut child = spawn_shop(&file, port, &[], None);
    wait_until_serving(port, &mut child);
    let mut stalled = StdStream::connect(("127.0.0.1", port)).unwrap();
    stalled.write_all(b"POST /api/shop/plain-post/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le").unwrap();
    // The server has taken the connection once a request behind it on
    // another connection is answered.
    assert!(ping(port).is_some_and(|s| s.starts_with("HTTP/1.1 200")));

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = exit_status(&mut child).expect("a stalled client held the process after SIGTERM");
    assert_eq!(status.code(), Some(0));
    drop(stalled);
}

#[test]
fn a_low_open_file_limit_does_not_stop_ping() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_config(dir.path(), "header_read_timeout_ms = 1000");
    let port = free_port();
    let mut child = spawn_shop(&file, port, &[], Some(256));
    wait_until_serving(port, &mut child);
    // More stalled clients than the process has descriptors.
    let stalled: Vec<StdStream> = (0..300)
        .map(|_| {
            let mut stream = StdStream::connect(("127.0.0.1", port)).unwrap();
            stream.write_all(b"GET /ping HTTP/1.1\r\nHo").unwrap();
            stream
        })
        .collect();
    let status = ping(port);
    let alive = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert!(alive, "the server crashed");
    assert!(status.as_deref().is_some_and(|s| s.starts_with("HTTP/1.1 200")), "/ping did not answer: {status:?}");
    drop(stalled);
}

#[test]
fn production_without_allowed_hosts_refuses_to_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_config(dir.path(), "");
    let production = [("TANDEM_ENV", "production"), ("SECRET_KEY", "a-secret-for-this-test-only")];
    let mut child = spawn_shop(&file, free_port(), &production, None);
    let status = exit_status(&mut child).expect("production started without allowed hosts");
    assert!(!status.success());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("`server.allowed_hosts`") && stderr.contains("TANDEM_ALLOWED_HOSTS"), "{stderr}");
    assert!(!dir.path().join("db.sqlite3").exists(), "nothing was done before the refusal");

    // The environment variable is enough.
    let port = free_port();
    let mut child =
        spawn_shop(&file, port, &[production[0], production[1], ("TANDEM_ALLOWED_HOSTS", "127.0.0.1")], None);
    wait_until_serving(port, &mut child);
    let _ = child.kill();
    let _ = child.wait();
}
