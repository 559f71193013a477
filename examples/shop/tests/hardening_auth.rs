//! Password hashing and login throttling under hostile traffic, over a real
//! socket: concurrent wrong logins are all answered while hashing stays on a
//! few threads; failures are counted per username and per address on the
//! HTTP login view and Basic authentication alike; with Redis, every process
//! counts the same failures.

use std::net::IpAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tandem::auth::{self, NewUser, hashing};
use tandem::config::Settings;
use tandem::testing::TestServer;

const PASSWORD: &str = "wonderland-42";
const PRODUCTS: &str = "/api/shop/products/";

/// The hashing threads and the thread counts are the process's: these tests
/// run one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// An answer, read whole.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    retry_after: Option<String>,
    body: Value,
}

impl Reply {
    async fn read(response: reqwest::Response) -> Self {
        let status = response.status();
        let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
        let text = response.text().await.unwrap();
        Reply { status, retry_after, body: serde_json::from_str(&text).unwrap_or(Value::String(text)) }
    }

    /// The wait a 429 announces, checked against DRF's wording.
    fn throttled_for(&self) -> u64 {
        assert_eq!(self.status, StatusCode::TOO_MANY_REQUESTS, "{self:?}");
        let seconds: u64 = self.retry_after.as_deref().expect("a Retry-After header").parse().unwrap();
        let unit = if seconds == 1 { "second" } else { "seconds" };
        let detail = format!("Request was throttled. Expected available in {seconds} {unit}.");
        assert_eq!(self.body, json!({ "detail": detail }));
        seconds
    }
}

/// A client from one loopback address.
struct Visitor {
    http: reqwest::Client,
    base: String,
}

impl Visitor {
    fn new(server: &TestServer) -> Self {
        Self::from_address(server, "127.0.0.1")
    }

    fn from_address(server: &TestServer, address: &str) -> Self {
        let local: IpAddr = address.parse().unwrap();
        let http = reqwest::Client::builder().local_address(local).build().unwrap();
        Self { http, base: server.base.clone() }
    }

    /// `POST /api/auth/login/`, with the CSRF cookie and token it needs.
    async fn login(&self, username: &str, password: &str) -> Reply {
        let response = self.http.get(format!("{}/api/csrf/", self.base)).send().await.unwrap();
        let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        let token = response.json::<Value>().await.unwrap()["csrfToken"].as_str().unwrap().to_string();
        let response = self
            .http
            .post(format!("{}/api/auth/login/", self.base))
            .header("cookie", cookie)
            .header("x-csrftoken", token)
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        Reply::read(response).await
    }

    /// `GET /api/shop/products/` with Basic credentials.
    async fn basic(&self, username: &str, password: &str) -> Reply {
        let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        let response = self
            .http
            .get(format!("{}{PRODUCTS}", self.base))
            .header("authorization", format!("Basic {credentials}"))
            .send()
            .await
            .unwrap();
        Reply::read(response).await
    }
}

async fn server(configure: impl FnOnce(&mut Settings)) -> TestServer {
    TestServer::start(&shop::app(), configure).await
}

async fn user(server: &TestServer, username: &str) {
    let new = NewUser { username, password: Some(PASSWORD), ..Default::default() };
    auth::create_user(&server.db, new).await.unwrap();
}

/// This process's threads whose name starts with `prefix` (names are cut to
/// 15 bytes). The tests' runtimes run on the test threads: tokio's threads
/// (`tokio-rt-worker`) are its blocking pool.
fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end().starts_with(prefix))
        .count()
}

fn assert_wrong_basic(reply: &Reply) {
    assert_eq!((reply.status, &reply.body), (StatusCode::FORBIDDEN, &json!({"detail": "Invalid username/password."})));
}

#[tokio::test]
async fn forty_concurrent_wrong_basic_logins_are_all_answered_on_a_few_hashing_threads() {
    let _serial = SERIAL.lock().await;
    let server = server(|_| {}).await;
    user(&server, "alice").await;
    let visitor = Visitor::new(&server);
    let blocking_before = threads_named("tokio-");

    // 30 unknown usernames (each costs a dummy hash) and 10 guesses at alice.
    let names: Vec<String> = (0..30).map(|i| format!("nobody-{i}")).chain((0..10).map(|_| "alice".into())).collect();
    let replies = futures_util::future::join_all(names.iter().map(|name| visitor.basic(name, "guess"))).await;

    for (name, reply) in names.iter().zip(&replies) {
        match reply.status {
            StatusCode::FORBIDDEN => assert_wrong_basic(reply),
            StatusCode::TOO_MANY_REQUESTS => {
                reply.throttled_for();
            }
            other => panic!("{name}: {other} {:?}", reply.body),
        }
    }
    let alice: Vec<&Reply> = names.iter().zip(&replies).filter(|(n, _)| *n == "alice").map(|(_, r)| r).collect();
    let checked = alice.iter().filter(|r| r.status == StatusCode::FORBIDDEN).count();
    assert_eq!(checked, 5, "five failures per username per window are checked, the rest refused unchecked");

    let stats = hashing::stats();
    assert!(stats.peak_running <= stats.concurrency, "{stats:?}");
    assert_eq!(stats.concurrency, std::thread::available_parallelism().unwrap().get(), "one hashing thread per core");
    assert_eq!(threads_named("tandem-hash"), stats.concurrency, "the hashing threads are the process's few");
    let blocking_after = threads_named("tokio-");
    assert!(
        blocking_after <= blocking_before + 2,
        "hashes do not start blocking-pool threads: {blocking_before} before, {blocking_after} after"
    );
    server.stop().await;
}

