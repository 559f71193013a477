//! The reactive UI at the protocol level: first paint over HTTP, then a raw
//! WebSocket client speaking `docs/protocol.md` to `/_event`.

mod support;

use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use support::{Loaded, Socket, connect, event, hello, load, receive, send};
use tandem::testing::TestServer;
use tandem::ui::node::*;
use tandem::ui::{EventError, Page, State, events};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

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
    // The runtime's script (the page's other `src`, the shop's logo, is a static file).
    let runtime = html
        .split("src=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|src| src.starts_with("/_tandem/"))
        .expect("the page loads the runtime")
        .to_string();
    assert!(runtime.starts_with("/_tandem/runtime.") && runtime.ends_with(".js"), "{runtime}");

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
    let page = load(&server.base, "/counter", None).await;
    let fresh = json!({"count": 0});
    assert_eq!(page.boot["data"], fresh);
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
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
    let page = load(&server.base, "/counter", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();

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
    let page = load(&server.base, "/counter", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/counter").await;
    for id in 1..=8 {
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
    // The hello took one of the five as well.
    assert!((3..=4).contains(&refused), "{refused} refused");

    let huge = json!({"t": "event", "id": 99, "name": "add", "args": ["x".repeat(5000)]});
    let _ = socket.send(Message::Text(huge.to_string().into())).await;
    assert_eq!(receive(&mut socket).await.unwrap_err(), Some(CloseCode::Size));

    // The tab's state is intact for a new connection.
    let mut again = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    let ready = hello(&mut again, Some(&page.token), "/counter").await;
    assert_eq!(ready["data"]["count"], 8 - refused);
    server.stop().await;
}

#[tokio::test]
async fn origins_and_sessions_guard_the_socket() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let alice = load(&server.base, "/counter", None).await;
    let bob = load(&server.base, "/counter", None).await;

    for bad in ["http://evil.example", ""] {
        let refused = connect(&server.base, &alice.cookies, bad).await.unwrap_err();
        assert!(refused.to_string().contains("403"), "{bad}: {refused}");
    }
    let no_session = connect(&server.base, "csrftoken=x", &server.base).await.unwrap_err();
    assert!(no_session.to_string().contains("403"), "{no_session}");

    // Bob's cookie with Alice's token: refused with the documented close code.
    let mut socket = connect(&server.base, &bob.cookies, &server.base).await.unwrap();
    send(&mut socket, json!({"t": "hello", "token": alice.token, "path": "/counter"})).await;
    assert_eq!(receive(&mut socket).await.unwrap_err(), Some(CloseCode::Library(4403)));

    // Alice's state is untouched by Bob's attempt.
    let mut socket = connect(&server.base, &alice.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&alice.token), "/counter").await;
    assert_eq!(event(&mut socket, 1, "increment", json!([])).await["ops"][0]["value"], 1);

    // A second connection with the same token (a duplicated browser tab) gets its own copy.
    let mut twin = connect(&server.base, &alice.cookies, &server.base).await.unwrap();
    let ready = hello(&mut twin, Some(&alice.token), "/counter").await;
    assert_ne!(ready["token"], alice.token);
    assert_eq!(ready["data"]["count"], 1);
    // (The copy carries on from the original's event ids, as the runtime's
    // duplicated sessionStorage does.)
    assert_eq!(event(&mut twin, 2, "increment", json!([])).await["ops"][0]["value"], 2);
    assert_eq!(event(&mut socket, 2, "increment", json!([])).await["ops"][0]["value"], 2, "the tabs are independent");

    // A token of the wrong shape is refused; none: a new tab.
    let mut fresh = connect(&server.base, &alice.cookies, &server.base).await.unwrap();
    send(&mut fresh, json!({"t": "hello", "token": "0000", "path": "/counter"})).await;
    let refused = receive(&mut fresh).await.unwrap();
    assert!(refused["message"].as_str().unwrap().starts_with("malformed token"), "{refused}");
    let ready = hello(&mut fresh, None, "/counter").await;
    assert_eq!(ready["data"]["count"], 0);
    // A path no page serves attaches the 404 page, as its HTTP answer shows it.
    let ready = hello(&mut fresh, None, "/nowhere?x=1").await;
    assert_eq!((ready["state"].as_str(), ready["data"]["path"].as_str()), (Some("missing"), Some("/nowhere")));
    server.stop().await;
}

#[tokio::test]
async fn state_is_kept_in_the_database() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/counter", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
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
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    let ready = hello(&mut socket, Some(&page.token), "/counter").await;
    assert_eq!(ready["data"]["count"], 41);
    server.stop().await;
}

