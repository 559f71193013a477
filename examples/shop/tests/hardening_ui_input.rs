//! Hostile input to the UI side, over a real socket: uploads that fail,
//! overflow, collide, break off or carry odd names, and `javascript:` URLs
//! bound into links, in the first paint and in a real Chromium.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use support::{Loaded, connect, hello, load, receive, send};
use tandem::testing::TestServer;
use tandem::ui::node::*;
use tandem::ui::{Page, State, events};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BOUNDARY: &str = "hardening-boundary-7MA4YWxk";

/// Every file stored under the server's media root.
fn stored(server: &TestServer) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() { walk(&path, out) } else { out.push(path) }
        }
    }
    let mut out = Vec::new();
    walk(server.media.path(), &mut out);
    out
}

/// The upload folders under the media root (one per kept upload).
fn folders(server: &TestServer) -> usize {
    std::fs::read_dir(server.media.path().join("uploads")).map(|dir| dir.count()).unwrap_or(0)
}

fn csrf(page: &Loaded) -> String {
    page.cookies.split("; ").find_map(|c| c.strip_prefix("csrftoken=")).unwrap_or_default().to_string()
}

/// One part's head: `filename` is written as given (raw bytes, quoted).
fn part_head(filename: &[u8]) -> Vec<u8> {
    let mut head = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"").into_bytes();
    head.extend_from_slice(filename);
    head.extend_from_slice(b"\"\r\nContent-Type: text/plain\r\n\r\n");
    head
}

/// A multipart body of `files` (raw name, content), built by hand so that
/// any name can be sent.
fn multipart(files: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, content) in files {
        body.extend(part_head(name));
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").into_bytes());
    body
}

/// `POST /_upload` of `body` for `event` of the gallery tab `page`.
async fn post(server: &TestServer, page: &Loaded, event: &str, body: Vec<u8>) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(server.url("/_upload"))
        .header("cookie", &page.cookies)
        .header("x-csrftoken", csrf(page))
        .header("x-tandem-token", &page.token)
        .header("x-tandem-state", "gallery")
        .header("x-tandem-event", event)
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The head of a raw HTTP/1.1 `POST /_upload` for the gallery tab `page`,
/// its body `framing` (`Content-Length: …` or `Transfer-Encoding: chunked`).
fn raw_head(server: &TestServer, page: &Loaded, framing: &str) -> Vec<u8> {
    let host = server.base.trim_start_matches("http://");
    format!(
        "POST /_upload HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\nX-CSRFToken: {}\r\nX-Tandem-Token: {}\r\n\
         X-Tandem-State: gallery\r\nX-Tandem-Event: add_files\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{framing}\r\n\r\n",
        page.cookies,
        csrf(page),
        page.token
    )
    .into_bytes()
}

/// Waits (polling, at most a minute) until `done` holds.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..1200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

/// What the gallery tab holds now, read back over the socket.
async fn gallery_data(server: &TestServer, page: &Loaded) -> Value {
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/gallery").await["data"].clone()
}

