//! The soak: `tandem-bench soak [--quick] [--json FILE]`.
//!
//! The shop runs with its expiries shrunk from an hour to seconds, so that
//! a bounded run goes through many expiry periods. In rounds of fixed
//! length, hostile-looking but ordinary traffic arrives all at once —
//! cookieless page loads (`/` and a 404), hello floods over WebSockets (no
//! token, and distinct unknown 100 KB tokens), idle sockets, REST writes
//! (each product created is deleted again) — then, after a pause longer than
//! the expiry, the shop's RSS, open file descriptors, database size and the
//! rows of `tandem_session` and `tandem_ui_tab` are recorded. What the
//! traffic left behind must have expired: the figures of the last round
//! should stay near those of round 2 (a plateau), not grow with the traffic.
//! The verdict is reported, never asserted.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sqlx::Connection as _;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

use crate::events::{self, Socket};
use crate::http::{self, Connection};
use crate::procfs;
use crate::server::{self, Server};

/// MERGE SWITCH (optional). On, the soak's `Tandem.toml` says `[server]
/// allowed_hosts = ["127.0.0.1"]`; `Tandem.toml` refuses unknown keys, so it
/// must stay off until that setting exists (the soak then stops at once,
/// saying so). Production will require the setting, but the shop also gets
/// it as `TANDEM_ALLOWED_HOSTS`, which code without it ignores: the soak
/// runs before and after that merge either way.
const ALLOWED_HOSTS_SETTING: bool = false;

/// Every third hello of a flood carries an unknown token this long.
const TOKEN_BYTES: usize = 100 * 1024;
/// Where the idle sockets' tabs are.
const IDLE_PAGE: &str = "/counter";
/// Longest wait for one answer (a page, a `ready`, a REST reply, a socket).
const ANSWER_WAIT: Duration = Duration::from_secs(5);
/// Plateau: the last round's figures at most this many times round 2's …
const TOLERANCE: f64 = 1.2;
/// … plus this many rows (those made just before the sample) …
const SLACK_ROWS: f64 = 50.0;
/// … and, for the database files, this many bytes (the WAL's own swings).
const SLACK_DB_BYTES: f64 = 1024.0 * 1024.0;

/// How long the soak runs and how much traffic each round sends.
#[derive(Clone, Copy)]
struct Plan {
    rounds: usize,
    /// How long each round's traffic lasts.
    traffic: Duration,
    /// `[ui] idle_seconds` and `[sessions] anonymous_age_seconds` (an hour by default).
    expiry_seconds: u64,
    /// `[ui] sweep_seconds` and `[sessions] sweep_seconds` (five minutes by default).
    sweep_seconds: u64,
    /// The wait after the traffic, beyond expiry and sweep, before the sample.
    margin: Duration,
    page_clients: usize,
    pages_per_round: u64,
    flood_sockets: usize,
    hellos_per_round: u64,
    idle_sockets: usize,
    rest_clients: usize,
    writes_per_round: u64,
}

impl Plan {
    fn full() -> Self {
        Plan {
            rounds: 8,
            traffic: Duration::from_secs(12),
            expiry_seconds: 5,
            sweep_seconds: 1,
            margin: Duration::from_secs(2),
            page_clients: 8,
            pages_per_round: 20_000,
            flood_sockets: 4,
            hellos_per_round: 8_000,
            idle_sockets: 200,
            rest_clients: 2,
            writes_per_round: 2_000,
        }
    }

    fn quick() -> Self {
        Plan {
            rounds: 3,
            traffic: Duration::from_secs(1),
            expiry_seconds: 1,
            sweep_seconds: 1,
            margin: Duration::from_millis(1000),
            page_clients: 2,
            pages_per_round: 300,
            flood_sockets: 2,
            hellos_per_round: 100,
            idle_sockets: 20,
            rest_clients: 1,
            writes_per_round: 50,
        }
    }

    /// From the end of a round's traffic to its sample: everything it left
    /// has expired and been swept by then.
    fn pause(&self) -> Duration {
        Duration::from_secs(self.expiry_seconds + self.sweep_seconds) + self.margin
    }
}