#[tokio::test]
async fn search_narrows_the_catalog_from_the_database() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/", None).await;
    assert_eq!(page.boot["data"]["count"], 4);
    assert!(page.html.contains("4 products"));
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
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
    let app =
        tandem::App::new(env!("CARGO_MANIFEST_DIR")).urls(no_urls).page(Page::dynamic::<Log>("log", "Log", log_view));
    let server = TestServer::start(&app, |s| s.ui.burst = 10_000).await;
    let page = load(&server.base, "/log", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
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
    let app = tandem::App::new(env!("CARGO_MANIFEST_DIR")).urls(no_urls).page(Page::dynamic::<Visits>(
        "visits",
        "Visits",
        visits_view,
    ));
    let server = TestServer::start(&app, |_| {}).await;
    let page = load(&server.base, "/visits", None).await;
    let key = page.cookies.split("; ").find_map(|c| c.strip_prefix("sessionid=")).unwrap().to_string();
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/visits").await;
    assert_eq!(event(&mut socket, 1, "visit", json!([])).await["ops"][0]["value"], 1);
    assert_eq!(event(&mut socket, 2, "visit", json!([])).await["ops"][0]["value"], 2);
    let stored = tandem::sessions::store::load(&server.db, &key).await.unwrap().unwrap();
    assert_eq!(stored["visits"], 2, "saved in the session row the HTTP side reads");
    server.stop().await;
}

/// A state whose event says a topic changed.
#[derive(Default, Serialize, Deserialize, State)]
struct Notifier {
    told: u64,
}

#[events]
impl Notifier {
    async fn tell(&mut self, ctx: &mut tandem::ui::EventContext, topic: String) -> Result<(), EventError> {
        ctx.changed(&topic)?;
        self.told += 1;
        Ok(())
    }
}

fn notifier_view() -> Node {
    p().child(bind("told"))
}

#[tokio::test]
async fn a_misspelt_topic_fails_the_event_naming_the_closest_one() {
    let app = shop::app().topic("prices").page(Page::dynamic::<Notifier>("notify", "Notify", notifier_view));
    let server = TestServer::start(&app, |_| {}).await;
    let page = load(&server.base, "/notify", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/notify").await;
    // A declared topic and a registered model's table are known.
    assert_eq!(event(&mut socket, 1, "tell", json!(["prices"])).await["ops"][0]["value"], 1);
    assert_eq!(event(&mut socket, 2, "tell", json!(["shop_product"])).await["ops"][0]["value"], 2);
    // Any other name fails the event (the state rolled back) instead of reaching no page.
    let error = event(&mut socket, 3, "tell", json!(["prises"])).await;
    assert_eq!(
        error["message"],
        "ctx.changed(\"prises\") names no model's table (`App::model`) or declared topic (`App::topic`); \
         did you mean `prices`?"
    );
    assert_eq!(event(&mut socket, 4, "tell", json!(["prices"])).await["ops"][0]["value"], 3);
    server.stop().await;
}

#[tokio::test]
async fn computed_values_are_sent_only_when_their_fields_change() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/playground", None).await;
    assert_eq!(page.boot["data"]["doubled"], 0);
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
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

/// Frames until (and including) the answer to event `id`.
async fn frames_until_answer(socket: &mut Socket, id: u64) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = receive(socket).await.unwrap();
        let answered = frame["id"] == id;
        frames.push(frame);
        if answered {
            return frames;
        }
    }
}

