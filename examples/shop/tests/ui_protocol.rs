//! The reactive UI at the protocol level: first paint over HTTP, then a raw
//! WebSocket client speaking `docs/protocol.md` to `/_event`.

use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tandem::testing::TestServer;
use tandem::ui::node::*;
use tandem::ui::{EventError, Page, State, events};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A page load: its cookies, its token and its boot data.
struct Loaded {
    cookies: String,
    token: String,
    boot: Value,
    html: String,
}

async fn load(server: &TestServer, path: &str, cookies: Option<&str>) -> Loaded {
    let mut request = reqwest::Client::new().get(server.url(path));
    if let Some(cookies) = cookies {
        request = request.header("cookie", cookies);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    let mut jar: Vec<String> = cookies.map(|c| c.split("; ").map(str::to_string).collect()).unwrap_or_default();
    for header in response.headers().get_all("set-cookie") {
        let pair = header.to_str().unwrap().split(';').next().unwrap().to_string();
        let name = pair.split('=').next().unwrap().to_string();
        jar.retain(|c| !c.starts_with(&format!("{name}=")));
        jar.push(pair);
    }
    let html = response.text().await.unwrap();
    let start = html.find("id=\"tandem-boot\">").expect("no boot data") + "id=\"tandem-boot\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let boot: Value = serde_json::from_str(&html[start..end]).unwrap();
    Loaded { cookies: jar.join("; "), token: boot["token"].as_str().unwrap().to_string(), boot, html }
}

async fn connect(
    server: &TestServer,
    cookies: &str,
    origin: &str,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("{}/_event", server.base.replace("http://", "ws://")).into_client_request().unwrap();
    request.headers_mut().insert("cookie", cookies.parse().unwrap());
    if !origin.is_empty() {
        request.headers_mut().insert("origin", origin.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request).await.map(|(socket, _)| socket)
}

async fn send(socket: &mut Socket, frame: Value) {
    socket.send(Message::Text(frame.to_string().into())).await.unwrap();
}

/// The next text frame as JSON, or the close frame's code.
async fn receive(socket: &mut Socket) -> Result<Value, Option<CloseCode>> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text).unwrap()),
            Some(Ok(Message::Close(frame))) => return Err(frame.map(|f| f.code)),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Err(None),
        }
    }
}

async fn hello(socket: &mut Socket, token: Option<&str>, path: &str) -> Value {
    send(socket, json!({"t": "hello", "token": token, "path": path})).await;
    let ready = receive(socket).await.unwrap();
    assert_eq!(ready["t"], "ready", "{ready}");
    ready
}

async fn event(socket: &mut Socket, id: u64, name: &str, args: Value) -> Value {
    send(socket, json!({"t": "event", "id": id, "name": name, "args": args})).await;
    receive(socket).await.unwrap()
}

fn origin(server: &TestServer) -> String {
    server.base.clone()
}

#[tokio::test]
async fn the_first_paint_is_server_rendered() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let response = reqwest::get(server.url("/")).await.unwrap();
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"), "{csp}");
    let cookies: Vec<String> =
        response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("csrftoken=")), "{cookies:?}");
    assert!(cookies.iter().any(|c| c.starts_with("sessionid=") && c.contains("HttpOnly")), "{cookies:?}");
    let html = response.text().await.unwrap();
    // The active products, from on_load, before any script runs.
    assert!(html.contains("<p>4 products</p>"), "{html}");
    assert!(html.contains("<a class=\"name\" href=\"/products/3\">Burr grinder</a>"), "{html}");
    assert!(!html.contains("Paper filters"), "inactive products are not listed");
    let runtime = html.split("src=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(runtime.starts_with("/_tandem/runtime.") && runtime.ends_with(".js"));

    let script = reqwest::get(server.url(&runtime)).await.unwrap();
    assert_eq!(script.headers()["cache-control"], "public, max-age=31536000, immutable");
    let text = script.text().await.unwrap();
    assert!(!text.contains("eval(") && !text.contains("new Function"));
    assert_eq!(reqwest::get(server.url("/_tandem/runtime.0000.js")).await.unwrap().status(), 404);

    // Text from the database is escaped.
    use sea_orm::{ActiveModelTrait, Set};
    shop::shop::models::product::ActiveModel {
        name: Set("<script>alert(1)</script>".into()),
        price: Set("1.00".parse().unwrap()),
        sku: Set("XSS".into()),
        is_active: Set(true),
        ..Default::default()
    }
    .insert(&server.db)
    .await
    .unwrap();
    let html = reqwest::get(server.url("/")).await.unwrap().text().await.unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script>alert(1)"), "not in the body, not in the boot JSON");
    server.stop().await;
}