/// The soak's `Tandem.toml`: production posture, token authentication on
/// for the REST fallback, the expiries shrunk.
fn config_text(plan: &Plan) -> String {
    let (expiry, sweep) = (plan.expiry_seconds, plan.sweep_seconds);
    let mut text = String::from("[app]\nname = \"shop\"\n");
    if ALLOWED_HOSTS_SETTING {
        text += "[server]\nallowed_hosts = [\"127.0.0.1\"]\n";
    }
    text += "[database]\nurl = \"sqlite:soak.sqlite3\"\n";
    text += "[rest]\nauthentication = [\"session\", \"basic\", \"token\"]\n";
    // Idle sockets are pinged (and must answer) within a round, too.
    let ping = (expiry / 2).max(1);
    text += &format!("[ui]\nidle_seconds = {expiry}\nsweep_seconds = {sweep}\nping_seconds = {ping}\n");
    text += &format!("[sessions]\nanonymous_age_seconds = {expiry}\nsweep_seconds = {sweep}\n");
    text
}

/// The soak's folder: its `Tandem.toml`, a SQLite file with the shop's
/// schema and products, and a superuser's API token for REST writes should
/// anonymous ones be refused. Returns the folder's guard, the config, the
/// database and the token.
async fn prepare(plan: &Plan) -> (tempfile::TempDir, PathBuf, PathBuf, String) {
    let dir = tempfile::tempdir().expect("cannot create a temporary folder");
    let config = dir.path().join("Tandem.toml");
    let text = config_text(plan);
    if let Err(error) = tandem::config::Settings::from_toml_str(&text, &config) {
        panic!(
            "the soak's settings are refused ({error}); is `ALLOWED_HOSTS_SETTING` in bench/src/soak.rs right for this code?"
        );
    }
    std::fs::write(&config, text).expect("cannot write Tandem.toml");
    let db_path = dir.path().join("soak.sqlite3");
    let db = tandem::db::connect(&format!("sqlite://{}", db_path.display())).await.expect("cannot open the database");
    server::fill(&db).await;
    let admin = tandem::auth::NewUser {
        username: "soak",
        email: "",
        password: Some("soak-password-not-for-production"),
        is_staff: true,
        is_superuser: true,
    };
    let user = tandem::auth::create_user(&db, admin).await.expect("cannot create the superuser");
    let token = tandem::rest::token::token_for(&db, &user, false).await.expect("cannot create a token");
    let _ = db.close().await;
    (dir, config, db_path, token)
}

/// Takes one from `budget`, if any is left.
fn take(budget: &AtomicU64) -> bool {
    budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok()
}

/// Adds one to `counter`.
fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// What one round sent and what came back.
#[derive(Default)]
struct Tally {
    pages_sent: AtomicU64,
    pages_ok: AtomicU64,
    pages_not_found: AtomicU64,
    pages_other: AtomicU64,
    pages_failed: AtomicU64,
    hellos_sent: AtomicU64,
    hellos_ready: AtomicU64,
    hellos_error: AtomicU64,
    hellos_closed: AtomicU64,
    hellos_unanswered: AtomicU64,
    flood_refused: AtomicU64,
    idle_opened: AtomicU64,
    idle_refused: AtomicU64,
    idle_closed_by_server: AtomicU64,
    writes_sent: AtomicU64,
    writes_created: AtomicU64,
    writes_deleted: AtomicU64,
    writes_other: AtomicU64,
    writes_failed: AtomicU64,
    /// The first unexpected answer of each kind, to show what the limits say.
    examples: std::sync::Mutex<serde_json::Map<String, Value>>,
}

impl Tally {
    /// Keeps `answer` as the example of `kind`, unless one is kept already.
    fn example(&self, kind: &str, answer: impl FnOnce() -> String) {
        let mut examples = self.examples.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !examples.contains_key(kind) {
            let text: String = answer().chars().take(300).collect();
            examples.insert(kind.into(), json!(text));
        }
    }