fn values_at(frames: &[Value], kind: &str, field: &str) -> Vec<Value> {
    frames
        .iter()
        .filter(|f| f["t"] == kind)
        .flat_map(|f| f["ops"].as_array().cloned().unwrap_or_default())
        .filter(|op| op["path"] == json!([field]))
        .map(|op| op["value"].clone())
        .collect()
}

#[tokio::test]
async fn a_handler_streams_its_progress_before_its_answer() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/jobs", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/jobs").await;
    send(&mut socket, json!({"t": "event", "id": 1, "name": "process", "args": []})).await;
    let frames = frames_until_answer(&mut socket, 1).await;
    let pushed = values_at(&frames, "push", "progress");
    assert_eq!(pushed, (1..=10).map(|s| json!(s * 10)).collect::<Vec<_>>(), "every step, in order: {frames:?}");
    assert!(frames.iter().filter(|f| f["t"] == "push").all(|f| f["state"] == "jobs"));
    let answer = frames.last().unwrap();
    assert_eq!(answer["t"], "delta");
    assert_eq!(answer["ops"], json!([{"op": "set", "path": ["stage"], "value": "done"}]), "only what was not pushed");

    // A failure after a push: the error frame takes the pushed values back,
    // and the stored state never had them.
    send(&mut socket, json!({"t": "event", "id": 2, "name": "process_and_fail", "args": []})).await;
    let frames = frames_until_answer(&mut socket, 2).await;
    assert_eq!(values_at(&frames, "push", "progress"), [json!(50)]);
    let error = frames.last().unwrap();
    assert_eq!(error["t"], "error");
    assert_eq!(error["message"], "The job failed half-way; nothing was kept.");
    let undo: Vec<Value> = error["ops"].as_array().unwrap().clone();
    assert!(undo.contains(&json!({"op": "set", "path": ["progress"], "value": 100})), "{undo:?}");
    assert!(undo.contains(&json!({"op": "set", "path": ["stage"], "value": "done"})), "{undo:?}");
    drop(socket);
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    let ready = hello(&mut socket, Some(&page.token), "/jobs").await;
    assert_eq!((ready["data"]["progress"].clone(), ready["data"]["stage"].clone()), (json!(100), json!("done")));
    server.stop().await;
}

#[tokio::test]
async fn queued_events_run_on_the_server_in_order_before_the_next_browser_event() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/jobs", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/jobs").await;
    send(&mut socket, json!({"t": "event", "id": 1, "name": "chain", "args": []})).await;
    send(&mut socket, json!({"t": "event", "id": 2, "name": "ping", "args": []})).await;
    let mut frames = Vec::new();
    for _ in 0..4 {
        frames.push(receive(&mut socket).await.unwrap());
    }
    let kinds: Vec<(Value, Value)> = frames.iter().map(|f| (f["t"].clone(), f["id"].clone())).collect();
    assert_eq!(
        kinds,
        [
            (json!("delta"), json!(1)),
            (json!("push"), Value::Null),
            (json!("push"), Value::Null),
            (json!("delta"), json!(2))
        ],
        "{frames:?}"
    );
    assert_eq!(frames[0]["ops"], json!([{"op": "append", "path": ["steps"], "values": ["first"]}]));
    assert_eq!(frames[1]["ops"], json!([{"op": "append", "path": ["steps"], "values": ["second"]}]));
    assert_eq!(frames[2]["ops"], json!([{"op": "append", "path": ["steps"], "values": ["third"]}]));
    server.stop().await;
}