#[tokio::test]
async fn events_update_state_with_minimal_deltas_in_order() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server, "/counter", None).await;
    let fresh = json!({"count": 0});
    assert_eq!(page.boot["data"], fresh);
    let mut socket = connect(&server, &page.cookies, &origin(&server)).await.unwrap();
    let ready = hello(&mut socket, Some(&page.token), "/counter").await;
    assert_eq!(
        (ready["token"].as_str(), ready["state"].as_str(), &ready["data"]),
        (Some(page.token.as_str()), Some("counter"), &fresh)
    );

    assert_eq!(
        event(&mut socket, 1, "increment", json!([])).await,
        json!({"t": "delta", "id": 1, "ops": [{"op": "set", "path": ["count"], "value": 1}]})
    );
    assert_eq!(event(&mut socket, 2, "add", json!([5])).await["ops"][0]["value"], 6);
    assert_eq!(
        event(&mut socket, 3, "add", json!({"amount": 0})).await,
        json!({"t": "delta", "id": 3, "ops": []}),
        "nothing changed, nothing sent"
    );

    // A burst without waiting: answered in order, every event applied once.
    for id in 10..60 {
        send(&mut socket, json!({"t": "event", "id": id, "name": "increment"})).await;
    }
    for id in 10..60 {
        let reply = receive(&mut socket).await.unwrap();
        assert_eq!(reply["id"], id);
        assert_eq!(reply["ops"][0]["value"], 6 + (id - 9));
    }
    server.stop().await;
}

#[tokio::test]
async fn failures_roll_back_and_bad_frames_get_clear_errors() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server, "/counter", None).await;
    let mut socket = connect(&server, &page.cookies, &origin(&server)).await.unwrap();

    send(&mut socket, json!({"t": "event", "id": 1, "name": "increment"})).await;
    assert_eq!(receive(&mut socket).await.unwrap()["message"], "send a hello frame first");
    hello(&mut socket, Some(&page.token), "/counter").await;

    // A handler error: the state stays as it was.
    assert_eq!(event(&mut socket, 2, "add", json!([i64::MAX])).await["ops"][0]["value"], i64::MAX);
    let error = event(&mut socket, 3, "add", json!([1])).await;
    assert_eq!(error, json!({"t": "error", "id": 3, "message": "That number is too big."}));
    // A panic (overflow in `increment`) is caught the same way.
    let panic = event(&mut socket, 4, "increment", json!([])).await;
    assert_eq!((panic["t"].as_str(), panic["message"].as_str()), (Some("error"), Some("A server error occurred.")));
    assert_eq!(event(&mut socket, 5, "add", json!([-1])).await["ops"][0]["value"], i64::MAX - 1);

    for (frame, expected) in [
        ("{not json".to_string(), "malformed frame"),
        (json!({"t": "dance"}).to_string(), "malformed frame"),
        (json!({"t": "event", "id": 6, "name": "nope"}).to_string(), "unknown event `nope`"),
        (json!({"t": "event", "id": 7, "name": "add", "args": ["five"]}).to_string(), "argument `amount`"),
        (json!({"t": "event", "id": 8, "name": "add"}).to_string(), "argument `amount`"),
    ] {
        socket.send(Message::Text(frame.clone().into())).await.unwrap();
        let reply = receive(&mut socket).await.unwrap();
        assert_eq!(reply["t"], "error", "{frame}");
        assert!(reply["message"].as_str().unwrap().contains(expected), "{frame}: {reply}");
    }
    socket.send(Message::Binary(vec![0xff, 0x00].into())).await.unwrap();
    assert_eq!(receive(&mut socket).await.unwrap()["message"], "binary frames are not accepted");
    assert_eq!(
        event(&mut socket, 9, "increment", json!([])).await["ops"][0]["value"],
        i64::MAX,
        "the socket still works"
    );

    // The socket is still served by a healthy server.
    assert_eq!(reqwest::get(server.url("/ping")).await.unwrap().text().await.unwrap(), "pong");
    server.stop().await;
}

