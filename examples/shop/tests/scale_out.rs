//! Scale-out: two shop processes sharing PostgreSQL (data, sessions) and
//! Redis (tab states, leases, fan-out), the way `docs/deployment.md`
//! deploys them, with a small TCP proxy in front that fails over from the
//! first process to the second like the guide's nginx `upstream`
//! (`proxy_next_upstream error`). Runs when `DATABASE_URL` names a
//! PostgreSQL server and `REDIS_URL` is set (`.ci/run` sets both);
//! otherwise it says it skipped.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::SinkExt;
use serde_json::json;
use support::{Socket, connect, event, hello, load, receive, send};
use tandem::testing::TestDatabase;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

/// Both services, or `None` once the test has said which one it lacks.
async fn services() -> Option<(TestDatabase, String)> {
    let (redis, _) = tandem::testing::redis_or_skip("scale_out")?;
    let Some(database) = TestDatabase::postgres().await else {
        tandem::testing::skip("postgres", "scale_out", "set DATABASE_URL=postgres://… to run the scale-out tests");
        return None;
    };
    Some((database, redis))
}

macro_rules! services_or_skip {
    () => {
        match services().await {
            Some(found) => found,
            None => return,
        }
    };
}

/// The settings both processes share: the shop's, with room for the
/// tests' bursts of events and a short lease so a stalled process loses
/// its tab quickly.
fn write_config(dir: &Path) -> PathBuf {
    let file = dir.join("Tandem.toml");
    std::fs::write(
        &file,
        "[app]\nname = \"shop\"\n\n[backend]\nprefix = \"/api\"\nextra_prefixes = [\"/webhooks\"]\n\n\
         [database]\nurl = \"sqlite:unused.sqlite3\"\n\n\
         [ui]\nevents_per_second = 100000\nburst = 100000\nredis_lease_ms = 1000\n",
    )
    .unwrap();
    file
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One shop process.
struct Shop {
    child: Child,
    addr: String,
    base: String,
}

impl Shop {
    /// Starts the shop binary and waits until `/_ready` says so.
    async fn start(config: &Path, database: &str, redis: &str) -> Shop {
        let addr = format!("127.0.0.1:{}", free_port());
        let log = std::fs::File::create(config.with_file_name(format!("shop-{}.log", addr.replace(':', "-")))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_shop"))
            .env("TANDEM_CONFIG", config)
            .env("DATABASE_URL", database)
            .env("REDIS_URL", redis)
            .env("TANDEM_ADDR", &addr)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let shop = Shop { child, base: format!("http://{addr}"), addr };
        let started = Instant::now();
        loop {
            if let Ok(response) = reqwest::get(format!("{}/_ready", shop.base)).await
                && response.status() == 200
            {
                return shop;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "{} never became ready", shop.base);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([signal, &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    fn kill(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A TCP proxy on a free port sending each connection to the first
/// backend that accepts it: the guide's nginx upstream, in miniature.
async fn proxy(backends: Vec<String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let backends = backends.clone();
            tokio::spawn(async move {
                for backend in &backends {
                    if let Ok(mut outbound) = TcpStream::connect(backend).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        return;
                    }
                }
            });
        }
    });
    base
}

/// Two processes on one fresh database, and the proxy in front (A first).
async fn cluster() -> Option<(TestDatabase, tempfile::TempDir, Shop, Shop, String)> {
    let (database, redis) = services().await?;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    // One after the other: the first applies the migrations.
    let a = Shop::start(&config, &database.url, &redis).await;
    let b = Shop::start(&config, &database.url, &redis).await;
    let front = proxy(vec![a.addr.clone(), b.addr.clone()]).await;
    Some((database, dir, a, b, front))
}

macro_rules! cluster_or_skip {
    () => {{
        let _ = services_or_skip!();
        cluster().await.expect("services checked above")
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_written_on_one_process_is_read_on_the_other() {
    let (_db, _dir, a, b, _front) = cluster_or_skip!();
    let page = load(&a.base, "/counter", None).await;
    let mut socket = connect(&a.base, &page.cookies, &a.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/counter").await;
    for id in 1..=3 {
        assert_eq!(event(&mut socket, id, "increment", json!([])).await["t"], "delta");
    }
    drop(socket);

    // The same browser tab reconnects to B: same session (PostgreSQL), same
    // tab state (Redis).
    let mut socket = connect(&b.base, &page.cookies, &b.base).await.unwrap();
    let ready = hello(&mut socket, Some(&page.token), "/counter").await;
    assert_eq!(ready["token"], page.token.as_str());
    assert_eq!(ready["data"]["count"], 3);
    assert_eq!(ready["applied"], json!([1, 2, 3]));
    assert_eq!(event(&mut socket, 4, "increment", json!([])).await["ops"][0]["value"], 4);
}

/// Sends `ids` as `increment` events without waiting, then reads answers
/// until all are in or the connection breaks; returns the answered ids.
async fn stream_increments(socket: &mut Socket, ids: &[u64], answered: &mut Vec<u64>, failed: &mut Vec<u64>) {
    for id in ids {
        let frame = json!({"t": "event", "id": id, "name": "increment", "args": []});
        if socket.send(Message::Text(frame.to_string().into())).await.is_err() {
            return;
        }
    }
    while answered.len() + failed.len() < ids.len() {
        match receive(socket).await {
            Ok(frame) if frame["t"] == "delta" => answered.push(frame["id"].as_u64().unwrap()),
            Ok(frame) if frame["t"] == "error" && frame["id"].is_u64() => failed.push(frame["id"].as_u64().unwrap()),
            Ok(_) => continue,
            Err(_) => return,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_loses_no_event_and_applies_none_twice() {
    let (_db, _dir, mut a, _b, front) = cluster_or_skip!();
    let page = load(&front, "/counter", None).await;
    let mut socket = connect(&front, &page.cookies, &front).await.unwrap();
    hello(&mut socket, Some(&page.token), "/counter").await;

    // 400 events in flight; A is killed (SIGKILL) while it works through them.
    let ids: Vec<u64> = (1..=400).collect();
    let (mut answered, mut failed) = (Vec::new(), Vec::new());
    let killer = {
        let pid = a.child.id();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(40)).await;
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        })
    };
    stream_increments(&mut socket, &ids, &mut answered, &mut failed).await;
    killer.await.unwrap();
    a.kill();
    assert!(answered.len() < ids.len(), "A died mid-stream ({} answered)", answered.len());

    // As the runtime does: reconnect (the proxy now reaches B), say hello,
    // send again every unanswered event the tab did not apply.
    let mut socket = connect(&front, &page.cookies, &front).await.unwrap();
    let ready = hello(&mut socket, Some(&page.token), "/counter").await;
    let applied: Vec<u64> = serde_json::from_value(ready["applied"].clone()).unwrap();
    for id in &answered {
        assert!(applied.contains(id) || *id < applied.first().copied().unwrap_or(0), "answered {id} was kept");
    }
    let settled: std::collections::HashSet<u64> = answered.iter().chain(&failed).chain(&applied).copied().collect();
    let again: Vec<u64> = ids.iter().copied().filter(|id| !settled.contains(id)).collect();
    let (mut answered_b, mut failed_b) = (Vec::new(), Vec::new());
    stream_increments(&mut socket, &again, &mut answered_b, &mut failed_b).await;
    assert_eq!(answered_b.len() + failed_b.len(), again.len(), "B answered every event sent again");

    let ready = hello(&mut socket, Some(&page.token), "/counter").await;
    let reported_failed = failed.len() + failed_b.len();
    assert_eq!(
        ready["data"]["count"].as_u64().unwrap() as usize,
        ids.len() - reported_failed,
        "every event applied exactly once, or reported as failed ({reported_failed} were)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_racing_on_one_tab_lose_no_update() {
    let (_db, _dir, a, b, _front) = cluster_or_skip!();
    let page = load(&a.base, "/counter", None).await;
    let mut on_a = connect(&a.base, &page.cookies, &a.base).await.unwrap();
    let mut on_b = connect(&b.base, &page.cookies, &b.base).await.unwrap();
    hello(&mut on_a, Some(&page.token), "/counter").await;
    let ready = hello(&mut on_b, Some(&page.token), "/counter").await;
    assert_eq!(ready["token"], page.token.as_str(), "B does not know A's connection: the same tab");

    // 5,000 increments from each side, 50 in flight at a time.
    async fn count(socket: &mut Socket, first: u64) -> usize {
        let mut done = 0;
        for window in (first..first + 5_000).collect::<Vec<_>>().chunks(50) {
            let (mut answered, mut failed) = (Vec::new(), Vec::new());
            stream_increments(socket, window, &mut answered, &mut failed).await;
            assert!(failed.is_empty(), "{failed:?}");
            done += answered.len();
        }
        done
    }
    let (from_a, from_b) = tokio::join!(count(&mut on_a, 1), count(&mut on_b, 1_000_000));
    assert_eq!((from_a, from_b), (5_000, 5_000));
    let ready = hello(&mut on_a, Some(&page.token), "/counter").await;
    assert_eq!(ready["data"]["count"], 10_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_lease_holder_cannot_overwrite_newer_state() {
    let (_db, _dir, a, b, _front) = cluster_or_skip!();
    let page = load(&a.base, "/jobs", None).await;
    let mut on_a = connect(&a.base, &page.cookies, &a.base).await.unwrap();
    hello(&mut on_a, Some(&page.token), "/jobs").await;
    // A starts a 600 ms streamed job and holds the tab's lease while it runs;
    // once it has pushed, A is stopped (SIGSTOP) past its 1 s lease.
    send(&mut on_a, json!({"t": "event", "id": 1, "name": "process", "args": []})).await;
    let pushed = receive(&mut on_a).await.unwrap();
    assert_eq!(pushed["t"], "push");
    a.signal("-STOP");

    // Meanwhile B takes the tab over and changes it.
    let mut on_b = connect(&b.base, &page.cookies, &b.base).await.unwrap();
    let started = Instant::now();
    hello(&mut on_b, Some(&page.token), "/jobs").await;
    assert!(started.elapsed() >= Duration::from_millis(500), "B waited for A's lease to run out");
    assert_eq!(event(&mut on_b, 2, "ping", json!([])).await["ops"][0]["value"], 1);

    // A wakes up, finishes its handler, and its write is refused: the tab
    // keeps B's state, and A's connection is told to fetch it.
    a.signal("-CONT");
    let mut told = Vec::new();
    while let Ok(frame) = tokio::time::timeout(Duration::from_secs(10), receive(&mut on_a)).await {
        let Ok(frame) = frame else { break };
        let resync = frame["resync"] == true;
        told.push(frame);
        if resync {
            break;
        }
    }
    assert!(told.iter().any(|f| f["resync"] == true), "{told:?}");
    let ready = hello(&mut on_b, Some(&page.token), "/jobs").await;
    assert_eq!(ready["data"]["pings"], 1, "B's change stands");
    assert_eq!(ready["data"]["stage"], "", "A's stale job result was not written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_created_on_one_process_appears_live_on_the_other() {
    let (database, _dir, a, b, _front) = cluster_or_skip!();
    let page = load(&a.base, "/", None).await;
    let mut on_a = connect(&a.base, &page.cookies, &a.base).await.unwrap();
    let ready = hello(&mut on_a, Some(&page.token), "/").await;
    let before = ready["data"]["count"].as_u64().unwrap();

    // An API client creates a product through B (HTTP Basic, a superuser).
    let db = tandem::db::connect(&database.url).await.unwrap();
    let admin = tandem::auth::NewUser {
        username: "admin",
        email: "",
        password: Some("admin-pass-123"),
        is_staff: true,
        is_superuser: true,
    };
    tandem::auth::create_user(&db, admin).await.unwrap();
    let created = reqwest::Client::new()
        .post(format!("{}/api/shop/products/", b.base))
        .basic_auth("admin", Some("admin-pass-123"))
        .json(&json!({"name": "Live jug", "price": "19.00", "sku": "LIVE-1", "is_active": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{:?}", created.text().await);

    // The tab on A shows it, without a reload.
    let pushed = tokio::time::timeout(Duration::from_secs(10), receive(&mut on_a)).await.unwrap().unwrap();
    assert_eq!(pushed["t"], "push", "{pushed}");
    assert!(pushed.to_string().contains("Live jug"), "{pushed}");
    assert!(pushed["ops"].as_array().unwrap().contains(&json!({"op": "set", "path": ["count"], "value": before + 1})));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_on_one_process_closes_the_sessions_socket_on_the_other() {
    let (database, _dir, a, b, _front) = cluster_or_skip!();
    let db = tandem::db::connect(&database.url).await.unwrap();
    let new =
        tandem::auth::NewUser { username: "erin", email: "", password: Some("erin-pass-123"), ..Default::default() };
    tandem::auth::create_user(&db, new).await.unwrap();

    // Logged in through A.
    let (cookies, csrf) = support::http_login(&a.base, "erin", "erin-pass-123").await;

    // The page and its socket on B.
    let page = load(&b.base, "/counter", Some(&cookies)).await;
    let mut on_b = connect(&b.base, &page.cookies, &b.base).await.unwrap();
    hello(&mut on_b, Some(&page.token), "/counter").await;
    assert_eq!(event(&mut on_b, 1, "increment", json!([])).await["t"], "delta");

    // Logged out through A: B closes the session's socket.
    let logout = reqwest::Client::new()
        .post(format!("{}/api/auth/logout/", a.base))
        .header("cookie", &page.cookies)
        .header("x-csrftoken", &csrf)
        .send()
        .await
        .unwrap();
    assert!(logout.status().is_success(), "{}", logout.status());
    let closed = tokio::time::timeout(Duration::from_secs(10), receive(&mut on_b)).await.unwrap();
    assert_eq!(
        closed.unwrap_err(),
        Some(tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::Library(4401))
    );
}