#[tokio::test]
async fn a_background_task_updates_the_tab_without_holding_it_up() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/jobs", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/jobs").await;
    let started = event(&mut socket, 1, "start_import", json!([])).await;
    assert_eq!(started["t"], "delta");
    assert!(started["ops"].as_array().unwrap().contains(&json!({"op": "set", "path": ["importing"], "value": true})));
    // The import takes 4 × 80 ms; a ping is answered long before it ends.
    let answer = event(&mut socket, 2, "ping", json!([])).await;
    assert_eq!(answer, json!({"t": "delta", "id": 2, "ops": [{"op": "set", "path": ["pings"], "value": 1}]}));
    let again = event(&mut socket, 3, "start_import", json!([])).await;
    assert_eq!(again["message"], "An import is already running.", "{again}");

    let mut imported = Vec::new();
    loop {
        let frame = receive(&mut socket).await.unwrap();
        assert_eq!(frame["t"], "push", "{frame}");
        imported.extend(values_at(std::slice::from_ref(&frame), "push", "imported"));
        if values_at(std::slice::from_ref(&frame), "push", "importing") == [json!(false)] {
            break;
        }
    }
    assert_eq!(imported, [json!(1), json!(2), json!(3), json!(4)], "the four active products, one by one");

    // Saved like any event's changes: a reconnect sees the import's result,
    // and an event after it builds on it.
    drop(socket);
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    let ready = hello(&mut socket, Some(&page.token), "/jobs").await;
    assert_eq!(ready["data"]["imported"], 4);
    assert_eq!(ready["data"]["last_imported"], "Green beans, 1 kg", "the last active product by id");
    assert_eq!(event(&mut socket, 4, "ping", json!([])).await["ops"][0]["value"], 2);
    server.stop().await;
}

#[tokio::test]
async fn the_server_refuses_events_faster_than_their_throttle() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/jobs", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/jobs").await;
    assert_eq!(event(&mut socket, 1, "save_draft", json!([])).await["ops"][0]["value"], 1);
    let refused = event(&mut socket, 2, "save_draft", json!([])).await;
    assert_eq!(refused["t"], "error");
    assert_eq!(refused["message"], "`save_draft` is limited to one every 1000 ms; this one was not applied");
    // Other events are not throttled.
    assert_eq!(event(&mut socket, 3, "ping", json!([])).await["t"], "delta");
    drop(socket);
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    let ready = hello(&mut socket, Some(&page.token), "/jobs").await;
    assert_eq!(ready["data"]["drafts"], 1, "the refused event changed nothing");
    server.stop().await;
}

#[tokio::test]
async fn client_storage_fields_come_back_from_cookies_and_the_hello_type_checked() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    // The cookie field is in the first paint; a forged value of the wrong
    // type, or too big, is ignored.
    let page = load(&server.base, "/playground", Some("t_playground_theme=%22dark%22")).await;
    assert_eq!(page.boot["data"]["theme"], "dark");
    assert!(page.html.contains("<span id=\"theme\">dark</span>"), "{}", page.html);
    let forged = load(&server.base, "/playground", Some("t_playground_theme=42; t_playground_count=99")).await;
    assert_eq!((forged.boot["data"]["theme"].clone(), forged.boot["data"]["count"].clone()), (json!(""), json!(0)));

    // localStorage values arrive with the hello; the ready frame says which
    // fields the browser should keep, and where.
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    send(
        &mut socket,
        json!({"t": "hello", "token": page.token, "path": "/playground",
               "storage": {"favourite": "Burr grinder", "theme": "dark", "count": 1000}}),
    )
    .await;
    let ready = receive(&mut socket).await.unwrap();
    assert_eq!(ready["data"]["favourite"], "Burr grinder");
    assert_eq!(ready["data"]["count"], 0, "only declared fields are taken back");
    assert_eq!(ready["storage"], json!({"theme": "cookie", "favourite": "local"}));
    let huge = "x".repeat(tandem::ui::storage::MAX_STORED_VALUE + 1);
    send(
        &mut socket,
        json!({"t": "hello", "token": page.token, "path": "/playground", "storage": {"favourite": huge}}),
    )
    .await;
    let ready = receive(&mut socket).await.unwrap();
    assert_eq!(ready["data"]["favourite"], "Burr grinder", "an oversized value is ignored");
    server.stop().await;
}