#[tokio::test]
async fn oversized_frames_and_floods_are_refused() {
    let server = TestServer::start(&shop::app(), |s| {
        s.ui.max_frame_bytes = 2000;
        s.ui.burst = 5;
        s.ui.events_per_second = 1;
    })
    .await;
    let page = load(&server, "/counter", None).await;
    let mut socket = connect(&server, &page.cookies, &origin(&server)).await.unwrap();
    hello(&mut socket, Some(&page.token), "/counter").await;
    for id in 0..8 {
        send(&mut socket, json!({"t": "event", "id": id, "name": "increment"})).await;
    }
    let mut refused = 0;
    for _ in 0..8 {
        let reply = receive(&mut socket).await.unwrap();
        if reply["t"] == "error" {
            assert_eq!(reply["message"], "too many events; this one was not applied");
            refused += 1;
        }
    }
    assert!((2..=3).contains(&refused), "{refused} refused");

    let huge = json!({"t": "event", "id": 99, "name": "add", "args": ["x".repeat(5000)]});
    let _ = socket.send(Message::Text(huge.to_string().into())).await;
    assert_eq!(receive(&mut socket).await.unwrap_err(), Some(CloseCode::Size));

    // The tab's state is intact for a new connection.
    let mut again = connect(&server, &page.cookies, &origin(&server)).await.unwrap();
    let ready = hello(&mut again, Some(&page.token), "/counter").await;
    assert_eq!(ready["data"]["count"], 8 - refused);
    server.stop().await;
}

#[tokio::test]
async fn origins_and_sessions_guard_the_socket() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let alice = load(&server, "/counter", None).await;
    let bob = load(&server, "/counter", None).await;

    for bad in ["http://evil.example", ""] {
        let refused = connect(&server, &alice.cookies, bad).await.unwrap_err();
        assert!(refused.to_string().contains("403"), "{bad}: {refused}");
    }
    let no_session = connect(&server, "csrftoken=x", &origin(&server)).await.unwrap_err();
    assert!(no_session.to_string().contains("403"), "{no_session}");

    // Bob's cookie with Alice's token: refused with the documented close code.
    let mut socket = connect(&server, &bob.cookies, &origin(&server)).await.unwrap();
    send(&mut socket, json!({"t": "hello", "token": alice.token, "path": "/counter"})).await;
    assert_eq!(receive(&mut socket).await.unwrap_err(), Some(CloseCode::Library(4403)));

    // Alice's state is untouched by Bob's attempt.
    let mut socket = connect(&server, &alice.cookies, &origin(&server)).await.unwrap();
    hello(&mut socket, Some(&alice.token), "/counter").await;
    assert_eq!(event(&mut socket, 1, "increment", json!([])).await["ops"][0]["value"], 1);

    // A second connection with the same token (a duplicated browser tab) gets its own copy.
    let mut twin = connect(&server, &alice.cookies, &origin(&server)).await.unwrap();
    let ready = hello(&mut twin, Some(&alice.token), "/counter").await;
    assert_ne!(ready["token"], alice.token);
    assert_eq!(ready["data"]["count"], 1);
    assert_eq!(event(&mut twin, 1, "increment", json!([])).await["ops"][0]["value"], 2);
    assert_eq!(event(&mut socket, 2, "increment", json!([])).await["ops"][0]["value"], 2, "the tabs are independent");

    // An unknown token or none: a new tab.
    let mut fresh = connect(&server, &alice.cookies, &origin(&server)).await.unwrap();
    let ready = hello(&mut fresh, Some("0000"), "/counter").await;
    assert_eq!(ready["data"]["count"], 0);
    send(&mut fresh, json!({"t": "hello", "path": "/nowhere"})).await;
    assert_eq!(receive(&mut fresh).await.unwrap()["message"], "no page at `/nowhere`");
    server.stop().await;
}

