//! The foundation over a real socket and through the real binary: prefix
//! dispatch, Django-style URLs, the seed's plain view and webhook, body
//! limits, exact decimals, configuration errors, the `routes` and `loaddata`
//! commands and a graceful shutdown.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use shop::shop::models::product;
use tandem::prelude::*;
use tandem::testing::TestServer;

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn assert_security_headers(headers: &HeaderMap, what: &str) {
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("cross-origin-opener-policy", "same-origin"),
        ("x-frame-options", "DENY"),
    ] {
        assert_eq!(headers.get(name).map(|v| v.to_str().unwrap()), Some(value), "{name} on {what}");
    }
}

async fn json_of(response: reqwest::Response) -> Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text:?}"))
}

/// A CSRF cookie and a masked token from `GET /api/csrf/`.
async fn csrf(server: &TestServer) -> (String, String) {
    let response = client().get(server.url("/api/csrf/")).send().await.unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let token = json_of(response).await["csrfToken"].as_str().unwrap().to_string();
    (cookie, token)
}

#[tokio::test]
async fn prefixes_dispatch_to_the_backend_or_the_ui_side() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let http = client();

    // `/api/...` is the backend: unknown paths there are JSON 404s.
    let response = http.get(server.url("/api/nothing/here/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_security_headers(response.headers(), "a backend 404");
    assert_eq!(json_of(response).await, json!({"detail": "Not found."}));
    let response = http.get(server.url("/api")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_of(response).await, json!({"detail": "Not found."}));

    // `/apix` is not under `/api`: the UI side answers. A registered page is
    // 200; any other path gets the 404 page, server-rendered HTML too.
    for (page, status) in [
        ("/", StatusCode::OK),
        ("/products/42", StatusCode::OK),
        ("/apix", StatusCode::NOT_FOUND),
        ("/apix/shop/active/", StatusCode::NOT_FOUND),
        ("/webhooksfoo", StatusCode::NOT_FOUND),
    ] {
        let response = http.get(server.url(page)).send().await.unwrap();
        assert_eq!(response.status(), status, "{page}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{page}");
        assert_security_headers(response.headers(), page);
        assert!(response.headers()["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
        let body = response.text().await.unwrap();
        assert!(body.starts_with("<!doctype html>"), "{page}: {body}");
        assert!(body.contains("id=\"tandem-boot\""), "{page}: a live page, not a shell");
        assert_eq!(body.contains("Nothing here"), status == StatusCode::NOT_FOUND, "{page}: {body}");
    }

    // The extra prefix is backend too.
    let response = http.get(server.url("/webhooks/unknown/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_of(response).await, json!({"detail": "Not found."}));

    let response = http.get(server.url("/ping")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_security_headers(response.headers(), "/ping");
    assert_eq!(response.text().await.unwrap(), "pong");

    let response = http.get(server.url("/_health")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_of(response).await["database"], "reachable");

    // With the pool closed the database is reported unreachable.
    server.db.clone().close().await.unwrap();
    let response = http.get(server.url("/_health")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json_of(response).await["database"], "unreachable");
    server.stop().await;
}

#[tokio::test]
async fn the_active_view_lists_active_products_newest_first() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let response = client().get(server.url("/api/shop/active/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_security_headers(response.headers(), "the active view");
    // The initial data: product 4 is inactive.
    assert_eq!(
        response.text().await.unwrap(),
        json!({"results": [
            {"id": 5, "name": "Green beans, 1 kg", "price": 18.75},
            {"id": 3, "name": "Burr grinder", "price": 129.99},
            {"id": 2, "name": "Pour-over kettle", "price": 49.0},
            {"id": 1, "name": "Espresso cup", "price": 8.5},
        ]})
        .to_string()
    );

    // A new active product comes first; a new inactive one is not listed.
    for (name, sku, active) in [("Scale", "SCL", true), ("Tamper", "TMP", false)] {
        product::ActiveModel {
            name: Set(name.into()),
            price: Set("12.00".parse().unwrap()),
            sku: Set(sku.into()),
            is_active: Set(active),
            ..Default::default()
        }
        .insert(&server.db)
        .await
        .unwrap();
    }
    let body = json_of(client().get(server.url("/api/shop/active/")).send().await.unwrap()).await;
    let names: Vec<&str> = body["results"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Scale", "Green beans, 1 kg", "Burr grinder", "Pour-over kettle", "Espresso cup"]);
    server.stop().await;
}

#[tokio::test]
async fn other_methods_on_a_get_view_get_405_after_csrf() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let http = client();

    // HEAD is answered as GET.
    let response = http.head(server.url("/api/shop/active/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    // CSRF runs first: an unsafe method without a token is refused with 403.
    let response = http.post(server.url("/api/shop/active/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let (cookie, token) = csrf(&server).await;
    for method in [reqwest::Method::POST, reqwest::Method::PUT, reqwest::Method::PATCH, reqwest::Method::DELETE] {
        let response = http
            .request(method.clone(), server.url("/api/shop/active/"))
            .header("cookie", &cookie)
            .header("x-csrftoken", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(response.headers()["allow"], "GET", "{method}");
        assert_security_headers(response.headers(), "a 405");
        assert_eq!(response.text().await.unwrap(), "", "{method}");
    }
    // OPTIONS is safe, so it reaches the view, which only declares GET.
    let response = http.request(reqwest::Method::OPTIONS, server.url("/api/shop/active/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET");
    server.stop().await;
}

#[tokio::test]
async fn a_missing_trailing_slash_redirects_with_the_query() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let http = client();
    let response = http.get(server.url("/api/shop/active?page=2&q=a%20b")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(response.headers()["location"], "/api/shop/active/?page=2&q=a%20b");
    assert_security_headers(response.headers(), "a 301");

    // For every method, before CSRF: the client must learn the right URL.
    let response = http.post(server.url("/webhooks/stripe")).body("x").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(response.headers()["location"], "/webhooks/stripe/");

    // No redirect when the slashed path would not match either.
    let response = http.get(server.url("/api/shop/nothing")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    server.stop().await;
}

/// Bytes that are not UTF-8 anywhere: every value 0..=255, over and over.
fn binary(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 256) as u8).collect()
}

#[tokio::test]
async fn the_webhook_receives_raw_bytes_up_to_the_limit() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let http = client();
    let post = |body: Vec<u8>| {
        http.post(server.url("/webhooks/stripe/")).header("content-type", "application/octet-stream").body(body).send()
    };

    // CSRF exempt, no cookie, any bytes.
    for len in [0, 1, 256 * 1024, 2_621_440] {
        let response = post(binary(len)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{len} bytes");
        assert_eq!(json_of(response).await, json!({"received": len}));
    }
    let response = post(vec![0xff, 0xfe, 0x00, 0xc3]).await.unwrap();
    assert_eq!(json_of(response).await, json!({"received": 4}));

    // One byte over Django's 2.5 MiB: 413, and the server keeps serving.
    let response = post(binary(2_621_441)).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_security_headers(response.headers(), "a 413");
    let response = post(binary(10)).await.unwrap();
    assert_eq!(json_of(response).await, json!({"received": 10}));

    // A chunked body with no Content-Length is counted as it streams.
    assert_eq!(chunked_post(&server, "/webhooks/stripe/", 11, 256 * 1024).await, 413);
    assert_eq!(chunked_post(&server, "/webhooks/stripe/", 3, 1000).await, 200);
    server.stop().await;

    // The limit is a setting.
    let server = TestServer::start(&shop::app(), |s| s.backend.max_body_bytes = 1000).await;
    let post = |len: usize| client().post(server.url("/webhooks/stripe/")).body(binary(len)).send();
    assert_eq!(post(1000).await.unwrap().status(), StatusCode::OK);
    assert_eq!(post(1001).await.unwrap().status(), StatusCode::PAYLOAD_TOO_LARGE);
    server.stop().await;
}

/// Posts `chunks` chunks of `size` bytes with `Transfer-Encoding: chunked`
/// over a raw socket and returns the response's status code.
async fn chunked_post(server: &TestServer, path: &str, chunks: usize, size: usize) -> u16 {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let address = server.base.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let (read, mut write) = stream.into_split();
    let head = format!("POST {path} HTTP/1.1\r\nHost: {address}\r\nTransfer-Encoding: chunked\r\n\r\n");
    let writer = tokio::spawn(async move {
        write.write_all(head.as_bytes()).await?;
        for _ in 0..chunks {
            write.write_all(format!("{size:x}\r\n").as_bytes()).await?;
            write.write_all(&binary(size)).await?;
            write.write_all(b"\r\n").await?;
        }
        write.write_all(b"0\r\n\r\n").await?;
        Ok::<_, std::io::Error>(write)
    });
    let mut status = String::new();
    tokio::io::BufReader::new(read).read_line(&mut status).await.unwrap();
    let _ = writer.await;
    status
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status: {status:?}"))
}

async fn echo(kwargs: Kwargs) -> axum::Json<Value> {
    axum::Json(Value::Object(kwargs.0.into_iter().map(|(k, v)| (k, Value::String(v))).collect()))
}

fn converter_urls() -> Vec<UrlPattern> {
    vec![path(
        "api/",
        include(vec![
            path("items/<int:pk>/", get(echo)),
            path("tags/<slug:tag>/", get(echo)),
            path("names/<str:name>/", get(echo)),
            path("orders/<uuid:id>/", get(echo)),
            path("files/<path:rest>", get(echo)),
        ]),
    )]
}

#[tokio::test]
async fn path_converters_capture_or_404() {
    let app = tandem::App::new(env!("CARGO_MANIFEST_DIR")).urls(converter_urls);
    let server = TestServer::start(&app, |_| {}).await;
    let http = client();
    let uuid = "3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b";
    for (url, expected) in [
        ("/api/items/42/", json!({"pk": "42"})),
        ("/api/tags/red-mugs_2/", json!({"tag": "red-mugs_2"})),
        ("/api/names/caf%C3%A9%20au%20lait/", json!({"name": "café au lait"})),
        (&format!("/api/orders/{uuid}/"), json!({"id": uuid})),
        ("/api/files/a/b/c.txt", json!({"rest": "a/b/c.txt"})),
    ] {
        let response = http.get(server.url(url)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        assert_eq!(json_of(response).await, expected, "{url}");
    }
    for url in [
        "/api/items/4x2/",
        "/api/items/-1/",
        "/api/tags/a.b/",
        "/api/orders/3F2B8C1E-9D4A-4E6B-8F0A-1C2D3E4F5A6B/",
        "/api/orders/not-a-uuid/",
        "/api/files/",
    ] {
        let response = http.get(server.url(url)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{url}");
        assert_eq!(json_of(response).await, json!({"detail": "Not found."}), "{url}");
    }
    server.stop().await;
}

#[tokio::test]
async fn prices_are_exact_decimals_on_every_database() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    for (id, price) in [(10, "0.10"), (11, "12345678.99"), (12, "0.01"), (13, "99999999.99")] {
        product::ActiveModel {
            id: Set(id),
            name: Set(format!("P{id}")),
            price: Set(price.parse().unwrap()),
            sku: Set(format!("SKU-{id}")),
            is_active: Set(true),
        }
        .insert(&server.db)
        .await
        .unwrap();
        let stored = product::Entity::find_by_id(id).one(&server.db).await.unwrap().unwrap();
        assert_eq!(stored.price.to_string(), price, "product {id}");
    }
    let sum = product::Entity::find()
        .all(&server.db)
        .await
        .unwrap()
        .iter()
        .filter(|p| p.id >= 10)
        .fold(rust_decimal::Decimal::ZERO, |acc, p| acc + *p.price);
    assert_eq!(sum.to_string(), "112345679.09");

    let body = json_of(client().get(server.url("/api/shop/active/")).send().await.unwrap()).await;
    let prices: Vec<String> = body["results"].as_array().unwrap()[..4].iter().map(|p| p["price"].to_string()).collect();
    assert_eq!(prices, ["99999999.99", "0.01", "12345678.99", "0.1"]);
    server.stop().await;
}

/// Runs the shop binary with `config` as its `Tandem.toml`, in its own folder.
fn shop(dir: &Path, config: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let file = dir.join("Tandem.toml");
    std::fs::write(&file, config).unwrap();
    Command::new(env!("CARGO_BIN_EXE_shop"))
        .arg("--config")
        .arg(&file)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("SECRET_KEY")
        .env_remove("TANDEM_ENV")
        .env_remove("TANDEM_ADDR")
        .env_remove("TANDEM_ALLOWED_HOSTS")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

const GOOD: &str = "[app]\nname = \"shop\"\n[backend]\nprefix = \"/api\"\nextra_prefixes = [\"/webhooks\"]\n[database]\nurl = \"sqlite:db.sqlite3\"\n";

#[test]
fn a_bad_config_file_stops_start_up_naming_file_key_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    for (config, key, problem) in [
        ("[app]\nname = \"shop\"\ncolour = \"red\"\n", "colour", "unknown"),
        ("[app]\nname = \"shop\"\n[server]\naddr = 3000\n", "addr", "invalid type"),
        ("[app]\nname = \"shop\"\n[backend]\nprefix = \"/\"\n", "backend.prefix", "/"),
        ("[app]\nname = \"shop\"\n[backend]\nprefix = \"\"\n", "backend.prefix", "empty"),
        ("[app]\nname = \"shop\"\n[backend]\nextra_prefixes = [\"/_event\"]\n", "backend.extra_prefixes", "reserved"),
        ("[app]\nname = \"shop\"\n[backend]\nprefix = \"/ping\"\n", "backend.prefix", "reserved"),
        ("[app]\nname = \"shop\"\n[backend]\nprefix = \"/_tandem\"\n", "backend.prefix", "reserved"),
        (
            "[app]\nname = \"shop\"\n[backend]\nextra_prefixes = [\"/_upload/x\"]\n",
            "backend.extra_prefixes",
            "reserved",
        ),
        ("[app]\nname = \"shop\"\n[rest]\nthrottle_anon = \"3 per minute\"\n", "throttle_anon", "not a rate"),
        ("[app]\nname = \"shop\"\n[rest]\npagination = \"cursor\"\n", "pagination", "unknown variant"),
        ("[app]\nname = \"shop\"\n[rest]\npermission = \"everyone\"\n", "permission", "unknown variant"),
    ] {
        let out = shop(dir.path(), config, &["routes"], &[]);
        let said = text(&out);
        assert!(!out.status.success(), "{config} was accepted");
        assert!(said.contains("Tandem.toml"), "{config}: {said}");
        assert!(said.contains(key), "{config}: no {key} in {said}");
        assert!(said.to_lowercase().contains(problem), "{config}: no {problem} in {said}");
    }
}

#[test]
fn production_refuses_to_start_without_a_secret_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = shop(dir.path(), GOOD, &["run"], &[("TANDEM_ENV", "production"), ("TANDEM_ADDR", "127.0.0.1:0")]);
    assert!(!out.status.success());
    assert!(text(&out).contains("SECRET_KEY"), "{}", text(&out));
    assert!(!dir.path().join("db.sqlite3").exists(), "nothing was done before the refusal");

    let out = shop(dir.path(), GOOD, &["run"], &[("TANDEM_ENV", "staging")]);
    assert!(!out.status.success());
    assert!(text(&out).contains("TANDEM_ENV"), "{}", text(&out));
}

#[test]
fn routes_prints_every_route_with_methods_handler_and_side() {
    let dir = tempfile::tempdir().unwrap();
    let out = shop(dir.path(), GOOD, &["routes"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = stdout.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows[0], ["PATH", "METHOD", "HANDLER", "SIDE"]);
    let row = |path: &str| rows.iter().find(|r| r[0] == path).unwrap_or_else(|| panic!("no {path} in\n{stdout}"));
    assert_eq!(row("/api/shop/active/")[1..], ["GET", "shop::shop::views::active_products", "backend"]);
    assert_eq!(
        row("/webhooks/stripe/")[1..],
        ["POST", "shop::shop::views::stripe_webhook", "backend", "(csrf", "exempt)"]
    );
    assert_eq!(row("/api/auth/login/")[1..], ["POST", "shop::accounts::views::login", "backend"]);
    assert_eq!(row("/ping")[3], "ui");
    assert_eq!(row("/counter")[1..], ["GET", "page", "`Counter`", "(state", "`counter`)", "ui"]);
    assert_eq!(row("/_event")[1..], ["GET", "tandem::ui::socket::event_socket", "ui"]);
    assert_eq!(row("/_health")[3], "ui");
}

#[tokio::test]
async fn loaddata_installs_a_django_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = dir.path().join("more.json");
    std::fs::write(
        &fixture,
        r#"[{"model": "shop.product", "pk": 40, "fields": {"name": "Dripper", "price": "23.40", "sku": "DRP", "is_active": true}},
            {"model": "shop.product", "pk": 41, "fields": {"name": "Carafe", "price": "0.10", "sku": "CRF", "is_active": false}}]"#,
    )
    .unwrap();
    let out = shop(dir.path(), GOOD, &["migrate"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let out = shop(dir.path(), GOOD, &["loaddata", fixture.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Installed 2 object(s) from 1 fixture(s)"), "{}", text(&out));

    let db = tandem::db::connect(&format!("sqlite://{}", dir.path().join("db.sqlite3").display())).await.unwrap();
    let carafe = product::Entity::find_by_id(41).one(&db).await.unwrap().unwrap();
    assert_eq!((carafe.name.as_str(), carafe.price.to_string(), carafe.is_active), ("Carafe", "0.10".into(), false));

    // Loading again updates the same rows (Django: objects are saved by pk).
    let out = shop(dir.path(), GOOD, &["loaddata", fixture.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(product::Entity::find().all(&db).await.unwrap().iter().filter(|p| p.id >= 40).count(), 2);

    // An unknown model is an error that names it.
    std::fs::write(&fixture, r#"[{"model": "shop.nothing", "pk": 1, "fields": {}}]"#).unwrap();
    let out = shop(dir.path(), GOOD, &["loaddata", fixture.to_str().unwrap()], &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("shop.nothing"), "{}", text(&out));
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Tandem.toml");
    std::fs::write(&file, GOOD).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_shop"))
        .arg("--config")
        .arg(&file)
        .env_remove("DATABASE_URL")
        .env("TANDEM_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let ping = || {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        std::io::Write::write_all(&mut stream, b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").ok()?;
        let mut status = String::new();
        BufReader::new(stream).read_line(&mut status).ok()?;
        Some(status)
    };
    let started = Instant::now();
    let status = loop {
        if let Some(status) = ping() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(ping().is_none(), "the port is closed after shutdown");
}
