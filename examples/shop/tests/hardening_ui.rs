//! Attacks on the UI side, over real sockets: what a hostile or careless
//! visitor can make the server keep, and what it must never lose or leak.

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use support::{connect, event, hello, load, receive, send};
use tandem::sessions::model as session_row;
use tandem::testing::TestServer;
use tandem::ui::store::model as tab_row;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

async fn rows(server: &TestServer) -> (u64, u64) {
    server.ui().flush().await.unwrap();
    let sessions = session_row::Entity::find().count(&server.db).await.unwrap();
    let tabs = tab_row::Entity::find().count(&server.db).await.unwrap();
    (sessions, tabs)
}

/// The `sessionid` cookie of a cookie header line.
fn session_of(cookies: &str) -> &str {
    cookies.split("; ").find_map(|c| c.strip_prefix("sessionid=")).expect("a session cookie")
}

#[tokio::test]
async fn anonymous_page_loads_and_404s_store_nothing_until_the_visitor_connects() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let http = reqwest::Client::new();
    for i in 0..100 {
        let path = if i % 2 == 0 { "/" } else { "/no-such-page" };
        let response = http.get(server.url(path)).send().await.unwrap();
        assert!(response.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("sessionid=")));
        let _ = response.text().await.unwrap();
    }
    assert_eq!(rows(&server).await, (0, 0), "no session row, no tab row for 100 visitors who never connected");

    // The visitor who does connect gets the tab the page showed, under its token.
    let page = load(&server.base, "/counter", None).await;
    let again = load(&server.base, "/counter", Some(&page.cookies)).await;
    assert_eq!(session_of(&again.cookies), session_of(&page.cookies), "the key stays the same from page to page");
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    let ready = hello(&mut socket, Some(&page.token), "/counter").await;
    assert_eq!(ready["token"], page.token.as_str());
    assert_eq!(event(&mut socket, 1, "increment", json!([])).await["ops"][0]["value"], 1);
    assert_eq!(rows(&server).await, (0, 1), "the tab is kept once something happened on it; the session holds nothing");

    // A session key the server did not mint is no session at all.
    let forged = format!("sessionid={}", "a".repeat(32));
    let refused = connect(&server.base, &forged, &server.base).await.unwrap_err();
    assert!(refused.to_string().contains("403"), "{refused}");
    server.stop().await;
}