#[tokio::test]
async fn state_is_kept_in_the_database() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server, "/counter", None).await;
    let mut socket = connect(&server, &page.cookies, &origin(&server)).await.unwrap();
    hello(&mut socket, Some(&page.token), "/counter").await;
    event(&mut socket, 1, "add", json!([41])).await;
    drop(socket);
    server.ui().flush().await.unwrap();

    // A new state manager on the same database (as after a restart) finds the tab.
    use tandem::ui::store::{DatabaseStates, StateManager};
    let restarted = DatabaseStates::new(server.db.clone(), std::time::Duration::from_secs(3600));
    let tab = restarted.load(&page.token).await.unwrap().expect("the tab was saved");
    assert_eq!(tab.states["counter"], json!({"count": 41}));
    assert!(restarted.load("unknown").await.unwrap().is_none());

    // Idle tabs expire.
    let brief = DatabaseStates::new(server.db.clone(), std::time::Duration::from_secs(1));
    brief.save("short-lived", &tab).await.unwrap();
    assert!(brief.load("short-lived").await.unwrap().is_some());
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(brief.load("short-lived").await.unwrap().is_none(), "expired in memory");
    assert!(restarted.load("short-lived").await.unwrap().is_none(), "expired in the database");
    brief.expire().await.unwrap();
    assert!(restarted.load("short-lived").await.unwrap().is_none(), "and never comes back");

    // A reload of the page (same session) resumes through the stored token.
    let mut socket = connect(&server, &page.cookies, &origin(&server)).await.unwrap();
    let ready = hello(&mut socket, Some(&page.token), "/counter").await;
    assert_eq!(ready["data"]["count"], 41);
    server.stop().await;
}

#[tokio::test]
async fn search_narrows_the_catalog_from_the_database() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server, "/", None).await;
    assert_eq!(page.boot["data"]["count"], 4);
    assert!(page.html.contains("4 products"));
    let mut socket = connect(&server, &page.cookies, &origin(&server)).await.unwrap();
    hello(&mut socket, Some(&page.token), "/").await;
    let delta = event(&mut socket, 1, "search", json!(["kettle"])).await;
    let ops = delta["ops"].as_array().unwrap();
    assert!(ops.contains(&json!({"op": "set", "path": ["query"], "value": "kettle"})), "{delta}");
    assert!(ops.contains(&json!({"op": "set", "path": ["count"], "value": 1})), "{delta}");
    let mut data = page.boot["data"].clone();
    apply_json(&mut data, delta["ops"].as_array().unwrap());
    assert_eq!(
        data["products"],
        json!([{"id": 2, "name": "Pour-over kettle", "price": "49.00", "url": "/products/2"}])
    );
    server.stop().await;
}

/// Applies wire operations as the runtime does.
fn apply_json(data: &mut Value, ops: &[Value]) {
    for op in ops {
        let path: Vec<Value> = op["path"].as_array().unwrap().clone();
        let (last, parent_path) = path.split_last().unwrap();
        let mut parent = &mut *data;
        for step in parent_path {
            parent = match step {
                Value::String(key) => &mut parent[key.as_str()],
                Value::Number(i) => &mut parent[i.as_u64().unwrap() as usize],
                _ => unreachable!(),
            };
        }
        let slot = match last {
            Value::String(key) => &mut parent[key.as_str()],
            Value::Number(i) => &mut parent[i.as_u64().unwrap() as usize],
            _ => unreachable!(),
        };
        match op["op"].as_str().unwrap() {
            "set" => *slot = op["value"].clone(),
            "append" => slot.as_array_mut().unwrap().extend(op["values"].as_array().unwrap().iter().cloned()),
            "truncate" => slot.as_array_mut().unwrap().truncate(op["len"].as_u64().unwrap() as usize),
            other => panic!("{other}"),
        }
    }
}