#[tokio::test]
async fn an_upload_whose_event_fails_keeps_no_file() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/gallery", None).await;
    let (status, body) = post(&server, &page, "no_such_event", multipart(&[(b"a.txt", b"aaa")])).await;
    assert_eq!((status, body), (400, json!({"detail": "unknown event `no_such_event`"})));
    assert_eq!(stored(&server), Vec::<PathBuf>::new(), "the failed event's file is removed");
    assert_eq!(folders(&server), 0, "and its folder");

    // The same upload for an event that succeeds is kept.
    let (status, body) = post(&server, &page, "add_files", multipart(&[(b"a.txt", b"aaa")])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(stored(&server).len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn more_files_than_upload_max_files_are_refused_and_nothing_is_kept() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    assert_eq!(server.settings.ui.upload_max_files, 100, "Django's DATA_UPLOAD_MAX_NUMBER_FILES");
    let page = load(&server.base, "/gallery", None).await;

    // 20,000 empty files in one request.
    let names: Vec<String> = (0..20_000).map(|i| format!("{i}.txt")).collect();
    let many: Vec<(&[u8], &[u8])> = names.iter().map(|name| (name.as_bytes(), &b""[..])).collect();
    let (status, body) = post(&server, &page, "add_files", multipart(&many)).await;
    assert_eq!((status, body), (413, json!({"detail": "The upload has more than 100 files."})));
    assert_eq!(stored(&server), Vec::<PathBuf>::new(), "nothing is kept");
    assert_eq!(gallery_data(&server, &page).await["files"], json!([]), "the tab's state did not grow");

    // 101 is one too many; 100 are taken.
    let (status, _) = post(&server, &page, "add_files", multipart(&many[..101])).await;
    assert_eq!(status, 413);
    let (status, body) = post(&server, &page, "add_files", multipart(&many[..100])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["files"].as_array().unwrap().len(), 100);
    assert_eq!(stored(&server).len(), 100);
    server.stop().await;

    // The limit is a setting.
    let server = TestServer::start(&shop::app(), |s| s.ui.upload_max_files = 2).await;
    let page = load(&server.base, "/gallery", None).await;
    let (status, body) = post(&server, &page, "add_files", multipart(&many[..3])).await;
    assert_eq!((status, body), (413, json!({"detail": "The upload has more than 2 files."})));
    assert_eq!(stored(&server), Vec::<PathBuf>::new());
    server.stop().await;
}

#[tokio::test]
async fn files_of_one_upload_never_replace_each_other_and_names_are_made_safe() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/gallery", None).await;
    let long = format!("{}.txt", "n".repeat(400));
    let files: [(&[u8], &[u8]); 8] = [
        (b"a", b"first"),
        (b"2-a", b"second"),
        (b"a", b"third"),
        (b"../../escape.txt", b"fourth"),
        (b"..\\..\\windows.txt", b"fifth"),
        (b"..", b"sixth"),
        (long.as_bytes(), b"seventh"),
        ("фото 1.png".as_bytes(), b"eighth"),
    ];
    let (status, body) = post(&server, &page, "add_files", multipart(&files)).await;
    assert_eq!(status, 200, "{body}");
    let urls: Vec<String> = serde_json::from_value(body["files"].clone()).unwrap();
    let mut unique = urls.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), files.len(), "one URL per file: {urls:?}");
    let names: Vec<&str> = urls.iter().map(|url| url.rsplit('/').next().unwrap()).collect();
    assert_eq!(&names[..2], ["a", "2-a"], "{names:?}");
    assert!(names[2].starts_with("a_") && names[2].len() > 2, "the second `a` gets a suffix: {names:?}");
    assert_eq!(&names[3..6], ["escape.txt", "windows.txt", "file"]);
    assert!(names[6].len() == 100 && names[6].ends_with("n.txt"), "shortened, its extension kept: {}", names[6]);
    assert_eq!(names[7], "_____1.png");

    // Each served back with its own bytes, every file inside the media root.
    for (url, (_, content)) in urls.iter().zip(files) {
        let served = reqwest::get(server.url(url)).await.unwrap().bytes().await.unwrap();
        assert_eq!(served.as_ref(), content, "{url}");
    }
    let on_disk = stored(&server);
    assert_eq!(on_disk.len(), files.len());
    assert!(on_disk.iter().all(|path| path.starts_with(server.media.path().join("uploads"))), "{on_disk:?}");
    let pushed = gallery_data(&server, &page).await;
    let listed: Vec<&str> = pushed["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(listed, names, "the handler saw the stored names");

    // A second upload of the same names goes to a folder of its own.
    let (status, again) = post(&server, &page, "add_files", multipart(&files[..1])).await;
    assert_eq!(status, 200);
    assert!(!urls.contains(&again["files"][0].as_str().unwrap().to_string()), "{again}");
    assert_eq!(folders(&server), 2);
    server.stop().await;
}

