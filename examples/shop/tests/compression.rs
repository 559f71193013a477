//! Compressed responses over a real socket: pages, JSON and the runtime's
//! assets in gzip or brotli when the client asks, as they were when it does not.

use std::io::Read;

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, VARY};
use tandem::testing::TestServer;

/// Status, `Content-Encoding` and the decoded body of `path` fetched with
/// `Accept-Encoding: accept` (none when empty).
async fn fetch(server: &TestServer, path: &str, accept: &str) -> (u16, Option<String>, Option<String>, String) {
    let mut request = reqwest::Client::new().get(server.url(path));
    if !accept.is_empty() {
        request = request.header(ACCEPT_ENCODING, accept);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let header =
        |name| response.headers().get(name).map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_owned());
    let (encoding, vary) = (header(CONTENT_ENCODING), header(VARY));
    let bytes = response.bytes().await.unwrap();
    let mut body = Vec::new();
    match encoding.as_deref() {
        Some("gzip") => {
            flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut body).unwrap();
        }
        Some("br") => brotli::BrotliDecompress(&mut &bytes[..], &mut body).unwrap(),
        None => body = bytes.to_vec(),
        Some(other) => panic!("unexpected encoding {other}"),
    }
    (status, encoding, vary, String::from_utf8(body).unwrap())
}

#[tokio::test]
async fn pages_json_and_assets_are_compressed_as_the_client_asks() {
    let server = TestServer::start(&shop::app(), |_| {}).await;
    let (_, plain_encoding, _, page) = fetch(&server, "/", "").await;
    assert_eq!(plain_encoding, None, "nothing asked, nothing compressed");
    let runtime = page
        .split('"')
        .find(|part| part.starts_with("/_tandem/") && part.ends_with(".js"))
        .expect("the page links its runtime")
        .to_owned();

    for (accept, expected) in [("gzip", "gzip"), ("gzip, deflate, br", "br"), ("br;q=1, gzip;q=0.5", "br")] {
        // The page carries a fresh token each time: compare what does not change.
        let (status, encoding, vary, body) = fetch(&server, "/", accept).await;
        assert_eq!((status, encoding.as_deref(), vary.as_deref()), (200, Some(expected), Some("accept-encoding")));
        assert!(body.starts_with("<!doctype html>") && body.contains("Burr grinder"), "{body}");
        assert!(body.len().abs_diff(page.len()) < 200, "{} vs {}", body.len(), page.len());

        for path in ["/api/shop/active/", "/api/schema/", runtime.as_str()] {
            let (_, _, _, plain) = fetch(&server, path, "").await;
            let (status, encoding, _, body) = fetch(&server, path, accept).await;
            assert_eq!((status, encoding.as_deref()), (200, Some(expected)), "{path}");
            assert_eq!(body, plain, "{path} decodes to what an uncompressing client gets");
        }
    }
    // A client that refuses both gets the bytes as they are; so does a body
    // too small to gain (a product's detail).
    let (_, encoding, _, _) = fetch(&server, "/api/shop/active/", "gzip;q=0, br;q=0").await;
    assert_eq!(encoding, None);
    let (status, encoding, _, body) = fetch(&server, "/api/shop/products/3/", "gzip").await;
    assert_eq!((status, encoding), (200, None), "{} bytes", body.len());
    server.stop().await;
}

#[tokio::test]
async fn the_apps_static_files_are_served_under_hashed_names() {
    // What a release build serves: the files embedded at compile time.
    let app = shop::app().static_files(tandem::static_files!().embedded());
    let server = TestServer::start(&app, |_| {}).await;
    let (_, _, _, page) = fetch(&server, "/", "").await;
    let stylesheet = tandem::static_url!("css/shop.css");
    let logo = tandem::static_url!("img/logo.svg");
    assert!(page.contains(&format!("<link rel=\"stylesheet\" href=\"{stylesheet}\">")), "{page}");
    assert!(page.contains(&format!("src=\"{logo}\"")), "{page}");

    let client = reqwest::Client::new();
    for (url, content_type, starts) in [(stylesheet, "text/css", "/*"), (logo, "image/svg+xml", "<svg")] {
        let response = client.get(server.url(url)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        assert_eq!(response.headers()["content-type"], content_type);
        assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable");
        assert!(response.text().await.unwrap().starts_with(starts), "{url}");
    }
    // Embedded text is sent compressed, once compressed for every request.
    for _ in 0..2 {
        let (status, encoding, _, css) = fetch(&server, stylesheet, "br").await;
        assert_eq!((status, encoding.as_deref()), (200, Some("br")));
        assert!(css.starts_with("/*") && css.contains(".product-grid"), "{css}");
    }
    let (_, encoding, _, _) = fetch(&server, logo, "gzip").await;
    assert_eq!(encoding.as_deref(), Some("gzip"), "SVG is text");
    // The plain name is revalidated; another hash, a missing file or a path
    // out of the folder is not there.
    let plain = client.get(server.url("/static/css/shop.css")).send().await.unwrap();
    assert_eq!((plain.status().as_u16(), &plain.headers()["cache-control"]), (200, &"no-cache".parse().unwrap()));
    for missing in [
        "/static/css/shop.0000000000000000.css",
        "/static/css/nothing.css",
        "/static/../Cargo.toml",
        "/static/%2e%2e/Cargo.toml",
        "/static/css/..%2f..%2fCargo.toml",
    ] {
        let status = client.get(server.url(missing)).send().await.unwrap().status();
        assert_eq!(status, 404, "{missing}");
    }
    server.stop().await;
}