/// A state with a list, to measure appends on the wire.
#[derive(Default, Serialize, Deserialize, State)]
struct Log {
    lines: Vec<String>,
}

#[events]
impl Log {
    async fn push(&mut self, line: String) -> Result<(), EventError> {
        self.lines.push(line);
        Ok(())
    }
}

fn log_view() -> Node {
    ul().child(foreach("lines", "", li().child(bind("item"))))
}

fn no_urls() -> Vec<tandem::urls::UrlPattern> {
    Vec::new()
}

#[tokio::test]
async fn an_append_costs_the_same_bytes_whatever_the_list_length() {
    let app = tandem::App::new(env!("CARGO_MANIFEST_DIR")).urls(no_urls).page(Page::new::<Log>("log", "Log", log_view));
    let server = TestServer::start(&app, |s| s.ui.burst = 10_000).await;
    let page = load(&server, "/log", None).await;
    let mut socket = connect(&server, &page.cookies, &origin(&server)).await.unwrap();
    hello(&mut socket, Some(&page.token), "/log").await;
    let mut sizes = Vec::new();
    for id in 0..500u64 {
        send(&mut socket, json!({"t": "event", "id": id, "name": "push", "args": [format!("line {:04}", id % 1000)]}))
            .await;
        let Some(Ok(Message::Text(text))) = socket.next().await else { panic!("no reply") };
        if id == 10 || id == 499 {
            sizes.push(text.len() - id.to_string().len());
            assert!(text.contains("\"op\":\"append\""), "{text}");
        }
    }
    assert_eq!(sizes[0], sizes[1], "an append to 10 rows and to 499 rows is the same size");
    server.stop().await;
}

/// A state that counts visits in the HTTP session.
#[derive(Default, Serialize, Deserialize, State)]
struct Visits {
    seen: u64,
}

#[events]
impl Visits {
    async fn visit(&mut self, ctx: &mut tandem::ui::EventContext) -> Result<(), EventError> {
        let session = ctx.session().await?;
        self.seen = session.get::<u64>("visits").unwrap_or(0) + 1;
        session.insert("visits", self.seen);
        Ok(())
    }
}

fn visits_view() -> Node {
    p().child(bind("seen"))
}

#[tokio::test]
async fn handlers_read_and_write_the_http_session() {
    let app = tandem::App::new(env!("CARGO_MANIFEST_DIR")).urls(no_urls).page(Page::new::<Visits>(
        "visits",
        "Visits",
        visits_view,
    ));
    let server = TestServer::start(&app, |_| {}).await;
    let page = load(&server, "/visits", None).await;
    let key = page.cookies.split("; ").find_map(|c| c.strip_prefix("sessionid=")).unwrap().to_string();
    let mut socket = connect(&server, &page.cookies, &origin(&server)).await.unwrap();
    hello(&mut socket, Some(&page.token), "/visits").await;
    assert_eq!(event(&mut socket, 1, "visit", json!([])).await["ops"][0]["value"], 1);
    assert_eq!(event(&mut socket, 2, "visit", json!([])).await["ops"][0]["value"], 2);
    let stored = tandem::sessions::store::load(&server.db, &key).await.unwrap().unwrap();
    assert_eq!(stored["visits"], 2, "saved in the session row the HTTP side reads");
    server.stop().await;
}

#[tokio::test]
async fn computed_values_are_sent_only_when_their_fields_change() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server, "/playground", None).await;
    assert_eq!(page.boot["data"]["doubled"], 0);
    let mut socket = connect(&server, &page.cookies, &origin(&server)).await.unwrap();
    hello(&mut socket, Some(&page.token), "/playground").await;
    assert_eq!(
        event(&mut socket, 1, "increment", json!([])).await["ops"],
        json!([{"op": "set", "path": ["count"], "value": 1}, {"op": "set", "path": ["doubled"], "value": 2}])
    );
    assert_eq!(
        event(&mut socket, 2, "set_note", json!(["hi"])).await["ops"],
        json!([{"op": "set", "path": ["note"], "value": "hi"}, {"op": "set", "path": ["note_events"], "value": 1}])
    );
    server.stop().await;
}