#[tokio::test]
async fn a_malformed_body_keeps_nothing_even_after_a_stored_file() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/gallery", None).await;
    // A good file first, then a part whose name holds control characters
    // (not allowed in a part's header), then no closing boundary.
    for bad in [&b"nul\0.txt"[..], b"bell\x07.txt", b"del\x7f.txt"] {
        let mut body = multipart(&[(b"good.txt", &[b'g'; 4096][..])]);
        body.truncate(body.len() - format!("--{BOUNDARY}--\r\n").len());
        body.extend(part_head(bad));
        body.extend_from_slice(b"bad");
        let (status, body) = post(&server, &page, "add_files", body).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["detail"].as_str().unwrap().starts_with("Malformed upload"), "{body}");
        assert_eq!(stored(&server), Vec::<PathBuf>::new(), "the good file went with the bad");
    }
    assert_eq!(gallery_data(&server, &page).await["files"], json!([]));
    server.stop().await;
}

#[tokio::test]
async fn the_size_limit_answers_while_the_body_still_streams() {
    let server = TestServer::start(&shop::app(), |s| s.ui.upload_max_bytes = 64 * 1024).await;
    let page = load(&server.base, "/gallery", None).await;
    let stream = tokio::net::TcpStream::connect(server.base.trim_start_matches("http://")).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = raw_head(&server, &page, "Transfer-Encoding: chunked");
    // Four times the limit, and then the body never ends: an answer can
    // only come from a server that counts as it reads.
    let sender = tokio::spawn(async move {
        writer.write_all(&head).await?;
        let mut first = part_head(b"big.bin");
        first.extend_from_slice(&[b'x'; 1024]);
        writer.write_all(format!("{:x}\r\n", first.len()).as_bytes()).await?;
        writer.write_all(&first).await?;
        writer.write_all(b"\r\n").await?;
        for _ in 0..256 {
            writer.write_all(format!("{:x}\r\n", 1024).as_bytes()).await?;
            writer.write_all(&[b'x'; 1024]).await?;
            writer.write_all(b"\r\n").await?;
        }
        std::future::pending::<()>().await;
        Ok::<_, std::io::Error>(writer)
    });
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(120), async {
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = reader.read(&mut buffer).await.unwrap();
            assert!(n > 0, "closed without an answer");
            answer.extend_from_slice(&buffer[..n]);
        }
    })
    .await;
    assert!(read.is_ok(), "no answer before the body ended");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    sender.abort();
    eventually("the partial file is removed", || stored(&server).is_empty()).await;
    server.stop().await;
}

#[tokio::test]
async fn a_body_broken_off_halfway_leaves_nothing_on_disk() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let page = load(&server.base, "/gallery", None).await;
    let mut stream = tokio::net::TcpStream::connect(server.base.trim_start_matches("http://")).await.unwrap();
    stream.write_all(&raw_head(&server, &page, "Content-Length: 1000000")).await.unwrap();
    stream.write_all(&part_head(b"half.bin")).await.unwrap();
    stream.write_all(&[b'h'; 20_000]).await.unwrap();
    // The server has begun to store it…
    eventually("the file is being written", || !stored(&server).is_empty()).await;
    // …when the client goes away.
    drop(stream);
    eventually("the partial file is removed", || stored(&server).is_empty()).await;
    assert_eq!(folders(&server), 0);
    assert_eq!(gallery_data(&server, &page).await["files"], json!([]));
    server.stop().await;
}

/// A page that puts user data into URL attributes, the ways an app might.
#[derive(Serialize, Deserialize, State)]
struct Links {
    homepage: String,
    avatar: String,
    next: String,
}

impl Default for Links {
    fn default() -> Self {
        Self {
            homepage: "javascript:alert(document.cookie)".into(),
            avatar: " \u{1}JaVa\tScript:alert(2)".into(),
            next: "data:text/html,<script>alert(3)</script>".into(),
        }
    }
}

#[events]
impl Links {
    async fn set_homepage(&mut self, homepage: String) {
        self.homepage = homepage;
    }
}