fn cookie_value(cookies: &str, name: &str) -> String {
    cookies.split("; ").find_map(|c| c.strip_prefix(&format!("{name}="))).unwrap_or_default().to_string()
}

/// `POST /_upload` of `files` (name, bytes) for `event` of the gallery tab.
async fn upload(
    server: &TestServer,
    page: &Loaded,
    event: &str,
    files: &[(&str, Vec<u8>)],
    csrf: bool,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (name, bytes) in files {
        form = form.part("files", reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()));
    }
    let mut request = reqwest::Client::new()
        .post(server.url("/_upload"))
        .header("cookie", &page.cookies)
        .header("x-tandem-token", &page.token)
        .header("x-tandem-state", "gallery")
        .header("x-tandem-event", event)
        .multipart(form);
    if csrf {
        request = request.header("x-csrftoken", cookie_value(&page.cookies, "csrftoken"));
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn uploads_reach_the_handler_in_order_and_are_served_back_sandboxed() {
    // The media root inside a folder that also holds a file it must not serve.
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(outer.path().join("secret.txt"), "not for you").unwrap();
    let root = outer.path().join("media");
    let server = TestServer::start(&shop::app(), |s| {
        s.ui.upload_max_bytes = 64 * 1024;
        s.ui.media_root = root.clone();
    })
    .await;
    let page = load(&server.base, "/gallery", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/gallery").await;

    let picture = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    let response = upload(
        &server,
        &page,
        "add_files",
        &[("../../evil.svg", picture.clone()), ("notes.txt", b"hi".to_vec())],
        true,
    )
    .await;
    assert_eq!(response.status(), 200);
    let urls: Vec<String> = serde_json::from_value(response.json::<Value>().await.unwrap()["files"].clone()).unwrap();
    assert_eq!(urls.len(), 2);
    assert!(urls[0].starts_with("/media/uploads/") && urls[0].ends_with("/evil.svg"), "{urls:?}");

    // The handler's changes arrive over the tab's socket, as a push.
    let pushed = receive(&mut socket).await.unwrap();
    assert_eq!(pushed["t"], "push", "{pushed}");
    assert_eq!(pushed["ops"][0]["values"][0]["name"], "evil.svg");
    assert_eq!(pushed["ops"][0]["values"][1]["size"], 2);

    // Served back byte for byte, with its type, and unable to run scripts here.
    let served = reqwest::get(server.url(&urls[0])).await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/svg+xml");
    assert!(served.headers()["content-security-policy"].to_str().unwrap().starts_with("sandbox"));
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    assert_eq!(served.bytes().await.unwrap().to_vec(), picture);
    let stored = std::fs::read_dir(root.join("uploads")).unwrap().count();
    assert_eq!(stored, 1, "one folder per upload, inside the media root");
    for escape in ["/media/..%2fsecret.txt", "/media/uploads/..%2f..%2fsecret.txt", "/media/uploads/nothing.txt"] {
        assert_eq!(reqwest::get(server.url(escape)).await.unwrap().status(), 404, "{escape}");
    }

    // Refused: without the CSRF token, for another session's tab, over the
    // size limit (nothing is kept), for an event that fails.
    assert_eq!(upload(&server, &page, "add_files", &[("a.txt", b"a".to_vec())], false).await.status(), 403);
    let stranger = load(&server.base, "/gallery", None).await;
    let forged = Loaded { token: page.token.clone(), ..stranger };
    let response = upload(&server, &forged, "add_files", &[("a.txt", b"a".to_vec())], true).await;
    assert_eq!(response.status(), 403);
    assert_eq!(response.json::<Value>().await.unwrap()["detail"], "This tab belongs to another session.");
    let response = upload(&server, &page, "add_files", &[("big.bin", vec![7u8; 100 * 1024])], true).await;
    assert_eq!(response.status(), 413);
    assert_eq!(std::fs::read_dir(root.join("uploads")).unwrap().count(), 1, "the big one was removed");
    let response = upload(&server, &page, "no_such_event", &[("a.txt", b"a".to_vec())], true).await;
    assert_eq!(response.status(), 400);
    assert_eq!(response.json::<Value>().await.unwrap()["detail"], "unknown event `no_such_event`");

    // The failed event told the tab too; an event over the socket cannot
    // claim uploads: the list is the server's.
    let told = receive(&mut socket).await.unwrap();
    assert_eq!(told, json!({"t": "error", "message": "unknown event `no_such_event`"}));
    let direct = event(&mut socket, 9, "add_files", json!([{"url": "/etc/passwd"}])).await;
    assert_eq!(direct, json!({"t": "error", "id": 9, "message": "Choose a file to upload."}));
    server.stop().await;
}

#[tokio::test]
async fn an_event_sent_again_after_a_reconnect_is_applied_once() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/counter", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    let ready = hello(&mut socket, Some(&page.token), "/counter").await;
    assert_eq!(ready.get("applied"), None, "nothing applied yet");
    assert_eq!(event(&mut socket, 1, "increment", json!([])).await["ops"][0]["value"], 1);
    // Event 2 is sent, the connection drops before its answer is read.
    send(&mut socket, json!({"t": "event", "id": 2, "name": "add", "args": [10]})).await;
    drop(socket);

    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    let ready = hello(&mut socket, Some(&page.token), "/counter").await;
    let applied: Vec<u64> = serde_json::from_value(ready["applied"].clone()).unwrap();
    assert!(applied == [1] || applied == [1, 2], "{ready}");
    // The runtime sends again what is not listed; anything listed is
    // answered without being applied twice.
    let again = event(&mut socket, 2, "add", json!([10])).await;
    assert_eq!(again["t"], "delta");
    let replayed = event(&mut socket, 1, "increment", json!([])).await;
    assert_eq!(replayed, json!({"t": "delta", "id": 1, "ops": []}), "an applied id changes nothing");
    let ready = hello(&mut socket, Some(&page.token), "/counter").await;
    assert_eq!(ready["data"]["count"], 11, "1 + 10, each once");
    assert_eq!(ready["applied"], json!([1, 2]));
    server.stop().await;
}

#[tokio::test]
async fn a_product_created_through_the_api_appears_in_a_live_catalog() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    let ready = hello(&mut socket, Some(&page.token), "/").await;
    assert_eq!(ready["data"]["count"], 4);

    // A superuser creates a product over HTTP Basic, as any API client would.
    let admin = tandem::auth::NewUser {
        username: "admin",
        email: "",
        password: Some("admin-pass-123"),
        is_staff: true,
        is_superuser: true,
    };
    tandem::auth::create_user(&server.db, admin).await.unwrap();
    let created = reqwest::Client::new()
        .post(server.url("/api/shop/products/"))
        .basic_auth("admin", Some("admin-pass-123"))
        .json(&json!({"name": "Milk jug", "price": "19.00", "sku": "JUG-1", "is_active": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{:?}", created.text().await);

    // The tab's page is live on the product table: it reloads, on the
    // server, and the change arrives as a push.
    let pushed = receive(&mut socket).await.unwrap();
    assert_eq!(pushed["t"], "push", "{pushed}");
    assert!(
        pushed["ops"].as_array().unwrap().contains(&json!({"op": "set", "path": ["count"], "value": 5})),
        "{pushed}"
    );
    assert!(pushed.to_string().contains("Milk jug"), "{pushed}");
    server.stop().await;
}

#[tokio::test]
async fn readiness_fails_while_draining() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let ready = reqwest::get(server.url("/_ready")).await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<Value>().await.unwrap(),
        json!({"status": "ready", "database": "reachable", "states": "reachable", "draining": false})
    );
    server.ui().drain();
    let draining = reqwest::get(server.url("/_ready")).await.unwrap();
    assert_eq!(draining.status(), 503);
    assert_eq!(draining.json::<Value>().await.unwrap()["draining"], true);
    assert_eq!(reqwest::get(server.url("/_health")).await.unwrap().status(), 200, "still alive, just not ready");
    server.stop().await;
}

/// A user (password `<name>-pass-123`), holding `shop.change_product` when `editor`.
async fn guarded_user(server: &TestServer, name: &str, editor: bool) -> (String, String) {
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    use tandem::auth::models::{permission, user_permission};
    let password = format!("{name}-pass-123");
    let new = tandem::auth::NewUser { username: name, password: Some(&password), ..Default::default() };
    let user = tandem::auth::create_user(&server.db, new).await.unwrap();
    if editor {
        let change = permission::Entity::find()
            .filter(permission::Column::AppLabel.eq("shop"))
            .filter(permission::Column::Codename.eq("change_product"))
            .one(&server.db)
            .await
            .unwrap()
            .expect("migrate creates the model's permissions");
        user_permission::ActiveModel { user_id: Set(user.id), permission_id: Set(change.id), ..Default::default() }
            .insert(&server.db)
            .await
            .unwrap();
    }
    support::http_login(&server.base, name, &password).await
}

/// GET `path` without following redirects: the status, `Location` and body.
async fn get_raw(server: &TestServer, path: &str, cookies: Option<&str>) -> (u16, Option<String>, String) {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut request = http.get(server.url(path));
    if let Some(cookies) = cookies {
        request = request.header("cookie", cookies);
    }
    let response = request.send().await.unwrap();
    let location = response.headers().get("location").map(|v| v.to_str().unwrap().to_string());
    (response.status().as_u16(), location, response.text().await.unwrap())
}

#[tokio::test]
async fn guarded_pages_redirect_visitors_to_the_login_page_and_refuse_users_without_the_permission() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let (status, location, _) = get_raw(&server, "/account?tab=orders&x=1", None).await;
    assert_eq!((status, location.as_deref()), (302, Some("/login?next=/account%3Ftab%3Dorders%26x%3D1")));
    let (status, location, _) = get_raw(&server, "/account/stock", None).await;
    assert_eq!((status, location.as_deref()), (302, Some("/login?next=/account/stock")));
    // Unguarded pages are as they were.
    assert_eq!(get_raw(&server, "/counter", None).await.0, 200);

    let (bob, _) = guarded_user(&server, "bob", false).await;
    let (status, _, html) = get_raw(&server, "/account", Some(&bob)).await;
    assert_eq!(status, 200);
    assert!(html.contains("\"username\":\"bob\""), "on_load ran for the allowed user: {html}");
    let (status, location, html) = get_raw(&server, "/account/stock", Some(&bob)).await;
    assert_eq!((status, location), (403, None), "logged in, without the permission: 403");
    assert!(html.contains("You do not have permission to see this page."), "{html}");

    let (carol, _) = guarded_user(&server, "carol", true).await;
    let (status, _, html) = get_raw(&server, "/account/stock", Some(&carol)).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"stock\""), "{html}");

    // Another login URL from the settings.
    let server2 = TestServer::start(&shop::app(), |s| s.auth.login_url = "/accounts/login/".into()).await;
    let (_, location, _) = get_raw(&server2, "/account", None).await;
    assert_eq!(location.as_deref(), Some("/accounts/login/?next=/account"));
    server2.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn a_guarded_hello_by_a_visitor_makes_no_state_and_says_where_to_log_in() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/counter", None).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    // The page's own token, and a new tab: both refused alike.
    for token in [Some(page.token.as_str()), None] {
        send(&mut socket, json!({"t": "hello", "token": token, "path": "/account?tab=orders"})).await;
        let refused = receive(&mut socket).await.unwrap();
        assert_eq!(
            refused,
            json!({"t": "error", "message": "Log in to see this page.", "refused": true,
                   "navigate": "/login?next=/account%3Ftab%3Dorders"})
        );
    }
    assert_eq!(server.ui().tabs_connected(), 0, "no tab attached");
    assert_eq!(event(&mut socket, 1, "visit", json!([])).await["message"], "send a hello frame first");
    server.ui().flush().await.unwrap();
    assert_eq!(tandem::ui::store::model::Entity::find().count(&server.db).await.unwrap(), 0, "nothing stored");
    // The connection is still good for a page the visitor may see.
    assert_eq!(hello(&mut socket, Some(&page.token), "/counter").await["state"], "counter");

    // A logged-in user without the permission: sent to the page itself (403 over HTTP).
    let (bob, _) = guarded_user(&server, "bob", false).await;
    let mut socket = connect(&server.base, &bob, &server.base).await.unwrap();
    send(&mut socket, json!({"t": "hello", "token": null, "path": "/account/stock"})).await;
    let refused = receive(&mut socket).await.unwrap();
    assert_eq!(refused["message"], "You do not have permission to see this page.");
    assert_eq!(refused["navigate"], "/account/stock");
    server.stop().await;
}