    fn json(&self) -> Value {
        let examples = self.examples.lock().map(|e| e.clone()).unwrap_or_default();
        let n = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        json!({
            "pages": {
                "sent": n(&self.pages_sent), "ok_200": n(&self.pages_ok), "not_found_404": n(&self.pages_not_found),
                "other": n(&self.pages_other), "failed": n(&self.pages_failed),
            },
            "hellos": {
                "sent": n(&self.hellos_sent), "ready": n(&self.hellos_ready), "error": n(&self.hellos_error),
                "closed": n(&self.hellos_closed), "unanswered": n(&self.hellos_unanswered),
                "sockets_refused": n(&self.flood_refused),
            },
            "idle_sockets": {
                "opened": n(&self.idle_opened), "refused": n(&self.idle_refused),
                "closed_by_server": n(&self.idle_closed_by_server),
            },
            "rest": {
                "sent": n(&self.writes_sent), "created": n(&self.writes_created), "deleted": n(&self.writes_deleted),
                "other": n(&self.writes_other), "failed": n(&self.writes_failed),
            },
            "examples": examples,
        })
    }
}

/// The kept-alive connection, or a new one; `None` (after counting a
/// failure in `failed` and a short pause) when none can be opened.
async fn reuse_or_open(connection: &mut Option<Connection>, addr: &str, failed: &AtomicU64) -> Option<Connection> {
    if let Some(open) = connection.take() {
        return Some(open);
    }
    match timeout(ANSWER_WAIT, Connection::open(addr)).await {
        Ok(Ok(open)) => Some(open),
        _ => {
            count(failed);
            tokio::time::sleep(Duration::from_millis(20)).await;
            None
        }
    }
}

/// Cookieless `GET /` and `GET /no-such-page` in turn on one keep-alive
/// connection (a new one when the server closes it), until `deadline` or
/// the round's budget.
async fn pages(addr: String, deadline: Instant, budget: Arc<AtomicU64>, tally: Arc<Tally>) {
    let mut connection: Option<Connection> = None;
    let mut sent = 0u64;
    while Instant::now() < deadline {
        let Some(mut open) = reuse_or_open(&mut connection, &addr, &tally.pages_failed).await else { continue };
        if !take(&budget) {
            break;
        }
        let path = if sent.is_multiple_of(2) { "/" } else { "/no-such-page" };
        sent += 1;
        count(&tally.pages_sent);
        match timeout(ANSWER_WAIT, open.send("GET", path, "", b"")).await {
            Ok(Ok(response)) => {
                match (path, response.status) {
                    ("/", 200) => count(&tally.pages_ok),
                    ("/no-such-page", 404) => count(&tally.pages_not_found),
                    (_, status) => {
                        count(&tally.pages_other);
                        tally.example("page", || {
                            format!("GET {path}: {status} {}", String::from_utf8_lossy(&response.body))
                        });
                    }
                }
                if !response.all("connection").any(|v| v.eq_ignore_ascii_case("close")) {
                    connection = Some(open);
                }
            }
            _ => count(&tally.pages_failed),
        }
    }
}

/// A load of `path` for its cookies (a session) and boot token, then `/_event`.
async fn open_socket(addr: &str, path: &str) -> Option<(Socket, Value)> {
    let page = timeout(ANSWER_WAIT, http::get(addr, path, "")).await.ok()?.ok()?;
    let token = events::boot_of(&page).map(|boot| boot["token"].clone()).unwrap_or(Value::Null);
    let socket = timeout(ANSWER_WAIT, events::connect(addr, &events::cookies_of(&page))).await.ok()?.ok()?;
    Some((socket, token))
}

/// How the server answered one frame.
enum Answer {
    /// A text frame other than a push (`ready`, `error`, …).
    Frame(Value),
    /// The socket was closed (with this code and reason) or broke.
    Closed(Option<String>),
    /// Nothing within [`ANSWER_WAIT`].
    Silent,
}