#[tokio::test]
async fn when_every_hashing_thread_stays_busy_a_login_is_refused_with_retry_after_and_not_counted() {
    let _serial = SERIAL.lock().await;
    let server = server(|s| {
        s.auth.hash_wait_seconds = 0;
        s.auth.failures_per_username = 1;
    })
    .await;
    user(&server, "alice").await;
    let visitor = Visitor::new(&server);

    // Occupy every hashing thread until the gate opens.
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let concurrency = hashing::stats().concurrency;
    let blockers: Vec<_> = (0..concurrency)
        .map(|_| {
            let gate = gate.clone();
            tokio::spawn(hashing::run_waiting(Duration::from_secs(10), move || {
                let (open, opened) = &*gate;
                let guard = open.lock().unwrap();
                let _unused = opened.wait_timeout_while(guard, Duration::from_secs(60), |open| !*open).unwrap();
            }))
        })
        .collect();
    while hashing::stats().running < concurrency {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    for _ in 0..3 {
        assert_eq!(visitor.basic("alice", PASSWORD).await.throttled_for(), 1);
        assert_eq!(visitor.login("alice", PASSWORD).await.throttled_for(), 1);
    }
    assert!(hashing::stats().refused >= 6);

    *gate.0.lock().unwrap() = true;
    gate.1.notify_all();
    for blocker in blockers {
        blocker.await.unwrap().unwrap();
    }
    // Refused for being busy is not a failure: alice's one allowed failure is intact.
    assert_eq!(visitor.basic("alice", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(visitor.login("alice", PASSWORD).await.status, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn after_too_many_failures_a_username_is_refused_on_every_login_path_even_with_the_right_password() {
    let _serial = SERIAL.lock().await;
    let server = server(|s| s.auth.failures_per_username = 3).await;
    user(&server, "alice").await;
    user(&server, "bob").await;
    let visitor = Visitor::new(&server);

    // Failures on either path count together.
    let wrong = visitor.login("alice", "guess-1").await;
    assert_eq!(
        (wrong.status, wrong.body),
        (StatusCode::BAD_REQUEST, json!({"detail": "Invalid username or password."}))
    );
    assert_wrong_basic(&visitor.basic("alice", "guess-2").await);
    assert_eq!(visitor.login("alice", "guess-3").await.status, StatusCode::BAD_REQUEST);

    let wait = visitor.login("alice", PASSWORD).await.throttled_for();
    assert!((890..=900).contains(&wait), "until the oldest failure leaves the 15-minute window: {wait}");
    let wait = visitor.basic("alice", PASSWORD).await.throttled_for();
    assert!((890..=900).contains(&wait), "{wait}");

    // Another username is not affected.
    assert_eq!(visitor.login("bob", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(visitor.basic("bob", PASSWORD).await.status, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn failures_are_counted_per_address_whatever_the_username() {
    let _serial = SERIAL.lock().await;
    let server = server(|s| s.auth.failures_per_address = 3).await;
    user(&server, "alice").await;
    let here = Visitor::new(&server);
    let there = Visitor::from_address(&server, "127.0.0.2");

    assert_eq!(here.login("nobody-1", "x").await.status, StatusCode::BAD_REQUEST);
    assert_wrong_basic(&here.basic("nobody-2", "x").await);
    assert_eq!(here.login("nobody-3", "x").await.status, StatusCode::BAD_REQUEST);
    here.login("alice", PASSWORD).await.throttled_for();
    here.basic("alice", PASSWORD).await.throttled_for();

    // Another address is not affected, and alice's name was never counted.
    assert_eq!(there.login("alice", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(there.basic("alice", PASSWORD).await.status, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn a_successful_login_clears_the_usernames_failures() {
    let _serial = SERIAL.lock().await;
    let server = server(|s| s.auth.failures_per_username = 3).await;
    user(&server, "alice").await;
    let visitor = Visitor::new(&server);

    for round in 0..3 {
        assert_eq!(visitor.login("alice", "guess").await.status, StatusCode::BAD_REQUEST, "round {round}");
        assert_wrong_basic(&visitor.basic("alice", "guess").await);
        // Two failures, then a success: without the reset, the third round
        // would find six.
        assert_eq!(visitor.login("alice", PASSWORD).await.status, StatusCode::OK, "round {round}");
    }
    server.stop().await;
}

#[tokio::test]
async fn with_redis_every_process_counts_the_same_failures() {
    let Some((url, prefix)) = tandem::testing::redis_or_skip("login") else { return };
    let _serial = SERIAL.lock().await;
    let configure = |s: &mut Settings| {
        s.ui.redis_url = Some(url.clone());
        s.ui.redis_prefix = prefix.clone();
        s.auth.failures_per_username = 2;
    };
    let a = server(configure).await;
    let b = server(configure).await;
    // One database per server: the users exist in both.
    for server in [&a, &b] {
        user(server, "alice").await;
        user(server, "bob").await;
    }
    let (on_a, on_b) = (Visitor::new(&a), Visitor::new(&b));

    assert_eq!(on_a.login("alice", "guess").await.status, StatusCode::BAD_REQUEST);
    assert_wrong_basic(&on_b.basic("alice", "guess").await);
    on_a.login("alice", PASSWORD).await.throttled_for();
    on_b.login("alice", PASSWORD).await.throttled_for();
    on_b.basic("alice", PASSWORD).await.throttled_for();

    // A success on one process clears the failures for all of them.
    assert_eq!(on_a.login("bob", "guess").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(on_b.login("bob", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(on_a.login("bob", "guess").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(on_a.login("bob", PASSWORD).await.status, StatusCode::OK, "one failure since the success, not three");

    // A fresh process sharing the Redis sees the counts too.
    let c = server(configure).await;
    user(&c, "alice").await;
    Visitor::new(&c).login("alice", PASSWORD).await.throttled_for();
    for server in [c, b, a] {
        server.stop().await;
    }
}