#[tokio::test]
async fn a_guarded_event_is_refused_with_the_state_untouched_and_a_logout_stops_the_page() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let (bob, _) = guarded_user(&server, "bob", false).await;
    let page = load(&server.base, "/account", Some(&bob)).await;
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    let ready = hello(&mut socket, Some(&page.token), "/account").await;
    assert_eq!(ready["data"], json!({"username": "bob", "visits": 0, "audited": false}));
    assert_eq!(event(&mut socket, 1, "visit", json!([])).await["ops"][0]["value"], 1);
    assert_eq!(
        event(&mut socket, 2, "audit", json!([])).await,
        json!({"t": "error", "id": 2, "message": "You do not have permission to do this."})
    );
    // Untouched: the next event's delta holds only its own change, and a
    // fresh hello shows the catalog not audited.
    assert_eq!(
        event(&mut socket, 3, "visit", json!([])).await,
        json!({"t": "delta", "id": 3, "ops": [{"op": "set", "path": ["visits"], "value": 2}]})
    );
    let again = hello(&mut socket, Some(&page.token), "/account").await;
    assert_eq!(again["data"], json!({"username": "bob", "visits": 2, "audited": false}));

    // A user with the permission runs it.
    let (carol, _) = guarded_user(&server, "carol", true).await;
    let page = load(&server.base, "/account", Some(&carol)).await;
    let mut carols = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut carols, Some(&page.token), "/account").await;
    assert_eq!(
        event(&mut carols, 1, "audit", json!([])).await,
        json!({"t": "delta", "id": 1, "ops": [{"op": "set", "path": ["audited"], "value": true}]})
    );

    // Bob's session disappears without a word to his socket (another
    // process deleted the row): the guarded page's next event is refused
    // at once, not after the recheck interval.
    use sea_orm::EntityTrait;
    tandem::sessions::model::Entity::delete_many().exec(&server.db).await.unwrap();
    send(&mut socket, json!({"t": "event", "id": 4, "name": "visit"})).await;
    assert_eq!(receive(&mut socket).await.unwrap_err(), Some(CloseCode::Library(4401)));
    server.stop().await;
}

#[tokio::test]
async fn a_guarded_view_answers_401_403_and_200() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let (status, _, body) = get_raw(&server, "/api/shop/stock/", None).await;
    assert_eq!(status, 401);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"detail": "Authentication credentials were not provided."})
    );
    let (bob, _) = guarded_user(&server, "bob", false).await;
    let (status, _, body) = get_raw(&server, "/api/shop/stock/", Some(&bob)).await;
    assert_eq!(status, 403);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"detail": "You do not have permission to perform this action."})
    );
    let (carol, _) = guarded_user(&server, "carol", true).await;
    let (status, _, body) = get_raw(&server, "/api/shop/stock/", Some(&carol)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), json!({"inactive": 1, "checked_by": "carol"}));
    server.stop().await;
}
