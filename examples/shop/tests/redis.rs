//! Several processes sharing tabs and REST throttle counts through Redis:
//! two servers with the same `[ui] redis_url` and prefix. These run when
//! `REDIS_URL` is set (`.ci/run` sets it) and skip otherwise.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tandem::config::Settings;
use tandem::redis::{Redis, RedisStates};
use tandem::testing::{TestDatabase, TestServer};
use tandem::ui::store::StateManager;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A server on Redis `url` with keys under `prefix`.
async fn server(url: &str, prefix: &str, configure: impl FnOnce(&mut Settings)) -> TestServer {
    TestServer::start(&shop::app(), |s| {
        s.ui.redis_url = Some(url.to_string());
        s.ui.redis_prefix = prefix.to_string();
        configure(s);
    })
    .await
}

/// Loads `path`: the session cookies and the tab's token.
async fn load(server: &TestServer, path: &str) -> (String, String) {
    let response = reqwest::get(server.url(path)).await.unwrap();
    assert_eq!(response.status(), 200);
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect();
    let html = response.text().await.unwrap();
    let start = html.find("id=\"tandem-boot\">").expect("no boot data") + "id=\"tandem-boot\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let boot: Value = serde_json::from_str(&html[start..end]).unwrap();
    (cookies.join("; "), boot["token"].as_str().unwrap().to_string())
}

/// A socket to `server` for the tab `token`, past its `ready`.
async fn attach(server: &TestServer, cookies: &str, token: &str, path: &str) -> (Socket, Value) {
    let mut request = format!("{}/_event", server.base.replace("http://", "ws://")).into_client_request().unwrap();
    request.headers_mut().insert("cookie", cookies.parse().unwrap());
    request.headers_mut().insert("origin", server.base.parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    send(&mut socket, json!({"t": "hello", "token": token, "path": path})).await;
    let ready = receive(&mut socket).await;
    assert_eq!(ready["t"], "ready", "{ready}");
    (socket, ready)
}

async fn send(socket: &mut Socket, frame: Value) {
    socket.send(Message::Text(frame.to_string().into())).await.unwrap();
}

async fn receive(socket: &mut Socket) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(20), socket.next()).await.expect("no frame in 20 s") {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(Message::Close(frame))) => panic!("closed: {frame:?}"),
            Some(Ok(_)) => continue,
            other => panic!("the socket ended: {other:?}"),
        }
    }
}

#[tokio::test]
async fn two_processes_serve_one_tab_through_redis() {
    let Some((url, prefix)) = tandem::testing::redis_or_skip("tab") else { return };
    let a = server(&url, &prefix, |_| {}).await;
    // The second process shares the first one's database (sessions) and Redis.
    let shared_db = a.settings.database.url.clone();
    let b = server(&url, &prefix, |s| s.database.url = shared_db).await;

    let (cookies, token) = load(&a, "/counter").await;
    let (mut on_a, ready) = attach(&a, &cookies, &token, "/counter").await;
    assert_eq!(ready["data"], json!({"count": 0}));
    send(&mut on_a, json!({"t": "event", "id": 1, "name": "increment"})).await;
    assert_eq!(receive(&mut on_a).await["ops"][0]["value"], 1);

    // The other process finds the tab as the first one left it.
    let (mut on_b, ready) = attach(&b, &cookies, &token, "/counter").await;
    assert_eq!(ready["data"], json!({"count": 1}));

    // Bursts on both at once: the lease orders them, no increment is lost.
    // (Event ids are unique per tab: each connection has its own range.)
    for id in 10..40 {
        send(&mut on_a, json!({"t": "event", "id": id, "name": "increment"})).await;
        send(&mut on_b, json!({"t": "event", "id": id + 100, "name": "increment"})).await;
    }
    for (socket, first) in [(&mut on_a, 10), (&mut on_b, 110)] {
        let mut last = 0;
        for id in first..first + 30 {
            let reply = receive(socket).await;
            assert_eq!((reply["t"].as_str(), reply["id"].as_u64()), (Some("delta"), Some(id)), "{reply}");
            let value = reply["ops"][0]["value"].as_i64().unwrap();
            assert!(value > last, "each answer builds on the newest state: {value} after {last}");
            last = value;
        }
    }
    let states = RedisStates::new(Redis::connect(&url, &prefix).await.unwrap(), Duration::from_secs(60));
    let tab = states.load(&token).await.unwrap().expect("the tab is in Redis");
    assert_eq!(tab.states["counter"], json!({"count": 61}));

    // Not in the embedded store: the app chose Redis.
    a.ui().flush().await.unwrap();
    let row = tandem::ui::store::model::Entity::find_by_id(token.clone()).one(&a.db).await.unwrap();
    assert!(row.is_none(), "{row:?}");

    // A background task updates the tab through its lease too.
    let (cookies, token) = load(&b, "/jobs").await;
    let (mut jobs, _) = attach(&b, &cookies, &token, "/jobs").await;
    send(&mut jobs, json!({"t": "event", "id": 1, "name": "start_import", "args": []})).await;
    assert_eq!(receive(&mut jobs).await["t"], "delta");
    loop {
        let frame = receive(&mut jobs).await;
        assert_eq!(frame["t"], "push", "{frame}");
        if frame["ops"].as_array().unwrap().contains(&json!({"op": "set", "path": ["importing"], "value": false})) {
            break;
        }
    }
    let (_, ready) = attach(&a, &cookies, &token, "/jobs").await;
    assert_eq!(ready["data"]["imported"], 4, "the other process sees the task's result");

    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn the_rest_throttle_counts_requests_to_every_process() {
    let Some((url, prefix)) = tandem::testing::redis_or_skip("throttle") else { return };
    let throttled = |s: &mut Settings| s.rest.throttle_anon = Some("3/min".parse().unwrap());
    let a = server(&url, &prefix, throttled).await;
    let b = server(&url, &prefix, throttled).await;
    let products = "/api/shop/products/";
    for server in [&a, &b, &a] {
        assert_eq!(reqwest::get(server.url(products)).await.unwrap().status(), StatusCode::OK);
    }
    let refused = reqwest::get(b.url(products)).await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "the fourth request in a minute, on either process");
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        (55..=60).contains(&wait),
        "DRF's estimate: the oldest request leaves the window in under a minute: {wait}"
    );
    assert_eq!(
        refused.json::<Value>().await.unwrap(),
        json!({"detail": format!("Request was throttled. Expected available in {wait} seconds.")})
    );
    assert_eq!(reqwest::get(a.url(products)).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn an_unreachable_redis_stops_start_up_naming_it() {
    let app = shop::app();
    let file = app.config_path();
    let mut settings = Settings::from_toml_str(&std::fs::read_to_string(&file).unwrap(), &file).unwrap();
    let database = TestDatabase::sqlite();
    settings.database.url = database.url.clone();
    settings.ui.redis_url = Some("redis://127.0.0.1:1/0".into());
    let Err(error) = app.prepare(settings).await else { panic!("started without its Redis") };
    let message = error.to_string();
    assert!(message.contains("redis://127.0.0.1:1/0") && message.contains("REDIS_URL"), "{message}");
}