fn links_view() -> Node {
    // User data formatted into a fixed attribute, as an app might.
    let formatted = format!("{}#top", Links::default().homepage);
    div().children([
        a().id("homepage").bind_attr("href", "homepage").child(bind("homepage")),
        img().id("avatar").bind_attr("src", "avatar").attr("alt", ""),
        form().id("next").bind_attr("action", "next"),
        a().id("static").href(&formatted).text("formatted"),
        img().id("inline").attr("src", "data:image/png;base64,iVBORw0KGgo=").attr("alt", ""),
        a().id("safe").href("/products/3?from=javascript:").text("safe"),
    ])
}

fn no_urls() -> Vec<tandem::urls::UrlPattern> {
    Vec::new()
}

#[tokio::test]
async fn the_first_paint_never_writes_a_javascript_url() {
    let app = tandem::App::new(env!("CARGO_MANIFEST_DIR"))
        .urls(no_urls)
        .page(Page::dynamic::<Links>("links", "Links", links_view));
    let server = TestServer::start(&app, |_| {}).await;
    let page = load(&server.base, "/links", None).await;
    let start = page.html.find("<div><a id=\"homepage\"").expect("the page's body");
    let body = &page.html[start..start + page.html[start..].find("</div>").unwrap()];
    for id in ["homepage", "avatar", "next", "static"] {
        let at = body.find(&format!("id=\"{id}\"")).unwrap();
        let tag = &body[at..at + body[at..].find('>').unwrap()];
        assert!(tag.contains("=\"about:blank#blocked\""), "{id} is neutralised: {tag}");
    }
    assert!(!body.to_lowercase().contains("=\"javascript") && !body.contains("=\"data:text"), "{body}");
    assert!(body.contains(">javascript:alert(document.cookie)</a>"), "the text is shown as text: {body}");
    assert!(body.contains("src=\"data:image/png;base64,iVBORw0KGgo=\""), "an inline image stays: {body}");
    assert!(body.contains("href=\"/products/3?from=javascript:\""), "{body}");

    // The state itself is the app's: the boot data and events carry it unchanged.
    assert_eq!(page.boot["data"]["homepage"], "javascript:alert(document.cookie)");
    let mut socket = connect(&server.base, &page.cookies, &server.base).await.unwrap();
    hello(&mut socket, Some(&page.token), "/links").await;
    send(&mut socket, json!({"t": "event", "id": 1, "name": "set_homepage", "args": ["vbscript:x"]})).await;
    assert_eq!(receive(&mut socket).await.unwrap()["ops"][0]["value"], "vbscript:x");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_javascript_url_typed_into_a_bound_link_is_neutralised_in_the_browser() {
    let browser = tandem::browser_or_skip!();
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let tab = browser.open(&server.url("/gallery")).await;
    tab.wait_for("document.documentElement.dataset.tandemSeen !== undefined").await;
    let set_credit = |value: &str| {
        format!(
            "{{ const input = document.querySelector('#credit'); input.value = {}; \
               input.dispatchEvent(new Event('change', {{ bubbles: true }})); }}",
            json!(value)
        )
    };
    let link = "document.querySelector('#credit-link')";
    for hostile in ["javascript:alert(1)", "  JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "data:text/html,<b>x</b>"]
    {
        tab.eval(&set_credit(hostile)).await;
        tab.wait_for(&format!("{link} && {link}.textContent === {}", json!(hostile))).await;
        assert_eq!(tab.eval(&format!("{link}.getAttribute('href')")).await, json!("about:blank#blocked"), "{hostile}");
    }
    // A link that is fine is kept as typed.
    tab.eval(&set_credit("https://example.com/photos?ref=javascript:")).await;
    tab.wait_for(&format!("{link}.getAttribute('href') === 'https://example.com/photos?ref=javascript:'")).await;
    // And back: the attribute follows the field both ways.
    tab.eval(&set_credit("vbscript:msgbox(1)")).await;
    tab.wait_for(&format!("{link}.getAttribute('href') === 'about:blank#blocked'")).await;
    browser.close().await;
    server.stop().await;
}