/// Sends `frame` and waits for the next text frame that is not a push.
async fn exchange(socket: &mut Socket, frame: String) -> Answer {
    if let Err(error) = socket.send(Message::Text(frame.into())).await {
        return Answer::Closed(Some(error.to_string()));
    }
    let answer = async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let frame: Value = serde_json::from_str(&text).unwrap_or_else(|_| json!({"t": text.as_str()}));
                    // Pushes (live updates the REST writes cause) answer nothing.
                    if frame["t"] != "push" {
                        return Answer::Frame(frame);
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    return Answer::Closed(frame.map(|f| format!("{} {}", f.code, f.reason)));
                }
                Some(Err(error)) => return Answer::Closed(Some(error.to_string())),
                None => return Answer::Closed(None),
                Some(Ok(_)) => continue,
            }
        }
    };
    timeout(ANSWER_WAIT, answer).await.unwrap_or(Answer::Silent)
}

/// `n` pseudo-random `[a-z0-9]` characters (xorshift; distinctness is all
/// that matters).
fn random_chars(seed: u64, n: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut state = seed | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ALPHABET[(state % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

/// One socket's hello flood: hellos back to back, each waiting for its
/// answer, in turn without a token, with a distinct unknown token of a tab
/// token's shape, and with a distinct unknown 100 KB token; a new socket
/// (and page load) whenever the server closes one.
async fn flood(addr: String, deadline: Instant, budget: Arc<AtomicU64>, tally: Arc<Tally>, seed: u64) {
    let filler = random_chars(seed, TOKEN_BYTES - 16);
    let mut socket: Option<Socket> = None;
    let mut sent = 0u64;
    while Instant::now() < deadline {
        let mut open = match socket.take() {
            Some(open) => open,
            None => match open_socket(&addr, "/").await {
                Some((open, _)) => open,
                None => {
                    count(&tally.flood_refused);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        if !take(&budget) {
            socket = Some(open);
            break;
        }
        let token = match sent % 3 {
            0 => "null".to_string(),
            // A tab token's shape (48 hex characters), but never minted.
            1 => format!("\"{:048x}\"", seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ sent),
            _ => format!("\"{sent:016x}{filler}\""),
        };
        sent += 1;
        count(&tally.hellos_sent);
        match exchange(&mut open, format!(r#"{{"t":"hello","token":{token},"path":"/"}}"#)).await {
            Answer::Frame(frame) => {
                if frame["t"] == "ready" {
                    count(&tally.hellos_ready);
                } else {
                    count(&tally.hellos_error);
                    tally.example("hello", || frame.to_string());
                }
                socket = Some(open);
            }
            Answer::Closed(why) => {
                count(&tally.hellos_closed);
                tally.example("hello_closed", || why.unwrap_or_else(|| "closed".into()));
            }
            Answer::Silent => count(&tally.hellos_unanswered),
        }
    }
    if let Some(mut open) = socket {
        let _ = timeout(Duration::from_secs(1), open.close(None)).await;
    }
}

/// One idle tab: a page load, its socket and hello, then nothing but
/// answering pings until `deadline`, then a close. On `/counter`, which has
/// no live data: on `/` every REST write would push the catalog to it.
async fn idle(addr: String, deadline: Instant, tally: Arc<Tally>) {
    let Some((mut socket, token)) = open_socket(&addr, IDLE_PAGE).await else {
        count(&tally.idle_refused);
        return;
    };
    match exchange(&mut socket, json!({"t": "hello", "token": token, "path": IDLE_PAGE}).to_string()).await {
        Answer::Frame(frame) if frame["t"] == "ready" => count(&tally.idle_opened),
        answer => {
            count(&tally.idle_refused);
            tally.example("idle", || match answer {
                Answer::Frame(frame) => frame.to_string(),
                Answer::Closed(why) => why.unwrap_or_else(|| "closed".into()),
                Answer::Silent => "no answer".into(),
            });
            return;
        }
    }
    let sleeping = tokio::time::sleep_until(deadline.into());
    tokio::pin!(sleeping);
    loop {
        tokio::select! {
            _ = &mut sleeping => break,
            received = socket.next() => match received {
                // Pings are answered by the library while it reads.
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                    count(&tally.idle_closed_by_server);
                    return;
                }
                Some(Ok(_)) => continue,
            },
        }
    }
    let _ = timeout(Duration::from_secs(1), socket.close(None)).await;
}

/// How REST writes authenticate: anonymously until the shop refuses that,
/// then with the superuser's token.
struct RestAuth {
    token: String,
    use_token: AtomicBool,
}

impl RestAuth {
    fn headers(&self) -> String {
        let json = "Content-Type: application/json\r\n";
        if self.use_token.load(Ordering::Relaxed) {
            format!("{json}Authorization: Token {}\r\n", self.token)
        } else {
            json.into()
        }
    }
}

/// Creates products and deletes each again, on one keep-alive connection,
/// until `deadline` or the round's budget: the table does not grow.
async fn writes(
    addr: String,
    deadline: Instant,
    budget: Arc<AtomicU64>,
    tally: Arc<Tally>,
    auth: Arc<RestAuth>,
    name: String,
) {
    let mut connection: Option<Connection> = None;
    let mut n = 0u64;
    while Instant::now() < deadline {
        let Some(mut open) = reuse_or_open(&mut connection, &addr, &tally.writes_failed).await else { continue };
        if !take(&budget) {
            break;
        }
        n += 1;
        count(&tally.writes_sent);
        let body = json!({"name": format!("Soak {name}-{n}"), "price": "1.00", "sku": format!("SOAK-{name}-{n}")});
        let created = timeout(
            ANSWER_WAIT,
            open.send("POST", "/api/shop/products/", &auth.headers(), body.to_string().as_bytes()),
        )
        .await;
        let id = match created {
            Ok(Ok(response)) if response.status == 201 => {
                count(&tally.writes_created);
                serde_json::from_slice::<Value>(&response.body).ok().and_then(|v| v["id"].as_i64())
            }
            Ok(Ok(response)) => {
                if matches!(response.status, 401 | 403) {
                    auth.use_token.store(true, Ordering::Relaxed);
                }
                count(&tally.writes_other);
                tally.example("rest", || {
                    format!("POST: {} {}", response.status, String::from_utf8_lossy(&response.body))
                });
                None
            }
            _ => {
                count(&tally.writes_failed);
                continue;
            }
        };
        if let Some(id) = id {
            let path = format!("/api/shop/products/{id}/");
            match timeout(ANSWER_WAIT, open.send("DELETE", &path, &auth.headers(), b"")).await {
                Ok(Ok(response)) if response.status == 204 => count(&tally.writes_deleted),
                Ok(Ok(response)) => {
                    count(&tally.writes_other);
                    tally.example("rest", || {
                        format!("DELETE: {} {}", response.status, String::from_utf8_lossy(&response.body))
                    });
                }
                _ => {
                    count(&tally.writes_failed);
                    continue;
                }
            }
        }
        connection = Some(open);
    }
}

/// One round's traffic, every kind at once, for `plan.traffic`.
async fn round(addr: &str, plan: &Plan, number: usize, auth: &Arc<RestAuth>) -> Value {
    let deadline = Instant::now() + plan.traffic;
    let tally = Arc::new(Tally::default());
    let pages_budget = Arc::new(AtomicU64::new(plan.pages_per_round));
    let hellos_budget = Arc::new(AtomicU64::new(plan.hellos_per_round));
    let writes_budget = Arc::new(AtomicU64::new(plan.writes_per_round));
    let mut tasks = Vec::new();
    for _ in 0..plan.page_clients {
        tasks.push(tokio::spawn(pages(addr.to_string(), deadline, pages_budget.clone(), tally.clone())));
    }
    for i in 0..plan.flood_sockets {
        let seed = (number as u64) << 32 | i as u64;
        tasks.push(tokio::spawn(flood(addr.to_string(), deadline, hellos_budget.clone(), tally.clone(), seed)));
    }
    for _ in 0..plan.idle_sockets {
        tasks.push(tokio::spawn(idle(addr.to_string(), deadline, tally.clone())));
    }
    for i in 0..plan.rest_clients {
        let name = format!("{number}-{i}");
        tasks.push(tokio::spawn(writes(
            addr.to_string(),
            deadline,
            writes_budget.clone(),
            tally.clone(),
            auth.clone(),
            name,
        )));
    }
    for task in tasks {
        let _ = task.await;
    }
    let mut sent = tally.json();
    sent["rest"]["auth"] = json!(if auth.use_token.load(Ordering::Relaxed) { "token" } else { "anonymous" });
    sent
}

/// The sizes of the SQLite file and its `-wal` and `-shm`, in bytes.
fn db_bytes(db: &Path) -> [u64; 3] {
    let size = |suffix: &str| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        std::fs::metadata(&name).map(|m| m.len()).unwrap_or(0)
    };
    [size(""), size("-wal"), size("-shm")]
}

/// Row counts of the tables that anonymous traffic fills, read from the file.
async fn rows(db: &Path) -> Result<Value, sqlx::Error> {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(db).read_only(true);
    let mut connection = sqlx::SqliteConnection::connect_with(&options).await?;
    let mut counts = serde_json::Map::new();
    for (name, query) in [
        ("sessions", "SELECT COUNT(*) FROM tandem_session"),
        ("tabs", "SELECT COUNT(*) FROM tandem_ui_tab"),
        ("products", "SELECT COUNT(*) FROM shop_product"),
    ] {
        let n: i64 = sqlx::query_scalar(query).fetch_one(&mut connection).await?;
        counts.insert(name.into(), json!(n));
    }
    connection.close().await?;
    Ok(Value::Object(counts))
}

/// The shop's RSS and open descriptors, and the database's size and rows.
async fn sample(pid: u32, db: &Path) -> Value {
    let [file, wal, shm] = db_bytes(db);
    let counts = rows(db).await.unwrap_or_else(|error| json!({"error": error.to_string()}));
    json!({
        "rss_kib": procfs::rss_kib(pid),
        "open_fds": procfs::open_fds(pid),
        "db_bytes": file + wal + shm,
        "db_file_bytes": file,
        "wal_bytes": wal,
        "shm_bytes": shm,
        "sessions": counts["sessions"],
        "tabs": counts["tabs"],
        "products": counts["products"],
    })
}

/// Plateau or growth: the last sample against round 2's, each figure within
/// [`TOLERANCE`] (plus a little slack for rows and WAL).
fn verdict(samples: &[Value]) -> Value {
    let Some(last) = samples.last() else { return json!({"verdict": "no samples"}) };
    if last["rss_kib"].is_null() {
        return json!({"verdict": "server exited"});
    }
    // samples[0] is the start, samples[2] the end of round 2.
    let Some(reference) = samples.get(2).filter(|_| samples.len() > 3) else {
        return json!({"verdict": "too few rounds"});
    };
    let mut growing = Vec::new();
    let mut ratios = serde_json::Map::new();
    for (figure, slack) in
        [("rss_kib", 0.0), ("db_bytes", SLACK_DB_BYTES), ("sessions", SLACK_ROWS), ("tabs", SLACK_ROWS)]
    {
        let (then, now) = (reference[figure].as_f64().unwrap_or(0.0), last[figure].as_f64().unwrap_or(0.0));
        if now > then * TOLERANCE + slack {
            growing.push(figure);
        }
        ratios.insert(figure.into(), json!((now / then.max(1.0) * 100.0).round() / 100.0));
    }
    json!({
        "verdict": if growing.is_empty() { "plateau" } else { "growing" },
        "growing": growing,
        "last_over_round_2": ratios,
        "tolerance": TOLERANCE,
    })
}

/// Runs the soak on a fresh database and shop process.
pub async fn run(quick: bool) -> Value {
    let plan = if quick { Plan::quick() } else { Plan::full() };
    let (_dir, config, db, token) = prepare(&plan).await;
    // What `[server] allowed_hosts` says, for code that reads it (and
    // ignored by code that does not): production requires it.
    let shop = Server::start("serve-shop", &[&config], "/", &[("TANDEM_ALLOWED_HOSTS", "127.0.0.1")]).await;
    let auth = Arc::new(RestAuth { token, use_token: AtomicBool::new(false) });
    let mut samples = vec![sample(shop.pid(), &db).await];
    let mut rounds = vec![json!({"round": 0})];
    for number in 1..=plan.rounds {
        let sent = round(&shop.addr, &plan, number, &auth).await;
        tokio::time::sleep(plan.pause()).await;
        let measured = sample(shop.pid(), &db).await;
        let exited = measured["rss_kib"].is_null();
        samples.push(measured);
        rounds.push(json!({"round": number, "sent": sent}));
        if exited {
            break;
        }
    }
    for (row, measured) in rounds.iter_mut().zip(&samples) {
        if let (Some(row), Value::Object(measured)) = (row.as_object_mut(), measured) {
            row.extend(measured.clone());
        }
    }
    json!({
        "settings": {
            "ui_idle_seconds": plan.expiry_seconds,
            "ui_sweep_seconds": plan.sweep_seconds,
            "ui_ping_seconds": (plan.expiry_seconds / 2).max(1),
            "sessions_anonymous_age_seconds": plan.expiry_seconds,
            "sessions_sweep_seconds": plan.sweep_seconds,
            "server_allowed_hosts": ALLOWED_HOSTS_SETTING,
        },
        "round_seconds": plan.traffic.as_secs_f64(),
        "pause_seconds": plan.pause().as_secs_f64(),
        "rounds": rounds,
        "verdict": verdict(&samples),
    })
}

/// The soak's table and verdict.
pub fn print(soak: &Value) {
    println!();
    println!(
        "soak: {} rounds of {} s traffic, each sampled {} s later (tabs and anonymous sessions expire after {} s, swept every {} s)",
        soak["rounds"].as_array().map_or(0, |r| r.len().saturating_sub(1)),
        soak["round_seconds"],
        soak["pause_seconds"],
        soak["settings"]["ui_idle_seconds"],
        soak["settings"]["ui_sweep_seconds"],
    );
    println!(
        "{:>5} {:>9} {:>15} {:>6} {:>11} {:>9} {:>5} {:>9} {:>9} {:>8} {:>8}",
        "round",
        "pages",
        "hellos (ready)",
        "idle",
        "REST writes",
        "RSS KiB",
        "fds",
        "DB KiB",
        "sessions",
        "tabs",
        "products"
    );
    let dash = || "—".to_string();
    for row in soak["rounds"].as_array().into_iter().flatten() {
        let sent = &row["sent"];
        let (pages, hellos, idle, writes) = if sent.is_null() {
            (dash(), dash(), dash(), dash())
        } else {
            (
                sent["pages"]["sent"].to_string(),
                format!("{} ({})", sent["hellos"]["sent"], sent["hellos"]["ready"]),
                sent["idle_sockets"]["opened"].to_string(),
                sent["rest"]["sent"].to_string(),
            )
        };
        println!(
            "{:>5} {:>9} {:>15} {:>6} {:>11} {:>9} {:>5} {:>9} {:>9} {:>8} {:>8}",
            if row["round"] == 0 { "start".to_string() } else { row["round"].to_string() },
            pages,
            hellos,
            idle,
            writes,
            row["rss_kib"].to_string(),
            row["open_fds"].to_string(),
            row["db_bytes"].as_u64().map_or_else(dash, |b| (b / 1024).to_string()),
            row["sessions"].to_string(),
            row["tabs"].to_string(),
            row["products"].to_string(),
        );
    }
    let verdict = &soak["verdict"];
    let ratios = &verdict["last_over_round_2"];
    let labels = [("rss_kib", "RSS"), ("db_bytes", "DB"), ("sessions", "sessions"), ("tabs", "tabs")];
    let shown: Vec<String> = labels
        .iter()
        .filter(|(key, _)| !ratios[key].is_null())
        .map(|(key, label)| format!("{label} {}", ratios[key]))
        .collect();
    let growing: Vec<&str> = verdict["growing"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    println!(
        "verdict: {}{} (last round ÷ round 2: {}; tolerance {}× plus slack)",
        verdict["verdict"].as_str().unwrap_or("?"),
        if growing.is_empty() { String::new() } else { format!(": {}", growing.join(", ")) },
        shown.join(", "),
        verdict["tolerance"],
    );
}