#[tokio::test]
async fn hello_floods_leave_nothing_behind_and_count_against_the_rate_limit() {
    let server = TestServer::start(&shop::app(), |s| {
        s.ui.burst = 100_000;
        s.ui.events_per_second = 100_000;
    })
    .await;
    let page = load(&server.base, "/", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    // Distinct unknown 100 KB tokens: refused for their shape, nothing kept per token.
    for i in 0..300 {
        let token = format!("{i:x}").repeat(100_000 / 3);
        send(&mut socket, json!({"t": "hello", "token": token, "path": "/"})).await;
        let reply = receive(&mut socket).await.unwrap();
        assert!(reply["message"].as_str().unwrap().starts_with("malformed token"), "{reply}");
    }
    assert_eq!((server.ui().tabs_in_progress(), server.ui().tabs_connected()), (0, 0));
    // New tabs one after the other: each replaces the last, which nothing happened on.
    for _ in 0..300 {
        hello(&mut socket, None, "/").await;
    }
    assert_eq!(server.ui().tabs_connected(), 1);
    assert!(rows(&server).await.1 <= 1, "one tab at most is kept");
    drop(socket);
    // The last one goes when its connection does (and its lock entry right
    // after the forgetting that holds it).
    let mut left = (u64::MAX, usize::MAX);
    for _ in 0..100 {
        left = (rows(&server).await.1, server.ui().tabs_in_progress());
        if left == (0, 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(left, (0, 0), "(tab rows, tabs with work in progress)");
    // A well-formed token issued to nobody here is another session's: refused.
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    send(&mut socket, json!({"t": "hello", "token": "ab".repeat(24), "path": "/"})).await;
    assert_eq!(receive(&mut socket).await.unwrap_err(), Some(CloseCode::Library(4403)));
    server.stop().await;

    // With the default limits, hellos are refused past the burst like events.
    let server = TestServer::start(&shop::app(), |s| {
        s.ui.burst = 5;
        s.ui.events_per_second = 1;
    })
    .await;
    let page = load(&server.base, "/counter", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    for _ in 0..10 {
        send(&mut socket, json!({"t": "hello", "token": null, "path": "/counter"})).await;
    }
    let mut refused = 0;
    for _ in 0..10 {
        let reply = receive(&mut socket).await.unwrap();
        if reply["t"] == "error" {
            assert_eq!(reply["message"], "too many events; this one was not applied");
            refused += 1;
        }
    }
    assert!(refused >= 4, "{refused} of 10 hellos refused");
    server.stop().await;
}

#[tokio::test]
async fn anonymous_sessions_expire_in_a_day_and_expired_ones_are_swept() {
    let server = TestServer::start(&shop::app(), |s| s.sessions.sweep_seconds = 1).await;
    let now = chrono::Utc::now();
    let mut data = serde_json::Map::new();
    data.insert("cart".into(), json!([1]));
    tandem::sessions::store::save(&server.db, &tandem::sessions::store::new_key(), &data, -1).await.unwrap();
    assert_eq!(rows(&server).await.0, 1);
    let mut swept = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if rows(&server).await.0 == 0 {
            swept = true;
            break;
        }
    }
    assert!(swept, "the running server deleted the expired session by itself");

    // A handler storing into a visitor's session: a row living a day, not two weeks.
    let page = load(&server.base, "/counter", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/counter").await;
    let key = session_of(&page.cookies).to_string();
    let ages = server.settings.sessions;
    tandem::sessions::store::save(&server.db, &key, &data, ages.age_of(&data)).await.unwrap();
    let row = session_row::Entity::find_by_id(key).one(&server.db).await.unwrap().unwrap();
    let lives = row.expire_date - now;
    assert!(lives > chrono::Duration::hours(23) && lives < chrono::Duration::hours(25), "{lives}");
    server.stop().await;
}

/// A new user, logged in over HTTP: the browser's cookies and CSRF token.
async fn logged_in(server: &TestServer, username: &str, password: &str) -> (String, String) {
    let new = tandem::auth::NewUser { username, email: "", password: Some(password), ..Default::default() };
    tandem::auth::create_user(&server.db, new).await.unwrap();
    support::http_login(&server.base, username, password).await
}

#[tokio::test]
async fn a_socket_follows_its_session_through_logout_and_password_change() {
    let server = TestServer::start(&shop::app(), |s| s.ui.session_recheck_seconds = 0).await;
    let (cookies, csrf) = logged_in(&server, "alice", "alice-pass-123").await;
    let page = load(&server.base, "/counter", Some(&cookies)).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/counter").await;
    assert_eq!(event(&mut socket, 1, "increment", json!([])).await["ops"][0]["value"], 1);

    // Logout over HTTP: the socket of that session is closed at once.
    let response = reqwest::Client::new()
        .post(server.url("/api/auth/logout/"))
        .header("cookie", &page.cookies)
        .header("x-csrftoken", &csrf)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(receive(&mut socket).await.unwrap_err(), Some(CloseCode::Library(4401)));

    // A password changed elsewhere (another process, `changepassword`): the
    // next event is not run as the user, the socket closes.
    let (cookies, _) = logged_in(&server, "bob", "bob-pass-123").await;
    let page = load(&server.base, "/counter", Some(&cookies)).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/counter").await;
    assert_eq!(event(&mut socket, 1, "increment", json!([])).await["ops"][0]["value"], 1);
    let bob = tandem::auth::models::user::Entity::find().all(&server.db).await.unwrap();
    let bob = bob.into_iter().find(|u| u.username == "bob").unwrap();
    tandem::auth::set_password(&server.db, &bob, "changed-pass-456").await.unwrap();
    send(&mut socket, json!({"t": "event", "id": 2, "name": "increment"})).await;
    assert_eq!(receive(&mut socket).await.unwrap_err(), Some(CloseCode::Library(4401)));
    server.stop().await;
}

#[tokio::test]
async fn an_answered_event_is_already_in_the_database() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let mut tabs = Vec::new();
    for _ in 0..5 {
        let page = load(&server.base, "/counter", None).await;
        let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
        hello(&mut socket, Some(&page.token), "/counter").await;
        tabs.push((page.token, socket));
    }
    for id in 1..=20u64 {
        for (token, socket) in &mut tabs {
            let answer = event(socket, id, "increment", json!([])).await;
            assert_eq!(answer["t"], "delta");
            // Read the row, not the memory: what a crash right now would leave.
            let row = tab_row::Entity::find_by_id(token.clone()).one(&server.db).await.unwrap().expect("written");
            let stored: Value = serde_json::from_str(&row.data).unwrap();
            assert_eq!(stored["counter"]["count"], id, "answered event {id} is durable");
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn many_writes_cost_one_live_refresh_per_tab() {
    let server = TestServer::start(&shop::app(), |s| s.ui.live_debounce_ms = 3000).await;
    let admin = tandem::auth::NewUser {
        username: "admin",
        email: "",
        password: Some("admin-pass-123"),
        is_staff: true,
        is_superuser: true,
    };
    tandem::auth::create_user(&server.db, admin).await.unwrap();
    let mut sockets = Vec::new();
    for _ in 0..10 {
        let page = load(&server.base, "/", None).await;
        let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
        hello(&mut socket, Some(&page.token), "/").await;
        sockets.push(socket);
    }
    let http = reqwest::Client::new();
    for i in 0..10 {
        let created = http
            .post(server.url("/api/shop/products/"))
            .basic_auth("admin", Some("admin-pass-123"))
            .json(&json!({"name": format!("Jug {i}"), "price": "19.00", "sku": format!("JUG-{i}"), "is_active": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
    }
    for socket in &mut sockets {
        let pushed = receive(socket).await.unwrap();
        assert_eq!(pushed["t"], "push", "{pushed}");
        assert!(pushed["ops"].as_array().unwrap().contains(&json!({"op": "set", "path": ["count"], "value": 14})));
        // Nothing more follows: the ten writes were one refresh.
        let more = tokio::time::timeout(Duration::from_millis(300), socket.next()).await;
        assert!(more.is_err(), "a second refresh: {more:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_silent_peer_is_dropped_and_a_live_one_kept() {
    let server = TestServer::start(&shop::app(), |s| s.ui.ping_seconds = 1).await;
    let page = load(&server.base, "/counter", None).await;
    let mut silent = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut silent, Some(&page.token), "/counter").await;
    let other = load(&server.base, "/counter", None).await;
    let mut live = connect(&server.base, &other.cookies, &server.base).await.unwrap();
    hello(&mut live, Some(&other.token), "/counter").await;
    // The live one reads (and so answers pings) for 3.5 s; the silent one does not.
    let until = tokio::time::Instant::now() + Duration::from_millis(3500);
    while let Ok(message) = tokio::time::timeout_at(until, live.next()).await {
        assert!(matches!(message, Some(Ok(tokio_tungstenite::tungstenite::Message::Ping(_)))), "{message:?}");
    }
    assert_eq!(event(&mut live, 1, "increment", json!([])).await["ops"][0]["value"], 1);
    // The silent peer's connection was dropped: after the pings, the end.
    let mut ended = false;
    while let Ok(Some(message)) = tokio::time::timeout(Duration::from_secs(5), silent.next()).await {
        match message {
            Ok(tokio_tungstenite::tungstenite::Message::Ping(_)) => continue,
            _ => {
                ended = true;
                break;
            }
        }
    }
    assert!(ended || silent.next().await.is_none(), "the silent peer's socket ended");
    server.stop().await;
}

#[tokio::test]
async fn a_login_ticket_is_not_burnt_by_another_session() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let new =
        tandem::auth::NewUser { username: "carol", email: "", password: Some("carol-pass-123"), ..Default::default() };
    tandem::auth::create_user(&server.db, new).await.unwrap();
    let page = load(&server.base, "/login", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/login").await;
    let answer = event(&mut socket, 1, "submit", json!([{"username": "carol", "password": "carol-pass-123"}])).await;
    let ticket = answer["actions"]
        .as_array()
        .and_then(|actions| actions.iter().find_map(|a| a["ticket"].as_str()))
        .unwrap_or_else(|| panic!("no ticket: {answer}"))
        .to_string();

    let redeem = |cookies: String| {
        let (url, ticket) = (server.url("/_tandem/session"), ticket.clone());
        async move {
            let csrf = cookies.split("; ").find_map(|c| c.strip_prefix("csrftoken=")).unwrap().to_string();
            reqwest::Client::new()
                .post(url)
                .header("cookie", &cookies)
                .header("x-csrftoken", csrf)
                .json(&json!({"ticket": ticket}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let stranger = load(&server.base, "/counter", None).await;
    assert_eq!(redeem(stranger.cookies.clone()).await, 403, "another session cannot redeem it");
    assert_eq!(redeem(page.cookies.clone()).await, 204, "and did not burn it");
    assert_eq!(redeem(page.cookies.clone()).await, 403, "once only: the session's key changed");
    server.stop().await;
}

#[tokio::test]
async fn the_ui_login_is_throttled_like_the_http_one() {
    let server = TestServer::start(&shop::app(), |s| s.auth.failures_per_username = 3).await;
    let new =
        tandem::auth::NewUser { username: "dave", email: "", password: Some("dave-pass-123"), ..Default::default() };
    tandem::auth::create_user(&server.db, new).await.unwrap();
    let page = load(&server.base, "/login", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/login").await;
    let error_of = |answer: &Value| {
        answer["ops"].as_array().and_then(|ops| {
            ops.iter().find(|op| op["path"] == json!(["error"])).and_then(|op| op["value"].as_str().map(str::to_string))
        })
    };
    for id in 1..=3 {
        let answer = event(&mut socket, id, "submit", json!([{"username": "dave", "password": "guess"}])).await;
        if id == 1 {
            assert_eq!(error_of(&answer).as_deref(), Some("Invalid username or password."), "{answer}");
        }
    }
    // The right password, past the limit: not even checked, no login.
    let answer = event(&mut socket, 4, "submit", json!([{"username": "dave", "password": "dave-pass-123"}])).await;
    let error = error_of(&answer).unwrap_or_else(|| panic!("no error: {answer}"));
    assert!(error.starts_with("Not checked: too many failed logins"), "{error}");
    assert!(answer["actions"].as_array().is_none_or(|actions| actions.iter().all(|a| a["do"] != "redeem")), "{answer}");
    // The HTTP login counts the same failures.
    let http = reqwest::Client::new();
    let csrf: Value = http.get(server.url("/api/csrf/")).send().await.unwrap().json().await.unwrap();
    let token = csrf["csrfToken"].as_str().unwrap();
    let response = http
        .post(server.url("/api/auth/login/"))
        .header("cookie", format!("csrftoken={token}"))
        .header("x-csrftoken", token)
        .json(&json!({"username": "dave", "password": "dave-pass-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    server.stop().await;
}

/// Log lines written while a test runs, on the test's own thread (the
/// server runs on the test's single-threaded runtime).
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn client_strings_are_clipped_in_the_log() {
    let captured = Captured::default();
    let subscriber =
        tracing_subscriber::fmt().with_writer(captured.clone()).with_max_level(tracing::Level::INFO).finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/counter", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/counter").await;
    // Ten 500 KB event names, and ten 500 KB values of the wrong type.
    for id in 1..=10 {
        let answer = event(&mut socket, id, &"x".repeat(500_000), json!([])).await;
        assert_eq!(answer["t"], "error");
        let answer = event(&mut socket, 100 + id, "add", json!(["y".repeat(500_000)])).await;
        assert_eq!(answer["t"], "error");
    }
    server.stop().await;
    let logged = captured.0.lock().unwrap().len();
    assert!(logged > 0, "the failures were logged");
    assert!(logged < 100_000, "{logged} bytes of log for 10 MB of names and values");
}

#[tokio::test]
async fn with_redis_a_hello_flood_leaves_no_tabs_behind_either() {
    let Some((url, prefix)) = tandem::testing::redis_or_skip("hello_flood") else { return };
    let server = TestServer::start(&shop::app(), |s| {
        s.ui.redis_url = Some(url.clone());
        s.ui.redis_prefix = prefix.clone();
        s.ui.burst = 100_000;
        s.ui.events_per_second = 100_000;
    })
    .await;
    let page = load(&server.base, "/counter", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    let mut tokens = Vec::new();
    for _ in 0..100 {
        tokens.push(hello(&mut socket, None, "/counter").await["token"].as_str().unwrap().to_string());
    }
    drop(socket);
    use tandem::ui::store::StateManager;
    let redis = tandem::redis::Redis::connect(&url, &prefix).await.unwrap();
    let states = tandem::redis::RedisStates::new(redis, Duration::from_secs(3600));
    let mut left = usize::MAX;
    for _ in 0..100 {
        left = 0;
        for token in &tokens {
            left += usize::from(states.load(token).await.unwrap().is_some());
        }
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(left, 0, "tabs nothing happened on are deleted from Redis when their connection leaves");
    server.stop().await;
}
