//! What the UI tests share: a page load over HTTP and a raw WebSocket
//! client speaking `docs/protocol.md` to `/_event`, against any base URL
//! (a `TestServer`, or a process the test started).
#![allow(dead_code)] // each test file uses its own part

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A page load: its cookies, its token and its boot data.
pub struct Loaded {
    pub cookies: String,
    pub token: String,
    pub boot: Value,
    pub html: String,
}

pub async fn load(base: &str, path: &str, cookies: Option<&str>) -> Loaded {
    let mut request = reqwest::Client::new().get(format!("{base}{path}"));
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

pub async fn connect(base: &str, cookies: &str, origin: &str) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("{}/_event", base.replace("http://", "ws://")).into_client_request().unwrap();
    request.headers_mut().insert("cookie", cookies.parse().unwrap());
    if !origin.is_empty() {
        request.headers_mut().insert("origin", origin.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request).await.map(|(socket, _)| socket)
}

pub async fn send(socket: &mut Socket, frame: Value) {
    socket.send(Message::Text(frame.to_string().into())).await.unwrap();
}

/// The next text frame as JSON, or the close frame's code.
pub async fn receive(socket: &mut Socket) -> Result<Value, Option<CloseCode>> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text).unwrap()),
            Some(Ok(Message::Close(frame))) => return Err(frame.map(|f| f.code)),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Err(None),
        }
    }
}

pub async fn hello(socket: &mut Socket, token: Option<&str>, path: &str) -> Value {
    send(socket, json!({"t": "hello", "token": token, "path": path})).await;
    let ready = receive(socket).await.unwrap();
    assert_eq!(ready["t"], "ready", "{ready}");
    ready
}

pub async fn event(socket: &mut Socket, id: u64, name: &str, args: Value) -> Value {
    send(socket, json!({"t": "event", "id": id, "name": name, "args": args})).await;
    receive(socket).await.unwrap()
}

/// Logs in over HTTP (`POST /api/auth/login/` at `base`, CSRF token
/// included) as an existing user: the browser's cookies and its new CSRF
/// token.
pub async fn http_login(base: &str, username: &str, password: &str) -> (String, String) {
    let http = reqwest::Client::new();
    let csrf: Value = http.get(format!("{base}/api/csrf/")).send().await.unwrap().json().await.unwrap();
    let token = csrf["csrfToken"].as_str().unwrap().to_string();
    let response = http
        .post(format!("{base}/api/auth/login/"))
        .header("cookie", format!("csrftoken={token}"))
        .header("x-csrftoken", &token)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let jar: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|header| header.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect();
    let csrf = jar.iter().find_map(|c| c.strip_prefix("csrftoken=")).unwrap().to_string();
    (jar.join("; "), csrf)
}
